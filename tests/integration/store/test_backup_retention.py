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
from wallboard.services import retention
from wallboard.services.intake import CdrIntake
from wallboard.store.backup import backup_database
from wallboard.store.db import _SCHEMA, AuditRow, Store
from wallboard.voicenter.cdr import parse_cdr

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
        (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
        blocked = tmp_path / "afile" / "nightly" / "b.db"
        assert main(["backup", str(blocked), "--config", str(cfg)]) == 2
        err = capsys.readouterr().err  # the folder it could not make is named, not the source
        assert f"cannot create the backup folder {blocked.parent}" in err
    finally:
        store.close()
    missing = tmp_path / "none.toml"
    missing.write_text(f'[store]\npath = "{tmp_path / "none.db"}"\n', encoding="utf-8")
    assert main(["backup", str(tmp_path / "c.db"), "--config", str(missing)]) == 2
    assert "no database at" in capsys.readouterr().err


async def test_retention_erases_old_numbers_keeps_the_figures_and_the_file_shrinks(tmp_path):
    """A store that ran for months: the CDRs older than `[retention] calls_days` (90 by
    default) lose their numbers, the history of their days stays the same, and the file
    gives the space back."""
    settings = _settings(tmp_path)
    store = Store(settings.store.resolved_path())
    store.open()
    day = 86400.0
    now = 2_000_000_000.0
    r = retention.policy(settings)
    assert r.calls_days == r.audit_days == 90  # the documented defaults
    body = (CDR / "incoming-queue-answer.json").read_bytes()
    cdr, _ = parse_cdr(body)
    old_day = (int(now - 120 * day), int(now - 119 * day))
    kw = {"source": "webhook", "encoding": "json", "content_type": "application/json"}
    try:

        async def put(i: int) -> None:  # 1000 calls four months ago, 200 last week
            t = old_day[0] + i if i < 1000 else int(now - 7 * day) + i
            one = cdr.model_copy(update={"ivruniqueid": f"ret-{i}", "time": t})
            await store.store_cdr(one, body * 3, received=float(t), **kw)

        for start in range(0, 1200, 100):  # a hundred at a time: one commit each
            await asyncio.gather(*(put(i) for i in range(start, start + 100)))
        for at in (now - 200 * day, now - day):
            await store.add_audit(AuditRow(at, "lead", "set_status", "201", "{}", True))
        before = [
            (r.id, r.cdr.model_dump(exclude={"caller", "target"}))
            for r in await store.cdrs_between(*old_day)
        ]
        await store.compact()  # settle the WAL: the size below is the database's own
        size = Path(store.path).stat().st_size
        pruned, freed = await retention.prune_once(store, r, now=now)
        assert (pruned.calls, pruned.audit) == (1000, 1)
        after = await store.cdrs_between(*old_day)
        assert [(r.id, r.cdr.model_dump(exclude={"caller", "target"})) for r in after] == before
        assert {(r.cdr.caller, r.cdr.target) for r in after} == {("", "")}
        recent = await store.cdrs_between(int(now - 8 * day), int(now))
        assert len(recent) == 200 and all(r.cdr.caller == cdr.caller for r in recent)
        assert [a.at for a in await store.audit_rows()] == [now - day]
        conn = sqlite3.connect(store.path)
        try:
            raw_left = conn.execute("SELECT count(*) FROM cdr WHERE length(raw) > 0").fetchone()
            numbers = conn.execute(
                "SELECT count(*) FROM cdr WHERE parsed LIKE ?", (f"%{cdr.caller}%",)
            ).fetchone()
        finally:
            conn.close()
        assert raw_left == (200,) and numbers == (200,)  # nowhere else in the row either
        shrunk = Path(store.path).stat().st_size
        assert freed == size - shrunk and shrunk < size * 0.6, (size, shrunk)
        print(f"\nretention: {size / 1e6:.1f} MB → {shrunk / 1e6:.1f} MB after erasing 1000 CDRs")
    finally:
        store.close()


def test_a_database_made_before_incremental_vacuum_is_converted_once(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(_SCHEMA)  # as an older version made it: no auto_vacuum
    assert conn.execute("PRAGMA auto_vacuum").fetchone() == (0,)
    conn.close()
    store = Store(path)
    store.open()
    store.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA auto_vacuum").fetchone() == (2,)  # incremental
    finally:
        conn.close()


def test_the_older_store_keys_still_govern_the_audit_log(tmp_path):
    old = load_settings(None, {"WALLBOARD_STORE_RETENTION_DAYS": "400"})
    assert retention.policy(old).audit_days == 400 and retention.policy(old).calls_days == 90
    both = load_settings(
        None, {"WALLBOARD_STORE_RETENTION_DAYS": "400", "WALLBOARD_RETENTION_AUDIT_DAYS": "30"}
    )
    assert retention.policy(both).audit_days == 30


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
