"""CDRs → history tallies (same definitions as live), the fold's reconciliation, the worklist."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.conftest import CDR
from wallboard.core.calls import Cdr, to_call_completed
from wallboard.core.events import (
    ExtensionRecord,
    ExtensionsSnapshot,
)
from wallboard.core.history import build_history, csv_export, departments, queue_departments
from wallboard.core.kpis import average_speed_of_answer, service_level
from wallboard.core.models import FoldSettings
from wallboard.core.worklist import build_worklist, normalize_number, time_to_callback
from wallboard.runtime.hub import Hub
from wallboard.store.db import CallbackRow
from wallboard.voicenter.cdr import parse_cdr

BASE = json.loads((CDR / "incoming-queue-answer.json").read_text())
OUT = json.loads((CDR / "outgoing-answer.json").read_text())
T0 = int(datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp())  # a Monday, 11:00 in Israel


def queue_cdr(cid: str, t: int, status: str, wait: int, caller: str = "0501234567") -> Cdr:
    d = dict(BASE, ivruniqueid=cid, time=t, status=status, seconds_waiting_in_queue=wait)
    d.update(caller=caller, targetextension="SIP1" if status == "ANSWER" else "")
    return parse_cdr(json.dumps(d).encode())[0]


def out_cdr(cid: str, t: int, target: str, status: str = "ANSWER", typ: str = "") -> Cdr:
    d = dict(OUT, ivruniqueid=cid, time=t, target=target, status=status, callerextension="SIP1")
    if typ:
        d["type"] = typ
    return parse_cdr(json.dumps(d).encode())[0]


def test_history_uses_the_live_definitions():
    s = FoldSettings(sl_threshold=20, short_abandon=5, timezone="UTC")
    cdrs = [
        queue_cdr("a", T0, "ANSWER", 10),
        queue_cdr("b", T0 + 60, "ANSWER", 30),
        queue_cdr("c", T0 + 3600, "ABANDONE", 50),
        queue_cdr("d", T0 + 3700, "ABANDONE", 2),  # short abandon
        queue_cdr("a", T0, "ANSWER", 10),  # the same call again: counted once
        out_cdr("e", T0 + 100, "0509999999"),
        queue_cdr("y", T0 - 86400, "ANSWER", 1),  # yesterday
    ]
    days = build_history(cdrs, s)
    assert list(days) == ["2026-03-01", "2026-03-02"]
    d = days["2026-03-02"]
    t = d.total
    assert (t.offered, t.answered, t.abandoned, t.short_abandoned) == (4, 2, 2, 1)
    assert service_level(t) == 1 / 3  # 1 within 20 s of (2 answered + 2 abandoned − 1 short)
    assert average_speed_of_answer(t) == 20
    assert d.queues[123456789].offered == 4
    assert d.hours[9].offered == 2 and d.hours[10].offered == 2
    # The fixture names no department: its queue's calls have none to count in.
    assert departments(d, queue_departments([d])) == {"—": d.total}
    agent = d.agents["SIP1"]
    assert (agent.answered, agent.outgoing) == (2, 1)
    assert agent.talk_seconds == 20 + 20 + 11
    text = csv_export(days)
    assert "2026-03-02,all,,,4,2,2,1,33.3" in text
    assert "2026-03-02,agent,SIP1" in text


def test_restart_does_not_reset_or_double_count():
    """Feeding the day's CDRs after a restart restores the numbers; again changes nothing."""
    hub = Hub(FoldSettings(timezone="UTC"))
    cdrs = [queue_cdr("a", T0, "ANSWER", 10), queue_cdr("c", T0 + 5, "ABANDONE", 50)]
    for c in cdrs * 2:
        hub.feed(to_call_completed(c, None))
    day = hub.state.day
    assert day is not None
    q = day.queues[123456789]
    assert (q.offered, q.answered, q.abandoned) == (2, 1, 1)


def _record(ext: int, sip: str) -> ExtensionRecord:
    return ExtensionRecord(
        extension=ext,
        sip_user=sip,
        user_id=1,
        user_name="A",
        display_name="A",
        online_user_id=1,
        status_code=1,
        status_updated=None,
        last_hangup=None,
        peer_status="",
        calls=(),
    )


