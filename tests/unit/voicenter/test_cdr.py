"""CDR bodies in all three encodings → `Cdr`; replies in kind; bad bodies refused cleanly."""

from __future__ import annotations

import json
import xmlrpc.client
from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest

from tests.conftest import CDR
from wallboard.core.calls import ai_insights, cdr_utc, to_call_completed
from wallboard.core.events import CallDirection, QueueReason
from wallboard.errors import PayloadError
from wallboard.voicenter.cdr import Encoding, ack_body, parse_cdr

JSON_OUT = (CDR / "outgoing-answer.json").read_bytes()
FORM_OUT = (CDR / "outgoing-answer.form.txt").read_bytes()
XML_OUT = (CDR / "outgoing-answer.xmlrpc.xml").read_bytes()
JSON_QUEUE = (CDR / "incoming-queue-answer.json").read_bytes()


@pytest.mark.parametrize(
    ("body", "ctype", "encoding"),
    [
        (JSON_OUT, "application/json", Encoding.JSON),
        (FORM_OUT, "application/x-www-form-urlencoded", Encoding.FORM),
        (XML_OUT, "text/xml", Encoding.XMLRPC),
        (JSON_OUT, "", Encoding.JSON),  # sniffed
        (XML_OUT, "", Encoding.XMLRPC),
        (FORM_OUT, "", Encoding.FORM),
    ],
)
def test_three_encodings_give_the_same_cdr(body, ctype, encoding):
    cdr, enc = parse_cdr(body, ctype)
    assert enc is encoding
    reference, _ = parse_cdr(JSON_OUT, "application/json")
    assert cdr == reference
    assert cdr.ivruniqueid == "2020072818dcDHFJcc804"
    assert cdr.type == "Extension Outgoing"
    assert cdr.queue_id is None  # queueid 0 means no queue
    assert cdr.department_id == 12345678
    assert cdr.duration == 11


def test_queue_fixture_maps_to_answered_queue_call():
    cdr, _ = parse_cdr(JSON_QUEUE, "application/json")
    ev = to_call_completed(cdr, 5.0)
    assert ev.call_id == "202007211213270124c"
    assert ev.queue_id == 123456789
    assert ev.outcome is QueueReason.EXIT
    assert ev.wait == 20
    assert ev.direction is CallDirection.INCOMING
    assert ev.answered
    assert ev.talk_seconds == 20


def test_abandoned_and_outgoing_mapping():
    data = json.loads(JSON_QUEUE)
    data["status"] = "ABANDONE"
    data["duration"] = 0
    ev = to_call_completed(parse_cdr(json.dumps(data).encode())[0], None)
    assert ev.outcome is QueueReason.ABANDONED
    assert not ev.answered
    assert ev.wait == 20
    data["status"] = "FULL"  # never waited: neither offered nor abandoned
    ev = to_call_completed(parse_cdr(json.dumps(data).encode())[0], None)
    assert ev.outcome is None and ev.queue_id is None
    out = to_call_completed(parse_cdr(JSON_OUT)[0], None)
    assert out.direction is CallDirection.OUTGOING
    assert out.sip_user == "SIPSIP"
    assert out.queue_id is None


def test_click2call_legs_count_once():
    data = json.loads(JSON_OUT)
    data.update(type="Click2Call leg1", callerextension="", targetextension="SIPSIP")
    leg1 = to_call_completed(parse_cdr(json.dumps(data).encode())[0], None)
    assert leg1.sip_user == ""  # ringing the agent's own phone is not a call of theirs
    data.update(type="Click2Call leg2", callerextension="SIPSIP", targetextension="")
    leg2 = to_call_completed(parse_cdr(json.dumps(data).encode())[0], None)
    assert leg2.direction is CallDirection.CLICK2CALL
    assert leg2.sip_user == "SIPSIP"


def test_cdr_time_is_local_wall_clock():
    # 2020-07-28 18:19:10 read as Israel local time (IDT, UTC+3) is 15:19:10 UTC.
    cdr, _ = parse_cdr(JSON_OUT)
    utc = cdr_utc(cdr.time, "Asia/Jerusalem")
    assert datetime.fromtimestamp(utc, UTC).strftime("%H:%M:%S") == "15:19:10"
    assert cdr_utc(cdr.time, None) == cdr.time
    # Winter (IST, UTC+2).
    winter = int(datetime(2026, 1, 10, 12, 0, tzinfo=UTC).timestamp())
    assert cdr_utc(winter, "Asia/Jerusalem") == winter - 7200


