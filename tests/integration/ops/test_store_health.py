"""The store's health as an operator relies on it, against real processes and a real disk.

A full disk (a small tmpfs filled to the last byte) turns `/readyz` 503 and
`wallboard_store_healthy` 0 within 10 s, and back within 10 s of the space returning,
while the vendor keeps posting: every CDR acknowledged before, during and after is in
the database. A store that cannot be opened stops the server with an exit code ≠ 0 and
one line, under the wallboard's logger, naming the file (or the URL, without its
password) and why.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import CDR, cannot, subprocess_env
from tests.integration.ops.test_metrics import _free_port, parse
from wallboard.errors import StoreError
from wallboard.store.db import Store

pytestmark = pytest.mark.integration

SECRET = "store-health-cdr-secret"


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A real small file system at `where`, unmounted (and emptied) at the end."""
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        cannot(f"cannot mount a tmpfs to fill (mount needs root): {done.stderr.strip()}")
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], check=False)  # a file still open


def fill(disk: Path) -> Path:
    """Write a file until the file system has no byte left; the file."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
        try:
            while True:
                f.write(b"\0")
        except OSError:
            pass
    return filler


def _body(i: int) -> bytes:
    cdr = json.loads((CDR / "incoming-queue-answer.json").read_text(encoding="utf-8"))
    cdr["ivruniqueid"] = f"disk-{i:06d}"
    cdr["time"] = int(time.time())
    return json.dumps(cdr).encode()


async def _ready(http: aiohttp.ClientSession, base: str) -> tuple[int, dict[str, object]]:
    async with http.get(f"{base}/readyz") as r:
        return r.status, await r.json()


async def _until_status(
    http: aiohttp.ClientSession, base: str, want: int, seconds: float
) -> tuple[float, dict[str, object]]:
    """Poll /readyz until it answers `want`; how long it took and its body."""
    t0 = time.monotonic()
    while True:
        status, body = await _ready(http, base)
        if status == want:
            return time.monotonic() - t0, body
        assert time.monotonic() - t0 < seconds, (status, body)
        await asyncio.sleep(0.25)


async def _store_samples(http: aiohttp.ClientSession, base: str) -> tuple[float, float]:
    """(wallboard_store_healthy, every wallboard_store_errors_total summed)."""
    async with http.get(f"{base}/metrics") as r:
        got = parse(await r.text())
    errors = sum(v for (name, _), v in got.items() if name == "wallboard_store_errors_total")
    return got[("wallboard_store_healthy", ())], errors


async def _until_metric(http: aiohttp.ClientSession, base: str, want: float) -> float:
    """Scrape /metrics (nothing else) until wallboard_store_healthy is `want`; how long."""
    t0 = time.monotonic()
    while (await _store_samples(http, base))[0] != want:
        assert time.monotonic() - t0 < 10.0, f"wallboard_store_healthy never {want}"
        await asyncio.sleep(0.25)
    return time.monotonic() - t0


async def test_a_full_disk_turns_readyz_503_and_back_and_loses_no_acknowledged_cdr(
    tmp_path: Path,
) -> None:
    with tmpfs(tmp_path / "disk", "16m") as disk:
        db = disk / "wallboard.db"
        port = _free_port()
        env = subprocess_env(
            WALLBOARD_WEB_PORT=str(port),
            WALLBOARD_CDR_SECRET=SECRET,
            WALLBOARD_STORE_PATH=str(db),
            WALLBOARD_DATA_DIR=str(tmp_path / "data"),
            WALLBOARD_SIMULATOR_HISTORY_DAYS="0",
            WALLBOARD_CDR_BACKFILL="false",
        )
        log = (tmp_path / "demo.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "wallboard.cli", "demo", "--agents", "4", "--speed", "1"],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        acked: list[str] = []
        refused = 0
        try:
            async with aiohttp.ClientSession() as http:
                deadline = time.monotonic() + 90
                while True:
                    assert proc.poll() is None, (tmp_path / "demo.log").read_text()
                    with contextlib.suppress(aiohttp.ClientError):
                        if (await _ready(http, base))[0] == 200:
                            break
                    assert time.monotonic() < deadline, (tmp_path / "demo.log").read_text()
                    await asyncio.sleep(0.3)

                stop, posting_on = asyncio.Event(), asyncio.Event()
                posting_on.set()

                async def vendor() -> None:  # posts on, as the vendor does, disk full or not
                    nonlocal refused
                    i = 0
                    while not stop.is_set():
                        await posting_on.wait()
                        url = f"{base}/vendor/cdr/{SECRET}"
                        headers = {"Content-Type": "application/json"}
                        async with http.post(url, data=_body(i), headers=headers) as r:
                            reply = await r.read()
                        if r.status == 200 and json.loads(reply).get("Err") == 0:
                            acked.append(f"disk-{i:06d}")
                        else:
                            refused += 1
                        i += 1
                        await asyncio.sleep(0.05)

                posting = asyncio.create_task(vendor())
                while len(acked) < 20:
                    await asyncio.sleep(0.1)
                assert await _store_samples(http, base) == (1.0, 0.0)

                # Nobody posts and nobody asks /readyz: the writer's own probe tells.
                posting_on.clear()
                filler = fill(disk)
                metric_down = await _until_metric(http, base, 0.0)
                took_down, body = await _until_status(http, base, 503, 10.0)
                assert body["store_ok"] is False and body["link_ok"] is True
                assert "full" in str(body["store"]), body
                assert (await _store_samples(http, base))[1] >= 1  # errors counted
                posting_on.set()
                while refused < 3:  # the vendor's posts meanwhile are refused (Err 2)
                    await asyncio.sleep(0.1)
                posting_on.clear()
                acked_while_full = len(acked)

                filler.unlink()
                metric_up = await _until_metric(http, base, 1.0)
                took_up, body = await _until_status(http, base, 200, 10.0)
                assert body["store"] == "writable"
                posting_on.set()
                while len(acked) < acked_while_full + 20:  # and stored again
                    await asyncio.sleep(0.1)
                stop.set()
                await posting
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
        assert proc.returncode in (0, -15), (tmp_path / "demo.log").read_text()[-3000:]
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            stored = {r[0] for r in conn.execute("SELECT ivruniqueid FROM cdr")}
        finally:
            conn.close()
    missing = set(acked) - stored
    assert not missing, f"{len(missing)} acknowledged CDRs lost"
    print(
        f"\nfull disk: wallboard_store_healthy 0 after {metric_down:.1f} s (no post, no"
        f" /readyz), then /readyz 503 at once ({took_down:.1f} s); space back:"
        f" healthy after {metric_up:.1f} s, /readyz 200 {took_up:.1f} s later;"
        f" {len(acked)} CDRs acknowledged, all stored; {refused} refused"
    )


def _run_server(
    tmp_path: Path, prefix: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "wallboard.cli", "cdr-server"],
        env=subprocess_env(
            WALLBOARD_WEB_PORT=str(_free_port()),
            WALLBOARD_CDR_SECRET=SECRET,
            WALLBOARD_DATA_DIR=str(tmp_path / "data"),
            **env,
        ),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_line(done: subprocess.CompletedProcess[str], *names: str) -> str:
    """The one line that says why, under the wallboard's logger (not "nicegui")."""
    assert done.returncode not in (0, None), done.stdout + done.stderr
    out = done.stdout + done.stderr
    lines = [line for line in out.splitlines() if all(n in line for n in names)]
    assert len(lines) == 1, out
    assert " wallboard.app: " in lines[0], out
    assert "Traceback" not in out, out
    return lines[0]


