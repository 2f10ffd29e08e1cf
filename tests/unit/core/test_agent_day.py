"""An agent's day (calls handled, handle time, occupancy, first login) against a hand-built day."""

from __future__ import annotations

import pytest

from wallboard.core.kpis import (
    AgentTally,
    Spans,
    agent_handle_time,
    first_login,
    occupancy,
    time_in_status,
)

DAY = 1_000_000.0  # the day's reset (server time)


def _day() -> AgentTally:
    # 08:00 log in, available 30 min, a call rings 10 s, talks 5 min with 1 min on hold,
    # 15 min lunch, available again; an outgoing call of 2 min; one call missed.
    h = 3600.0
    spans = [
        ("logged_out", DAY, DAY + 8 * h),
        ("available", DAY + 8 * h, DAY + 8.5 * h),
        ("ringing", DAY + 8.5 * h, DAY + 8.5 * h + 10),
        ("talking", DAY + 8.5 * h + 10, DAY + 8.5 * h + 250),
        ("hold", DAY + 8.5 * h + 250, DAY + 8.5 * h + 310),
        ("available", DAY + 8.5 * h + 310, DAY + 9 * h),
        ("break:lunch", DAY + 9 * h, DAY + 9.25 * h),
    ]
    t = AgentTally(
        answered=1,
        missed=1,
        outgoing=1,
        talk_seconds=300 + 120,  # the answered call (hold inside) and the outgoing one
        handled=2,
        spans=Spans(spans),
    )
    for key, start, end in spans:
        t.status_seconds[key] = t.status_seconds.get(key, 0) + int(end - start)
    return t


def test_the_agents_day_by_hand() -> None:
    t = _day()
    now = DAY + 10 * 3600  # 10:00, available since 09:15 (the open span)
    statuses = time_in_status(t, "available", DAY + 9.25 * 3600, DAY, now)
    assert agent_handle_time(t) == 210  # (300 + 120) / 2
    # Logged in 08:00–10:00 (7,200 s, lunch included); busy: ring 10 + talk 240 + hold 60.
    assert occupancy(statuses) == pytest.approx(310 / 7200)
    assert first_login(t.spans, "available", DAY + 9.25 * 3600, DAY) == DAY + 8 * 3600
    assert (t.handled, t.missed) == (2, 1)


def test_no_calls_and_logged_out_all_day() -> None:
    t = AgentTally()
    assert agent_handle_time(t) is None
    assert occupancy({"logged_out": 3600.0}) is None
    assert first_login([], "logged_out", DAY + 60, DAY) is None
    # In since before the reset, no status change today: from the reset.
    assert first_login([], "available", DAY - 3600, DAY) == DAY
