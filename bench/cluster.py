"""Cluster fan-out: simulated accounts through NATS to web nodes full of board clients,
against the all-in-one process serving the same floor and the same number of clients.

The cluster: one `wallboard simulate` and one `wallboard ingest` per account, a local
NATS (JetStream), and `--nodes` web nodes (`wallboard web`, one process each, serving
every account). Each node gets `--clients` browser-like clients (bench/fanout.py's `Tab`: the
kiosk page, then NiceGUI's socket.io exactly as a tab), spread over the accounts; the
clients run in `--client-procs` processes and acknowledge on staggered timers, as
separate browsers would. The all-in-one: `wallboard demo` with every agent in one
account and `--clients` clients. Prints event-to-client latency p50/p99 (from the ingest
worker's receive stamp of the oldest event that changed something in a delta to the
client holding it) and CPU (% of one core) per web node,
per 100 clients, for both; the latency is also split at the delta's build time into
upstream (ingest, NATS, the node's publisher) and delivery (the node's send to the tab).

    .venv/bin/python bench/cluster.py                       # 20 accounts × 100 agents, 3 × 300
    .venv/bin/python bench/cluster.py --accounts 4 --agents 50 --nodes 2 --clients 60
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fanout  # noqa: E402  (its Tab speaks NiceGUI's protocol like a browser tab)

from tests.integration.cluster.env import Account, Cluster, wait_up  # noqa: E402
from tests.integration.vendor_env import free_port  # noqa: E402


def _pct(xs: list[float], p: float) -> float | None:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(p * len(xs)))] * 1000, 1) if xs else None


async def _clients(urls: list[str], warmup: float, seconds: float, conn: Connection) -> None:
    """One client process: open the tabs, say so, wait for "go", warm up, then measure."""
    latencies: list[float] = []
    delivery: list[float] = []
    upstream: list[float] = []
    tabs = [fanout.Tab(url, latencies, delivery, upstream) for url in urls]
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=20)) as http:
        for i in range(0, len(tabs), 10):
            await asyncio.gather(*(t.open(http) for t in tabs[i : i + 10]))
    gc.collect()
    gc.freeze()
    conn.send("open")
    await loop.run_in_executor(None, conn.recv)  # "go"
    await asyncio.sleep(warmup)
    latencies.clear()
    delivery.clear()
    upstream.clear()
    t0, own0 = time.monotonic(), time.process_time()
    # Each tab acknowledges what it got every few seconds, as a browser does on its own
    # schedule: a tenth of them at a time (all 300 at once stalled this loop ~150 ms, and
    # the deltas arriving meanwhile looked that late).
    step, turn = min(5.0, seconds / 10) / 10, 0
    while time.monotonic() - t0 < seconds:
        await asyncio.gather(*(t.ack() for t in tabs[turn % 10 :: 10]))
        turn += 1
        await asyncio.sleep(step)
    own = (time.process_time() - own0) / (time.monotonic() - t0) * 100
    conn.send({"latencies": latencies, "delivery": delivery, "upstream": upstream, "cpu": own})
    await asyncio.gather(*(t.close() for t in tabs), return_exceptions=True)


def _client_process(urls: list[str], warmup: float, seconds: float, conn: Connection) -> None:
    asyncio.run(_clients(urls, warmup, seconds, conn))


async def measure(
    groups: dict[str, tuple[list[str], list[int]]], args: argparse.Namespace
) -> dict[str, Any]:
    """`groups`: name → (board URLs, one per client; pids whose CPU counts for that group).

    The clients run in `--client-procs` processes (TVs are separate machines: one Python
    loop for all of them would queue each delta behind hundreds of others)."""
    urls = [url for urls, _ in groups.values() for url in urls]
    n = max(1, min(args.client_procs, len(urls)))
    work = [(urls[i::n], args.warmup, args.seconds) for i in range(n)]
    pipes, procs = await fanout.start_clients(_client_process, work)
    loop = asyncio.get_running_loop()
    await asyncio.sleep(args.warmup)
    cpu0 = {g: sum(fanout._cpu_seconds(p) for p in pids) for g, (_, pids) in groups.items()}
    t0 = time.monotonic()
    await asyncio.sleep(args.seconds)
    dt = time.monotonic() - t0
    cpu = {
        g: (sum(fanout._cpu_seconds(p) for p in pids) - cpu0[g]) / dt * 100
        for g, (_, pids) in groups.items()
    }
    results = [await loop.run_in_executor(None, pipe.recv) for pipe in pipes]
    for p in procs:
        p.join(60)
    latencies = [x for r in results for x in r["latencies"]]
    delivery = [x for r in results for x in r["delivery"]]
    upstream = [x for r in results for x in r["upstream"]]
    return {
        "clients": len(urls),
        "client_processes": n,
        "latency_samples": len(latencies),
        "latency_p50_ms": _pct(latencies, 0.5),
        "latency_p99_ms": _pct(latencies, 0.99),
        "upstream_p99_ms": _pct(upstream, 0.99),
        "delivery_p99_ms": _pct(delivery, 0.99),
        "clients_cpu_pct_of_one_core": round(sum(r["cpu"] for r in results), 1),
        "cpu_pct_of_one_core": {g: round(v, 1) for g, v in cpu.items()},
        "cpu_pct_per_100_clients": {
            g: round(v / len(groups[g][0]) * 100, 1) for g, v in cpu.items() if groups[g][0]
        },
    }


async def run_cluster(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    accounts = [
        Account(f"a{i:02d}", agents=args.agents, queues=args.queues, seed=i + 1)
        for i in range(args.accounts)
    ]
    cluster = Cluster(work, accounts, args.nodes, None, args.speed, kiosk=fanout.TOKEN)
    cluster.start()
    try:
        async with aiohttp.ClientSession() as s:
            for a in accounts:
                for n in range(args.nodes):
                    try:
                        await wait_up(s, f"{a.web(n)}/healthz", timeout=180)
                    except AssertionError:
                        log = work / f"web{n}.log"
                        print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
                        raise
        await asyncio.sleep(5)  # every node has read its buckets
        groups = {}
        for n in range(args.nodes):
            urls = [accounts[i % len(accounts)].web(n) for i in range(args.clients)]
            pids = [cluster.procs[f"web{n}"].pid]
            groups[f"web node {n}"] = (urls, pids)
        ingest = [cluster.procs[f"ingest-{a.name}"].pid for a in accounts]
        assert cluster.nats.proc is not None
        groups["ingest workers + NATS (no clients)"] = ([], [*ingest, cluster.nats.proc.pid])
        return await measure(groups, args)
    finally:
        cluster.stop()


async def run_all_in_one(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    cfg = work / "allinone.toml"
    cfg.write_text(
        f'[kiosk.tokens.bench]\ntoken = "{fanout.TOKEN}"\n[web]\nstorage_secret = "bench"\n'
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update({"WALLBOARD_WEB_PORT": str(port), "PYTHONPATH": str(ROOT)})
    total = args.agents * args.accounts
    proc = subprocess.Popen(
        [sys.executable, "-m", "wallboard.cli", "demo", "--config", str(cfg),
         "--agents", str(total), "--queues", str(args.queues * args.accounts),
         "--speed", str(args.speed), "--flat"],
        cwd=work, env=env, stdout=(work / "allinone.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as s:
            await wait_up(s, f"{url}/healthz", timeout=180)
        await asyncio.sleep(5)
        groups = {"all-in-one": ([url] * args.clients, [proc.pid])}
        return await measure(groups, args)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:  # saturated: its graceful stop can take longer
            print("all-in-one: no exit 30 s after SIGTERM; killed", file=sys.stderr)
            proc.kill()
            proc.wait(10)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--agents", type=int, default=100, help="per account")
    ap.add_argument("--queues", type=int, default=3, help="per account")
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--clients", type=int, default=300, help="per web node")
    ap.add_argument("--speed", type=float, default=2.0, help="simulated seconds per second")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--warmup", type=float, default=10.0)
    ap.add_argument("--client-procs", type=int, default=3, help="processes the clients run in")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="wallboard-cluster-bench-") as d:
        (Path(d) / "cluster").mkdir()
        (Path(d) / "one").mkdir()
        cluster = asyncio.run(run_cluster(args, Path(d) / "cluster"))
        print("cluster:", json.dumps(cluster, ensure_ascii=False), flush=True)
        one = asyncio.run(run_all_in_one(args, Path(d) / "one"))
        print("all-in-one:", json.dumps(one, ensure_ascii=False), flush=True)
    per_node = [v for k, v in cluster["cpu_pct_per_100_clients"].items() if k.startswith("web")]
    print(
        f"{args.accounts} accounts × {args.agents} agents, {args.nodes} web nodes ×"
        f" {args.clients} clients: event-to-client p99 {cluster['latency_p99_ms']} ms"
        f" (all-in-one, {args.clients} clients: {one['latency_p99_ms']} ms); CPU per web node"
        f" per 100 clients {per_node} % of a core (all-in-one:"
        f" {one['cpu_pct_per_100_clients'].get('all-in-one')} %); with no client (--clients 0)"
        f" the CPU is each node's idle cost: {cluster['cpu_pct_of_one_core']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
