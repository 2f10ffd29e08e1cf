"""The store's schema versions: an existing database gains the new tables on open and keeps
its rows readable; a CDR's `aiData` is stored once."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import CDR
from tests.unit.core.test_ai_digest import _long_ai
from wallboard.core.calls import ai_insights
from wallboard.store import db
from wallboard.store.db import SCHEMA_VERSION, Store
from wallboard.voicenter.cdr import parse_cdr

pytestmark = pytest.mark.integration

BASE = json.loads((CDR / "incoming-queue-answer.json").read_text())


def _tables(path: Path) -> tuple[int, set[str]]:
    conn = sqlite3.connect(path)
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        return version, names
    finally:
        conn.close()


async def test_an_existing_database_is_migrated_and_its_rows_still_read(tmp_path: Path):
    path = tmp_path / "old.sqlite"
    body = json.dumps(dict(BASE, ivruniqueid="old-1", aiData=_long_ai(random.Random(1))))
    cdr, _ = parse_cdr(body.encode())
    # A database written before schema versions: the base tables, whole aiData in `parsed`.
    conn = sqlite3.connect(path)
    conn.executescript(db._SCHEMA)
    conn.execute(
        "INSERT INTO cdr (ivruniqueid, received, source, encoding, content_type, raw, parsed,"
        " time, type, status, caller, target, queueid, department)"
        " VALUES (?,0,'webhook','json','application/json',?,?,?,?,?,?,?,?,'')",
        (
            "old-1",
            body.encode(),
            cdr.model_dump_json(by_alias=True),
            cdr.time,
            cdr.type,
            cdr.status,
            cdr.caller,
            cdr.target,
            cdr.queue_id,
        ),
    )
    conn.commit()
    conn.close()
    assert _tables(path)[0] == 0

    for _ in range(2):  # a second open finds nothing left to do
        store = Store(path)
        store.open()
        try:
            found = await store.cdr("old-1")
            rows = await store.cdrs_between(cdr.time, cdr.time + 1)
        finally:
            store.close()
        version, names = _tables(path)
        assert version == SCHEMA_VERSION >= 1
        assert {"day_summary", "cdr_insert_stales_day"} <= names
        assert found is not None and ai_insights(found[0].cdr) == ai_insights(cdr)
        assert [r.cdr.ivruniqueid for r in rows] == ["old-1"]


async def test_ai_data_is_stored_once(tmp_path: Path):
    store = Store(tmp_path / "db.sqlite")
    store.open()
    body = json.dumps(dict(BASE, aiData=_long_ai(random.Random(2)))).encode()
    cdr, _ = parse_cdr(body)
    try:
        await store.store_cdr(
            cdr, body, received=0.0, source="webhook", encoding="json", content_type="json"
        )
        found = await store.cdr(cdr.ivruniqueid)
    finally:
        store.close()
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    raw, parsed = conn.execute("SELECT length(raw), length(parsed) FROM cdr").fetchone()
    conn.close()
    assert raw == len(body) > 50_000
    assert parsed < 3_000  # before: the whole aiData again, as long as the body
    assert found is not None and found[1] == body  # the record of what the vendor sent
    assert ai_insights(found[0].cdr) == ai_insights(cdr)
