"""The history pages' days: closed days from their summaries, today kept up to date.

A closed day (any day before today, by `[day] timezone` and `reset_at`) is a pure function
of its stored CDRs (`history.build_history`). Its figures are summarised once into the
store's `day_summary` table (`history.to_summary`), so after a restart `/history`'s first
load reads seven summaries instead of parsing 140,000 CDRs (15 s at 20,000 a day,
`bench/history_load.py`). A summary is claimed before its day's CDRs are read, and the
store's triggers clear it in the same transaction as any CDR of that day stored later
(a late CDR, or a Call Log row a webhook CDR replaced): that day is then built again from
its CDRs on the next load. In memory the closed days are kept too, forgotten on the same
news (`CdrIntake.on_stored`), so loads after the first read nothing at all.

Today is built from the store once (at the first load, and again after the day changes)
and then fed every CDR stored (`services/today.py`), so a load does not parse today either.
A summary's format follows the tallies' fields (`history.SUMMARY_FORMAT`): after a change
to them, old summaries are built again from the CDRs, not misread.

Departments: a call counts in its queue's department (`history.departments`), the one a
`[teams.<name>]` answering the queue names, else the one learned from the days shown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator

from wallboard.config import TeamSettings
from wallboard.core.calls import Cdr
from wallboard.core.clock import DayBounds, DayFinder, day_bounds
from wallboard.core.history import (
    SUMMARY_FORMAT,
    DayHistory,
    add_cdr,
    build_history,
    compact,
    from_summary,
    queue_departments,
    to_summary,
)
from wallboard.services.intake import CdrIntake
from wallboard.services.today import Today, cdr_days, feed_cdr
from wallboard.store.db import Stored

__all__ = ["HistoryDays"]


class HistoryDays:
    """Today and the `days − 1` days before it, as `DayHistory`s keyed by day, oldest first."""

    def __init__(self, intake: CdrIntake, days: int = 8, *, summarise: bool = True) -> None:
        self.intake = intake
        self.days = days
        # Whether closed days built here are written as summaries: by one process per
        # account (the writer); a cluster's web node reads them, and keeps its own builds
        # in memory only.
        self.summarise = summarise
        self._fold = intake.settings.fold_settings()
        self.zone = intake.settings.day.timezone
        self._configured = _team_departments(intake.settings.teams.values())
        self._reset = intake.settings.day.reset_at
        self._day_of = DayFinder(self.zone, self._reset)  # once per stored CDR
        # Closed day → its figures (None: it has no CDRs). Only days the page shows.
        self._closed: dict[str, DayHistory | None] = {}
        # Day → the change count when a CDR for it was last stored (see `load`).
        self._changed: dict[str, int] = {}
        self._changes = 0
        self._lock = asyncio.Lock()
        self.closed_built = 0  # closed days folded from their CDRs so far
        self.summaries_read = 0  # closed days read from their summaries so far
        self._today_bounds: DayBounds | None = None  # set by each load: its `now`'s day
        self.today: Today[dict[str, DayHistory], Cdr] = cdr_days(
            intake, self._today_day, lambda days, cdr: add_cdr(days, cdr, self._fold, intake.rule)
        )
        # Set when a closed day shown lost its figures to a late CDR (the service rebuilds).
        self.stale = asyncio.Event()
        intake.on_stored.append(self.forget)
        intake.on_cdr.append(self._cdr_stored)

    @property
    def days_built(self) -> int:
        """Days folded from CDRs so far: closed ones, and today once per day (or rebuild)."""
        return self.closed_built + self.today.builds

    def departments_of(self, days: Iterable[DayHistory]) -> dict[int, str]:
        """Each queue's department in `days`: configured by its team, else learned."""
        return queue_departments(days, self._configured)

    def _today_day(self) -> DayBounds:
        assert self._today_bounds is not None  # `Today.get` runs only from `_load`
        return self._today_bounds

    async def seed_today(self, day: DayBounds, cdrs: list[Cdr]) -> None:
        """Build today's figures from its CDRs read already (at start-up)."""
        self._today_bounds = day
        await self.today.seed(day, cdrs)

    def _cdr_stored(self, cdr: Cdr, stored: Stored) -> None:
        feed_cdr(self.today, cdr, stored)

    def forget(self, utc: float) -> None:
        """A CDR that started at `utc` (true UTC) was stored: that day is built again."""
        key = self._day_of(utc).key
        self._changes += 1
        self._changed[key] = self._changes
        if key in self._closed:  # a closed day shown (today is kept up to date instead)
            del self._closed[key]
            self.stale.set()

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
        self._prune({b.key for b in closed})
        # What is cached now is what this load shows: a late CDR arriving while we read
        # makes the next load rebuild that day, not this one lose it.
        found: dict[str, DayHistory | None] = dict(self._closed)
        missing = [b for b in closed if b.key not in found]
        # A CDR stored from here on may or may not be in what we read: its day is not cached
        # from this read (its `forget` comes after its commit, so one stored before this
        # point is in the read).
        changes = self._changes
        if missing:
            found.update(await self._summaries(missing, changes))
            missing = [b for b in missing if b.key not in found]
        if missing:
            found.update(await self._build_closed(missing, changes))
        self._today_bounds = today
        days = {b.key: found[b.key] for b in closed}
        days[today.key] = (await self.today.get()).get(today.key)
        return {k: d for k, d in days.items() if d is not None}, today.key

    def _prune(self, shown: set[str]) -> None:
        """Keep in memory only the closed days the page shows."""
        for kept in (self._closed, self._changed):
            for key in [k for k in kept if k not in shown]:
                del kept[key]

    def _keep(self, key: str, day: DayHistory | None, changes: int) -> None:
        if self._changed.get(key, 0) <= changes:
            self._closed[key] = day

    async def _summaries(self, days: list[DayBounds], changes: int) -> dict[str, DayHistory | None]:
        """The closed days whose summaries are in the store and still fresh."""
        texts = await self.intake.store.day_summaries([b.key for b in days], SUMMARY_FORMAT)
        out: dict[str, DayHistory | None] = {}
        for key, text in texts.items():
            out[key] = day = None if text == "null" else from_summary(text)
            self._keep(key, day, changes)
        self.summaries_read += len(out)
        return out

    async def _build_closed(
        self, days: list[DayBounds], changes: int
    ) -> dict[str, DayHistory | None]:
        """Fold closed days from their CDRs and write their summaries."""
        store = self.intake.store
        claims = [(b.key, *self.intake.stored_window(b.start, b.end)) for b in days]
        if self.summarise:
            await store.claim_day_summaries(claims, SUMMARY_FORMAT)
        built: dict[str, DayHistory] = {}
        for start, end in _runs(days):
            built.update(await self._build(start, end))
        self.closed_built += len(days)
        out: dict[str, DayHistory | None] = {}
        for b in days:
            day = built.get(b.key)
            out[b.key] = day = None if day is None else compact(day)
            # Not written if a CDR of that day was stored since the claim (the store knows).
            if self.summarise:
                await store.put_day_summary(b.key, "null" if day is None else to_summary(day))
            self._keep(b.key, day, changes)
        return out

    async def _build(self, start: int, end: int) -> dict[str, DayHistory]:
        rows = await self.intake.store.cdrs_between(*self.intake.stored_window(start, end))
        rule = self.intake.rule

        def fold() -> dict[str, DayHistory]:
            cdrs = (r.cdr for r in rows if start <= rule.utc(r.cdr) < end)
            return build_history(cdrs, self._fold, rule)

        # 20,000 CDRs a day take a second or more to fold: never on the event loop.
        return await asyncio.to_thread(fold)


def _team_departments(teams: Iterable[TeamSettings]) -> dict[int, str]:
    """Queue → the department of the first team (in the config's order) that answers it."""
    out: dict[int, str] = {}
    for team in teams:
        if team.department:
            for q in team.queues:
                out.setdefault(q, team.department)
    return out


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