def test_a_database_the_service_may_not_read_stops_the_server(tmp_path: Path) -> None:
    """The issue's case: a database restored by root, owned by someone else, mode 0600."""
    db = tmp_path / "wallboard.db"
    store = Store(db)
    store.open()
    store.close()
    os.chown(db, 65534, 65534)  # nobody's
    db.chmod(0o600)
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:  # root reads any file: run it as root without that power
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            cannot("root reads any file, and there is no setpriv to drop that")
        prefix = (setpriv, "--bounding-set=-dac_override,-dac_read_search")
    line = _one_line(_run_server(tmp_path, prefix, WALLBOARD_STORE_PATH=str(db)), str(db))
    assert "permission denied (owned by uid 65534, mode 0600" in line


def test_a_file_that_is_not_a_database_is_named_with_why(tmp_path: Path) -> None:
    db = tmp_path / "wallboard.db"
    db.write_bytes(b"restored from the wrong file" * 200)
    with pytest.raises(StoreError, match=f"cannot open database {db}: file is not a database"):
        Store(db).open()


def test_a_database_on_a_read_only_file_system_stops_the_server(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", "1m") as disk:
        db = disk / "wallboard.db"
        store = Store(db)  # made once, writable, with today's schema
        store.open()
        store.close()
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        line = _one_line(_run_server(tmp_path, WALLBOARD_STORE_PATH=str(db)), str(db))
        assert "read-only" in line


def test_a_postgresql_it_cannot_reach_stops_the_server(tmp_path: Path) -> None:
    url = f"postgresql://wallboard:hunter2-secret@127.0.0.1:{_free_port()}/wallboard"
    done = _run_server(tmp_path, WALLBOARD_STORE_URL=url)
    line = _one_line(done, "postgresql://wallboard:***@127.0.0.1")
    assert "hunter2" not in done.stdout + done.stderr
    assert "cannot connect" in line
