"""The intake with a real SQLite store: stored before acknowledged, in kind, exactly once."""

from __future__ import annotations

import json
import sqlite3
import time
import xmlrpc.client
from pathlib import Path

import pytest

from tests.conftest import CDR
from wallboard.config import load_settings
from wallboard.core.events import ExtensionRecord, ExtensionsSnapshot
from wallboard.runtime.hub import Hub
from wallboard.services.intake import CdrIntake
from wallboard.store.db import Store

pytestmark = pytest.mark.integration

FIXTURES = [
    ("incoming-queue-answer.json", "application/json"),
    ("outgoing-answer.json", "application/json"),
    ("outgoing-answer.form.txt", "application/x-www-form-urlencoded"),
    ("outgoing-answer.xmlrpc.xml", "text/xml"),
]


@pytest.fixture
async def intake(tmp_path: Path):
    settings = load_settings(
        None,
        {
            "WALLBOARD_STORE_PATH": str(tmp_path / "db.sqlite"),
            "WALLBOARD_DAY_TIMEZONE": "UTC",
            "WALLBOARD_CDR_TIME_STAMPS": "utc",
        },
    )
    store = Store(settings.store.path)
    store.open()
    hub = Hub(settings.fold_settings())
    yield CdrIntake(settings, store, hub)
    store.close()


def _rows(intake: CdrIntake) -> list[tuple[str, str, bytes]]:
    conn = sqlite3.connect(intake.store.path)
    try:
        return conn.execute("SELECT ivruniqueid, encoding, raw FROM cdr ORDER BY id").fetchall()
    finally:
        conn.close()


def _err(body: bytes, ctype: str) -> int:
    if ctype.startswith("text/xml"):
        return int(xmlrpc.client.loads(body.decode())[0][0]["Err"])
    if ctype.startswith("application/json"):
        return int(json.loads(body)["Err"])
    return int(dict(p.split("=") for p in body.decode().split("&"))["Err"])


@pytest.mark.parametrize(("name", "ctype"), FIXTURES)
async def test_each_encoding_stored_and_acknowledged_in_kind(intake, name, ctype):
    body = (CDR / name).read_bytes()
    status, reply, rtype = await intake.receive(body, ctype)
    assert status == 200
    assert rtype.split(";")[0] == ("text/xml" if "xml" in ctype else ctype)
    assert _err(reply, rtype) == 0
    rows = _rows(intake)
    assert len(rows) == 1
    assert rows[0][2] == body  # the raw body, every unknown field with it
    # A repeat is acknowledged and neither stored nor counted again.
    before = intake.hub.state.events_applied
    status, reply, rtype = await intake.receive(body, ctype)
    assert _err(reply, rtype) == 0
    assert len(_rows(intake)) == 1
    assert intake.hub.state.events_applied == before
    assert intake.stats.duplicates == 1


@pytest.mark.parametrize(
    ("body", "ctype"),
    [
        (b'{"ivruniqueid": "x", "time": ', "application/json"),
        (b"ivruniqueid=x&time=notanumber", "application/x-www-form-urlencoded"),
        (b"<methodCall><methodName>cdr</methodName><params>", "text/xml"),
    ],
)
async def test_malformed_gets_err_1_and_stores_nothing(intake, body, ctype):
    status, reply, rtype = await intake.receive(body, ctype)
    assert status == 200
    assert _err(reply, rtype) == 1
    assert _rows(intake) == []
    assert intake.stats.parse_errors == 1


async def test_today_is_refed_when_agents_become_known(intake):
    now = int(time.time())
    cdr = json.loads((CDR / "incoming-queue-answer.json").read_text())
    cdr.update(time=now - 60, targetextension="SIP9", ivruniqueid="today1")
    await intake.receive(json.dumps(cdr).encode(), "application/json")
    day = intake.hub.state.day
    assert day is not None and day.queues[123456789].answered == 1
    assert not day.agents  # SIP9 is not known yet
    rec = ExtensionRecord(9, "SIP9", 1, "A", "A", 1, 1, None, None, "", ())
    intake.hub.feed(ExtensionsSnapshot(received=None, server_time=now, extensions=(rec,)))
    assert intake.hub.state.day is not None
    assert intake.hub.state.day.agents[9].answered == 1
    assert intake.hub.state.day.queues[123456789].answered == 1  # not twice
    # After a restart: a new hub fed from the store has the same numbers.
    hub2 = Hub(intake.hub.state.settings)
    intake2 = CdrIntake(intake.settings, intake.store, hub2)
    assert await intake2.replay_today() == 1
    assert hub2.state.day is not None and hub2.state.day.queues[123456789].answered == 1


async def test_webhook_cdr_replaces_call_log_row_and_legs_are_separate(intake):
    from wallboard.voicenter.cdr import parse_cdr

    body = (CDR / "incoming-queue-answer.json").read_bytes()
    cdr, _ = parse_cdr(body)
    store = intake.store
    kw = {"received": 1.0, "encoding": "json", "content_type": "application/json"}
    assert (await store.store_cdr(cdr, b"{}", source="calllog", **kw)).new
    assert not (await store.store_cdr(cdr, b"{}", source="calllog", **kw)).new
    assert (await store.store_cdr(cdr, body, source="webhook", **kw)).new  # richer: replaces
    assert not (await store.store_cdr(cdr, body, source="webhook", **kw)).new
    assert not (await store.store_cdr(cdr, b"{}", source="calllog", **kw)).new  # never downgraded
    rows = _rows(intake)
    assert len(rows) == 1 and rows[0][2] == body
    # Two legs of one click-to-call may share the id: both are kept.
    leg1 = cdr.model_copy(update={"type": "Click2Call leg1"})
    leg2 = cdr.model_copy(update={"type": "Click2Call leg2"})
    assert (await store.store_cdr(leg1, b"1", source="webhook", **kw)).new
    assert (await store.store_cdr(leg2, b"2", source="webhook", **kw)).new
    assert len(_rows(intake)) == 3


async def test_allowlist_and_secret(tmp_path):
    settings = load_settings(
        None,
        {
            "WALLBOARD_STORE_PATH": str(tmp_path / "a.sqlite"),
            "WALLBOARD_CDR_SECRET": "s3",
        },
    )
    settings = settings.model_copy(
        update={"cdr": settings.cdr.model_copy(update={"allow_ips": ["10.0.0.0/8", "::1"]})}
    )
    intake = CdrIntake(settings, Store(settings.store.path), Hub())
    assert intake.allowed_ip("10.1.2.3") and intake.allowed_ip("::1")
    assert not intake.allowed_ip("192.0.2.1") and not intake.allowed_ip(None)
    assert not intake.allowed_ip("not an address")
    assert intake.authorised("s3", None) and intake.authorised(None, "s3")
    assert not intake.authorised("s4", None) and not intake.authorised(None, None)


def test_settings_from_environment():
    from wallboard.errors import ConfigError

    s = load_settings(
        None,
        {
            "WALLBOARD_CDR_ALLOW_IPS": "10.0.0.0/8, 192.0.2.7",
            "WALLBOARD_API_ALLOWED_ACTORS": "dana,eli",
            "WALLBOARD_CDR_SECRET": "hunter2-secret",
        },
    )
    assert s.cdr.allow_ips == ["10.0.0.0/8", "192.0.2.7"]
    assert s.api.allowed_actors == ["dana", "eli"]
    assert "hunter2" not in repr(s.cdr)  # a secret is never printed
    with pytest.raises(ConfigError) as e:
        load_settings(None, {"WALLBOARD_CDR_ALLOW_IPS": "nonsense"})
    assert e.value.key.startswith("cdr.allow_ips")
