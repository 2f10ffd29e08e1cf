"""Property-based: random and corrupted event sequences never break the fold's invariants."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REALTIME
from wallboard.core.kpis import abandon_rate, service_level
from wallboard.core.models import RESOLVED
from wallboard.core.view import state_view
from wallboard.runtime.hub import Hub
from wallboard.voicenter.ingest import FrameParser

BASE = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(REALTIME.glob("*.json"))]
CALL_IDS = ["A", "B", "C", "D"]
QUEUES = [1, 2]
EXTENSIONS = [101, 102, 103]
REASONS_Q = ["JOIN", "EXIT", "ABANDONED", "WEIRD"]
REASONS_X = ["NEWCALL", "ANSWER", "HOLD", "UNHOLD", "HANGUP", "userStatusUpdate"]
STATUSES = ["Ringing", "Dialing", "Talking", "Hold", "Spying", "???"]
DIRECTIONS = ["Incoming", "Outgoing", "Click2Call", "Spy", "x"]


@st.composite
def queue_event(draw: st.DrawFn) -> list[Any]:
    f = copy.deepcopy(BASE[3])
    p = f[1]
    p["reason"] = draw(st.sampled_from(REASONS_Q))
    p["servertime"] = draw(st.integers(1_600_000_000, 1_600_000_000 + 200_000))
    p["ivruniqueid"] = draw(st.sampled_from(CALL_IDS))
    p["data"]["QueueID"] = draw(st.sampled_from(QUEUES))
    p["data"]["Calls"] = [
        {
            "CallerID": "05",
            "IvrUniqueID": c,
            "JoinTimeStamp": draw(st.integers(1_599_990_000, 1_600_300_000)),
        }
        for c in draw(st.lists(st.sampled_from(CALL_IDS), unique=True, max_size=4))
    ]
    return f


@st.composite
def extension_event(draw: st.DrawFn) -> list[Any]:
    shape_b = draw(st.booleans())
    f = copy.deepcopy(BASE[14] if shape_b else BASE[6])
    p = f[1]
    d = p["data"]
    where = p if shape_b else d
    where["reason"] = draw(st.sampled_from(REASONS_X))
    where["servertime"] = draw(st.integers(1_600_000_000, 1_600_000_000 + 200_000))
    d["number"] = draw(st.sampled_from(EXTENSIONS))
    d["representativeStatus"] = draw(st.sampled_from([1, 2, 3, 5, 7, 99]))
    d["representativeUpdated"] = draw(st.sampled_from([0, 1_600_000_000_000, 1_600_100_000]))
    calls = []
    for cid in draw(st.lists(st.sampled_from(CALL_IDS), unique=True, max_size=3)):
        answered = draw(st.sampled_from([0, 1_600_000_500]))
        calls.append(
            {
                "ivrid": cid,
                "direction": draw(st.sampled_from(DIRECTIONS)),
                "callstatus": draw(st.sampled_from(STATUSES)),
                "callStarted": 1_600_000_000,
                "callAnswered": answered,
                "answered": 1 if answered else 0,
                "queueID": draw(st.sampled_from([0, *QUEUES])),
            }
        )
    d["calls"] = calls
    if not shape_b and draw(st.booleans()):
        d["cause"] = draw(st.sampled_from(["Normal hangup", "Answered elsewhere", "Call Rejected"]))
        d["ivruniqueid"] = draw(st.sampled_from(CALL_IDS))
    return f


@st.composite
def snapshot(draw: st.DrawFn) -> list[Any]:
    if draw(st.booleans()):
        f = copy.deepcopy(BASE[1])
        f[1]["servertime"] = draw(st.integers(1_600_000_000, 1_600_200_000))
        for q, qid in zip(f[1]["queues"], QUEUES, strict=True):
            q["QueueID"] = qid
            q["Calls"] = [
                {"IvrUniqueID": c, "JoinTimeStamp": 1_600_000_000}
                for c in draw(st.lists(st.sampled_from(CALL_IDS), unique=True, max_size=3))
            ]
        return f
    f = copy.deepcopy(BASE[2])
    f[1]["servertime"] = draw(st.integers(1_600_000_000, 1_600_200_000))
    for e, ext in zip(f[1]["extensions"], EXTENSIONS, strict=False):
        e["number"] = ext
    return f


def corrupt(draw: st.DrawFn, f: list[Any]) -> str:
    text = json.dumps(f)
    kind = draw(st.sampled_from(["none", "none", "none", "truncate", "type", "drop"]))
    if kind == "truncate":
        return text[: draw(st.integers(0, max(0, len(text) - 1)))]
    if kind == "type":
        payload = f[1].get("data", f[1])
        key = draw(st.sampled_from(sorted(payload)))
        payload[key] = draw(st.sampled_from([None, "x", [], {}, -1]))
        return json.dumps(f)
    if kind == "drop":
        payload = f[1].get("data", f[1])
        payload.pop(draw(st.sampled_from(sorted(payload))), None)
        return json.dumps(f)
    return text


@st.composite
def streams(draw: st.DrawFn) -> list[tuple[str, float]]:
    out = []
    t = 1_600_000_000.0
    for _ in range(draw(st.integers(1, 40))):
        f = draw(st.one_of(queue_event(), extension_event(), snapshot()))
        t += draw(st.floats(0, 50))
        out.append((corrupt(draw, f), t))
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_fold_invariants_hold_for_any_stream(stream: list[tuple[str, float]]) -> None:
    hub = Hub()
    for text, received in stream:
        FrameParser(hub).feed_frame(text, received)  # never raises
        state = hub.state
        day = state.day
        if day is None:
            continue
        for qid, q in state.queues.items():
            for cid in q.waiting:
                # A call is never both waiting and gone (unless it came back with a JOIN).
                assert day.calls.get(qid, {}).get(cid) != RESOLVED
        for t in day.queues.values():
            for v in (t.offered, t.answered, t.abandoned, t.short_abandoned, t.answered_within_sl):
                assert v >= 0
            assert t.answered_within_sl <= t.answered
            assert t.short_abandoned <= t.abandoned
            assert t.answered + t.abandoned <= t.offered
            for rate in (service_level(t), abandon_rate(t)):
                assert rate is None or 0.0 <= rate <= 1.0
        for a in day.agents.values():
            assert min(a.answered, a.missed, a.outgoing, a.talk_seconds) >= 0
            assert all(v >= 0 for v in a.status_seconds.values())
    view = state_view(hub.state, stream[-1][1] + 5)
    for agent in view["agents"]:
        assert all(v >= 0 for v in agent["today"]["time_in_status"].values())
        assert agent["today"]["talk_time"] >= 0
    for queue in view["queues"]:
        lw = queue["today"]["longest_waiting_now"]
        assert lw is None or lw >= 0
