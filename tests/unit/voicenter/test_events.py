"""Every realtime fixture parses into the right domain event, both ExtensionEvent shapes."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REALTIME, realtime
from wallboard.core.events import (
    CallDirection,
    CallStatus,
    ExtensionChanged,
    ExtensionsSnapshot,
    LoggedIn,
    QueueChanged,
    QueueReason,
    QueuesSnapshot,
)
from wallboard.errors import PayloadError
from wallboard.voicenter.events import KNOWN_EVENTS, event_name, parse_event, parse_frame


@pytest.mark.parametrize("path", sorted(REALTIME.glob("*.json")), ids=lambda p: p.name)
def test_every_fixture_parses(path):
    text = path.read_text(encoding="utf-8")
    name, event = parse_frame(text, 1000.0)
    assert name == json.loads(text)[0]
    assert event is not None
    assert event.received == 1000.0


def test_login_success():
    _, e = parse_frame(realtime("00"), None)
    assert e == LoggedIn(None, 1597930812, 180)


def test_login_status_waiting_calls():
    _, e = parse_frame(realtime("01"), None)
    assert isinstance(e, QueuesSnapshot)
    assert [q.queue_id for q in e.queues] == [12345678, 12345679]
    call = e.queues[0].calls[0]
    assert call.call_id == "2020082015645675456434324949c071d"
    assert (call.caller_number, call.caller_name, call.joined) == (
        "0501234567",
        "John Doe",
        1597941709,
    )


def test_all_extensions_names_and_status_times():
    _, e = parse_frame(realtime("02"), None)
    assert isinstance(e, ExtensionsSnapshot)
    clark, lois = e.extensions
    assert clark.display_name == "Clark Kent" and clark.status_code == 2
    assert clark.status_updated is None  # 0 on the wire means unknown
    assert lois.status_updated == 1597944933  # milliseconds on the wire
    assert lois.online_user_id == 12345679


def test_queue_event_reasons():
    for prefix, reason in (
        ("03", QueueReason.JOIN),
        ("04", QueueReason.EXIT),
        ("05", QueueReason.ABANDONED),
    ):
        _, e = parse_frame(realtime(prefix), None)
        assert isinstance(e, QueueChanged)
        assert e.reason is reason
        assert e.queue.queue_id == 1234567


def test_extension_event_common_shape():
    _, e = parse_frame(realtime("08"), None)
    assert isinstance(e, ExtensionChanged)
    assert (e.reason, e.cause, e.server_time) == ("HANGUP", "Normal hangup", 1606908139)
    assert e.call_id == "202012021122010135330b4f77"
    assert e.record.calls == ()


def test_extension_event_status_shape_has_reason_at_top_level():
    _, e = parse_frame(realtime("14"), None)
    assert isinstance(e, ExtensionChanged)
    assert (e.reason, e.server_time) == ("userStatusUpdate", 1606917164)
    assert e.record.status_code == 3
    assert e.record.status_updated == 1606917164
    assert e.call_id == ""


def test_click2call_legs():
    _, e = parse_frame(realtime("11"), None)
    assert isinstance(e, ExtensionChanged)
    call = e.record.calls[0]
    assert call.direction is CallDirection.CLICK2CALL
    assert call.status is CallStatus.TALKING
    assert call.c2c_leg == 2  # a string "2" on the wire
    assert call.answered_at is None


def test_unknown_fields_ignored_unknown_events_reported():
    frame = json.loads(realtime("03"))
    frame[1]["somethingNew"] = {"x": 1}
    _, e = parse_frame(json.dumps(frame), None)
    assert isinstance(e, QueueChanged)
    assert parse_frame('["brandNewEvent", {"a": 1}]', None) == ("brandNewEvent", None)


def test_malformed_event_names_event_and_field():
    frame = json.loads(realtime("06"))
    frame[1]["data"]["calls"][0]["ivrid"] = None
    with pytest.raises(PayloadError) as info:
        parse_frame(json.dumps(frame), None)
    assert info.value.event == "ExtensionEvent"
    assert info.value.field == "data.calls[0].ivrid"


def test_missing_reason_in_both_shapes():
    frame = json.loads(realtime("06"))
    del frame[1]["data"]["reason"]
    with pytest.raises(PayloadError) as info:
        parse_frame(json.dumps(frame), None)
    assert info.value.field == "reason"


@pytest.mark.parametrize("junk", ["", "42", "{}", '["QueueEvent"', '["QueueEvent", 5]', "[1,2]"])
def test_garbage_frames_raise_payload_error(junk):
    with pytest.raises(PayloadError):
        parse_frame(junk, None)


def test_python_path_matches_text_path():
    for path in sorted(REALTIME.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        name, payload = json.loads(text)
        assert parse_event(name, payload, 5.0) == parse_frame(text, 5.0)[1]


def test_event_name_and_known_events():
    assert event_name('  ["closeme", {}]') == "closeme"
    assert {"loginSuccess", "ExtensionEvent", "closeme", "QueuesUpdated"} <= KNOWN_EVENTS
