"""The msgspec wire decoder (voicenter/events.py) against every fixture and against bad frames.

Every realtime fixture is decoded three ways (text, bytes, the EIO4 path's Python data) and
checked against what its own JSON says. Bad frames — wrong types, missing fields, cut-off
text, unknown names, either ExtensionEvent shape — raise one `PayloadError` naming the
event and the field, and through the `FrameParser` the hub counts and logs them, drops
them, and keeps folding.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REALTIME, realtime
from wallboard.core.events import (
    ConfigChanged,
    ExtensionChanged,
    ExtensionsSnapshot,
    KeepaliveAnswered,
    LoggedIn,
    QueueChanged,
    QueuesSnapshot,
    ServerClosing,
)
from wallboard.core.models import AgentState
from wallboard.errors import PayloadError
from wallboard.runtime.hub import Hub
from wallboard.voicenter.events import parse_event, parse_frame
from wallboard.voicenter.ingest import FrameParser

FIXTURES = sorted(REALTIME.glob("*.json"))
Frame = list[Any]


def _frame(prefix: str) -> Frame:
    frame: Frame = json.loads(realtime(prefix))
    return frame


def _both_paths(frame: Frame) -> list[PayloadError]:
    """The error of the text path and of the EIO4 path (Python data), in that order."""
    errors = []
    with pytest.raises(PayloadError) as text_error:
        parse_frame(json.dumps(frame), 1.0)
    errors.append(text_error.value)
    with pytest.raises(PayloadError) as data_error:
        parse_event(frame[0], frame[1], 1.0)
    errors.append(data_error.value)
    return errors


def _expect_fields(frame: Frame) -> dict[str, Any]:
    """What the fixture's own JSON says the event must carry (read without the decoder)."""
    name, p = frame
    if name == "ExtensionEvent":
        d = p["data"]
        current = p.get("currentCall") or d.get("currentCall")
        return {
            "reason": p.get("reason") or d["reason"],
            "server_time": p.get("servertime") or d["servertime"],
            "extension": d["number"],
            "calls": [c["ivrid"] for c in d["calls"]],
            "call_id": p.get("ivruniqueid")
            or d.get("ivruniqueid")
            or (current or {}).get("ivrid", ""),
        }
    if name == "QueueEvent":
        return {
            "reason": p["reason"],
            "server_time": p["servertime"],
            "queue": p["data"]["QueueID"],
            "waiting": [c["IvrUniqueID"] for c in p["data"]["Calls"]],
            "call_id": p["ivruniqueid"],
        }
    if name == "loginStatus":
        return {"queues": [(q["QueueID"], len(q["Calls"])) for q in p["queues"]]}
    if name == "AllExtensionsStatus":
        return {"extensions": [(e["number"], len(e["calls"])) for e in p["extensions"]]}
    assert name == "loginSuccess", name
    return {"server_time": p["servertime"], "offset": p["servertimeoffset"]}


def _got_fields(event: Any) -> dict[str, Any]:
    if isinstance(event, ExtensionChanged):
        return {
            "reason": event.reason,
            "server_time": event.server_time,
            "extension": event.record.extension,
            "calls": [c.call_id for c in event.record.calls],
            "call_id": event.call_id,
        }
    if isinstance(event, QueueChanged):
        return {
            "reason": event.raw_reason,
            "server_time": event.server_time,
            "queue": event.queue.queue_id,
            "waiting": [c.call_id for c in event.queue.calls],
            "call_id": event.call_id,
        }
    if isinstance(event, QueuesSnapshot):
        return {"queues": [(q.queue_id, len(q.calls)) for q in event.queues]}
    if isinstance(event, ExtensionsSnapshot):
        return {"extensions": [(e.extension, len(e.calls)) for e in event.extensions]}
    assert isinstance(event, LoggedIn), event
    return {"server_time": event.server_time, "offset": event.offset_minutes}


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_fixture_decodes_to_what_its_json_says(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    frame = json.loads(text)
    name, event = parse_frame(text, 7.0)
    assert name == frame[0]
    assert _got_fields(event) == _expect_fields(frame)
    # The same event from bytes (the socket's frames), and from the EIO4 path's data.
    assert parse_frame(text.encode("utf-8"), 7.0) == (name, event)
    assert parse_event(name, frame[1], 7.0) == event
    # And from the compact text socket.io actually sends (the decoder's fast path).
    assert parse_frame(json.dumps(frame, separators=(",", ":")), 7.0) == (name, event)


def _to_top_level_shape(frame: Frame) -> Frame:
    """A common-shape ExtensionEvent rewritten in userStatusUpdate's shape."""
    moved = copy.deepcopy(frame)
    data = moved[1]["data"]
    for key in ("reason", "servertime", "cause", "ivruniqueid", "currentCall"):
        if key in data:
            moved[1][key] = data.pop(key)
    return moved


@pytest.mark.parametrize("prefix", ["06", "07", "08", "09", "10", "11", "12", "13"])
def test_both_extension_event_shapes_decode_to_one_event(prefix: str) -> None:
    common = _frame(prefix)
    top = _to_top_level_shape(common)
    assert "reason" not in top[1]["data"] and "reason" in top[1]
    assert parse_frame(json.dumps(top), 1.0) == parse_frame(json.dumps(common), 1.0)
    assert parse_event(*top, 1.0) == parse_frame(json.dumps(common), 1.0)[1]


def test_user_status_shape_moved_into_data_decodes_the_same() -> None:
    top = _frame("14")
    inside = copy.deepcopy(top)
    for key in ("reason", "servertime"):
        inside[1]["data"][key] = inside[1].pop(key)
    _, event = parse_frame(json.dumps(inside), 1.0)
    assert event == parse_frame(json.dumps(top), 1.0)[1]
    assert isinstance(event, ExtensionChanged) and event.reason == "userStatusUpdate"


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Frame], None]:
    def mutate(frame: Frame) -> None:
        target: Any = frame[1]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _delete(path: tuple[Any, ...]) -> Callable[[Frame], None]:
    def mutate(frame: Frame) -> None:
        target: Any = frame[1]
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


