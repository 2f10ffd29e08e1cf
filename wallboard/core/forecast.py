"""Pure: where the day is heading — stored CDRs → half-hour tallies → a forecast per queue.

A day is cut into 48 half-hours of local time (`slot`); each queue's calls are counted per
half-hour through the same `record_*` functions as every other figure (`core/kpis.py`), with
the answered calls' talk time beside them (handle time). The forecast of a day is a
weighted seasonal average (`forecast_queue`, explained in docs/metrics.md, "Forecast"):

* for each half-hour, the same weekday over the last `WEEKS` weeks, each week's value
  scaled to the current level (the last 7 days' calls against the 7 days before that
  week's), weighted towards recent weeks;
* a value far from the weeks' median (an unusual day: an outage, a holiday) is replaced by
  the median, so one odd day does not carry into the next weeks;
* through the day, the rest of the day is scaled by how today is running against the
  forecast so far (`running_ratio`: "today +12 % on forecast").

Why our own and not statsmodels' Holt-Winters: with half-hours, the season is a week (336
half-hours) and a demo or a new account has three to five weeks of them; Holt-Winters
then fits 336 seasonal states from a few values each and an unusual day enters its state
for weeks, while the seasonal average with a level and a median guard is a few lines,
explains itself in one paragraph, needs no numpy/scipy/pandas at start-up, and is measured
against the seasonal naive method in `bench/forecast.py`.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from wallboard.core.calls import Cdr, TimeRule, to_call_completed
from wallboard.core.clock import day_bounds, zone
from wallboard.core.events import QueueReason
from wallboard.core.kpis import (
    QueueTally,
    combine,
    record_abandon,
    record_answer,
    record_offer,
    today_on_forecast,
)
from wallboard.core.models import RECENT_MINUTES, FoldSettings

__all__ = [
    "SLOTS",
    "SLOT_SECONDS",
    "WEEKS",
    "DaySlots",
    "QueueForecast",
    "TalkMinutes",
    "add_cdr",
    "forecast_queue",
    "running_ratio",
    "slot_label",
    "slot_of",
    "sum_forecasts",
]

SLOT_SECONDS = 1800
SLOTS = 48
WEEKS = 4
# Weight of the same weekday 1, 2, 3, 4 weeks ago (recent weeks count more).
WEEK_WEIGHTS = (0.35, 0.25, 0.2, 0.2)
LEVEL_LIMITS = (0.7, 1.4)  # a week's level factor is kept within these
HANDLE_PRIOR = 10.0  # answered calls' worth of the queue's whole mean in a half-hour's


@dataclass(slots=True)
class Slot:
    """One queue's calls in one half-hour: the tally and the answered calls' talk time."""

    calls: QueueTally = field(default_factory=QueueTally)
    talk_seconds: int = 0


@dataclass(slots=True)
class DaySlots:
    """One day's half-hours per queue (only those with calls), keyed as `DayHistory`."""

    key: str
    weekday: int
    slots: dict[tuple[int, int], Slot] = field(default_factory=dict)  # (queue, slot)
    _resolved: dict[int, set[str]] = field(default_factory=dict)

    def queue_ids(self) -> set[int]:
        """The queues with calls this day."""
        return {q for q, _ in self.slots}

    def offered(self, queue: int | None) -> list[int]:
        """Calls offered per half-hour, for a queue or (None) all queues."""
        out = [0] * SLOTS
        for (q, s), slot in self.slots.items():
            if queue is None or q == queue:
                out[s] += slot.calls.offered
        return out

    def tally(self, queue: int | None, slots: range = range(SLOTS)) -> QueueTally:
        """The calls of some half-hours, for a queue or (None) all queues."""
        return combine(
            slot.calls
            for (q, s), slot in self.slots.items()
            if (queue is None or q == queue) and s in slots
        )

    def talk(self, queue: int, slot: int) -> tuple[int, int]:
        """(talk seconds, answered calls) of one half-hour of a queue."""
        found = self.slots.get((queue, slot))
        return (0, 0) if found is None else (found.talk_seconds, found.calls.answered)


