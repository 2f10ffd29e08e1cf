"""The ingest worker's writer: the fold's changes → one NATS key-value bucket per account.

Soon after the fold changes something (a few ms to gather a burst, at most one round
every `interval`), it takes the changes since the last round and writes the keys they
touch (docs/architecture.md, "Beyond one machine"); a vendor snapshot, a new day, a
start-up or a lost NATS connection make it write everything and delete every key that is
no longer true, so no web node keeps a call that is gone. `link` is rewritten at least
every second: it is the ingest worker's heartbeat to the web nodes. Keys that do not come
from the state (`fixed`: the simulator's address) are written with every full sync, so a
full sync never deletes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from nats.errors import Error as NatsError
from nats.js.errors import NoKeysError
from nats.js.kv import KeyValue

from wallboard.cluster import codec
from wallboard.cluster.lease import EPOCH_KEY, Fence, NotLeading
from wallboard.core.kpis import QueueTally
from wallboard.core.models import Changes, Day, State
from wallboard.runtime import timebase
from wallboard.runtime.hub import ChangeTap, FirstChange, Hub
from wallboard.runtime.pace import Pace

__all__ = ["KvPublisher", "bucket_name"]

log = logging.getLogger(__name__)

LINK_EVERY = 1.0  # seconds: the web nodes call an ingest worker silent after a few of these
_PURGE_EVERY = 600.0  # seconds between clearing old delete markers (gone calls)
_GATHER = 0.005  # seconds a round waits after the first change, for the rest of a burst


def bucket_name(account: str) -> str:
    """The bucket of one account."""
    return f"wallboard-{account}"


class KvPublisher:
    """Writes one hub's state to one bucket, key by key."""

    def __init__(
        self,
        hub: Hub,
        kv: KeyValue,
        interval: float = 0.025,
        clock: Callable[[], float] = timebase.now,
        fixed: Mapping[str, bytes] | None = None,
        tap: ChangeTap | None = None,
        may_write: Callable[[], bool] = lambda: True,
        fence: Fence | None = None,
    ) -> None:
        self.hub = hub
        # Asked before every single write: a worker that lost its lease (or froze past it)
        # writes nothing more, not even the rest of a round; and with `fence` NATS itself
        # refuses a write of a leader that was taken over (`lease.py`).
        self.may_write = may_write
        self.fence = fence
        self.kv = kv
        self.fixed = dict(fixed or {})  # keys of the process, not of the state
        self.interval = interval
        self.clock = clock
        # Made before the vendor link starts (`roles.IngestWorker`), so the snapshots that
        # arrive while NATS is still being reached are not handed out before it exists.
        self.tap = tap if tap is not None else hub.tap()
        self._first = FirstChange(hub)  # receive time of the oldest change not yet written
        self._ev: float | None = None  # …of this round's writes
        self._wake = asyncio.Event()
        hub.on_change(self._wake.set)
        self.full_pending = True  # the first round writes everything (fresh start)
        self.waiting_for_snapshot = True  # …once the vendor's snapshots are in
        self._calls: dict[int, set[str]] = {}  # waiting calls written, per queue
        self._recent: dict[int, int] = {}  # per queue: the newest minute its `recent.` key had
        self._day_key: str | None = None
        self._order = 0  # waiting calls' places, counted up as they are written
        self._last_link = 0.0
        self._last_purge = 0.0
        self.puts = 0
        self.deletes = 0
        self.full_syncs = 0

    async def run(self) -> None:
        """Write forever; a failed round (NATS away) makes the next one a full sync.

        A round runs when the fold changed something (or `LINK_EVERY` passed: the
        heartbeat), not on a fixed timer: the web nodes' own publishers already coalesce,
        and a timer here would add up to `interval` to every event's way to a screen."""
        loop = asyncio.get_running_loop()
        pace = Pace(self.interval, _GATHER)  # the board publisher's rule (runtime/pace.py)
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(LINK_EVERY):
                    await self._wake.wait()
            if self._wake.is_set():  # let the rest of a burst (one call's events) arrive
                await asyncio.sleep(max(0.0, pace.due(loop.time()) - loop.time()))
            self._wake.clear()
            pace.sent(loop.time())
            try:
                await self.round()
            except NotLeading:
                self.full_pending = True  # leading again (NATS was away): everything
            except (NatsError, TimeoutError, OSError) as e:
                log.warning("NATS write failed (%s): will write everything when back", e)
                self.full_pending = True

    async def round(self) -> None:
        """One round: the changed keys, or everything when a full sync is due."""
        self.hub.spread()  # the fold's changes so far, without waiting for the publisher
        changes = self.tap.take()
        self._ev = self._first.take()
        if changes.snapshot:
            self.waiting_for_snapshot = False
        state = self.hub.state
        now = self.clock()
        if (self.full_pending or changes.snapshot or changes.day_reset) and (
            not self.waiting_for_snapshot
        ):
            self.full_pending = True  # stays set until the full sync went through
            await self.full_sync(state, now)
            self.full_pending = False
        elif not self.full_pending and changes:
            await self._write_changes(state, changes)
        if changes.connection or now - self._last_link >= LINK_EVERY:
            await self._put(codec.LINK, codec.encode_link(state, now))
            self._last_link = now
        if now - self._last_purge >= _PURGE_EVERY:
            self._last_purge = now
            self._check()
            await self.kv.purge_deletes(olderthan=int(_PURGE_EVERY))

    async def full_sync(self, state: State, now: float) -> None:
        """Write every key of the state and delete every other key of the bucket."""
        self._check()
        try:
            existing = set(await self.kv.keys())
        except NoKeysError:
            existing = set()
        values: dict[str, bytes] = {**self.fixed, codec.LINK: codec.encode_link(state, now)}
        day = state.day
        if day is not None:
            values[codec.DAY] = codec.encode_day(day)
            self._day_key = day.bounds.key
        for ext, a in state.agents.items():
            values[codec.agent_key(ext)] = codec.encode_agent(
                a, day.agents.get(ext) if day else None
            )
        self._calls = {}
        self._recent = {}
        for qid, q in state.queues.items():
            values[codec.queue_key(qid)] = codec.encode_queue(
                q, day.queues.get(qid) if day else None, None, _newest(day, qid)
            )
            if day is not None and (minutes := day.recent.get(qid)):
                values[codec.recent_key(qid)] = codec.encode_recent(minutes)
                self._recent[qid] = max(minutes)
            self._calls[qid] = set(q.waiting)
            for cid, c in q.waiting.items():
                values[codec.call_key(qid, cid)] = codec.encode_call(c, self._next_order())
        gone = existing - set(values) - {EPOCH_KEY}  # the leader's epoch is not state
        await asyncio.gather(*(self._put(k, v) for k, v in values.items()))
        await asyncio.gather(*(self._delete(k) for k in gone))
        self._last_link = now
        self.full_syncs += 1
        log.info("NATS: wrote %d keys, deleted %d no longer true", len(values), len(gone))

    async def _write_changes(self, state: State, changes: Changes) -> None:
        day = state.day
        ops: list[Coroutine[Any, Any, None]] = []
        if day is not None and day.bounds.key != self._day_key:
            self._day_key = day.bounds.key
            ops.append(self._put(codec.DAY, codec.encode_day(day)))
        for ext in changes.agents:
            a = state.agents.get(ext)
            key = codec.agent_key(ext)
            if a is None:
                ops.append(self._delete(key))
            else:
                ops.append(
                    self._put(
                        key, codec.encode_agent(a, day.agents.get(ext) if day else None, self._ev)
                    )
                )
        for qid in changes.queues:
            ops.extend(self._queue_ops(state, qid))
        await asyncio.gather(*ops)

    def _queue_ops(self, state: State, qid: int) -> list[Coroutine[Any, Any, None]]:
        """The writes for one changed queue: its tallies and the calls that came or went."""
        q = state.queues.get(qid)
        day = state.day
        before = self._calls.get(qid, set())
        ops: list[Coroutine[Any, Any, None]] = []
        if q is None:
            ops.append(self._delete(codec.queue_key(qid)))
            if self._recent.pop(qid, None) is not None:
                ops.append(self._delete(codec.recent_key(qid)))
            now_waiting: dict[str, object] = {}
        else:
            newest = _newest(day, qid)
            ops.append(
                self._put(
                    codec.queue_key(qid),
                    codec.encode_queue(q, day.queues.get(qid) if day else None, self._ev, newest),
                )
            )
            # The minutes before travel once per minute at most, when a new one begins
            # (a web node that starts later reads them there); the newest rides along.
            if day is not None and newest is not None and self._recent.get(qid) != newest[0]:
                ops.append(self._put(codec.recent_key(qid), codec.encode_recent(day.recent[qid])))
                self._recent[qid] = newest[0]
            now_waiting = dict(q.waiting)
            for cid in now_waiting:  # in queue order, so the counter follows it
                if cid not in before:
                    value = codec.encode_call(q.waiting[cid], self._next_order())
                    ops.append(self._put(codec.call_key(qid, cid), value))
        for cid in before - now_waiting.keys():
            ops.append(self._delete(codec.call_key(qid, cid)))
        self._calls[qid] = set(now_waiting)
        return ops

    def _next_order(self) -> int:
        self._order += 1
        return self._order

    def _check(self) -> None:
        if not self.may_write():
            raise NotLeading

    async def _put(self, key: str, value: bytes) -> None:
        self._check()
        if self.fence is not None:
            await self.fence.put(key, value)
        else:
            await self.kv.put(key, value)
        self.puts += 1

    async def _delete(self, key: str) -> None:
        self._check()
        if self.fence is not None:
            await self.fence.delete(key)
        else:
            await self.kv.delete(key)
        self.deletes += 1


def _newest(day: Day | None, qid: int) -> tuple[int, QueueTally] | None:
    """A queue's newest minute and its tally (`Day.recent`), if it has any."""
    minutes = day.recent.get(qid) if day is not None else None
    if not minutes:
        return None
    m = max(minutes)
    return m, minutes[m]
