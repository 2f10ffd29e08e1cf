"""The history pages' days: today rebuilt from the store on every load, closed days kept.

A closed day (any day before today, by `[day] timezone` and `reset_at`) is a pure function
of its stored CDRs (`history.build_history`), and CDRs reach the store only through
`CdrIntake`, which reports the start of every CDR it stores — including a late one for a
closed day, and the old start of a Call Log row a webhook CDR replaced. So each closed
day's `DayHistory` is kept in memory until a CDR for it is stored; a page load reads and
folds only today (20,000 CDRs a day: one day parsed instead of eight).

Why memory and not a summary table in SQLite: the invalidation would be the same, the
figures are whole `DayHistory` objects (per hour × queue, per hour × agent, categories)
that a table would have to serialise and version with every change to the tallies, and
after a restart the first load rebuilds the 7 closed days once. What the cache cannot see
is a second process writing CDRs into the same database file; the wallboard has none (one
process owns the store and its writer thread), so none is supported.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from wallboard.core.clock import DayBounds, day_bounds
from wallboard.core.history import DayHistory, build_history, compact
from wallboard.services.intake import CdrIntake

__all__ = ["HistoryDays"]


class HistoryDays:
    """Today and the `days − 1` days before it, as `DayHistory`s keyed by day, oldest first."""

    def __init__(self, intake: CdrIntake, days: int = 8) -> None:
        self.intake = intake
        self.days = days
        self._fold = intake.settings.fold_settings()
        self.zone = intake.settings.day.timezone
        self._reset = intake.settings.day.reset_at
        # Closed day → its figures (None: it has no CDRs). Only days the page shows.
        self._closed: dict[str, DayHistory | None] = {}
        # Day → the change count when a CDR for it was last stored (see `load`).
        self._changed: dict[str, int] = {}
        self._changes = 0
        self._lock = asyncio.Lock()
        self.days_built = 0  # days folded from CDRs so far (today counts on every load)
        intake.on_stored.append(self.forget)

    def forget(self, utc: float) -> None:
        """A CDR that started at `utc` (true UTC) was stored: that day is built again."""
        key = day_bounds(utc, self.zone, self._reset).key
        self._changes += 1
        self._changed[key] = self._changes
        self._closed.pop(key, None)

    def window(self, now: float) -> list[DayBounds]:
        """The days shown at `now`, oldest first, today last (DST-long/short days as they are)."""
        out = [day_bounds(now, self.zone, self._reset)]
        while len(out) < self.days:
            out.append(day_bounds(out[-1].start - 1, self.zone, self._reset))
        return out[::-1]

    async def load(self, now: float) -> tuple[dict[str, DayHistory], str]:
        """The days with CDRs (as `build_history` over the whole window), and today's key."""
        # One load at a time: a second page opened during a cold build waits and then finds
        # the closed days built, instead of parsing them all again alongside.
        async with self._lock:
            return await self._load(now)

    async def _load(self, now: float) -> tuple[dict[str, DayHistory], str]:
        bounds = self.window(now)
        today, closed = bounds[-1], bounds[:-1]
        shown = {b.key for b in closed}
        for kept in (self._closed, self._changed):
            for key in [k for k in kept if k not in shown]:
                del kept[key]
        # What is cached now is what this load shows: a late CDR arriving while we read
        # makes the next load rebuild that day, not this one lose it.
        cached = dict(self._closed)
        missing = [b for b in closed if b.key not in cached]
        # A CDR stored from here on may or may not be in what we read: its day is not cached
        # from this build (its `forget` comes after its commit, so one stored before this
        # point is in the read).
        changes = self._changes
        built: dict[str, DayHistory] = {}
        for start, end in _runs([*missing, today]):
            built.update(await self._build(start, end))
        self.days_built += len(missing) + 1
        for b in missing:
            if self._changed.get(b.key, 0) <= changes:
                day = built.get(b.key)
                self._closed[b.key] = None if day is None else compact(day)
        days: dict[str, DayHistory] = {}
        for b in bounds:
            day = built[b.key] if b.key in built else cached.get(b.key)
            if day is not None:
                days[b.key] = day
        return days, today.key

    async def _build(self, start: int, end: int) -> dict[str, DayHistory]:
        rows = await self.intake.store.cdrs_between(*self.intake.stored_window(start, end))
        rule = self.intake.rule

        def fold() -> dict[str, DayHistory]:
            cdrs = (r.cdr for r in rows if start <= rule.utc(r.cdr) < end)
            return build_history(cdrs, self._fold, rule)

        # 20,000 CDRs a day take a second or more to fold: never on the event loop.
        return await asyncio.to_thread(fold)


def _runs(days: list[DayBounds]) -> Iterator[tuple[int, int]]:
    """Consecutive days (oldest first) merged into [start, end) ranges: one read each."""
    start = end = None
    for b in days:
        if start is None or end is None:
            start, end = b.start, b.end
        elif b.start == end:
            end = b.end
        else:
            yield start, end
            start, end = b.start, b.end
    if start is not None and end is not None:
        yield start, end
