"""Where the day is heading: the half-hour forecast and staffing, from the stored CDRs.

The forecast reads the 28 days before today (the same weekday over `forecast.WEEKS` weeks,
and each week's level) from the store once, folded into half-hour
tallies (`core.forecast.DaySlots`) off the event loop, and keeps them in memory: a closed
day changes only when a late CDR for it is stored (`CdrIntake.on_stored`: that day is read
again at the next look). Today is built once and then fed every CDR stored
(`services/today.py`), so a look at the forecast reads nothing. A look at most once a
minute computes the day's forecasts per queue (the staffing's Erlang A is the costly part),
and each page takes its reader's queues from it (`Outlook.restrict`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from wallboard.config import Settings
from wallboard.core.calls import Cdr, queue_outcome
from wallboard.core.clock import DayBounds, DayFinder, day_bounds
from wallboard.core.events import QueueReason
from wallboard.core.forecast import (
    SLOTS,
    WEEKS,
    DaySlots,
    QueueForecast,
    TalkMinutes,
    add_cdr,
    forecast_queue,
    running_ratio,
    slot_of,
    sum_forecasts,
)
from wallboard.core.kpis import handle_time, patience_rate
from wallboard.core.staffing import SlotPlan, plan_day
from wallboard.services.intake import CdrIntake
from wallboard.services.today import Today, cdr_days, feed_cdr
from wallboard.store.db import Stored

__all__ = ["LOOKBACK_DAYS", "ForecastService", "Outlook", "QueueOutlook", "floor_outlook"]

# The days a forecast reads: WEEKS weeks back (the same weekday, and each week's level).
LOOKBACK_DAYS = 7 * WEEKS
PATIENCE_DAYS = 7  # recent days whose abandons (with today's) estimate the patience
# Calls whose CDR may still be on its way (answered and talking): the half-hours that
# ended less than this long ago are not yet counted in "today on forecast".
SETTLE_SECONDS = 900.0
CACHE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class QueueOutlook:
    """One queue's (or the floor's: `queue` None) day: forecast, ratio, staffing by half-hour."""

    queue: int | None
    forecast: QueueForecast
    actual: tuple[int, ...]
    ratio: float | None  # today on forecast so far
    patience: float | None  # θ, callers giving up per second of waiting
    target: float | None
    threshold: float
    plans: tuple[SlotPlan, ...]


@dataclass(frozen=True, slots=True)
class Outlook:
    """The day ahead for every queue with a forecast or calls, made at `made` (server time)."""

    day: str
    made: float
    now_slot: int  # the half-hour `made` falls in
    counted: int  # half-hours counted in "today on forecast" (those over and settled)
    queues: dict[int, QueueOutlook]
    weeks: int  # weeks of the same weekday found (0: no forecast yet)

    def restrict(self, queues: frozenset[int] | None) -> dict[int, QueueOutlook]:
        """The queues a reader may see (None: all)."""
        return {q: o for q, o in self.queues.items() if queues is None or q in queues}


class ForecastService:
    """The stored days as half-hour tallies, and the day's outlook made from them."""

    def __init__(self, intake: CdrIntake, settings: Settings) -> None:
        self.intake = intake
        self.settings = settings
        self._fold = settings.fold_settings()
        self.zone = settings.day.timezone
        self._reset = settings.day.reset_at
        self._day_of = DayFinder(self.zone, self._reset)  # once per stored CDR
        self._closed: dict[str, DaySlots | None] = {}  # closed day → its slots (None: no calls)
        self._lock = asyncio.Lock()
        self._making = asyncio.Lock()
        self._bounds: DayBounds | None = None
        self._cached: Outlook | None = None
        self._cached_at = 0.0
        self.days_read = 0  # closed days read from the store so far (tests, logs)
        self.today: Today[dict[str, DaySlots], Cdr] = cdr_days(
            intake, self._today_day, lambda days, cdr: add_cdr(days, cdr, self._fold, intake.rule)
        )
        self.talk = TalkMinutes()  # answered calls' talk by the minute they ended
        intake.on_stored.append(self.forget)
        intake.on_cdr.append(self._cdr_stored)

    def _today_day(self) -> DayBounds:
        assert self._bounds is not None  # `Today.get` runs only from `days`
        return self._bounds

    async def seed_today(self, day: DayBounds, cdrs: list[Cdr]) -> None:
        """Build today's half-hours from its CDRs read already (at start-up, once for all)."""
        self._bounds = day
        await self.today.seed(day, cdrs)

    def _day_key(self, now: float) -> str:
        return day_bounds(now, self.zone, self._reset).key

    def _cdr_stored(self, cdr: Cdr, stored: Stored) -> None:
        feed_cdr(self.today, cdr, stored)
        qid = cdr.queue_id
        if qid is not None and queue_outcome(cdr) is QueueReason.EXIT:
            # Its end, as near as the CDR tells: start, wait in the queue, talk.
            end = self.intake.rule.utc(cdr) + (cdr.seconds_waiting_in_queue or 0) + cdr.duration
            self.talk.add(qid, end, cdr.duration)

    def handle_window(
        self, queue: int, server_now: float, length: int, ago: int = 0
    ) -> float | None:
        """`kpis.handle_time` of a queue's calls that ended in a rolling window."""
        return handle_time(*self.talk.window(queue, server_now, length, ago))

    def forget(self, utc: float) -> None:
        """A CDR that started at `utc` was stored: its closed day is read again next time."""
        key = self._day_of(utc).key
        if self._closed.pop(key, None) is not None or key in self._closed:
            self._cached = None

    async def days(self, now: float) -> tuple[dict[str, DaySlots], str]:
        """The lookback days and today, as half-hour tallies by day key; and today's key."""
        async with self._lock:
            today = day_bounds(now, self.zone, self._reset)
            wanted = [today]
            while len(wanted) <= LOOKBACK_DAYS:
                wanted.append(day_bounds(wanted[-1].start - 1, self.zone, self._reset))
            closed = wanted[1:]
            keep = {b.key for b in closed}
            for key in [k for k in self._closed if k not in keep]:
                del self._closed[key]
            missing = [b for b in closed if b.key not in self._closed]
            if missing:
                await self._read(missing)
            self._bounds = today
            days = {k: d for k, d in self._closed.items() if d is not None}
            mine = (await self.today.get()).get(today.key)
            if mine is not None:
                days[today.key] = mine
            return days, today.key

    async def _read(self, days: list[DayBounds]) -> None:
        """Read closed days from the store (one range read) and fold them in a thread."""
        start, end = min(b.start for b in days), max(b.end for b in days)
        rows = await self.intake.store.cdrs_between(*self.intake.stored_window(start, end))
        rule = self.intake.rule
        keys = {b.key for b in days}

        def fold() -> dict[str, DaySlots]:
            out: dict[str, DaySlots] = {}
            for r in rows:
                if start <= rule.utc(r.cdr) < end:
                    add_cdr(out, r.cdr, self._fold, rule)
            return out

        built = await asyncio.to_thread(fold)
        for key in keys:
            day = built.get(key)
            if day is not None:
                day._resolved.clear()  # a closed day is folded no further
            self._closed[key] = day
        self.days_read += len(keys)

    async def outlook(self, now: float, target: Callable[[int], float | None]) -> Outlook:
        """Today's outlook for every queue (cached for a minute; `target`: a queue's SL
        target, its service-level warn level)."""
        # One making at a time: the tabs that ask meanwhile (every kiosk's short line at
        # once after a restart) wait for it and share it.
        async with self._making:
            cached = self._cached
            fresh = time.monotonic() - self._cached_at < CACHE_SECONDS
            if cached is not None and fresh and cached.day == self._day_key(now):
                return cached
            days, key = await self.days(now)
            made = await asyncio.to_thread(self._make, days, key, now, target)
            self._cached, self._cached_at = made, time.monotonic()
            return made

    def _make(
        self,
        days: dict[str, DaySlots],
        key: str,
        now: float,
        target: Callable[[int], float | None],
    ) -> Outlook:
        target_day = date.fromisoformat(key)
        today = days.get(key)
        queues = set().union(*(d.queue_ids() for d in days.values())) if days else set()
        settled = slot_of(now - SETTLE_SECONDS, self.zone) if today is not None else 0
        now_slot = slot_of(now, self.zone)
        counted = min(settled, now_slot)
        if slot_of(now - SETTLE_SECONDS, self.zone) > now_slot:  # just after midnight
            counted = 0
        out: dict[int, QueueOutlook] = {}
        weeks = 0
        for q in sorted(queues):
            f = forecast_queue(days, target_day, q)
            weeks = max(weeks, f.weeks)
            actual = today.offered(q) if today is not None else [0] * SLOTS
            out[q] = self._queue(q, f, actual, counted, days, key, target(q))
        return Outlook(key, now, now_slot, counted, out, weeks)

    def _queue(
        self,
        q: int,
        f: QueueForecast,
        actual: list[int],
        counted: int,
        days: dict[str, DaySlots],
        key: str,
        target: float | None,
    ) -> QueueOutlook:
        ratio = running_ratio(f, actual, counted)
        recent = sorted(days, reverse=True)[: PATIENCE_DAYS + 1]  # today and the last days
        theta = patience_rate(days[k].tally(q) for k in recent)
        threshold = float(self._fold.sl_for(q))
        plans = plan_day(
            f,
            actual,
            ratio,
            target=target,
            threshold=threshold,
            patience=theta,
            extra_handle=float(self.settings.kpi.wrap_seconds),
        )
        return QueueOutlook(q, f, tuple(actual), ratio, theta, target, threshold, tuple(plans))


def floor_outlook(outlook: Outlook, queues: Iterable[QueueOutlook]) -> QueueOutlook | None:
    """Several queues as one (the floor, a team lead's queues): forecasts and calls add;
    "today on forecast" from the sums; agents needed add up per half-hour (each queue
    staffed on its own, as the board counts them)."""
    items = list(queues)
    if not items:
        return None
    f = sum_forecasts((o.forecast for o in items), outlook.day)
    actual = [sum(o.actual[s] for o in items) for s in range(SLOTS)]
    ratio = running_ratio(f, actual, outlook.counted)
    plans = []
    for s in range(SLOTS):
        parts = [o.plans[s] for o in items]
        plans.append(
            SlotPlan(
                s,
                sum(p.forecast for p in parts),
                sum(p.expected for p in parts),
                sum(p.actual for p in parts),
                f.handle[s],
                _sum(p.erlang_c for p in parts),
                _sum(p.erlang_a for p in parts),
                _sum(p.erlang_a_time for p in parts),
            )
        )
    return QueueOutlook(None, f, tuple(actual), ratio, None, None, 0.0, tuple(plans))


_N = TypeVar("_N", int, float)


def _sum(values: Iterable[_N | None]) -> _N | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None
