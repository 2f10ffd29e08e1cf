"""The intake against hostile or unlucky bodies: contained, quarantined, answered in kind."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import xmlrpc.client
from urllib.parse import urlencode

import pytest

from tests.conftest import CDR
from tests.integration.services import test_intake
from wallboard.core.calls import Cdr
from wallboard.errors import StoreContentError, StoreError
from wallboard.services.intake import CdrIntake
from wallboard.services.quarantine import replay
from wallboard.voicenter.cdr import LIMITS

pytestmark = pytest.mark.integration

JSON, FORM, XML = "application/json", "application/x-www-form-urlencoded", "text/xml"
intake = test_intake.intake  # the same fixture: a real store in a temporary directory


def _reply(body: bytes, ctype: str) -> dict[str, object]:
    if ctype.startswith("text/xml"):
        return dict(xmlrpc.client.loads(body.decode())[0][0])
    if ctype.startswith("application/json"):
        return dict(json.loads(body))
    return dict(p.split("=", 1) for p in body.decode().split("&"))


def _encode(fields: dict[str, object], ctype: str) -> bytes:
    if ctype == JSON:
        return json.dumps(fields).encode()
    if ctype == FORM:
        return urlencode(fields).encode()
    return xmlrpc.client.dumps((fields,), methodname="cdr").encode()


def _valid(call_id: str) -> bytes:
    cdr = json.loads((CDR / "outgoing-answer.json").read_text())
    cdr.update(ivruniqueid=call_id, time=int(time.time()) - 60)
    return json.dumps(cdr).encode()


def _count(intake: CdrIntake, table: str) -> int:
    conn = sqlite3.connect(intake.store.path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


async def _next_valid_acknowledged(intake: CdrIntake, call_id: str) -> None:
    # Bounded only to catch a hang: the 1 s goal is measured over HTTP (test_webhook_hostile).
    status, reply, rtype = await asyncio.wait_for(intake.receive(_valid(call_id), JSON), 10.0)
    assert (status, _reply(reply, rtype)["Err"]) == (200, 0)


async def test_the_overflow_repro_is_refused_kept_and_the_next_cdr_stored(intake):
    body = b'{"ivruniqueid":"p","time":1796139442,"queueid":9223372036854775808}'
    status, reply, rtype = await intake.receive(body, JSON)
    answer = _reply(reply, rtype)
    assert (status, answer["Err"]) == (200, 1)
    assert "queueid" in str(answer["Errdesc"])
    await _next_valid_acknowledged(intake, "after-overflow")
    (q,) = await intake.store.quarantined()
    assert q.raw == body and "queueid" in q.reason and q.encoding == "json"
    assert _count(intake, "cdr") == 1


async def test_the_writer_survives_what_sqlite_cannot_bind(intake):
    """Past the limits (a model built by hand), the writer itself contains OverflowError."""
    bad = Cdr.model_construct(**{**Cdr(ivruniqueid="x", time=1).__dict__, "queueid": 2**64})
    kw = {"received": 1.0, "source": "webhook", "encoding": "json", "content_type": JSON}
    with pytest.raises(StoreContentError):
        await intake.store.store_cdr(bad, b"{}", **kw)
    assert intake.store.healthy
    await _next_valid_acknowledged(intake, "after-writer-error")


@pytest.mark.parametrize("ctype", [JSON, FORM, XML])
@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"time": 1700000000, "queueid": 2**63}, "queueid"),
        ({"time": 2**70}, "time"),
        ({"time": 1700000000, "type": "x" * (LIMITS.max_field + 1)}, "type"),
        ({"time": 1700000000, "status": "\ud800"}, "status"),
        ({"time": 1700000000, "aiData": json.dumps(json.loads("[" * 300 + "]" * 300))}, "aiData"),
    ],
)
async def test_limits_answer_err_1_in_kind(intake, ctype, fields, where):
    fields = {"ivruniqueid": "bad", **fields}
    if ctype == XML:  # xmlrpc.client refuses to send a big <int>: send its digits
        fields = {k: str(v) if isinstance(v, int) and v > 2**31 else v for k, v in fields.items()}
    try:
        body = _encode(fields, ctype)
    except UnicodeEncodeError:  # a form/XML sender cannot even encode a lone surrogate
        body = _encode({**fields, "status": "x"}, ctype).replace(b"x", b"%ED%A0%80", 1)
        body = body if ctype == FORM else body.replace(b"%ED%A0%80", b"\xed\xa0\x80")
    status, reply, rtype = await intake.receive(body, ctype)
    assert rtype.split(";")[0] == ("text/xml" if ctype == XML else ctype)
    answer = _reply(reply, rtype)
    assert (status, int(str(answer["Err"]))) == (200, 1), answer
    assert _count(intake, "cdr") == 0 and _count(intake, "quarantine") == 1
    await _next_valid_acknowledged(intake, "next")


async def test_deep_json_and_odd_values_are_err_1(intake):
    for body in (
        b'{"ivruniqueid":"d","time":1,"aiData":' + b'{"a":' * 300 + b"1" + b"}" * 301,
        b"[" * 200_000,
        b'{"ivruniqueid":"n","time":1,"price":NaN}',
        b'{"ivruniqueid":"s","time":1,"type":"\\ud800"}',
        b'{"ivruniqueid":"u","time":1,"type":"\xff"}',
    ):
        status, reply, rtype = await intake.receive(body, JSON)
        assert (status, _reply(reply, rtype)["Err"]) == (200, 1), body[:40]
    assert _count(intake, "quarantine") == 5
    await _next_valid_acknowledged(intake, "after-odd")


async def test_a_failing_store_answers_err_2_and_shows_until_it_recovers(intake):
    store = intake.store
    # A full disk, as SQLite reports it: cap the file at its current size.
    (pages,) = await store._read(lambda c: c.execute("PRAGMA page_count").fetchone())
    await store._write(lambda c: c.execute(f"PRAGMA max_page_count={pages}"))
    big = json.loads(_valid("big"))
    big["pad"] = "x" * 200_000  # kept in the raw body: needs new pages
    status, reply, rtype = await intake.receive(json.dumps(big).encode(), JSON)
    assert (status, _reply(reply, rtype)["Err"]) == (500, 2)
    assert not store.healthy and "full" in (store.health.last_error or "")
    await store._write(lambda c: c.execute("PRAGMA max_page_count=1073741823"))
    status, reply, rtype = await intake.receive(json.dumps(big).encode(), JSON)
    assert (status, _reply(reply, rtype)["Err"]) == (200, 0)  # the vendor's retry
    assert store.healthy


async def test_store_errors_other_than_content_fail_the_caller_not_the_thread(intake):
    def boom(conn: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    with pytest.raises(StoreError):
        await intake.store._write(boom)
    assert not intake.store.healthy
    await _next_valid_acknowledged(intake, "after-io-error")
    assert intake.store.healthy


async def test_an_old_cdr_first_does_not_set_the_day(intake):
    old = json.loads(_valid("old"))
    old["time"] = 1595300000  # 2020-07-21
    _status, reply, rtype = await intake.receive(json.dumps(old).encode(), JSON)
    assert _reply(reply, rtype)["Err"] == 0
    day = intake.hub.state.day
    assert day is not None and day.bounds.start <= time.time() < day.bounds.end


async def test_quarantine_replay_stores_what_parses_now(intake):
    store = intake.store
    kw = {"received": time.time(), "encoding": "json", "content_type": JSON}
    good = await store.quarantine(_valid("was-refused"), reason="old version", **kw)
    bad = await store.quarantine(b'{"time": 1}', reason="no id", **kw)
    done = await replay(store, await store.quarantined())
    assert {(r.id, r.stored) for r in done} == {(good, True), (bad, False)}
    assert [r.id for r in await store.quarantined()] == [bad]
    assert _count(intake, "cdr") == 1
