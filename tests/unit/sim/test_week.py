"""The simulator's real week: weekday shape, weekly rhythm, noise, drift, an unusual day;
the coarse model's past weeks, deterministic from the seed."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from wallboard.sim.model import CallCentre, ModelConfig
from wallboard.sim.model.archive import archive_cdrs
from wallboard.sim.model.demand import UNUSUAL_EVERY, is_unusual
from wallboard.sim.warmup import archive, plan

TZ = ZoneInfo("Asia/Jerusalem")
SUNDAY = datetime(2026, 11, 22, tzinfo=TZ)


def _model(seed: int = 1) -> CallCentre:
    return CallCentre(ModelConfig(seed=seed, start=SUNDAY.timestamp()))


def _daily(model: CallCentre, day: datetime) -> float:
    """Expected calls of the floor that day (the demand's rate, hour by hour)."""
    return sum(
        model.demand.rate(q.queue_id, (day + timedelta(hours=h, minutes=30)).timestamp()) * 3600
        for q in model.queues
        for h in range(24)
    )


def test_the_week_has_a_rhythm_and_the_days_a_shape() -> None:
    m = _model()
    days = [_daily(m, SUNDAY + timedelta(days=i)) for i in range(7)]  # Sunday … Saturday
    sunday, friday, saturday = days[0], days[5], days[6]
    assert sunday > max(days[1:5])  # the first working day is the busiest
    assert friday < 0.6 * sunday and saturday < 0.4 * sunday
    q = m.queues[0].queue_id
    friday_at = (SUNDAY + timedelta(days=5)).timestamp()
    # Friday: a morning, then quiet (vs a Thursday at the same hours).
    thursday_at = (SUNDAY + timedelta(days=4)).timestamp()
    assert m.demand.rate(q, friday_at + 10 * 3600) > m.demand.rate(q, friday_at + 16 * 3600) * 2
    assert m.demand.rate(q, thursday_at + 16 * 3600) > m.demand.rate(q, friday_at + 16 * 3600) * 2


def test_noise_and_drift_are_the_seeds_own() -> None:
    a, b, other = _model(1), _model(1), _model(2)
    q = a.queues[0].queue_id
    times = [(SUNDAY + timedelta(days=7 * w + 1, hours=11)).timestamp() for w in range(6)]
    rates = [a.demand.rate(q, t) for t in times]
    assert rates == [b.demand.rate(q, t) for t in times]  # same seed, same weeks
    assert rates != [other.demand.rate(q, t) for t in times]
    assert len({round(r, 9) for r in rates}) == 6  # each Monday a little different


def test_one_day_in_twenty_three_is_unusual() -> None:
    start = date(2026, 9, 1)
    unusual = [
        start + timedelta(days=i) for i in range(92) if is_unusual(1, start + timedelta(days=i))
    ]
    assert len(unusual) in (3, 4, 5)
    assert all((b - a).days == UNUSUAL_EVERY for a, b in itertools.pairwise(unusual))
    day = datetime.combine(unusual[0], datetime.min.time(), TZ)
    m = CallCentre(ModelConfig(seed=1, start=day.timestamp()))
    q = m.queues[0].queue_id
    week_before = day - timedelta(days=7)
    surge = m.demand.rate(q, (day + timedelta(hours=11)).timestamp())
    usual = m.demand.rate(q, (week_before + timedelta(hours=11)).timestamp())
    assert surge > 1.4 * usual


def test_archive_weeks_are_deterministic_and_follow_the_week() -> None:
    end = SUNDAY.timestamp()
    start = (SUNDAY - timedelta(days=7)).timestamp()
    first = archive_cdrs(_model(), start, end)
    assert first == archive_cdrs(_model(), start, end)
    assert all(start - 60 <= c["time"] < end for c in first)
    assert len({c["ivruniqueid"] for c in first}) == len(first)
    by_day = Counter(datetime.fromtimestamp(c["time"], TZ).weekday() for c in first)
    assert by_day[6] > 2 * by_day[4]  # a Sunday against a Friday
    statuses = Counter(c["status"] for c in first)
    assert set(statuses) == {"ANSWER", "ABANDONE"}
    assert statuses["ABANDONE"] < 0.25 * len(first)
    answered = next(c for c in first if c["status"] == "ANSWER")
    assert answered["type"] == "Queue" and answered["targetextension"]


def test_the_demo_gets_archive_weeks_before_its_history_days() -> None:
    assert plan(40, 7, False, 3).archive_days == 21
    assert plan(40, 7, True, 3).archive_days == 21
    assert plan(2000, 7, False, 3).archive_days == 0  # too big for a week: no archive either
    assert plan(40, 0, True, 3).archive_days == 0
    before = SUNDAY.timestamp()
    makers = archive(_model(), 2, before)
    days = [m() for m in makers]  # oldest first, a day each
    assert [len(d) > 0 for d in days] == [True, True]
    assert all(before - 2 * 86400 - 60 <= c["time"] < before - 86400 for c in days[0])
    assert all(before - 86400 - 60 <= c["time"] < before for c in days[1])