def test_agent_figures_arrive_once_agents_are_known():
    """CDRs name agents by SIP code; one that comes before its agent is known is held by the
    fold and counted when the agent appears, once, with nothing fed again."""
    hub = Hub(FoldSettings(timezone="UTC"))
    ev = to_call_completed(queue_cdr("a", T0, "ANSWER", 10), None)
    hub.feed(ev)
    day = hub.state.day
    assert day is not None and not day.agents and day.unmatched_count == 1
    snapshot = ExtensionsSnapshot(
        received=None, server_time=T0 + 10, extensions=(_record(7, "SIP1"),)
    )
    hub.feed(snapshot)
    assert day.unmatched_count == 0 and not day.unmatched
    hub.feed(ev)  # the same CDR again (a vendor retry, the Call Log): counted once
    hub.feed(snapshot)  # a reconnect's snapshot counts nothing again
    tally = day.agents[7]
    assert (tally.answered, tally.talk_seconds) == (1, 20)
    later = to_call_completed(queue_cdr("b", T0 + 60, "ANSWER", 10), None)
    hub.feed(later)  # the agent is known now: counted at once, nothing held
    assert (tally.answered, day.unmatched_count) == (2, 0)


def test_cdrs_of_agents_never_seen_are_held_up_to_a_limit(monkeypatch):
    from wallboard.core import fold

    monkeypatch.setattr(fold, "UNMATCHED_MAX", 3)
    hub = Hub(FoldSettings(timezone="UTC"))
    for i in range(10):
        hub.feed(to_call_completed(queue_cdr(f"c{i}", T0 + i, "ANSWER", 10), None))
    day = hub.state.day
    assert day is not None and day.unmatched_count == 3
    assert len(day.unmatched["SIP1"]) == 3
    assert day.queues[123456789].answered == 10  # the queue's figures do not wait for agents


def test_worklist_abandon_callback_reached():
    ab1 = queue_cdr("ab1", T0, "ABANDONE", 40, caller="050-1234567")
    ab2 = queue_cdr("ab2", T0 + 600, "ABANDONE", 70, caller="0501234567")
    other = queue_cdr("ab3", T0 + 700, "ABANDONE", 10, caller="0527777777")
    items = build_worklist([ab1, ab2, other], [])
    assert [i.number for i in items] == ["0527777777", "0501234567"]
    first = items[1]
    assert (first.call_id, first.abandons, first.wait, first.closed) == ("ab2", 2, 70, False)
    press = CallbackRow("ab2", "0501234567", "dana", 201, T0 + 900.0, True, "c2c1")
    items = build_worklist([ab1, ab2, other], [press])
    assert items[1].first_callback_at == T0 + 900
    assert time_to_callback(items) == 300
    # A failed callback (Click2Call error) leaves it open and does not count as called back.
    failed = CallbackRow("ab3", "0527777777", "dana", 201, T0 + 950.0, False, "offline")
    # The click-to-call's leg 2 was answered: reached.
    reached = out_cdr("c2", T0 + 905, "972501234567", typ="Click2Call leg2")
    items = build_worklist([ab1, ab2, other, reached], [press, failed])
    by_number = {i.number: i for i in items}
    assert by_number["0501234567"].closed
    assert by_number["0501234567"].reached_at == T0 + 905
    assert not by_number["0527777777"].closed
    assert by_number["0527777777"].first_callback_at is None
    # An unanswered call back does not close it; the caller calling in and answered does.
    missed = out_cdr("c3", T0 + 960, "0527777777", status="NOANSWER")
    assert not {i.number: i for i in build_worklist([other, missed], [])}["0527777777"].closed
    again = queue_cdr("in", T0 + 990, "ANSWER", 5, caller="0527777777")
    assert {i.number: i for i in build_worklist([other, again], [])}["0527777777"].closed
    # An answered call *before* the abandon does not close it.
    before = queue_cdr("in0", T0 + 100, "ANSWER", 5, caller="0527777777")
    assert not build_worklist([before, other], [])[0].closed


def test_normalize_number():
    assert normalize_number("+972-50-123-4567") == "0501234567"
    assert normalize_number("0501234567") == "0501234567"
    assert normalize_number("*972") == "972"
