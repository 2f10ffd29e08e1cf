"""What a process hears from the shared store that its account's other processes wrote.

With PostgreSQL (`[store] url`) several processes serve one account: its ingest worker
stores the CDRs, and any of them — the ingest worker or a web node — may store a callback
press or change the editor's boards, kiosk tokens and users, or the floor messages. Each
keeps what its pages read in memory (today's worklist and history figures, the boards in
force, the tokens, the kiosks' ticker), so each must hear of the others' writes.
`StoreFollower` polls the store every `POLL_SECONDS`:

* the CDRs and presses written since its cursor (`SharedStore.cdrs_written`): each is
  announced as if stored here, so today's worklist and figures fold it in as they fold
  their own; the day is never read again for it;
* the workspace's version: when it changed, the editor and the messages are read again
  (a few small tables).

Why polling a cursor, not PostgreSQL's LISTEN/NOTIFY: a notification sent while the
listener's connection is down is gone without a trace, so a listener would have to read
the whole day again after every reconnect and still could not tell a notification lost
on the way; a cursor read after an outage returns exactly what was written meanwhile.
Between writes a poll is one indexed query per table returning nothing, and a few
seconds is well inside what the pages need (the boards' callback figures refresh every
15 s, the worklist page every 5 s). A press made here wakes the poll at once (`poke`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from wallboard.core.calls import Cdr
from wallboard.core.worklist import CallbackRow
from wallboard.errors import WallboardError
from wallboard.store.base import SharedStore
from wallboard.store.rows import CdrRow, Stored, Written

__all__ = ["POLL_SECONDS", "StoreFollower"]

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0

T = TypeVar("T")
Key = tuple[int, int]  # (row id, writing transaction)


class _Table(Generic[T]):
    """One table followed: its cursor, the keys read at or after it, where rows go."""

    def __init__(
        self,
        read: Callable[[int, Sequence[Key]], Awaitable[Written[T]]],
        deliver: Callable[[T], None],
    ) -> None:
        self.read, self.deliver = read, deliver
        self.cursor = 0
        self.seen: set[Key] = set()
        # What the start-up read had. Only the first poll can return it again (it was
        # committed before that read, so that poll sees it and remembers its key).
        self.had: Callable[[T], bool] | None = None

    async def poll(self) -> int:
        """Deliver what was written since the cursor; how many rows were delivered."""
        got = await self.read(self.cursor, sorted(self.seen))
        delivered = 0
        for key, row in got.rows:
            self.seen.add(key)
            if self.had is not None and self.had(row):
                continue
            self.deliver(row)
            delivered += 1
        self.had = None
        self.cursor = got.cursor
        # Below the cursor nothing is read again: its keys need not be remembered.
        self.seen = {k for k in self.seen if k[1] >= self.cursor}
        return delivered


def _same_row(known: Sequence[CdrRow]) -> Callable[[tuple[CdrRow, Stored]], bool]:
    """A CDR row the start-up read had as it is now (a newer version is news)."""
    by_id = {r.id: r for r in known}
    return lambda item: by_id.get(item[0].id) == item[0]


def _same_press(known: Sequence[CallbackRow]) -> Callable[[CallbackRow], bool]:
    """A press the start-up read had (each one once: presses have no id of their own)."""
    left = Counter(known)

    def had(press: CallbackRow) -> bool:
        if left[press] > 0:
            left[press] -= 1
            return True
        return False

    return had


class StoreFollower:
    """Polls the shared store for the account's CDRs, presses and workspace changes."""

    def __init__(
        self,
        store: SharedStore,
        *,
        reload: Callable[[], Awaitable[None]],
        on_press: Callable[[CallbackRow], None],
        on_cdr: Callable[[Cdr, Stored], None] | None = None,
        every: float = POLL_SECONDS,
    ) -> None:
        """`reload` reads the workspace again; `on_cdr` None: CDRs are not followed (the
        process stores them itself, and announces them as it does)."""
        self.store = store
        self._reload = reload
        self.every = every
        self._presses: _Table[CallbackRow] = _Table(store.callbacks_written, on_press)
        self._cdrs: _Table[tuple[CdrRow, Stored]] | None = None
        if on_cdr is not None:
            self._cdrs = _Table(store.cdrs_written, lambda item: on_cdr(item[0].cdr, item[1]))
        self._version = 0
        self._wake = asyncio.Event()
        self._failing = False
        self.polls = 0  # polls that worked (the tests wait on it)
        self.delivered = 0  # CDRs and presses delivered so far

    def _tables(self) -> list[_Table[CallbackRow] | _Table[tuple[CdrRow, Stored]]]:
        return [self._presses] if self._cdrs is None else [self._cdrs, self._presses]

    async def mark(self) -> None:
        """Before the start-up reads: the workspace's version and the cursor of now, so
        whatever is written from here on is read by a poll (perhaps as well as by them)."""
        self._version = await self.store.workspace_version()
        cursor = await self.store.written_cursor()
        for table in self._tables():
            table.cursor = cursor

    def read_at_start(self, rows: Sequence[CdrRow], presses: Sequence[CallbackRow]) -> None:
        """What the start-up reads (after `mark`) had: the first poll does not repeat it."""
        self._presses.had = _same_press(presses)
        if self._cdrs is not None:
            self._cdrs.had = _same_row(rows)

    def poke(self) -> None:
        """Poll now (a press was stored here: its worklist shows it without waiting)."""
        self._wake.set()

    async def poll(self) -> None:
        """Read the workspace again if it changed, then deliver the rows written since."""
        version = await self.store.workspace_version()
        if version != self._version:
            await self._reload()
            self._version = version  # after the reload: a failed one is tried again
        for table in self._tables():
            self.delivered += await table.poll()
        self.polls += 1

    async def run(self) -> None:
        """The follower's task: poll every `every` seconds, or at once when poked."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.every)
            self._wake.clear()
            try:
                await self.poll()
            except Exception as e:  # the cursor waits where it was; the next poll tries again
                self._failed(e)
                continue
            if self._failing:
                log.info("following the shared store again")
                self._failing = False

    def _failed(self, e: Exception) -> None:
        """Say so once per outage (a store error), or with the trace (anything else: a bug
        must not stop a web node following its account for good)."""
        if not isinstance(e, WallboardError):
            log.exception("following the shared store failed")
        elif not self._failing:
            log.warning("not following the shared store: %s", e)
        self._failing = True
