"""The incremental worklist equals the batch one on the same CDRs and presses, in any mix."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import CDR
from wallboard.core.calls import Cdr, TimeRule
from wallboard.core.worklist import CallbackRow, Worklist, build_worklist, time_to_callback
from wallboard.voicenter.cdr import parse_cdr

BASE = json.loads((CDR / "incoming-queue-answer.json").read_text())
OUT = json.loads((CDR / "outgoing-answer.json").read_text())
T0 = int(datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp())
# The same caller written four ways, and two others: normalisation must join them.
NUMBERS = ["0501234567", "+972-50-1234567", "972501234567", "0527777777", "035550000"]
TYPES = ["Queue", "Incoming Call", "Extension Outgoing", "Click2Call leg2", "Click2Call leg1"]
STATUSES = ["ANSWER", "ABANDONE", "TIMEOUT", "NOANSWER", "BUSY"]


@st.composite
def cdrs(draw: st.DrawFn, i: int) -> Cdr:
    typ = draw(st.sampled_from(TYPES))
    base = OUT if typ in ("Extension Outgoing",) or typ.startswith("Click2Call") else BASE
    d = dict(
        base,
        ivruniqueid=f"c{i}",
        type=typ,
        # Few distinct times: ties between abandons and answers are where order matters.
        time=T0 + 60 * draw(st.integers(0, 6)),
        status=draw(st.sampled_from(STATUSES)),
        caller=draw(st.sampled_from(["", *NUMBERS])),
        target=draw(st.sampled_from(NUMBERS)),
        queueid=draw(st.sampled_from([0, 101, 102])),
        queuename=draw(st.sampled_from(["", "Sales"])),
        seconds_waiting_in_queue=draw(st.one_of(st.none(), st.integers(0, 300))),
    )
    return parse_cdr(json.dumps(d).encode())[0]


@st.composite
def presses(draw: st.DrawFn, i: int) -> CallbackRow:
    return CallbackRow(
        call_id=draw(st.sampled_from([f"c{k}" for k in range(6)])),
        number=draw(st.sampled_from(NUMBERS)),
        actor=f"lead{i}",
        from_extension=201,
        at=float(T0 + 60 * draw(st.integers(0, 7))),
        ok=draw(st.booleans()),
        detail="",
    )


@st.composite
def arrivals(draw: st.DrawFn) -> list[Cdr | CallbackRow]:
    n = draw(st.integers(0, 30))
    return [draw(st.one_of(cdrs(i), presses(i))) for i in range(n)]


@settings(max_examples=200, deadline=None)
@given(arrivals(), st.sampled_from(["utc", "local", "auto"]))
def test_incremental_equals_batch(seq: list[Cdr | CallbackRow], mode: str) -> None:
    rule = TimeRule("Asia/Jerusalem", mode)
    state = Worklist(rule)
    versions = [state.version]
    for item in seq:
        if isinstance(item, Cdr):
            state.add_cdr(item)
        else:
            state.add_press(item)
        versions.append(state.version)
        # Read mid-way too: a cached list must not go stale after the next arrival.
        if len(versions) % 5 == 0:
            state.items()
    cdr_list = [x for x in seq if isinstance(x, Cdr)]
    # The store returns presses by time, then in the order they were written.
    press_list = sorted((x for x in seq if isinstance(x, CallbackRow)), key=lambda c: c.at)
    batch = build_worklist(cdr_list, press_list, rule)
    assert state.items() == batch
    assert time_to_callback(state.items()) == time_to_callback(batch)
    assert versions == sorted(versions)


def test_example_abandon_press_reached() -> None:
    ab = dict(BASE, ivruniqueid="ab", time=T0, status="ABANDONE", caller="050-1234567")
    state = Worklist()
    state.add_cdr(parse_cdr(json.dumps(ab).encode())[0])
    (item,) = state.items()
    assert (item.call_id, item.abandons, item.closed) == ("ab", 1, False)
    before = state.version
    state.add_press(CallbackRow("ab", "0501234567", "dana", 201, T0 + 90.0, True, "x"))
    assert state.version > before
    assert time_to_callback(state.items()) == 90
    leg2 = dict(OUT, ivruniqueid="cb", time=T0 + 95, type="Click2Call leg2", status="ANSWER")
    leg2.update(target="972501234567", callerextension="SIP1")
    state.add_cdr(parse_cdr(json.dumps(leg2).encode())[0])
    assert state.items()[0].reached_at == T0 + 95
    # A CDR that neither abandons nor reaches anyone changes nothing, not even the version.
    v = state.version
    state.add_cdr(parse_cdr(json.dumps(dict(leg2, status="BUSY", ivruniqueid="z")).encode())[0])
    assert state.version == v
