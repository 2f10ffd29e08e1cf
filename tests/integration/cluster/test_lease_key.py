"""The lease itself, on a real NATS server, with each worker's clock in the test's hands:
a standby takes over only once the revision stood still for the TTL on its own clock, the
old holder's renewal then fails (the revision is the fence), a released lease is taken at
once, a dead holder of this machine is not waited out, and NATS itself refuses the writes
of a leader that was taken over."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import nats
import pytest

from wallboard.cluster import lease
from wallboard.cluster.lease import Fence, Lease, LeaseLost, NotLeading
from wallboard.cluster.natsd import NatsServer
from wallboard.cluster.roles import open_bucket

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def server() -> Iterator[NatsServer]:
    s = NatsServer().start()
    yield s
    s.remove()


@pytest.fixture
async def kv(server: NatsServer) -> AsyncIterator[object]:
    nc = await nats.connect(server.url)
    try:
        yield await open_bucket(nc, lease.BUCKET)
    finally:
        await nc.close()


async def test_a_standby_waits_out_the_ttl_and_fences_the_old_holder(kv, monkeypatch):
    monkeypatch.setattr(lease, "RENEW", 0.05)
    ca, cb = Clock(), Clock()
    a = Lease(kv, "acme", clock=ca)
    await asyncio.wait_for(a.acquire(), 10)
    assert a.valid()
    b = Lease(kv, "acme", clock=cb)
    taking = asyncio.create_task(b.acquire())
    await asyncio.sleep(1.2)  # two polls: b has seen the revision, a has not renewed
    assert not taking.done() and not b.valid()
    cb.t += lease.TTL - 0.5  # not yet the TTL on b's clock
    await asyncio.sleep(1.2)
    assert not taking.done()
    # a froze: its own clock runs past its lease, so it stops writing before b may take.
    ca.t += lease.TTL - lease.MARGIN
    assert not a.valid()
    cb.t += 1.0
    await asyncio.wait_for(taking, 10)
    assert b.valid() and not a.valid()
    # a resumes: its renewal's compare-and-set fails, and it knows it lost.
    with pytest.raises(LeaseLost):
        await asyncio.wait_for(a.hold(), 10)
    assert not a.valid() and b.valid()


async def test_a_released_lease_or_a_dead_holder_here_is_taken_at_once(kv):
    a = Lease(kv, "acme")
    await asyncio.wait_for(a.acquire(), 10)
    b = Lease(kv, "acme")
    taking = asyncio.create_task(b.acquire())
    await asyncio.sleep(0.8)
    assert not taking.done()
    await a.release()
    await asyncio.wait_for(taking, 5)  # a poll later, not a TTL later
    # b's process "crashed": a holder of this machine whose pid has ended.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    body = {"holder": "crashed", "place": lease._PLACE, "pid": int(dead.stdout)}
    await kv.update("acme", json.dumps(body).encode(), last=b.revision)
    c = Lease(kv, "acme")
    await asyncio.wait_for(c.acquire(), 2)  # well within the TTL
    assert c.valid()


async def test_nats_refuses_every_write_of_a_leader_taken_over(server: NatsServer):
    """What a frozen leader had queued arrives after the takeover: the server refuses it."""
    nc = await nats.connect(server.url)
    try:
        bucket = "wallboard-fenced"
        account = await open_bucket(nc, bucket)
        js = nc.jetstream()
        old = await Fence.take(js, account, bucket, "old")
        await old.put("agent.1", b"old")
        new = await Fence.take(js, account, bucket, "new")  # the next leader's epoch
        await new.put("agent.1", b"new")
        for late in (old.put("agent.1", b"stale"), old.delete("agent.1")):
            with pytest.raises(NotLeading):
                await late
        assert (await account.get("agent.1")).value == b"new"
    finally:
        await nc.close()
