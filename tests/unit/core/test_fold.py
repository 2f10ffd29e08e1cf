"""Scenario tests: replay fixture frames through parse + fold; numbers computed by hand."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.conftest import realtime
from wallboard.core.events import ConnectionChanged, ConnectionState
from wallboard.core.fold import apply
from wallboard.core.kpis import (
    abandon_rate,
    average_speed_of_answer,
    average_wait,
    service_level,
)
from wallboard.core.models import AgentState, FoldSettings, State
from wallboard.core.view import state_view
from wallboard.runtime.hub import Hub
from wallboard.voicenter.ingest import FrameParser

Frame = list[Any]


def frame(prefix: str) -> Frame:
    return json.loads(realtime(prefix))


def feed(hub: Hub, *frames: Frame | str, received: float | None = None) -> None:
    for f in frames:
        text = f if isinstance(f, str) else json.dumps(f)
        FrameParser(hub).feed_frame(text, received)
    assert not hub.malformed_events, hub.malformed_events


def test_queue_join_exit_abandon_numbers():
    hub = Hub()
    join, exit_, abandon = frame("03"), frame("04"), frame("05")
    feed(hub, join)
    q = hub.state.queues[1234567]
    assert list(q.waiting) == ["2020082015645675456434324949c071d"]
    feed(hub, exit_, abandon)
    assert hub.state.queues[1234567].waiting == {}
    assert hub.state.day is not None
    t = hub.state.day.queues[1234567]
    # A joined at 1598206105 and left to an agent at 1598206119: 14 s, within 20 s.
    # B abandoned without ever being seen waiting: abandoned, wait unknown.
    assert (t.offered, t.answered, t.answered_within_sl, t.abandoned, t.short_abandoned) == (
        2,
        1,
        1,
        1,
        0,
    )
    assert service_level(t) == 0.5  # 1 / (1 + 1 − 0)
    assert abandon_rate(t) == 0.5  # (1 − 0) / (1 + 1 − 0)
    assert average_speed_of_answer(t) == 14
    assert average_wait(t) == 14  # B's wait is unknown, so only A's counts
    assert t.longest_wait == 14


def test_short_abandon_is_left_out_of_service_level():
    hub = Hub(FoldSettings(short_abandon=5, sl_threshold=10))
    join = frame("03")
    b = copy.deepcopy(join)
    b[1]["ivruniqueid"] = "B"
    b[1]["servertime"] = 1598206110
    b[1]["data"]["Calls"].append(
        {"CallerID": "0529999999", "IvrUniqueID": "B", "JoinTimeStamp": 1598206110}
    )
    abandon_b = frame("05")
    abandon_b[1]["ivruniqueid"] = "B"
    abandon_b[1]["servertime"] = 1598206113  # waited 3 s: short
    abandon_b[1]["data"]["Calls"] = join[1]["data"]["Calls"]
    exit_a = frame("04")
    exit_a[1]["servertime"] = 1598206130  # A waited 25 s: outside 10 s
    feed(hub, join, b, abandon_b, exit_a)
    assert hub.state.day is not None
    t = hub.state.day.queues[1234567]
    assert (t.offered, t.answered, t.answered_within_sl, t.abandoned, t.short_abandoned) == (
        2,
        1,
        0,
        1,
        1,
    )
    assert service_level(t) == 0.0  # 0 / (1 + 1 − 1)
    assert abandon_rate(t) == 0.0
    assert average_wait(t) == 14  # (25 + 3) / 2


def test_repeated_exit_counts_once():
    hub = Hub()
    feed(hub, frame("03"), frame("04"), frame("04"))
    assert hub.state.day is not None
    assert hub.state.day.queues[1234567].answered == 1


def test_incoming_call_ring_answer_hangup():
    hub = Hub()
    feed(hub, frame("06"))
    agent = hub.state.agents[1234567]
    assert agent.state is AgentState.RINGING
    assert agent.state_since == 1606908123  # the call started a second before the event
    feed(hub, frame("07"))
    agent = hub.state.agents[1234567]
    assert agent.state is AgentState.TALKING
    call = agent.calls["202012021122010135330b4f77"]
    assert call.info.answered_at == 1606908134
    feed(hub, frame("08"))
    agent = hub.state.agents[1234567]
    assert agent.state is AgentState.AVAILABLE
    assert agent.calls == {}
    assert agent.state_since == 1606908139  # the hangup
    assert hub.state.day is not None
    t = hub.state.day.agents[1234567]
    assert (t.answered, t.missed, t.outgoing) == (1, 0, 0)
    assert t.talk_seconds == 5  # 1606908139 − callAnswered 1606908134
    assert t.status_seconds == {"ringing": 1, "talking": 15}


def test_queue_call_rings_from_when_it_rang_not_from_when_the_caller_dialled_in():
    hub = Hub()
    f = frame("06")
    for call in (f[1]["data"]["calls"][0], f[1]["data"]["currentCall"]):
        call["queueID"] = 1234567
        call["callStarted"] = 1606908124 - 40  # 40 s in the IVR and the queue first
    feed(hub, f)
    agent = hub.state.agents[1234567]
    assert agent.state is AgentState.RINGING
    assert agent.state_since == 1606908124  # the event that showed it ringing


def _unanswered_hangup(cause: str) -> Frame:
    f = frame("08")
    f[1]["data"]["cause"] = cause
    cur = f[1]["data"]["currentCall"]
    cur.update({"callAnswered": 0, "answered": 0, "callstatus": "Ringing"})
    return f


def test_missed_call_counts_and_answered_elsewhere_does_not():
    hub = Hub()
    feed(hub, frame("06"), _unanswered_hangup("Normal hangup"))
    assert hub.state.day is not None
    assert hub.state.day.agents[1234567].missed == 1
    hub2 = Hub()
    feed(hub2, frame("06"), _unanswered_hangup("Answered elsewhere"))
    assert hub2.state.day is not None
    assert hub2.state.day.agents[1234567].missed == 0


def test_click2call_two_legs_is_one_outgoing_call():
    hub = Hub()
    feed(hub, *(frame(p) for p in ("09", "10", "11", "12")))
    agent = hub.state.agents[1234567]
    assert agent.state is AgentState.TALKING
    assert agent.calls["20201200013quvnhxku5v"].info.c2c_leg == 2
    feed(hub, frame("13"))
    assert hub.state.day is not None
    t = hub.state.day.agents[1234567]
    assert (t.answered, t.missed, t.outgoing) == (0, 0, 1)
    assert t.talk_seconds == 4  # 1606913094 − leg 2 answered 1606913090


def test_status_update_to_lunch_is_a_break_with_its_reason():
    hub = Hub()
    feed(hub, frame("14"))
    agent = hub.state.agents[1234567]
    assert (agent.state, agent.break_code, agent.state_since) == (
        AgentState.BREAK,
        3,
        1606917164,
    )


def test_snapshot_replaces_agents_no_ghost_calls():
    hub = Hub()
    feed(hub, frame("06"))
    assert hub.state.agents[1234567].calls
    snap = frame("02")
    snap[1]["servertime"] = 1606908200
    rec = copy.deepcopy(frame("14")[1]["data"])
    rec["representativeStatus"] = 1
    snap[1]["extensions"].append(rec)
    feed(hub, snap)
    assert set(hub.state.agents) == {9876543, 9876542, 1234567}
    agent = hub.state.agents[1234567]
    assert agent.calls == {} and agent.state is AgentState.AVAILABLE
    assert hub.state.day is not None
    # The call vanished while we were away: no miss and no talk time guessed.
    assert hub.state.day.agents[1234567].missed == 0
    # An agent missing from the next snapshot is gone.
    snap2 = frame("02")
    snap2[1]["servertime"] = 1606908300
    feed(hub, snap2)
    assert 1234567 not in hub.state.agents


def test_queue_snapshot_replaces_waiting_lists():
    hub = Hub()
    feed(hub, frame("01"))
    assert len(hub.state.queues[12345678].waiting) == 1
    empty = frame("01")
    empty[1]["queues"][0]["Calls"] = []
    feed(hub, empty)
    assert hub.state.queues[12345678].waiting == {}


def test_agent_answer_before_queue_exit_counts_once():
    hub = Hub()
    join = frame("03")
    cid = "202012021122010135330b4f77"
    join[1]["ivruniqueid"] = cid
    join[1]["servertime"] = 1606908100
    join[1]["data"]["Calls"][0].update(
        {"IvrUniqueID": cid, "ivrid": cid, "JoinTimeStamp": 1606908100}
    )
    feed(hub, join, frame("06"), frame("07"))
    # Answered at 1606908134 after joining at 1606908100: 34 s; already out of the queue.
    assert hub.state.queues[1234567].waiting == {}
    exit_ = frame("04")
    exit_[1]["ivruniqueid"] = cid
    exit_[1]["servertime"] = 1606908135
    feed(hub, exit_)
    assert hub.state.day is not None
    t = hub.state.day.queues[1234567]
    assert (t.offered, t.answered, t.answered_within_sl, t.answered_wait_total) == (1, 1, 0, 34)


def test_day_resets_at_local_midnight():
    hub = Hub(FoldSettings(timezone="Asia/Jerusalem"))
    feed(hub, frame("03"), frame("04"))  # 2020-08-23 21:08 Israel time
    assert hub.state.day is not None
    assert hub.state.day.bounds.key == "2020-08-23"
    late = frame("03")
    late[1]["servertime"] = 1598216400 + 60  # 2020-08-24 00:01 IDT (UTC+3)
    late[1]["ivruniqueid"] = "next-day"
    late[1]["data"]["Calls"] = []
    feed(hub, late)
    assert hub.state.day.bounds.key == "2020-08-24"
    assert hub.state.day.queues[1234567].answered == 0
    assert hub.state.day.queues[1234567].offered == 1


def test_connection_state_is_part_of_the_state():
    hub = Hub()
    hub.feed(ConnectionChanged(100.0, ConnectionState.CONNECTED, "wss://a"))
    hub.feed(ConnectionChanged(160.0, ConnectionState.RECONNECTING, "wss://a", "silent"))
    conn = hub.state.connection
    assert (conn.state, conn.since, conn.server, conn.detail) == (
        ConnectionState.RECONNECTING,
        160.0,
        "wss://a",
        "silent",
    )
    feed(hub, frame("03"), received=170.0)
    assert hub.state.connection.last_event == 170.0


def test_malformed_and_unknown_events_are_dropped_and_counted():
    hub = Hub()
    bad = frame("06")
    bad[1]["data"]["number"] = "not-a-number"
    FrameParser(hub).feed_frame(json.dumps(bad), None)
    FrameParser(hub).feed_frame('["SomethingNew", {}]', None)
    FrameParser(hub).feed_frame("{not json", None)
    FrameParser(hub).feed_frame(realtime("07"), None)
    assert hub.malformed_events == {"ExtensionEvent": 1, "frame": 1}
    assert hub.unknown_events == {"SomethingNew": 1}
    assert hub.state.agents[1234567].state is AgentState.TALKING


def test_view_reports_live_numbers_in_server_time():
    hub = Hub()
    feed(hub, frame("00"), received=1597930812.0)
    feed(hub, frame("03"), received=1597930812.0 + (1598206105 - 1597930812))
    view = state_view(hub.state, 1597930812.0 + (1598206105 - 1597930812) + 7)
    q = next(q for q in view["queues"] if q["queue_id"] == 1234567)
    assert q["today"]["waiting_now"] == 1
    assert q["today"]["longest_waiting_now"] == 7.0
    assert view["server_now"] == 1598206112.0


def test_apply_returns_the_state_and_its_changes():
    state = State()
    _, changes = apply(state, ConnectionChanged(1.0, ConnectionState.CONNECTING, None))
    assert changes.connection and not changes.agents
