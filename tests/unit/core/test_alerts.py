"""Alert rules: fire past `fire`, clear past `clear`, once each (hysteresis, dedup)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from wallboard.config import AlertRule, Settings
from wallboard.core.alerts import Reading, Rule, judge
from wallboard.core.clock import DayBounds
from wallboard.core.kpis import QueueTally
from wallboard.core.models import Day, Queue, State
from wallboard.services.alerts import readings

WAITING = {"w": Rule("w", low=False, fire=5, clear=2)}
SL = {"sl": Rule("sl", low=True, fire=80, clear=85)}


def _run(rules: dict[str, Rule], name: str, values: list[float | None]) -> list[str]:
    open_: set[tuple[str, int]] = set()
    out = []
    for v in values:
        for ev in judge(rules, [Reading(name, 101, v, "Sales")], open_):
            out.append(f"{'fire' if ev.fired else 'clear'}@{v}")
    return out


def test_hysteresis_and_dedup() -> None:
    # Hovering around the fire line (6, 4, 6) neither repeats nor clears: only below 2.
    assert _run(WAITING, "w", [3, 6, 7, 4, 6, 3, 2, 6, 1]) == [
        "fire@6",
        "clear@2",
        "fire@6",
        "clear@1",
    ]


def test_service_level_fires_low_and_skips_unjudged() -> None:
    assert _run(SL, "sl", [None, 90, 79, 82, None, 84, 86]) == ["fire@79", "clear@86"]


def test_a_vanished_subject_clears() -> None:
    open_: set[tuple[str, int]] = set()
    judge(WAITING, [Reading("w", 101, 9, "Sales")], open_)
    events = judge(WAITING, [], open_)
    assert [(e.subject, e.fired) for e in events] == [(101, False)] and not open_


def test_service_level_waits_for_the_minimum_sample() -> None:
    state = State()
    state.queues[101] = Queue(101, "Sales", {})
    state.day = Day(DayBounds("2026-12-01", 0, 86400))
    rule = AlertRule(metric="service_level", fire=80, clear=85, min_sample=10)
    # 2 answered of 3: 67 %, but 3 calls say nothing yet.
    state.day.queues[101] = QueueTally(offered=3, answered=3, answered_within_sl=2)
    assert [r.value for r in readings({"sl": rule}, state, 0.0)] == [None]
    state.day.queues[101] = QueueTally(offered=10, answered=10, answered_within_sl=7)
    assert [r.value for r in readings({"sl": rule}, state, 0.0)] == [70.0]


def test_clear_must_be_on_the_safe_side() -> None:
    with pytest.raises(ValidationError, match="clear must be"):
        AlertRule(metric="waiting", fire=5, clear=8)
    with pytest.raises(ValidationError, match="clear must be"):
        AlertRule(metric="service_level", fire=80, clear=70)
    assert Settings().alerts.rules == {}