WRONG_TYPES = [
    ("06", ("data", "number"), "not-a-number", "data.number"),
    ("06", ("data", "calls", 0, "callStarted"), "soon", "data.calls[0].callStarted"),
    ("06", ("data", "calls", 0, "ivrid"), None, "data.calls[0].ivrid"),
    ("06", ("data", "calls"), {"ivrid": "x"}, "data.calls"),
    ("06", ("data", "calls", 0, "recording"), "muted", "data.calls[0].recording"),
    ("08", ("data", "currentCall"), [1], "data.currentCall"),
    ("14", ("data", "summery"), "Clark Kent", "data.summery"),
    ("14", ("servertime",), "now", "servertime"),
    ("14", ("data", "representativeStatus"), 3.5, "data.representativeStatus"),
    ("03", ("data", "QueueID"), None, "data.QueueID"),
    ("03", ("data", "Calls", 0, "JoinTimeStamp"), [1], "data.Calls[0].JoinTimeStamp"),
    ("03", ("reason",), 5, "reason"),
    ("01", ("queues", 1, "QueueID"), "Queue2", "queues[1].QueueID"),
    (
        "02",
        ("extensions", 1, "representativeStatus"),
        "lunch",
        "extensions[1].representativeStatus",
    ),
    ("00", ("servertime",), "1597930812x", "servertime"),
]


@pytest.mark.parametrize(("prefix", "path", "value", "field"), WRONG_TYPES)
def test_wrong_types_name_the_event_and_the_field(
    prefix: str, path: tuple[Any, ...], value: Any, field: str
) -> None:
    frame = _frame(prefix)
    _set(path, value)(frame)
    for error in _both_paths(frame):
        assert (error.event, error.field) == (frame[0], field)
        assert error.problem.startswith("Expected")


MISSING = [
    ("06", ("data", "number"), "data.number"),
    ("06", ("data", "calls", 0, "ivrid"), "data.calls[0].ivrid"),
    ("06", ("data",), "data"),
    ("06", ("data", "reason"), "reason"),  # in neither shape
    ("14", ("reason",), "reason"),
    ("14", ("servertime",), "servertime"),
    ("03", ("reason",), "reason"),
    ("03", ("data", "QueueID"), "data.QueueID"),
    ("00", ("servertime",), "servertime"),
    ("01", ("servertime",), "servertime"),
    ("02", ("extensions", 0, "number"), "extensions[0].number"),
]


@pytest.mark.parametrize(("prefix", "path", "field"), MISSING)
def test_missing_fields_name_the_event_and_the_field(
    prefix: str, path: tuple[Any, ...], field: str
) -> None:
    frame = _frame(prefix)
    _delete(path)(frame)
    for error in _both_paths(frame):
        assert (error.event, error.field) == (frame[0], field)


@pytest.mark.parametrize(
    ("prefix", "calls", "field"),
    [
        ("03", ("data", "Calls"), "data.Calls[0].IvrUniqueID"),
        ("01", ("queues", 0, "Calls"), "queues[0].Calls[0].IvrUniqueID"),
    ],
)
def test_a_waiting_call_without_either_id_is_malformed(
    prefix: str, calls: tuple[Any, ...], field: str
) -> None:
    frame = _frame(prefix)
    _set((*calls, 0), {"CallerID": "0501234567", "JoinTimeStamp": 1})(frame)
    for error in _both_paths(frame):
        assert (error.event, error.field, error.problem) == (frame[0], field, "missing call id")


def test_a_waiting_call_by_either_id_spelling() -> None:
    frame = _frame("03")
    del frame[1]["data"]["Calls"][0]["IvrUniqueID"]
    _, event = parse_frame(json.dumps(frame), 1.0)
    assert isinstance(event, QueueChanged)
    assert event.queue.calls[0].call_id == frame[1]["data"]["Calls"][0]["ivrid"]


