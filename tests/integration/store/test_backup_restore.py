"""`wallboard backup` and `wallboard restore` round trips, on SQLite and PostgreSQL.

Each backs up the store the server would use (the resolved default SQLite file without
any data-dir variable; `[store] url`), into a folder it makes, says what it copied and how
many CDRs; a restore brings back exactly the backup's rows.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import CDR
from wallboard.cli import main
from wallboard.config import StoreSettings
from wallboard.store.base import CdrStore
from wallboard.store.db import Store
from wallboard.store.postgres import PostgresStore
from wallboard.voicenter.cdr import parse_cdr

pytestmark = pytest.mark.integration

KW = {"received": 1.0, "source": "webhook", "encoding": "json", "content_type": "application/json"}


async def _store(store: CdrStore, ids: range) -> None:
    cdr, _ = parse_cdr((CDR / "incoming-queue-answer.json").read_bytes())
    for i in ids:
        body = json.dumps({"n": i}).encode()
        await store.store_cdr(cdr.model_copy(update={"ivruniqueid": f"r-{i}"}), body, **KW)


def _ids(db: str) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT ivruniqueid FROM cdr")}
    finally:
        conn.close()


async def test_sqlite_round_trip_on_the_default_store(tmp_path: Path, monkeypatch, capsys):
    for var in ("WALLBOARD_DATA_DIR", "WALLBOARD_STORE_PATH", "WALLBOARD_STORE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    live = StoreSettings().resolved_path()  # what the server uses with nothing set
    store = Store(live)
    store.open()
    try:
        await _store(store, range(5))
        dest = tmp_path / "backups" / "nightly" / "wallboard.db"  # no such folder yet
        assert await asyncio.to_thread(main, ["backup", str(dest)]) == 0
        out = capsys.readouterr().out
        assert f"copied the SQLite database {live} to {dest} (5 CDRs)" in out
        await _store(store, range(5, 8))  # after the backup: gone once it is restored
        assert await asyncio.to_thread(main, ["restore", str(dest)]) == 2
        assert "in use" in capsys.readouterr().err  # the server still has it open
    finally:
        store.close()
    Path(live).chmod(0o640)
    assert await asyncio.to_thread(main, ["restore", str(dest)]) == 0
    assert f"is now {live} (5 CDRs)" in capsys.readouterr().out
    assert _ids(live) == {f"r-{i}" for i in range(5)}
    assert not Path(f"{live}-wal").exists() and not Path(f"{live}-shm").exists()
    assert Path(live).stat().st_mode & 0o777 == 0o640  # the replaced file's mode kept
    again = Store(live)  # and the server opens it as its own
    again.open()
    try:
        assert await again.cdr_count() == 5
    finally:
        again.close()


async def _pg_counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT account, count(*) FROM cdr GROUP BY account")
        return {r[0]: int(r[1]) for r in rows}
    finally:
        await conn.close()


async def test_postgresql_round_trip_with_pg_dump(pg_url: str, tmp_path: Path, monkeypatch, capsys):
    # A password in the URL (trust auth ignores it): it must show nowhere.
    url = pg_url.replace("postgresql://wallboard@", "postgresql://wallboard:pw-secret-9@")
    monkeypatch.setenv("WALLBOARD_STORE_URL", url)
    stores = [PostgresStore(url, "acme"), PostgresStore(url, "globex")]
    for s in stores:
        await s.start()
    try:
        await _store(stores[0], range(4))
        await _store(stores[1], range(3))
        dest = tmp_path / "pg" / "wallboard.dump"
        assert await asyncio.to_thread(main, ["backup", str(dest)]) == 0
        out = capsys.readouterr().out
        assert "copied the PostgreSQL database postgresql://wallboard:***@127.0.0.1" in out
        assert "(7 CDRs: acme 4, globex 3)" in out and "pw-secret" not in out
        assert dest.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
        await _store(stores[0], range(4, 10))
    finally:
        for s in stores:
            await s.stop()
    assert await _pg_counts(url) == {"acme": 10, "globex": 3}
    assert await asyncio.to_thread(main, ["restore", str(dest)]) == 0
    assert "(7 CDRs: acme 4, globex 3)" in capsys.readouterr().out
    assert await _pg_counts(url) == {"acme": 4, "globex": 3}
    restored = PostgresStore(url, "acme")  # the server starts on it as it is
    await restored.start()
    try:
        assert await restored.cdr_count() == 4
    finally:
        await restored.stop()


def test_postgresql_without_pg_dump_refuses_with_the_command(
    pg_url: str, tmp_path: Path, monkeypatch, capsys
):
    monkeypatch.setenv("WALLBOARD_STORE_URL", pg_url)
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on it
    assert main(["backup", str(tmp_path / "b.dump")]) == 2
    err = capsys.readouterr().err
    assert "pg_dump not found" in err and "pg_dump --format=custom --file=" in err
    assert not (tmp_path / "b.dump").exists()
