"""The writer and the mirror through a real NATS JetStream, in one process: late joiners,
ingest restarts without ghosts, a recreated bucket (revisions go back), NATS going away,
the simulator's address (`sim.url`) through restarts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import nats
import pytest

from tests.floor import floor_events
from tests.integration.vendor_env import wait_for
from wallboard.cluster import codec
from wallboard.cluster.kvpub import KvPublisher, bucket_name
from wallboard.cluster.mirror import Mirror
from wallboard.cluster.natsd import NatsServer
from wallboard.cluster.roles import open_bucket
from wallboard.core.events import ConnectionChanged, ConnectionState, ExtensionChanged
from wallboard.core.view import state_view
from wallboard.runtime.hub import Hub
from wallboard.runtime.tasks import TaskOwner

pytestmark = pytest.mark.integration

BUCKET = bucket_name("acme")


@pytest.fixture
async def server() -> AsyncIterator[NatsServer]:
    s = NatsServer().start()
    yield s
    s.remove()


def _same(a: Hub, b: Hub) -> bool:
    """The two floors as one moment shows them (the view's figures that run with the
    clock must not differ because a second passed between the two reads)."""
    now = time.time()
    return _floor(a, now) == _floor(b, now)


def _floor(hub: Hub, now: float) -> dict[str, Any]:
    v = state_view(hub.state, now)
    return {
        "agents": {a["extension"]: (a["status_code"], a["state"], a["calls"]) for a in v["agents"]},
        "queues": {q["queue_id"]: (q["name"], q["waiting"], q["today"]) for q in v["queues"]},
    }


def _ingest(waiting: dict[int, list[str]], talking: dict[int, str]) -> Hub:
    hub = Hub()
    hub.feed(ConnectionChanged(time.time(), ConnectionState.CONNECTED, "vendor", "eio3"))
    for e in floor_events(waiting, talking):
        hub.feed(e)
    return hub


async def _publish(hub: Hub, pub: KvPublisher) -> None:
    await pub.round()  # the writer takes the fold's changes itself (no publisher tick)


async def test_late_joiner_restart_without_ghosts_and_a_recreated_bucket(server: NatsServer):
    nc = await nats.connect(server.url)
    owner = TaskOwner("test")
    try:
        kv = await open_bucket(nc, BUCKET)
        ingest = _ingest({7: ["a1", "a2"], 8: ["b1"]}, {101: "c9"})
        pub = KvPublisher(ingest, kv)
        await _publish(ingest, pub)
        # A web node that joins now reads every current value.
        web = Hub()
        mirror = Mirror(web, server.url, BUCKET)
        owner.start("mirror", mirror.run())
        await wait_for(lambda: _same(web, ingest), timeout=30)
        assert web.state.connection.state is ConnectionState.CONNECTED

        # A live change travels as one key.
        rec = ingest.state.agents[102].record._replace(status_code=3)
        ingest.feed(
            ExtensionChanged(time.time(), int(time.time()), "userStatusUpdate", "", "", rec)
        )
        puts = pub.puts
        await _publish(ingest, pub)
        assert pub.puts - puts in (1, 2)  # the agent (and `link`, if its second is up)
        await wait_for(lambda: _same(web, ingest), timeout=30)

        # The ingest worker restarts; meanwhile a1, b1 and c9 ended, a3 came: no ghost.
        ingest = _ingest({7: ["a2", "a3"], 8: []}, {})
        pub = KvPublisher(ingest, kv)
        await _publish(ingest, pub)
        await wait_for(lambda: _same(web, ingest), timeout=30)
        assert list(web.state.queues[7].waiting) == ["a3", "a2"] or list(
            web.state.queues[7].waiting
        ) == list(ingest.state.queues[7].waiting)
        assert not web.state.queues[8].waiting and not web.state.agents[101].calls

        # NATS lost its bucket (recreated): revisions start again, the mirror reads it all.
        rereads = mirror.rereads
        await nc.jetstream().delete_key_value(BUCKET)
        kv = await open_bucket(nc, BUCKET)
        ingest = _ingest({7: ["z1"]}, {103: "z2"})
        pub = KvPublisher(ingest, kv)
        await _publish(ingest, pub)
        await wait_for(lambda: _same(web, ingest), timeout=30)
        assert mirror.rereads > rereads
    finally:
        await owner.close()
        await nc.close()


async def test_a_web_node_without_nats_shows_the_last_state_stale_and_recovers(
    server: NatsServer,
):
    nc = await nats.connect(server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    owner = TaskOwner("test")
    try:
        ingest = _ingest({7: ["a1"]}, {})
        pub = KvPublisher(ingest, await open_bucket(nc, BUCKET))
        await _publish(ingest, pub)
        web = Hub()
        owner.start("mirror", Mirror(web, server.url, BUCKET).run())
        await wait_for(lambda: _same(web, ingest), timeout=30)
        server.stop()
        await wait_for(lambda: web.state.connection.state is not ConnectionState.CONNECTED, 10)
        assert _same(web, ingest)  # the last state stays on screen
        # What was lost is the link to the cluster, not the phone system's: the banner says so.
        assert web.state.connection.link == "cluster"
        server.start()
        owner.start("writer", pub.run())
        await wait_for(lambda: web.state.connection.state is ConnectionState.CONNECTED, 30)
        await asyncio.sleep(0)
        assert _same(web, ingest)
        assert web.state.connection.link == "vendor"  # the ingest worker's link again
    finally:
        await owner.close()
        await nc.close()


def _sim(port: int) -> dict[str, bytes]:
    return {codec.SIM_URL: codec.encode_sim_url(f"http://127.0.0.1:{port}")}


async def test_the_simulators_address_reaches_the_web_node_and_follows_restarts(
    server: NatsServer,
):
    nc = await nats.connect(server.url)
    owner = TaskOwner("test")
    seen: list[str | None] = []
    try:
        kv = await open_bucket(nc, BUCKET)
        ingest = _ingest({7: ["a1"]}, {})
        pub = KvPublisher(ingest, kv, fixed=_sim(8301))
        await _publish(ingest, pub)
        mirror = Mirror(Hub(), server.url, BUCKET, on_sim_url=seen.append)
        owner.start("mirror", mirror.run())
        await wait_for(lambda: seen == ["http://127.0.0.1:8301"], timeout=30)
        # A full sync (a vendor snapshot) deletes what is no longer true, not the address.
        pub.full_pending = True
        await _publish(ingest, pub)
        assert (await kv.get(codec.SIM_URL)).value == _sim(8301)[codec.SIM_URL]
        # The ingest worker restarts; its simulator has another port.
        ingest = _ingest({7: ["a2"]}, {})
        await _publish(ingest, KvPublisher(ingest, kv, fixed=_sim(8302)))
        await wait_for(lambda: seen[-1] == "http://127.0.0.1:8302", timeout=30)
        # A value that is not a bare http://host:port is not followed: nowhere instead.
        await kv.put(codec.SIM_URL, codec.encode_sim_url("http://127.0.0.1:8302/x?code=1"))
        await wait_for(lambda: seen[-1] is None, timeout=30)
        ingest = _ingest({7: ["a3"]}, {})
        await _publish(ingest, KvPublisher(ingest, kv, fixed=_sim(8303)))
        await wait_for(lambda: seen[-1] == "http://127.0.0.1:8303", timeout=30)
        # The account now speaks to the vendor (no simulator): its full sync deletes the key.
        ingest = _ingest({7: ["a4"]}, {})
        await _publish(ingest, KvPublisher(ingest, kv))
        await wait_for(lambda: seen[-1] is None, timeout=30)
        assert seen == [f"http://127.0.0.1:{p}" for p in (8301, 8302)] + [None] + [
            "http://127.0.0.1:8303",
            None,
        ]
    finally:
        await owner.close()
        await nc.close()


async def test_snapshots_in_before_the_writer_reached_nats_are_written(server: NatsServer):
    """The vendor's snapshots can come (and the board publisher take them) while the
    writer is still connecting to NATS: its share was set aside before the link started."""
    ingest = Hub()
    tap = ingest.tap()  # as `IngestWorker.start` does, before the connector
    for e in floor_events({7: ["a1"]}, {101: "c9"}):
        ingest.feed(e)
    ingest.take_changes()  # the ingest worker's own board publisher ran meanwhile
    nc = await nats.connect(server.url)
    try:
        pub = KvPublisher(ingest, await open_bucket(nc, "wallboard-late-writer"), tap=tap)
        await pub.round()
        assert pub.full_syncs == 1 and not pub.waiting_for_snapshot
        assert pub.puts > 3  # link, day, agents, the queue and its waiting call
    finally:
        await nc.close()