def test_numbers_sent_as_strings_and_unknown_fields_are_accepted() -> None:
    frame = _frame("11")
    data = frame[1]["data"]
    data["number"] = str(data["number"])
    data["calls"][0]["callStarted"] = str(data["calls"][0]["callStarted"])
    data["brandNewField"] = {"nested": [1, 2, {"x": None}]}
    data["calls"][0]["anotherNewOne"] = "?"
    _, event = parse_frame(json.dumps(frame), 1.0)
    assert event == parse_frame(realtime("11"), 1.0)[1]


def test_a_refused_login_and_a_dead_keepalive() -> None:
    refused = _frame("00")
    refused[1]["errorCode"] = 3
    for error in _both_paths(refused):
        assert (error.event, error.field) == ("loginSuccess", "errorCode")
    _, dead = parse_frame('["keepaliveResponse",{"errorCode":1,"errorDesc":"gone"}]', 1.0)
    assert dead == KeepaliveAnswered(1.0, 1, "gone")


def test_events_without_a_payload_we_read_ignore_it() -> None:
    assert parse_frame('["closeme", "whatever"]', 2.0) == ("closeme", ServerClosing(2.0))
    assert parse_event("QueuesUpdated", None, 2.0) == ConfigChanged(2.0, "queues")


@pytest.mark.parametrize(
    ("text", "event", "field"),
    [
        ('["QueueEvent", 5]', "QueueEvent", "payload"),
        ('["QueueEvent", null]', "QueueEvent", "payload"),
        ('["keepaliveResponse", {}, 3]', "keepaliveResponse", "payload"),
        ('["QueueEvent", {"reason": "JOIN"', "QueueEvent", "payload"),
        ('["ExtensionEvent", {"data": {"number": 1}} trailing', "ExtensionEvent", "payload"),
        ("[5, {}]", "frame", "name"),
        ('{"QueueEvent": {}}', "frame", "name"),
        ("", "frame", "name"),
        (b'\xff\xfe["QueueEvent"', "frame", "name"),
    ],
)
def test_frames_that_are_not_name_and_payload(text: str | bytes, event: str, field: str) -> None:
    with pytest.raises(PayloadError) as info:
        parse_frame(text, None)
    assert (info.value.event, info.value.field) == (event, field)


def test_the_eio4_path_refuses_a_payload_that_is_not_an_object() -> None:
    with pytest.raises(PayloadError) as info:
        parse_event("ExtensionEvent", ["data"], None)
    assert (info.value.event, info.value.field) == ("ExtensionEvent", "payload")


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_cut_off_fixture_is_one_payload_error(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    name = json.loads(text)[0]
    for end in range(0, len(text.rstrip()) - 1, 5):
        with pytest.raises(PayloadError) as info:
            parse_frame(text[:end], None)
        assert info.value.event in (name, "frame"), text[:end]


def test_unknown_names_are_returned_not_decoded() -> None:
    # The payload of an event we do not know is not read: it cannot make it malformed.
    assert parse_frame('["brandNewEvent", {"a": [1, 2', None) == ("brandNewEvent", None)
    assert parse_frame('[ "Spaced\\"Name" , {}]', None) == ('Spaced\\"Name', None)
    assert parse_event("brandNewEvent", object(), None) is None


def test_the_hub_counts_logs_and_drops_bad_frames_and_keeps_folding(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = Hub()
    parser = FrameParser(hub)
    for prefix in ("00", "01", "02"):
        assert parser.feed_frame(realtime(prefix), 1.0) is not None
    wrong = _frame("06")
    wrong[1]["data"]["calls"][0]["callStarted"] = "soon"
    no_queue = _frame("03")
    del no_queue[1]["data"]["QueueID"]
    with caplog.at_level(logging.WARNING, logger="wallboard"):
        assert parser.feed_frame(json.dumps(wrong), 2.0) is None
        assert parser.feed_frame(json.dumps(no_queue), 2.0) is None
        assert parser.feed_frame(realtime("06")[:40], 2.0) is None
        assert parser.feed_frame("not a frame", 2.0) is None
        assert parser.feed_message("QueueEvent", {"data": 5}, 2.0) is None
        for _ in range(3):
            assert parser.feed_frame('["brandNewEvent", {}]', 2.0) is None
    assert hub.malformed_events == {"ExtensionEvent": 2, "QueueEvent": 2, "frame": 1}
    assert hub.unknown_events == {"brandNewEvent": 3}
    logged = [r.getMessage() for r in caplog.records]
    assert any("ExtensionEvent" in m and "data.calls[0].callStarted" in m for m in logged)
    assert any("QueueEvent" in m and "data.QueueID" in m for m in logged)
    assert sum("brandNewEvent" in m for m in logged) == 1  # unknown: logged once
    # The board keeps running: the next good frames fold as if nothing had happened.
    assert parser.feed_frame(realtime("06"), 3.0) is not None
    assert hub.state.agents[1234567].state is AgentState.RINGING
    assert parser.feed_frame(realtime("03"), 3.0) is not None
    assert list(hub.state.queues[1234567].waiting) == ["2020082015645675456434324949c071d"]