def slot_of(t: float, tz: str) -> int:
    """The half-hour of the local day that `t` falls in (0 = 00:00–00:30)."""
    local = datetime.fromtimestamp(t, zone(tz))
    return min(SLOTS - 1, local.hour * 2 + local.minute // 30)


def slot_label(slot: int) -> str:
    """ "14:00" for slot 28."""
    return f"{slot // 2:02d}:{30 * (slot % 2):02d}"


def add_cdr(
    days: dict[str, DaySlots], cdr: Cdr, settings: FoldSettings, rule: TimeRule | None = None
) -> None:
    """Tally one queue CDR into its day's half-hour (other CDRs are not queue calls)."""
    ev = to_call_completed(cdr, None, rule)
    if ev.queue_id is None or ev.outcome is None:
        return
    bounds = day_bounds(ev.started, settings.timezone, settings.reset_at)
    day = days.get(bounds.key)
    if day is None:
        weekday = date.fromisoformat(bounds.key).weekday()
        day = days[bounds.key] = DaySlots(bounds.key, weekday)
    qid = ev.queue_id
    counted = day._resolved.setdefault(qid, set())
    if ev.call_id in counted:
        return
    counted.add(ev.call_id)
    slot = day.slots.setdefault((qid, slot_of(ev.started, settings.timezone)), Slot())
    record_offer(slot.calls)
    if ev.outcome is QueueReason.EXIT:
        record_answer(slot.calls, ev.wait, settings.sl_for(qid))
        slot.talk_seconds += max(0, ev.talk_seconds)
    else:
        record_abandon(slot.calls, ev.wait, settings.short_abandon)


@dataclass(frozen=True, slots=True)
class QueueForecast:
    """A day's forecast for a queue (or the floor): offered calls and handle time per half-hour."""

    queue: int | None
    day: str
    offered: tuple[float, ...]
    handle: tuple[float | None, ...]
    weeks: int  # same weekdays it was made from (0: no forecast)


def _week_total(days: Mapping[str, DaySlots], end: date, queue: int | None) -> int | None:
    """Calls offered in the 7 days before `end` (None if any of them is not in `days`)."""
    total = 0
    for i in range(1, 8):
        day = days.get((end - timedelta(days=i)).isoformat())
        if day is None:
            return None
        total += sum(day.offered(queue))
    return total


def _level(days: Mapping[str, DaySlots], target: date, weeks_back: int, queue: int) -> float:
    """How much busier the last 7 days were than the 7 days from the same weekday
    `weeks_back` weeks ago (1 for last week's: it is the last 7 days)."""
    now = _week_total(days, target, queue)
    then = _week_total(days, target - timedelta(days=7 * (weeks_back - 1)), queue)
    if not now or not then:
        return 1.0
    low, high = LEVEL_LIMITS
    return min(high, max(low, now / then))


def _guarded(values: list[float]) -> list[float]:
    """Values far from their median (by more than half of it and three Poisson deviations)
    replaced by the median: an unusual day's half-hours."""
    if len(values) < 3:
        return values
    mid = statistics.median(values)
    out = []
    for v in values:
        far = abs(v - mid) > max(0.5 * mid, 3.0 * (mid + 1.0) ** 0.5)
        out.append(mid if far else v)
    return out


def forecast_queue(days: Mapping[str, DaySlots], target: date, queue: int) -> QueueForecast:
    """Offered calls and handle time per half-hour of `target` for one queue, from the same
    weekday in the `WEEKS` weeks before it (`days`: the stored days, by key)."""
    past: list[tuple[float, DaySlots, float]] = []  # (weight, day, level)
    for k in range(1, WEEKS + 1):
        day = days.get((target - timedelta(days=7 * k)).isoformat())
        if day is not None:
            past.append((WEEK_WEIGHTS[k - 1], day, _level(days, target, k, queue)))
    if not past:
        return QueueForecast(queue, target.isoformat(), (0.0,) * SLOTS, (None,) * SLOTS, 0)
    weights = [w for w, _, _ in past]
    series = [[level * v for v in day.offered(queue)] for _, day, level in past]
    offered: list[float] = []
    for s in range(SLOTS):
        values = _guarded([row[s] for row in series])
        offered.append(sum(w * v for w, v in zip(weights, values, strict=True)) / sum(weights))
    return QueueForecast(queue, target.isoformat(), tuple(offered), _handle(past, queue), len(past))


def _handle(past: list[tuple[float, DaySlots, float]], queue: int) -> tuple[float | None, ...]:
    """Talk seconds per answered call in each half-hour (and the ones beside it), pulled
    towards the queue's mean over the whole days when a half-hour has few calls."""
    talk_all = sum(
        day.slots[k].talk_seconds for _, day, _ in past for k in day.slots if k[0] == queue
    )
    calls_all = sum(
        day.slots[k].calls.answered for _, day, _ in past for k in day.slots if k[0] == queue
    )
    if calls_all <= 0:
        return (None,) * SLOTS
    mean = talk_all / calls_all
    out: list[float | None] = []
    for s in range(SLOTS):
        talk = calls = 0
        for _, day, _ in past:
            for near in (s - 1, s, s + 1):
                if 0 <= near < SLOTS:
                    t, n = day.talk(queue, near)
                    talk += t
                    calls += n
        out.append((talk + HANDLE_PRIOR * mean) / (calls + HANDLE_PRIOR))
    return tuple(out)


def sum_forecasts(forecasts: Iterable[QueueForecast], day: str) -> QueueForecast:
    """Several queues' forecasts as one (the floor, or a team lead's queues): offered calls
    add; handle time is the offered-weighted mean of theirs."""
    items = list(forecasts)
    offered = [sum(f.offered[s] for f in items) for s in range(SLOTS)]
    handle: list[float | None] = []
    for s in range(SLOTS):
        known = [(f.offered[s], f.handle[s]) for f in items if f.handle[s] is not None]
        weight = sum(w for w, _ in known)
        handle.append(
            sum(w * h for w, h in known if h is not None) / weight if weight > 0 else None
        )
    weeks = max((f.weeks for f in items), default=0)
    return QueueForecast(None, day, tuple(offered), tuple(handle), weeks)


def running_ratio(forecast: QueueForecast, actual: list[int], upto: int) -> float | None:
    """`kpis.today_on_forecast` over the half-hours before `upto` (None before the first
    half-hour is over, or with no forecast)."""
    if upto <= 0 or forecast.weeks == 0:
        return None
    return today_on_forecast(sum(actual[:upto]), sum(forecast.offered[:upto]))


class TalkMinutes:
    """Each queue's answered calls by the minute they ended: (talk seconds, calls), the last
    `RECENT_MINUTES` only — the handle time of the rolling windows."""

    def __init__(self) -> None:
        self.queues: dict[int, dict[int, list[int]]] = {}

    def add(self, queue: int, ended: float, talk: int) -> None:
        """One answered call of `queue` that ended at `ended` (server time)."""
        m = int(ended // 60)
        minutes = self.queues.setdefault(queue, {})
        slot = minutes.get(m)
        if slot is None:
            slot = minutes[m] = [0, 0]
            newest = max(minutes)
            for old in [k for k in minutes if k <= newest - RECENT_MINUTES]:
                del minutes[old]
        slot[0] += max(0, talk)
        slot[1] += 1

    def window(self, queue: int, server_now: float, length: int, ago: int = 0) -> tuple[int, int]:
        """(talk seconds, calls) of the `length` minutes before now, `ago` minutes back
        (as `kpis.window`)."""
        end = int(server_now // 60) - ago
        talk = calls = 0
        for m, (t, n) in self.queues.get(queue, {}).items():
            if end - length < m <= end:
                talk += t
                calls += n
        return talk, calls
