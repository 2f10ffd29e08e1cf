"""The half-hour forecast, today's ratio and the short hours, against hand-built days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from wallboard.core.calls import Cdr
from wallboard.core.forecast import (
    SLOTS,
    DaySlots,
    Slot,
    add_cdr,
    forecast_queue,
    running_ratio,
    slot_of,
    sum_forecasts,
)
from wallboard.core.kpis import QueueTally, today_on_forecast
from wallboard.core.models import FoldSettings
from wallboard.core.staffing import SlotPlan, gaps, plan_day

ZONE = "Asia/Jerusalem"
Q = 501
# 2026-11-24 is a Tuesday; 00:00 in Israel is 22:00 UTC the day before.
MIDNIGHT = 1_795_471_200


def _cdr(call: str, at: int, status: str = "ANSWER", wait: int = 10, talk: int = 120) -> Cdr:
    return Cdr.model_validate(
        {
            "ivruniqueid": call,
            "time": at,
            "type": "Queue",
            "status": status,
            "queueid": Q,
            "seconds_waiting_in_queue": wait,
            "duration": talk if status == "ANSWER" else 0,
            "targetextension": "abc" if status == "ANSWER" else "",
        }
    )


def test_cdrs_count_in_their_half_hour_once() -> None:
    settings = FoldSettings(timezone=ZONE)
    days: dict[str, DaySlots] = {}
    t = MIDNIGHT + 14 * 3600 + 10 * 60  # 14:10
    for cdr in (
        _cdr("a", t, wait=5, talk=100),
        _cdr("a", t, wait=5, talk=100),  # the same call again: counted once
        _cdr("b", t + 15 * 60, wait=40, talk=200),  # 14:25
        _cdr("c", t + 25 * 60, status="ABANDONE", wait=30),  # 14:35: the next half-hour
        Cdr.model_validate({"ivruniqueid": "d", "time": t, "type": "Extension Outgoing"}),
    ):
        add_cdr(days, cdr, settings)
    (day,) = days.values()
    assert (day.key, day.weekday) == ("2026-11-24", 1)
    assert slot_of(t, ZONE) == 28
    offered = day.offered(Q)
    assert (offered[28], offered[29], sum(offered)) == (2, 1, 3)
    assert day.talk(Q, 28) == (300, 2)
    tally = day.tally(Q, range(28, 29))
    assert (tally.answered, tally.answered_within_sl) == (2, 1)  # 5 s within 20, 40 s not
    assert day.tally(Q).abandoned == 1


def _day(d: date, per_slot: float, unusual: dict[int, int] | None = None) -> DaySlots:
    day = DaySlots(d.isoformat(), d.weekday())
    for s in range(16, 40):  # 08:00–20:00
        n = int(per_slot)
        if unusual and s in unusual:
            n = unusual[s]
        day.slots[(Q, s)] = Slot(QueueTally(offered=n, answered=n), talk_seconds=180 * n)
    return day


def _weeks(target: date, level: dict[int, float], **kw: dict[int, int]) -> dict[str, DaySlots]:
    """35 days before `target`; days `k` weeks back have `level[k]` calls per half-hour."""
    days = {}
    for i in range(1, 36):
        d = target - timedelta(days=i)
        k = (i - 1) // 7 + 1  # the week it belongs to, counting back
        days[d.isoformat()] = _day(d, level.get(k, 10), kw.get(d.isoformat()))
    return days


def test_steady_weeks_forecast_themselves() -> None:
    target = date(2026, 11, 24)
    f = forecast_queue(_weeks(target, {}), target, Q)
    assert f.weeks == 4
    assert f.offered[20] == pytest.approx(10)
    assert f.offered[5] == 0
    assert f.handle[20] == pytest.approx(180)


def test_each_week_is_scaled_to_the_current_level() -> None:
    target = date(2026, 11, 24)
    # The last week 20 calls a half-hour, the weeks before 10: the level has doubled (kept
    # within 1.4), so the older weeks count as 14, the last one as itself.
    f = forecast_queue(_weeks(target, {1: 20, 2: 10, 3: 10, 4: 10}), target, Q)
    expected = (0.35 * 20 + 0.25 * 14 + 0.2 * 14 + 0.2 * 14) / 1.0
    assert f.offered[20] == pytest.approx(expected, rel=0.01)


def test_an_unusual_day_does_not_carry_into_the_next_week() -> None:
    target = date(2026, 11, 24)
    outage = {(target - timedelta(days=7)).isoformat(): {20: 40, 21: 40}}
    f = forecast_queue(_weeks(target, {}, **outage), target, Q)
    assert f.offered[20] == pytest.approx(10, rel=0.05)  # not 0.35 · 40 + 0.65 · 10


def test_today_on_forecast_and_the_rest_of_the_day() -> None:
    target = date(2026, 11, 24)
    f = forecast_queue(_weeks(target, {}), target, Q)
    actual = [0] * SLOTS
    for s in range(16, 24):
        actual[s] = 13  # 08:00–12:00 ran 30 % busier than the forecast's 10
    assert running_ratio(f, actual, 16) == pytest.approx(today_on_forecast(0, 0)) == 1.0
    ratio = running_ratio(f, actual, 24)
    assert ratio == pytest.approx((104 + 20) / (80 + 20))
    assert running_ratio(f, actual, 0) is None
    assert ratio is not None
    plans = plan_day(f, actual, ratio, target=0.8, threshold=20, patience=1 / 150)
    assert plans[30].expected == pytest.approx(10 * ratio)
    assert plans[30].erlang_a is not None and plans[30].erlang_c is not None
    assert plans[30].erlang_a <= plans[30].erlang_c
    assert plans[5].erlang_a is None  # nothing expected at 02:30


def test_the_floor_adds_queues() -> None:
    target = date(2026, 11, 24)
    f = forecast_queue(_weeks(target, {}), target, Q)
    both = sum_forecasts([f, f], f.day)
    assert both.offered[20] == pytest.approx(20)
    assert both.handle[20] == pytest.approx(f.handle[20])


def _plan(slot: int, need: int | None) -> SlotPlan:
    return SlotPlan(slot, 0.0, 0.0, 0, 180.0, need, need)


def test_short_and_over_hours() -> None:
    needs = {28: 7, 29: 6, 30: 5, 31: 3, 32: 3, 33: 5}
    plans = [_plan(s, needs.get(s)) for s in range(SLOTS)]
    spans = gaps(plans, 5, 28)
    assert [(g.span(), g.agents, g.short) for g in spans] == [
        ("14:00–15:00", 2, True),
        ("15:30–16:30", -2, False),
    ]
    assert gaps(plans, 5, 34) == []
