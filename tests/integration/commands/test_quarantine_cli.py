"""`wallboard cdr quarantine list|show|replay` on a real store."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from tests.conftest import CDR
from wallboard.cli import main
from wallboard.store.db import Store

pytestmark = pytest.mark.integration


def test_list_show_and_replay(tmp_path: Path, monkeypatch, capsys) -> None:
    db = tmp_path / "db.sqlite"
    monkeypatch.setenv("WALLBOARD_STORE_PATH", str(db))
    body = (CDR / "outgoing-answer.json").read_bytes()
    store = Store(db)
    store.open()
    kw = {"received": time.time(), "encoding": "json", "content_type": "application/json"}
    try:
        # As an older version would have refused it; this one reads it.
        asyncio.run(store.quarantine(body, reason="parse error: time: too new", **kw))
        asyncio.run(store.quarantine(b"{not json", reason="parse error: (body)", **kw))
    finally:
        store.close()
    assert main(["cdr", "quarantine", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["2", "1"]
    assert "too new" in listed[1]
    assert main(["cdr", "quarantine", "show", "1"]) == 0
    assert body.decode() in capsys.readouterr().out
    assert main(["cdr", "quarantine", "replay"]) == 1  # one still refused
    out = capsys.readouterr().out
    assert "1\tstored" in out and "2\tstill refused" in out
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM cdr").fetchone()[0] == 1
        assert [r[0] for r in conn.execute("SELECT id FROM quarantine")] == [2]
    finally:
        conn.close()


HOSTILE = b'{"ivruniqueid": "\x1b]0;pwned\x07\x1b[2J\x1b[31mred", "caller": "\xe2\x80\xae1234\r"}'


def test_the_default_store_and_terminal_escapes(tmp_path: Path, monkeypatch, capsys) -> None:
    """No `[store] path`, no WALLBOARD_DATA_DIR: the database the server would use (the
    per-user data directory), not an empty temporary one; a stored body's escape
    sequences are shown as text, never sent to the terminal."""
    for var in ("WALLBOARD_DATA_DIR", "WALLBOARD_STORE_PATH", "WALLBOARD_STORE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    from wallboard.config import StoreSettings

    default = StoreSettings().resolved_path()
    assert default == str(tmp_path / "xdg" / "wallboard" / "wallboard.db")
    assert main(["cdr", "quarantine", "list"]) == 2  # no database there yet: said, not made
    assert f"no database at {default}" in capsys.readouterr().err
    assert not Path(default).exists()
    store = Store(default)
    store.open()
    kw = {"received": time.time(), "encoding": "json", "content_type": "application/json\x1b[8m"}
    try:
        asyncio.run(store.quarantine(HOSTILE, reason="parse error: \x1b[1mtime", **kw))
    finally:
        store.close()
    assert main(["cdr", "quarantine", "list"]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("1\t") and "parse error: \\x1b[1mtime" in listed
    assert main(["cdr", "quarantine", "show", "1"]) == 0
    shown = capsys.readouterr().out
    assert "\x1b" not in shown and "\r" not in shown and "\x07" not in shown
    assert "\u202e" not in shown
    assert "\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mred" in shown
    assert "\\u202e1234\\x0d" in shown and "application/json\\x1b[8m" in shown


def test_a_postgresql_quarantine(pg_url: str, monkeypatch, capsys) -> None:
    """`[store] url`: the quarantine of the account named, in the shared database."""
    from wallboard.store.postgres import PostgresStore

    monkeypatch.setenv("WALLBOARD_STORE_URL", pg_url)
    body = (CDR / "outgoing-answer.json").read_bytes()

    async def fill() -> None:
        store = PostgresStore(pg_url, "acme")
        await store.start()
        kw = {"received": time.time(), "encoding": "json", "content_type": "application/json"}
        try:
            await store.quarantine(body, reason="parse error: time: too new", **kw)
        finally:
            await store.stop()

    asyncio.run(fill())
    assert main(["cdr", "quarantine", "list"]) == 0  # another account's: none
    assert capsys.readouterr().out == ""
    assert main(["cdr", "quarantine", "list", "--account", "acme"]) == 0
    assert "too new" in capsys.readouterr().out
    assert main(["cdr", "quarantine", "replay", "--account", "acme"]) == 0
    assert "\tstored\t" in capsys.readouterr().out
    assert main(["cdr", "quarantine", "list", "--account", "acme"]) == 0
    assert capsys.readouterr().out == ""
