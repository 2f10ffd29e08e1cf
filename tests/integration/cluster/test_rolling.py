"""The rolling windows (last 15 / 30 / 60 minutes per queue, `/forecast`) on a cluster web
node: the ingest worker's minutes reach its mirror through a real NATS JetStream — a web
node that starts later reads them from the queue's `recent.` key, and a call of the minute
now travels with the queue's own key (the `recent.` key is rewritten once a minute at most).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import nats
import pytest

from tests.floor import floor_events
from tests.integration.vendor_env import wait_for
from wallboard.cluster import codec
from wallboard.cluster.kvpub import KvPublisher, bucket_name
from wallboard.cluster.mirror import Mirror
from wallboard.cluster.natsd import NatsServer
from wallboard.cluster.roles import open_bucket
from wallboard.core import kpis
from wallboard.core.events import (
    ConnectionChanged,
    ConnectionState,
    QueueChanged,
    QueueReason,
    QueueSnapshot,
    WaitingCallInfo,
)
from wallboard.runtime.hub import Hub
from wallboard.runtime.tasks import TaskOwner

pytestmark = pytest.mark.integration

BUCKET = bucket_name("rolling")
Q = 7
# A hand-built hour of queue 7: (joined minutes ago, waited seconds, answered?).
HOUR = [
    (55, 30, True), (40, 8, True), (25, 70, False), (20, 5, True), (10, 12, True), (3, 40, False),
]  # fmt: skip


@pytest.fixture
async def server() -> AsyncIterator[NatsServer]:
    s = NatsServer().start()
    yield s
    s.remove()


def _call(hub: Hub, cid: str, joined: int, left: int | None, answered: bool) -> None:
    """One call through queue 7 as the vendor's queue events tell it (joined, then left)."""
    snap = QueueSnapshot(Q, "Sales", (WaitingCallInfo(cid, "0501234567", "", joined),))
    hub.feed(QueueChanged(None, joined, QueueReason.JOIN, "JOIN", cid, snap))
    if left is not None:
        reason = QueueReason.EXIT if answered else QueueReason.ABANDONED
        hub.feed(QueueChanged(None, left, reason, reason.name, cid, QueueSnapshot(Q, "Sales", ())))


def _windows(hub: Hub, at: float) -> list[tuple[int, int, int, int]]:
    """(offered, answered, abandoned, answered within SL) of each window and the one before."""
    day = hub.state.day
    minutes = day.recent.get(Q, {}) if day is not None else {}
    out = []
    for length in (15, 30, 60):
        for ago in (0, length):
            t = kpis.window(minutes, at, length, ago)
            out.append((t.offered, t.answered, t.abandoned, t.answered_within_sl))
    return out


async def test_rolling_windows_reach_a_web_node_started_later_and_follow_it(
    server: NatsServer,
) -> None:
    nc = await nats.connect(server.url)
    owner = TaskOwner("test")
    try:
        kv = await open_bucket(nc, BUCKET)
        ingest = Hub()
        ingest.feed(ConnectionChanged(time.time(), ConnectionState.CONNECTED, "vendor", "eio3"))
        for e in floor_events({Q: []}, {}):
            ingest.feed(e)
        now = int(time.time())
        for i, (ago, wait, answered) in enumerate(HOUR):
            joined = now - ago * 60
            _call(ingest, f"h{i}", joined, joined + wait, answered)
        pub = KvPublisher(ingest, kv)
        await pub.round()
        # Hand-counted at the ingest worker (SL within 20 s): the last 15 minutes 2 calls (one
        # answered in 12 s, one abandoned), the 15 before 2; the last 30 minutes 4, the 30
        # before 2; the hour all 6 (4 answered, 3 of them within 20 s), the hour before none.
        expected = [
            (2, 1, 1, 1), (2, 1, 1, 1),
            (4, 2, 2, 2), (2, 2, 0, 1),
            (6, 4, 2, 3), (0, 0, 0, 0),
        ]  # fmt: skip
        assert _windows(ingest, now) == expected

        # A web node that starts now: the minutes come from the queue's `recent.` key.
        web = Hub()
        owner.start("mirror", Mirror(web, server.url, BUCKET).run())
        await wait_for(lambda: _windows(web, now) == expected, timeout=30)

        # A call of this minute: it travels with the queue's key, the minutes before are
        # not written again within the minute.
        minute = now // 60
        _call(ingest, "live-1", now, None, True)
        await pub.round()
        entry = await kv.get(codec.recent_key(Q))
        assert entry.value is not None and minute in codec.decode_recent(entry.value)
        revision = entry.revision
        _call(ingest, "live-2", now, now, True)
        await pub.round()
        assert (await kv.get(codec.recent_key(Q))).revision == revision
        grown = [(a + 2, b + 1, c, d + 1) for a, b, c, d in expected[:6:2]]
        await wait_for(lambda: _windows(web, now)[::2] == grown, timeout=30)
        assert _windows(web, now) == _windows(ingest, now)
    finally:
        await owner.close()
        await nc.close()
