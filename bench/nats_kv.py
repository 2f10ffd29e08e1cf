"""The engine between ingest and web nodes, measured: NATS JetStream KV against
PostgreSQL LISTEN/NOTIFY, on this machine, with real servers.

For each: writes per second of agent-sized values (concurrent, each acknowledged), the
write-to-watcher latency p50/p99 at a steady 500 writes/s, and how long a late-joining
reader takes to get the current value of 2,000 agents (KV: one watch; PostgreSQL: one
SELECT of a table the writer keeps beside its NOTIFYs — NOTIFY alone keeps nothing).

    .venv/bin/python bench/nats_kv.py
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import asyncpg
import nats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.pgserver import PostgresServer  # noqa: E402
from wallboard.cluster.natsd import NatsServer  # noqa: E402
from wallboard.cluster.roles import open_bucket  # noqa: E402

AGENTS = 2000
VALUE = json.dumps({"r": [1001, "SIP1001", 1, "u", "Agent 1001", 1, 1, 0, None, "OK", []],
                    "c": {}, "s": "available", "b": None, "ss": 0.0, "k": True,
                    "t": [3, 0, 1, 420, {"available": 3000}]}).encode()  # fmt: skip


def _p(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return round(xs[int(q * (len(xs) - 1))] * 1000, 2)


async def nats_kv() -> dict[str, float]:
    server = NatsServer().start()
    try:
        nc = await nats.connect(server.url)
        kv = await open_bucket(nc, "bench")
        t0 = time.perf_counter()
        await asyncio.gather(*(kv.put(f"agent.{i}", VALUE) for i in range(AGENTS)))
        rate = AGENTS / (time.perf_counter() - t0)
        sent: dict[str, float] = {}
        lat: list[float] = []
        watcher = await kv.watch("lat.*")
        while await watcher.updates(5) is not None:
            pass

        async def read() -> None:
            while len(lat) < 1000:
                e = await watcher.updates(5)
                lat.append(time.perf_counter() - sent[e.key])

        reader = asyncio.create_task(read())
        for i in range(1000):
            sent[f"lat.{i}"] = time.perf_counter()
            await kv.put(f"lat.{i}", VALUE)
            await asyncio.sleep(0.002)
        await reader
        t0 = time.perf_counter()
        w = await kv.watch("agent.*")
        n = 0
        while await w.updates(5) is not None:
            n += 1
        late = time.perf_counter() - t0
        await nc.close()
        return {"writes_per_s": round(rate), "latency_p50_ms": _p(lat, 0.5),
                "latency_p99_ms": _p(lat, 0.99), "late_reader_ms": round(late * 1000, 1),
                "late_reader_keys": n}  # fmt: skip
    finally:
        server.remove()


async def pg_notify() -> dict[str, float]:
    pg = PostgresServer().start()
    try:
        w = await asyncpg.connect(pg.url)
        await w.execute("CREATE TABLE live (key TEXT PRIMARY KEY, value BYTEA)")
        sent: dict[str, float] = {}
        lat: list[float] = []
        done = asyncio.Event()
        r = await asyncpg.connect(pg.url)

        def on(_c: object, _pid: int, _ch: str, key: str) -> None:
            if key in sent:
                lat.append(time.perf_counter() - sent[key])
                if len(lat) >= 1000:
                    done.set()

        await r.add_listener("live", on)
        pool = await asyncpg.create_pool(pg.url, min_size=8, max_size=8)
        upsert = ("INSERT INTO live VALUES ($1, $2) ON CONFLICT (key) DO UPDATE"
                  " SET value = excluded.value")  # fmt: skip

        async def write(key: str) -> None:
            async with pool.acquire() as c, c.transaction():
                await c.execute(upsert, key, VALUE)
                await c.execute("SELECT pg_notify('live', $1)", key)

        t0 = time.perf_counter()
        await asyncio.gather(*(write(f"agent.{i}") for i in range(AGENTS)))
        rate = AGENTS / (time.perf_counter() - t0)
        for i in range(1000):
            sent[f"lat.{i}"] = time.perf_counter()
            await write(f"lat.{i}")
            await asyncio.sleep(0.002)
        await asyncio.wait_for(done.wait(), 30)
        t0 = time.perf_counter()
        rows = await r.fetch("SELECT key, value FROM live WHERE key LIKE 'agent.%'")
        late = time.perf_counter() - t0
        await pool.close()
        await r.close()
        await w.close()
        return {"writes_per_s": round(rate), "latency_p50_ms": _p(lat, 0.5),
                "latency_p99_ms": _p(lat, 0.99), "late_reader_ms": round(late * 1000, 1),
                "late_reader_keys": len(rows)}  # fmt: skip
    finally:
        pg.remove()


def main() -> int:
    k = asyncio.run(nats_kv())
    print("NATS JetStream KV (file storage):", json.dumps(k))
    p = asyncio.run(pg_notify())
    print("PostgreSQL upsert + NOTIFY:", json.dumps(p))
    return 0


if __name__ == "__main__":
    sys.exit(main())
