"""The webhook over real HTTP in a real server process, including `kill -9` durability."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import aiohttp
import pytest

from bench.cdr_intake import SECRET, Server, free_port, run
from tests.conftest import CDR

pytestmark = pytest.mark.integration


@pytest.fixture
async def server(tmp_path: Path):
    os.environ["WALLBOARD_CDR_MAX_BODY_BYTES"] = "50000"
    try:
        srv = Server(tmp_path / "db.sqlite", free_port(), tmp_path / "server.log")
        srv.start()
    finally:
        del os.environ["WALLBOARD_CDR_MAX_BODY_BYTES"]
    try:
        await srv.wait_ready()
        yield srv
    finally:
        srv.stop()


def _count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM cdr").fetchone()[0])
    finally:
        conn.close()


async def test_secret_size_and_bomb(server: Server):
    base = f"http://127.0.0.1:{server.port}/vendor/cdr"
    body = (CDR / "outgoing-answer.json").read_bytes()
    json_ct = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession() as s:
        async with s.post(base, data=body, headers=json_ct) as r:
            assert r.status == 403
        async with s.post(base + "/wrong", data=body, headers=json_ct) as r:
            assert r.status == 403
        assert _count(server.db) == 0
        async with s.post(f"{base}/{SECRET}", data=body, headers=json_ct) as r:
            assert r.status == 200
            assert (await r.json()) == {"Err": 0, "Errdesc": "OK"}
        hdr = {**json_ct, "X-Wallboard-Secret": SECRET}
        async with s.post(base, data=body, headers=hdr) as r:
            assert (await r.json())["Err"] == 0  # the repeat: acknowledged
        assert _count(server.db) == 1
        big = b'{"ivruniqueid": "big", "time": 1, "pad": "' + b"x" * 60000 + b'"}'
        async with s.post(base, data=big, headers=hdr) as r:
            assert r.status == 413
            assert (await r.json())["Err"] == 1
        bomb = (
            b'<?xml version="1.0"?><!DOCTYPE z [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><methodCall><methodName>cdr'
            b"</methodName><params><param><value><struct><member><name>ivruniqueid</name>"
            b"<value><string>&b;</string></value></member></struct></value></param></params>"
            b"</methodCall>"
        )
        async with s.post(base, data=bomb, headers={**hdr, "Content-Type": "text/xml"}) as r:
            assert r.status == 200
            text = await r.text()
            assert "<methodResponse>" in text and "<int>1</int>" in text
        assert _count(server.db) == 1


async def test_exactly_once_through_kill_9(tmp_path: Path):
    """Senders retry until acknowledged and re-send duplicates while the server is killed."""
    result = await run(n=900, kills=2, concurrency=8, dup_rate=0.2, workdir=tmp_path)
    assert result["kills"] == 2
    assert result["acknowledged"] == 900
    assert result["missing_acknowledged"] == 0
    assert result["stored_twice"] == 0
    assert result["stray_rows"] == 0
    assert result["raw_body_mismatch"] == 0
    assert result["stored_rows"] == 900
    assert result["duplicates_sent"] > 0
