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
