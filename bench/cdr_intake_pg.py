"""CDR intake on PostgreSQL: rate, and exactly-once across workers, retries and `kill -9`.

Starts a real PostgreSQL (the machine's binaries, tests/pgserver.py) and two
`wallboard cdr-server` processes sharing it (`[store] url`), as two ingest workers behind
one address would. Concurrent senders post CDRs in the three encodings and retry like
the vendor — each attempt to a worker picked at random, so a retry often lands on the
other one — and re-send some acknowledged ones. In the durability run, the workers are
killed with SIGKILL in turn and restarted. At the end every acknowledged CDR must be in
PostgreSQL exactly once, with its raw body.

    .venv/bin/python bench/cdr_intake_pg.py                 # 10,000 CDRs, 3 kills
    .venv/bin/python bench/cdr_intake_pg.py --n 3000 --kills 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cdr_intake import SECRET, Server, Tally, _ok, encode, free_port, make_cdr

from tests.pgserver import PostgresServer


async def sender(
    urls: list[str], work: asyncio.Queue[tuple[str, bytes, str]], tally: Tally, dup_rate: float
) -> None:
    """Posts until acknowledged, each attempt to a random worker; sometimes twice."""
    rng = random.Random()
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as s:
        while not work.empty():
            cid, body, ctype = work.get_nowait()
            for n in range(2 if rng.random() < dup_rate else 1):
                while True:
                    tally.posts += 1
                    headers = {"X-Wallboard-Secret": SECRET, "Content-Type": ctype}
                    try:
                        async with s.post(rng.choice(urls), data=body, headers=headers) as r:
                            if r.status == 200 and _ok(await r.text()):
                                tally.acked.add(cid)
                                break
                    except (aiohttp.ClientError, TimeoutError):
                        pass
                    tally.retries += 1
                    await asyncio.sleep(0.05 + rng.random() * 0.2)
                tally.duplicates_sent += n


async def run(
    n: int, kills: int, concurrency: int, dup_rate: float, url: str, workdir: Path, workers: int
) -> dict[str, float]:
    env = {"WALLBOARD_STORE_URL": url}
    servers = [
        Server(workdir / "unused.sqlite", free_port(), workdir / f"worker{k}.log", env)
        for k in range(workers)
    ]
    urls = [f"http://127.0.0.1:{s.port}/vendor/cdr" for s in servers]
    now = int(time.time())
    work: asyncio.Queue[tuple[str, bytes, str]] = asyncio.Queue()
    for i in range(n):
        cdr = make_cdr(i, now)
        work.put_nowait((str(cdr["ivruniqueid"]), *encode(cdr, i % 3)))
    tally = Tally()
    for s in servers:
        s.start()
    for s in servers:
        await s.wait_ready()
    t0 = time.monotonic()
    tasks = [asyncio.create_task(sender(urls, work, tally, dup_rate)) for _ in range(concurrency)]
    killed, downtime = 0, 0.0
    try:
        while not all(t.done() for t in tasks):
            await asyncio.sleep(0.2)
            if killed < kills and len(tally.acked) >= (killed + 1) * n // (kills + 1):
                victim = servers[killed % len(servers)]
                victim.kill9()
                killed += 1
                d0 = time.monotonic()
                victim.start()
                await victim.wait_ready()
                downtime += time.monotonic() - d0
        await asyncio.gather(*tasks)
    finally:
        elapsed = time.monotonic() - t0
        for s in servers:
            s.stop()
    conn = await asyncpg.connect(url)
    rows = await conn.fetch("SELECT ivruniqueid, raw FROM cdr")
    await conn.close()
    ids = [r[0] for r in rows]
    return {
        "cdrs": n,
        "acknowledged": len(tally.acked),
        "stored_rows": len(ids),
        "missing_acknowledged": len(tally.acked - set(ids)),
        "stored_twice": len(ids) - len(set(ids)),
        "raw_body_mismatch": sum(1 for r in rows if r[0].encode() not in bytes(r[1])),
        "posts": tally.posts,
        "retries": tally.retries,
        "duplicates_sent": tally.duplicates_sent,
        "kills": killed,
        "seconds": round(elapsed, 2),
        "cdrs_per_second": round(n / elapsed, 1),
        "seconds_down": round(downtime, 2),
    }


async def store_alone(n: int, concurrency: int, url: str) -> dict[str, float]:
    """The PostgreSQL store without HTTP: `store_cdr` from `concurrency` callers at once."""
    from wallboard.store.postgres import PostgresStore
    from wallboard.voicenter.cdr import parse_cdr

    store = PostgresStore(url, "bench", pool_size=concurrency)
    await store.start()
    now = int(time.time())
    cdrs = [(parse_cdr(*encode(make_cdr(i, now), 0))[0], i) for i in range(n)]
    it = iter(cdrs)

    async def worker() -> None:
        for cdr, i in it:
            raw = json.dumps({"i": i}).encode()
            await store.store_cdr(
                cdr,
                raw,
                received=time.time(),
                source="webhook",
                encoding="json",
                content_type="application/json",
            )

    t0 = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.monotonic() - t0
    stored = await store.cdr_count()
    await store.stop()
    return {
        "cdrs": n,
        "stored": stored,
        "seconds": round(elapsed, 2),
        "cdrs_per_second": round(n / elapsed, 1),
    }


async def fresh_db(server: PostgresServer, name: str) -> str:
    conn = await asyncpg.connect(server.url)
    await conn.execute(f"CREATE DATABASE {name}")
    await conn.close()
    return server.url.rsplit("/", 1)[0] + "/" + name


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--kills", type=int, default=3)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--dup-rate", type=float, default=0.1)
    p.add_argument("--workers", type=int, default=2, help="cdr-server processes sharing PG")
    args = p.parse_args()
    pg = PostgresServer().start()
    results = {}
    try:
        with tempfile.TemporaryDirectory(prefix="cdr-pg-bench-") as d:
            url = asyncio.run(fresh_db(pg, "alone"))
            alone = asyncio.run(store_alone(args.n, args.concurrency, url))
            for label, kills in (("steady", 0), ("killed", args.kills)):
                url = asyncio.run(fresh_db(pg, label))
                (Path(d) / label).mkdir()
                results[label] = asyncio.run(
                    run(
                        args.n,
                        kills,
                        args.concurrency,
                        args.dup_rate,
                        url,
                        Path(d) / label,
                        args.workers,
                    )
                )
    finally:
        pg.remove()
    print("store alone (no HTTP):", json.dumps(alone))
    print(f"steady ({args.workers} workers, no kills):", json.dumps(results["steady"]))
    print(f"kill -9 ×{args.kills} (workers in turn):", json.dumps(results["killed"]))
    ok = all(
        r["missing_acknowledged"] == 0
        and r["stored_twice"] == 0
        and r["raw_body_mismatch"] == 0
        and r["acknowledged"] == r["cdrs"]
        and r["stored_rows"] == r["cdrs"]
        for r in results.values()
    )
    ok = ok and alone["stored"] == args.n
    print(
        f"PostgreSQL store alone: {alone['cdrs_per_second']} CDRs/s durable"
        f" ({args.concurrency} concurrent callers); over HTTP:"
        f" {results['steady']['cdrs_per_second']} CDRs/s ({args.workers} workers,"
        f" {args.concurrency} senders); exactly-once through retries and kill -9:"
        f" {'OK' if ok else 'FAILED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
