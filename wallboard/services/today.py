"""Something of today built once from the store, then kept up to date by what arrives.

The worklist and today's history figures used to be read and parsed again from the store
on every refresh (every 15 s for the boards, every 5 s per open `/worklist` tab: 0.75 s
of CPU per 20,000 CDRs, growing all day). Now each is built from the store once — at the
first read, and again after the day changes — and every CDR or press stored afterwards is
folded in as it arrives.

Arrivals during a build are the subtle part: a CDR committed before the build's read but
announced after it would be folded twice. So while a build runs, arrivals wait in a list,
and after the read only those the read did not contain (by `key`) are folded in.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from wallboard.core.calls import Cdr
from wallboard.core.clock import DayBounds
from wallboard.store.db import Stored

if TYPE_CHECKING:
    from wallboard.services.intake import CdrIntake

__all__ = ["REBUILD_EVERY", "REBUILD_QUIET", "Today", "cdr_days", "feed_cdr"]

# After `replaced`: the day is read again once no replacement came for `REBUILD_QUIET`
# seconds (the Call Log backfill has ended), or `REBUILD_EVERY` after the last read at most.
REBUILD_QUIET = 60.0
REBUILD_EVERY = 900.0

S = TypeVar("S")
I = TypeVar("I")  # noqa: E741 - an item: a CDR or a press


class Today(Generic[S, I]):
    """A state of today (`new` + `add` per item), rebuilt from `load` when the day changes."""

    def __init__(
        self,
        *,
        day: Callable[[], DayBounds],
        new: Callable[[DayBounds], S],
        load: Callable[[DayBounds], Awaitable[Sequence[I]]],
        add: Callable[[S, I], None],
        key: Callable[[I], Hashable],
        belongs: Callable[[I, DayBounds], bool],
    ) -> None:
        self._day, self._new, self._load, self._add = day, new, load, add
        self._key, self._belongs = key, belongs
        self._state: S | None = None
        self._bounds: DayBounds | None = None
        self._pending: list[I] | None = None  # not None while a build runs
        self._generation = 0  # +1 per `invalidate`: a build that saw one is not kept
        self._stale = False  # `replaced` since the last build began
        self._built_at = 0.0  # monotonic time the last build began
        self._replaced_at = 0.0  # monotonic time of the last `replaced`
        self._lock = asyncio.Lock()
        self.builds = 0  # reads of the store so far (a test and the logs read it)

    def offer(self, item: I) -> None:
        """A new item was stored: fold it in if it is today's (call on the event loop)."""
        if self._pending is not None:
            self._pending.append(item)
        elif (
            self._state is not None
            and self._bounds is not None
            and self._belongs(item, self._bounds)
        ):
            self._add(self._state, item)

    def replaced(self, item: I) -> None:
        """A stored item replaced another (a webhook CDR, a Call Log row of the same call).

        The new one is folded in now; what the old one added cannot be taken out of a fold,
        so the day is built again from the store — but while the Call Log backfill runs
        this comes with many CDRs, and each read of the day holds all of its CDRs at once
        (~6 KB each while parsed): so only once they stop (`REBUILD_QUIET`), or
        `REBUILD_EVERY` at the latest. Until then the figures may still hold the old row's
        part (the Call Log's copy of a call it counts).
        """
        self.offer(item)
        self._stale = True
        self._replaced_at = time.monotonic()

    def invalidate(self) -> None:
        """Something changed that a fold cannot apply (a replaced row): build again."""
        self._state = None
        self._generation += 1

    def _current(self) -> S | None:
        state = self._state
        if state is None or self._bounds != self._day():
            return None
        if self._stale:
            now = time.monotonic()
            if now - self._replaced_at >= REBUILD_QUIET or now - self._built_at >= REBUILD_EVERY:
                return None
        return state

    async def get(self) -> S:
        """Today's state, built from the store first if there is none or the day changed."""
        state = self._current()
        if state is not None:
            return state
        async with self._lock:  # a second reader during a build waits for its result
            state = self._current()
            if state is not None:
                return state
            return await self._build(self._day())

    def hold(self) -> None:
        """Keep what is offered from now on for a `seed` whose items are about to be read."""
        if self._pending is None:
            self._pending = []

    async def seed(self, bounds: DayBounds, items: Sequence[I]) -> None:
        """Build the day from items read after `hold` (start-up reads today once for all)."""
        async with self._lock:
            await self._build(bounds, items)

    async def _build(self, bounds: DayBounds, read: Sequence[I] | None = None) -> S:
        self._state = None
        self._pending = [] if self._pending is None else self._pending  # kept since `hold`
        generation = self._generation
        self._stale, self._built_at = False, time.monotonic()
        try:
            items = await self._load(bounds) if read is None else read
            fresh = self._new(bounds)

            def fold() -> None:
                for item in items:
                    self._add(fresh, item)

            # 20,000 CDRs take a noticeable fraction of a second: never on the event loop.
            await asyncio.to_thread(fold)
            seen = {self._key(i) for i in items}
            for item in self._pending:
                if self._key(item) not in seen and self._belongs(item, bounds):
                    self._add(fresh, item)
        finally:
            self._pending = None
        self.builds += 1
        # Invalidated while reading: this reader gets what was read, the next one builds again.
        if generation == self._generation:
            self._state, self._bounds = fresh, bounds
        return fresh


D = TypeVar("D")


def cdr_days(
    intake: CdrIntake, day: Callable[[], DayBounds], add: Callable[[dict[str, D], Cdr], None]
) -> Today[dict[str, D], Cdr]:
    """Today's figures by day key, built from today's stored CDRs and fed each new one (the
    history's days, the forecast's half-hours); `feed_cdr` is its listener."""

    async def load(b: DayBounds) -> list[Cdr]:
        return [r.cdr for r in await intake.rows_between(b.start, b.end)]

    return Today(
        day=day,
        new=lambda _: {},
        load=load,
        add=add,
        key=lambda cdr: (cdr.ivruniqueid, cdr.type),  # the store's unique key
        belongs=lambda cdr, b: b.start <= intake.rule.utc(cdr) < b.end,
    )


def feed_cdr(today: Today[Any, Cdr], cdr: Cdr, stored: Stored) -> None:
    """A CDR was stored: fold it into `today`; one that replaced a stored row (a webhook
    CDR for a Call Log row) has the day read again (`Today.replaced`)."""
    if stored.replaced_time is not None:
        today.replaced(cdr)
    else:
        today.offer(cdr)
