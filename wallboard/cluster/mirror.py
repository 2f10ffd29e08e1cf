"""A web node's copy of one account's live state, read from its NATS key-value bucket.

It reads every current value, then the live updates, in one watch (an ordered consumer).
Revisions detect a gap: one that goes backwards (the bucket was made anew), or, after a
quiet spell, a bucket whose last revision is not the last one seen (updates were missed,
or the watch's consumer is gone) — then everything is read again. The hub it fills is
the one the board publisher renders; it never folds. Losing NATS, or hearing nothing
from the ingest worker for `silent_after` seconds, marks the link not connected (the
boards show the last state as stale) until fresh data comes. The simulator's address
(`sim.url`, an account whose ingest worker runs one) is handed to `on_sim_url` as it
changes: None while the bucket has none (or a value that is not a bare URL).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import nats
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.errors import BucketNotFoundError
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

from wallboard.cluster import codec
from wallboard.core.clock import DayBounds
from wallboard.core.events import ConnectionState, LinkAlive
from wallboard.core.kpis import AgentTally, QueueTally
from wallboard.core.models import RECENT_MINUTES, Changes, Day, Queue, State
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub

__all__ = ["Mirror"]

log = logging.getLogger(__name__)

_NO_DAY = DayBounds("", 0, 0)


async def _next(watcher: KeyValue.KeyWatcher, timeout: float) -> KeyValue.Entry | None:
    """The next entry; None at the end of the first read or after `timeout` of silence."""
    try:
        entry: KeyValue.Entry | None = await watcher.updates(timeout)  # type: ignore[no-untyped-call]
    except NatsError:  # the client library's own TimeoutError
        return None
    return entry


class Mirror:
    """Keeps `hub.state` equal to one bucket and tells the publisher what changed."""

    def __init__(
        self,
        hub: Hub,
        nats_url: str,
        bucket: str,
        silent_after: float = 5.0,
        clock: Callable[[], float] = timebase.now,
        on_sim_url: Callable[[str | None], None] | None = None,
    ) -> None:
        self.hub = hub
        self.nats_url = nats_url
        self.bucket = bucket
        self.silent_after = silent_after
        self.clock = clock
        self.revision = 0
        self.rereads = 0
        # When `link` last arrived, on our clock (not the writer's stamp: the two machines'
        # clocks may differ by more than `silent_after`).
        self.link_at: float | None = None
        self.synced = asyncio.Event()  # set while the copy is current
        self._agent_tallies: dict[int, AgentTally] = {}
        self._queue_tallies: dict[int, QueueTally] = {}
        # Each queue's tallies by the minute (`Day.recent`: the rolling windows): the
        # `recent.` key's minutes, the newest one kept current by the queue's key.
        self._recent: dict[int, dict[int, QueueTally]] = {}
        self._order: dict[str, int] = {}  # waiting call → its place (codec.encode_call)
        self._last_ev: float | None = None
        self._pending_ev: float | None = None
        self._bounds = _NO_DAY
        self._nc: Client | None = None
        self._reconnected = False
        self.on_sim_url = on_sim_url
        self.sim_url: str | None = None

    # ------------------------------------------------------------ the loop

    async def run(self) -> None:
        """Connect, read, watch; on any loss mark stale, wait a little and read again."""
        self._nc = await nats.connect(
            self.nats_url,
            name=f"wallboard-web:{self.bucket}",
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            disconnected_cb=self._disconnected,
            reconnected_cb=self._on_reconnect,
            connect_timeout=2,
            allow_reconnect=True,
        )
        try:
            while True:
                try:
                    await self._watch(self._nc)
                except (NatsError, TimeoutError, OSError) as e:
                    log.warning("%s: watch ended (%s): reading again", self.bucket, e)
                self._stale("cluster: re-reading the live state")
                await asyncio.sleep(0.5)
        finally:
            await self._nc.close()

    async def _disconnected(self) -> None:
        self._stale("cluster: NATS unreachable")

    async def _on_reconnect(self) -> None:
        # The watch's consumer may not have survived a NATS restart: read everything again.
        self._reconnected = True

    async def _bucket(self, nc: Client) -> KeyValue:
        js = nc.jetstream(timeout=2)
        while True:
            try:
                return await js.key_value(self.bucket)
            except BucketNotFoundError:
                self._stale("cluster: waiting for the ingest worker")
                await asyncio.sleep(1.0)

    async def _watch(self, nc: Client) -> None:
        kv = await self._bucket(nc)
        self._reconnected = False
        # The bucket's last revision before the watch: the first read covers at least that
        # far, even when its last message (a cleared delete marker) is no longer delivered.
        floor = (await kv.status()).stream_info.state.last_seq
        watcher = await kv.watchall()
        try:
            first: list[KeyValue.Entry] = []
            while (e := await _next(watcher, 5.0)) is not None:
                first.append(e)
            self.revision = 0
            self._replace_all(first)
            self.revision = max(self.revision, floor)
            while not self._reconnected:  # after a reconnect: read everything again
                e = await _next(watcher, self.silent_after / 2)
                if e is None:
                    if await self._behind(kv):
                        return
                    self._check_alive()
                elif (e.revision or 0) <= self.revision:
                    log.warning(
                        "%s: revision went back (%d ≤ %d): reading all again",
                        self.bucket,
                        e.revision,
                        self.revision,
                    )
                    return
                else:
                    self._apply(e)
        finally:
            with contextlib.suppress(NatsError, OSError):
                await watcher.stop()  # type: ignore[no-untyped-call]

    async def _behind(self, kv: KeyValue) -> bool:
        """After a quiet spell: does the bucket's last revision differ from ours? Then
        updates were missed (or the bucket was made anew) and everything is read again."""
        last = (await kv.status()).stream_info.state.last_seq
        if last != self.revision:
            log.warning(
                "%s: at revision %d, the bucket at %d: reading all again",
                self.bucket,
                self.revision,
                last,
            )
            return True
        return False

    def _check_alive(self) -> None:
        """Mark stale when the ingest worker has not written `link` for `silent_after`."""
        if self.link_at is None or self.clock() - self.link_at > self.silent_after:
            self._stale("cluster: the ingest worker is silent")

    # ------------------------------------------------------------ applying entries

    def _replace_all(self, entries: list[KeyValue.Entry]) -> None:
        """The whole state from a fresh read: nothing of the old copy survives (no ghosts)."""
        state = self.hub.state
        state.agents.clear()
        state.queues.clear()
        self._agent_tallies, self._queue_tallies = {}, {}
        self._recent = {}
        self._order = {}
        self._bounds = _NO_DAY
        self.link_at = None
        # A queue's minutes before its key: the key's newest minute is the later word.
        order = {"day": 0, "link": 1, "recent": 2, "queue": 3, "call": 4, "agent": 5}
        entries.sort(key=lambda e: order.get(e.key.split(".", 1)[0], 5))
        for e in entries:
            self._apply(e, quiet=True)
        if not any(e.key == codec.SIM_URL for e in entries):
            self._sim_url(None)  # the bucket no longer says where a simulator is
        self._rebuild_day()
        ch = Changes()
        ch.snapshot = ch.connection = True
        self._changed(ch)
        self.rereads += 1
        self.synced.set()
        log.info("%s: read %d keys (revision %d)", self.bucket, len(entries), self.revision)

    def _apply(self, e: KeyValue.Entry, quiet: bool = False) -> None:
        self.revision = max(self.revision, e.revision or 0)
        value = None if e.operation in (KV_DEL, KV_PURGE) else e.value
        ch = Changes()
        kind, _, rest = e.key.partition(".")
        if kind == "agent":
            self._agent(int(rest), value, ch)
        elif kind == "queue":
            self._queue(int(rest), value, ch)
        elif kind == "call":
            self._call(e.key, value, ch)
        elif kind == "recent":
            self._minutes(int(rest), value)
        elif value is not None and e.key == codec.LINK:
            self._link(value, ch)
        elif value is not None and e.key == codec.DAY:
            self._day(value, ch)
        elif e.key == codec.SIM_URL:
            self._sim_url(value)
        if not quiet:
            self._changed(ch)

    def _agent(self, ext: int, value: bytes | None, ch: Changes) -> None:
        ch.agents.add(ext)
        if value is None:
            self.hub.state.agents.pop(ext, None)
            self._agent_tallies.pop(ext, None)
            return
        agent, tally, ev = codec.decode_agent(value)
        self._note(ev)
        self.hub.state.agents[ext] = agent
        if tally is not None:
            self._agent_tallies[ext] = tally

    def _queue(self, qid: int, value: bytes | None, ch: Changes) -> None:
        ch.queues.add(qid)
        queues = self.hub.state.queues
        if value is None:
            queues.pop(qid, None)
            self._queue_tallies.pop(qid, None)
            self._recent.pop(qid, None)
            return
        q, tally, ev, minute = codec.decode_queue(qid, value)
        self._note(ev)
        old = queues.get(qid)
        if old is not None:
            q.waiting = old.waiting  # the calls are keys of their own
        queues[qid] = q
        if tally is not None:
            self._queue_tallies[qid] = tally
        if minute is not None:
            m, t = minute
            minutes = self._recent.setdefault(qid, {})
            minutes[m] = t
            for gone in [k for k in minutes if k <= m - RECENT_MINUTES]:
                del minutes[gone]  # as `Day.minute` drops them at the ingest worker

    def _minutes(self, qid: int, value: bytes | None) -> None:
        """A queue's recent minutes (no change to the board: only /forecast reads them)."""
        if value is None:
            self._recent.pop(qid, None)
            return
        # Written in the same round as the queue's key, or before it: never older than it.
        self._recent[qid] = codec.decode_recent(value)

    def _call(self, key: str, value: bytes | None, ch: Changes) -> None:
        qid, cid = codec.split_call_key(key)
        ch.queues.add(qid)
        q = self.hub.state.queues.get(qid)
        if value is None:
            self._order.pop(cid, None)
            if q is not None:
                q.waiting.pop(cid, None)
            return
        if q is None:  # the call came before its queue: the queue's key follows
            q = Queue(qid, "", {})
            self.hub.state.queues[qid] = q
        info, self._order[cid] = codec.decode_call(value)
        q.waiting[cid] = info
        if len(q.waiting) > 1:  # the queue's own order, as the writer numbered it
            order = self._order
            q.waiting = dict(sorted(q.waiting.items(), key=lambda kv: order.get(kv[0], 0)))

    def _link(self, value: bytes, ch: Changes) -> None:
        conn, clock, _ = codec.decode_link(value)  # the writer's stamp: its own clock
        state = self.hub.state
        state.connection, state.clock = conn, clock
        self.link_at = self.clock()
        ch.connection = True

    def _day(self, value: bytes, ch: Changes) -> None:
        day = codec.decode_day(value)
        if day.bounds != self._bounds:
            self._bounds = day.bounds
            self._rebuild_day()
            ch.day_reset = True

    def _sim_url(self, value: bytes | None) -> None:
        url = None if value is None else codec.decode_sim_url(value)
        if value is not None and url is None:  # the value itself is not logged
            log.warning(
                "%s: %s is not a bare http://host:port: ignored", self.bucket, codec.SIM_URL
            )
        if url != self.sim_url:
            self.sim_url = url
            if self.on_sim_url is not None:
                self.on_sim_url(url)

    def _rebuild_day(self) -> None:
        state: State = self.hub.state
        state.day = Day(self._bounds, self._queue_tallies, self._agent_tallies, recent=self._recent)

    def _note(self, ev: float | None) -> None:
        """Tell the board publisher when the ingest worker got this write's oldest event, so
        each delta carries the end-to-end age (its `ev`, as in the all-in-one process)."""
        if ev is not None and ev != self._last_ev:
            self._last_ev = ev
            self._pending_ev = ev if self._pending_ev is None else min(self._pending_ev, ev)

    def _changed(self, ch: Changes) -> None:
        self.hub.changed(ch)
        if self._pending_ev is not None:
            ev, self._pending_ev = self._pending_ev, None
            # A proof of life of the vendor link, as it reached the ingest worker; the
            # publisher takes its time as the batch's oldest event.
            self.hub.feed(LinkAlive(ev))

    def _stale(self, why: str) -> None:
        """Keep the last state on screen, marked as not current."""
        conn = self.hub.state.connection
        if conn.state is not ConnectionState.CONNECTED and conn.detail == why:
            return
        self.synced.clear()
        conn.state = ConnectionState.RECONNECTING
        conn.since = self.clock()
        conn.detail = why
        conn.link = "cluster"  # not the phone system: ours to it (a fresh `link` says which)
        ch = Changes()
        ch.connection = True
        self._changed(ch)
        log.warning("%s: %s", self.bucket, why)