@pytest.mark.parametrize(
    ("body", "ctype", "field"),
    [
        (b'{"caller": "05', "application/json", "(body)"),
        (b"[1, 2]", "application/json", "(body)"),
        (b'{"caller": "0501234567"}', "application/json", "ivruniqueid"),
        (b'{"ivruniqueid": "x", "time": "soon"}', "application/json", "time"),
        (b'{"ivruniqueid": "", "time": 1}', "application/json", "ivruniqueid"),
        (b"ivruniqueid=x&time=1&duration=long", "application/x-www-form-urlencoded", "duration"),
        (b"\xff\xfe", "application/x-www-form-urlencoded", "(body)"),
        (b"<methodCall><methodName>cdr</methodName>", "text/xml", "(body)"),
        (
            xmlrpc.client.dumps((1, 2), methodname="cdr").encode(),
            "text/xml",
            "(params)",
        ),
    ],
)
def test_malformed_bodies_raise_payload_error(body, ctype, field):
    with pytest.raises(PayloadError) as e:
        parse_cdr(body, ctype)
    assert e.value.field == field


def test_xml_bomb_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b"<methodCall><methodName>cdr</methodName><params><param><value><struct>"
        b"<member><name>ivruniqueid</name><value><string>&lol3;</string></value></member>"
        b"</struct></value></param></params></methodCall>"
    )
    with pytest.raises(PayloadError) as e:
        parse_cdr(bomb, "text/xml")
    assert "refused XML" in e.value.problem


def test_external_entity_is_refused():
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<methodCall><methodName>cdr</methodName><params><param><value>"
        b"<string>&e;</string></value></param></params></methodCall>"
    )
    with pytest.raises(PayloadError):
        parse_cdr(xxe, "text/xml")


def test_replies_in_kind():
    body, ctype = ack_body(Encoding.JSON, 0, "OK")
    assert json.loads(body) == {"Err": 0, "Errdesc": "OK"}
    assert ctype == "application/json"
    body, ctype = ack_body(Encoding.FORM, 1, "parse error")
    assert parse_qs(body.decode()) == {"Err": ["1"], "Errdesc": ["parse error"]}
    body, ctype = ack_body(Encoding.XMLRPC, 2, "application error")
    params, method = xmlrpc.client.loads(body.decode())
    assert method is None  # a methodResponse
    assert params == ({"Err": 2, "Errdesc": "application error"},)
    assert ctype.startswith("text/xml")


def test_ai_insights():
    data = json.loads(JSON_QUEUE)
    data["aiData"] = {
        "insights": {
            "questions": [
                {"key": "issue", "answer": "dropped calls"},
                {"key": "category", "answer": "technical issue"},
            ],
            "summary": "The caller reported dropped calls.",
        },
        "emotions": {
            "sentences": [
                {"sentence_id": 1, "emotion": "frustrated"},
                {"sentence_id": 2, "emotion": "frustrated"},
                {"sentence_id": 3, "emotion": "calm"},
            ]
        },
    }
    cdr, _ = parse_cdr(json.dumps(data).encode())
    ai = ai_insights(cdr)
    assert ai is not None
    assert ai.category == "technical issue"
    assert ai.summary == "The caller reported dropped calls."
    assert ai.emotions == {"frustrated": 2, "calm": 1}
    assert ai_insights(parse_cdr(JSON_QUEUE)[0]) is None
    # In a form body the nested aiData arrives as JSON text.
    form = "ivruniqueid=a&time=1&aiData=" + json.dumps({"insights": {"summary": "hi"}})
    cdr2, _ = parse_cdr(form.encode(), "application/x-www-form-urlencoded")
    ai2 = ai_insights(cdr2)
    assert ai2 is not None and ai2.summary == "hi"


def test_time_rule_auto_reads_the_id_wall_clock():
    from wallboard.core.calls import TimeRule

    rule = TimeRule("Asia/Jerusalem", "auto")
    fixture, _ = parse_cdr(JSON_QUEUE)  # id 20200721121327…, time = that wall clock as epoch
    assert rule.utc(fixture) == cdr_utc(fixture.time, "Asia/Jerusalem") == fixture.time - 3 * 3600
    utc = int(datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp())  # 11:00 in Israel
    sim = json.loads(JSON_QUEUE)
    sim.update(ivruniqueid="20260302110000000001abcdef01", time=utc)  # true UTC stamps
    assert rule.utc(parse_cdr(json.dumps(sim).encode())[0]) == utc
    assert TimeRule("Asia/Jerusalem", "utc").utc(fixture) == fixture.time
    assert TimeRule("Asia/Jerusalem", "local").utc(fixture) == fixture.time - 3 * 3600
    no_id = json.loads(JSON_QUEUE)
    no_id["ivruniqueid"] = "abc"
    assert rule.utc(parse_cdr(json.dumps(no_id).encode())[0]) == fixture.time - 3 * 3600
