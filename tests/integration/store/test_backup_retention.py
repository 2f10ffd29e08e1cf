"""Backups taken while CDRs pour in, and retention that keeps what the history needs."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import CDR
from wallboard.cli import main
from wallboard.config import load_settings
from wallboard.runtime.hub import Hub
from wallboard.services.intake import CdrIntake
from wallboard.services.retention import prune_once
from wallboard.store.backup import backup_database
from wallboard.store.db import AuditRow, Store

pytestmark = pytest.mark.integration

POSTS = 1000


def _settings(tmp_path: Path):
    return load_settings(
        None,
        {
            "WALLBOARD_STORE_PATH": str(tmp_path / "live.db"),
            "WALLBOARD_DAY_TIMEZONE": "UTC",
            "WALLBOARD_CDR_TIME_STAMPS": "utc",
        },
    )


def _body(i: int) -> bytes:
    cdr = json.loads((CDR / "incoming-queue-answer.json").read_text(encoding="utf-8"))
    cdr["ivruniqueid"] = f"backup-{i:05d}"
    return json.dumps(cdr).encode()


async def test_a_backup_during_1000_posts_holds_every_cdr_acknowledged_before(tmp_path):
    settings = _settings(tmp_path)
    store = Store(settings.store.resolved_path())
    store.open()
    intake = CdrIntake(settings, store, Hub(settings.fold_settings()))
    acked: list[str] = []

    async def post(i: int) -> None:
        status, reply, _ = await intake.receive(_body(i), "application/json")
        assert status == 200 and json.loads(reply)["Err"] == 0
        acked.append(f"backup-{i:05d}")  # the vendor now counts it as delivered

    async def vendor() -> None:
        for start in range(0, POSTS, 10):  # ten in flight at a time, as retries overlap
            await asyncio.gather(*(post(i) for i in range(start, start + 10)))

    posting = asyncio.create_task(vendor())
    try:
        while len(acked) < POSTS // 3:
            await asyncio.sleep(0.001)
        before = set(acked)
        count = await asyncio.to_thread(backup_database, store.path, tmp_path / "backup.db")
        after_backup = len(acked)
        await posting
    finally:
        store.close()
    assert len(acked) == POSTS
    assert after_backup < POSTS  # the posts went on after the backup: it ran in the middle

    restored = tmp_path / "restored.db"
    shutil.copy(tmp_path / "backup.db", restored)  # a restore is a copy back into place
    conn = sqlite3.connect(restored)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ids = {r[0] for r in conn.execute("SELECT ivruniqueid FROM cdr")}
    finally:
        conn.close()
    assert before <= ids
    assert len(ids) == count < POSTS
    again = Store(restored)  # and the wallboard opens it as its own
    again.open()
    try:
        assert await again.cdr_count() == count
    finally:
        again.close()


async def test_backup_command_and_its_refusals(tmp_path, capsys):
    settings = _settings(tmp_path)
    store = Store(settings.store.resolved_path())
    store.open()
    intake = CdrIntake(settings, store, Hub())
    for i in range(3):
        await intake.receive(_body(i), "application/json")
    cfg = tmp_path / "wb.toml"
    cfg.write_text(f'[store]\npath = "{tmp_path / "live.db"}"\n', encoding="utf-8")
    try:
        assert main(["backup", str(tmp_path / "b.db"), "--config", str(cfg)]) == 0
        assert "(3 CDRs)" in capsys.readouterr().out
        assert main(["--config", str(cfg), "backup", str(tmp_path)]) == 2
        assert "is a folder" in capsys.readouterr().err
        assert main(["backup", str(tmp_path / "live.db"), "--config", str(cfg)]) == 2
        assert "must not overwrite" in capsys.readouterr().err
    finally:
        store.close()
    missing = tmp_path / "none.toml"
    missing.write_text(f'[store]\npath = "{tmp_path / "none.db"}"\n', encoding="utf-8")
    assert main(["backup", str(tmp_path / "c.db"), "--config", str(missing)]) == 2
    assert "no database at" in capsys.readouterr().err


async def test_retention_prunes_old_raw_bodies_and_audit_rows_only(tmp_path):
    settings = _settings(tmp_path)
    store = Store(settings.store.resolved_path())
    store.open()
    day = 86400.0
    now = 2_000_000_000.0
    try:
        intake = CdrIntake(settings, store, Hub())
        for i in range(4):
            await intake.receive(_body(i), "application/json")
        conn = sqlite3.connect(store.path)
        # Two CDRs received 401 days ago, two 10 days ago; audit rows likewise.
        conn.execute(
            "UPDATE cdr SET received = ? WHERE ivruniqueid IN (?, ?)",
            (now - 401 * day, "backup-00000", "backup-00001"),
        )
        conn.execute(
            "UPDATE cdr SET received = ? WHERE ivruniqueid IN (?, ?)",
            (now - 10 * day, "backup-00002", "backup-00003"),
        )
        conn.commit()
        conn.close()
        for at in (now - 500 * day, now - 401 * day, now - 399 * day, now - day):
            await store.add_audit(AuditRow(at, "lead", "set_status", "201", "{}", True))
        assert await prune_once(store, settings.store, now=now) == (2, 2)
        assert await prune_once(store, settings.store, now=now) == (0, 0)  # idempotent
        conn = sqlite3.connect(store.path)
        rows = dict(conn.execute("SELECT ivruniqueid, length(raw) FROM cdr").fetchall())
        parsed = conn.execute("SELECT count(*) FROM cdr WHERE parsed != ''").fetchone()[0]
        conn.close()
        assert rows["backup-00000"] == rows["backup-00001"] == 0
        assert rows["backup-00002"] > 0 and rows["backup-00003"] > 0
        assert parsed == 4  # the parsed fields stay for the history
        assert sorted(r.at for r in await store.audit_rows()) == [now - 399 * day, now - day]
    finally:
        store.close()


async def test_wallboard_backup_while_the_server_takes_1000_posts(tmp_path):
    """The same, as an operator runs it: `wallboard backup` from another process while a
    `wallboard cdr-server` acknowledges the vendor's posts over HTTP."""
    import sys
    import time

    import aiohttp

    from bench.cdr_intake import SECRET, Server, encode, free_port, make_cdr
    from tests.conftest import subprocess_env

    db = tmp_path / "live.db"
    server = Server(db, free_port(), tmp_path / "server.log")
    server.start()
    acked: list[str] = []
    now = int(time.time())
    try:
        await server.wait_ready()
        url = f"http://127.0.0.1:{server.port}/vendor/cdr/{SECRET}"
        async with aiohttp.ClientSession() as http:

            async def post(i: int) -> None:
                body, ctype = encode(make_cdr(i, now), i % 3)
                async with http.post(url, data=body, headers={"Content-Type": ctype}) as r:
                    assert r.status == 200
                    assert b"Err" in await r.read()
                acked.append(f"bench{i:08d}")

            async def vendor() -> None:
                for start in range(0, POSTS, 10):
                    await asyncio.gather(*(post(i) for i in range(start, start + 10)))

            posting = asyncio.create_task(vendor())
            while len(acked) < POSTS // 4 and not posting.done():
                await asyncio.sleep(0.005)
            before = set(acked)
            backup = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "wallboard.cli",
                "backup",
                str(tmp_path / "backup.db"),
                env=subprocess_env(WALLBOARD_STORE_PATH=str(db)),
                cwd=tmp_path,
            )
            assert await backup.wait() == 0
            during = len(acked)
            await posting
    finally:
        server.stop()
    assert len(acked) == POSTS
    conn = sqlite3.connect(tmp_path / "backup.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ids = {r[0] for r in conn.execute("SELECT ivruniqueid FROM cdr")}
    finally:
        conn.close()
    assert before <= ids, len(before - ids)
    assert len(ids) < POSTS or during == POSTS  # taken mid-stream (unless the posts won)
