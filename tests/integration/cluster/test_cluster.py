"""The cluster on real servers: NATS JetStream, PostgreSQL, simulators, ingest workers and
two web nodes, each a process of its own; crashes of each part in turn.

Every recovery is measured (printed with `-s`, kept in the README), never asserted
against a time: the boards must come back to the simulator's exact truth — every agent's
status and calls, every waiting call — with no ghost, within a generous bound.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from tests.integration.cluster.env import (
    Account,
    Cluster,
    abandoned_cdr,
    floor_of_state,
    floor_of_truth,
    get_json,
    set_speed,
    wait_match,
    wait_state,
    wait_up,
)

pytestmark = pytest.mark.integration

NODES = [0, 1]
# The kiosk page's refusal: a label element saying so (the words also travel in the board's
# dictionary, so the bare words are not enough).
FORBIDDEN = re.compile(r'"text":\s*"Not allowed"')
NO_CDR = re.compile(r'"text":\s*"No CDR for call ')


def _stale(state: dict[str, object]) -> bool:
    conn = state["connection"]
    assert isinstance(conn, dict)
    return conn["state"] != "connected"


async def _pause_and_match(s: aiohttp.ClientSession, a: Account, nodes: list[int]) -> float:
    await set_speed(s, a, 0)  # a still floor: the truth holds still while we compare
    return await wait_match(s, a, nodes)


async def _leading(s: aiohttp.ClientSession, a: Account, timeout: float = 30.0) -> None:
    """Until the account's ingest worker holds its lease again (it takes CDRs then)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            if (await get_json(s, f"http://127.0.0.1:{a.ingest_port}/readyz"))["role"] == "leader":
                return
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError):
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"{a.name}: the ingest worker never led again")


async def _page(s: aiohttp.ClientSession, url: str) -> str:
    async with s.get(url) as r:
        assert r.status == 200, (url, r.status)
        return await r.text()


async def test_two_accounts_two_web_nodes_and_crashes_in_turn(tmp_path: Path, pg_url: str):
    acme = Account("acme", agents=14, queues=2, seed=3)
    globex = Account("globex", agents=9, queues=3, seed=7)
    cluster = Cluster(tmp_path, [acme, globex], len(NODES), pg_url)
    times: dict[str, float] = {}
    cluster.start()
    try:
        async with aiohttp.ClientSession() as s:
            for a in (acme, globex):
                await wait_up(s, f"{a.sim}/sim/status")
            # Each board on each node shows its own account's floor, exactly.
            for a in (acme, globex):
                times[f"first board, {a.name}"] = await _pause_and_match(s, a, NODES)
            own = floor_of_state(await get_json(s, f"{acme.web(1)}/api/state"))
            other = floor_of_truth(await get_json(s, f"{globex.sim}/sim/truth"))
            assert own["agents"].keys().isdisjoint(other["agents"].keys()) or (
                own != other and len(own["agents"]) == acme.agents
            )
            # A kiosk token opens its own account's boards and nothing on another's node.
            async with s.get(f"{acme.web(0)}/kiosk?token=kiosk-acme") as r:
                assert not FORBIDDEN.search(await r.text())
            async with s.get(f"{acme.web(0)}/kiosk?token=kiosk-globex") as r:
                assert FORBIDDEN.search(await r.text())

            # 1. A web node crashes; the other keeps serving; the crashed one comes back.
            await set_speed(s, acme, 4)
            cluster.kill("web0")
            t0 = time.monotonic()
            cluster.start_web(0)
            await _pause_and_match(s, acme, [1])  # the survivor never stopped
            await wait_match(s, acme, [0])
            times["web node restart → board matches"] = time.monotonic() - t0

            # 2. The ingest worker crashes while the floor moves on: calls end, others
            # start. The boards show the last state as stale, then the truth, no ghost.
            await set_speed(s, acme, 4)
            cluster.kill("ingest-acme")
            t0 = time.monotonic()
            times["ingest killed → boards stale"] = await wait_state(s, acme, 0, _stale)
            await set_speed(s, acme, 0)
            cluster.start_ingest(acme)
            t1 = time.monotonic()
            await wait_match(s, acme, NODES)
            times["ingest restart → boards match"] = time.monotonic() - t1
            await _pause_and_match(s, globex, NODES)  # the other account never noticed

            # 3. NATS goes away: every board stays up, stale; NATS back: the truth again.
            for a in (acme, globex):
                await set_speed(s, a, 4)
            cluster.nats.stop()
            t0 = time.monotonic()
            times["NATS stopped → boards stale"] = await wait_state(s, acme, 1, _stale)
            for a in (acme, globex):
                await set_speed(s, a, 0)
            cluster.nats.start()
            t1 = time.monotonic()
            for a in (acme, globex):
                await wait_match(s, a, NODES)
            times["NATS restart → all boards match"] = time.monotonic() - t1
            # The ingest workers' leases ran out with NATS (no CDR taken meanwhile: `Err 2`,
            # the vendor retries); each renews its own once NATS is back.
            for a in (acme, globex):
                await _leading(s, a)
            times["NATS restart → ingest workers lead again"] = time.monotonic() - t1

            # The shared store is split by account as well: a web node reads its own
            # account's calls (from PostgreSQL), and not another's.
            call = f"iso-{uuid.uuid4().hex[:12]}"
            json_body = {"Content-Type": "application/json"}
            async with s.post(globex.hook, data=abandoned_cdr(call), headers=json_body) as r:
                assert r.status == 200, await r.text()
            for n in NODES:
                page = await _page(s, f"{globex.web(n)}/call/{call}")
                assert call in page and not NO_CDR.search(page)
                assert NO_CDR.search(await _page(s, f"{acme.web(n)}/call/{call}"))

        # The CDRs the simulators posted went to PostgreSQL, each account its own rows.
        conn = await asyncpg.connect(pg_url)
        try:
            rows = await conn.fetch("SELECT account, count(*) FROM cdr GROUP BY account")
            dup = await conn.fetchval(
                "SELECT count(*) FROM (SELECT 1 FROM cdr GROUP BY account, ivruniqueid, type"
                " HAVING count(*) > 1) d"
            )
        finally:
            await conn.close()
        assert {r[0] for r in rows} <= {"acme", "globex"} and dup == 0
    finally:
        cluster.stop()
    print("\ncluster recovery times (s):")
    for what, secs in times.items():
        print(f"  {what}: {secs:.1f}")
