"""Fan-out benchmark: N headless board clients on one board of 2,000 agents at 100 events/s.

Starts the real app (`wallboard replay --follow --serve`) as a subprocess, feeds it wire
frames by appending to its recording, and connects N socket.io clients that speak NiceGUI's
protocol exactly as a browser tab does (page request, then the websocket with the tab's
client id). Prints, per N: the server's CPU (% of one core), its memory (RSS, with the
trend over the run) and event-to-browser latency p50/p99 — from the server's receive
stamp of the oldest event in a delta to the client holding that delta.

    .venv/bin/python bench/fanout.py --clients 50 200 --seconds 60
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import gc
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import aiohttp
import socketio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.feed import Feed  # noqa: E402  (the same frame builder as the browser tests)

TOKEN = "bench-kiosk-token"
EV = re.compile(r'"ev":([0-9.]+|null)')
AT = re.compile(r'"at":([0-9.]+)')
FULL = re.compile(r'"full":(true|false)')
TICK = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Tab:
    """One headless board tab: the page request, then NiceGUI's socket.io connection."""

    def __init__(
        self,
        url: str,
        latencies: list[float],
        delivery: list[float],
        upstream: list[float] | None = None,
    ) -> None:
        self.url = url
        self.latencies = latencies
        self.delivery = delivery
        self.upstream = upstream  # event received → delta built (the rest is delivery)
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("run_javascript", self._on_js)
        self.messages = 0
        self.bytes = 0
        self.next_id = 0
        self.client_id = ""

    async def open(self, http: aiohttp.ClientSession) -> None:
        async with http.get(f"{self.url}/kiosk?boards=all&token={TOKEN}") as r:
            html = await r.text()
        m = re.search(r"query: (\{[^\n]*\}),", html)
        if m is None:
            raise RuntimeError("no socket.io query in the page")
        query = ast.literal_eval(m.group(1))  # NiceGUI writes a Python dict repr here
        self.client_id = query["client_id"]
        query.update(
            {
                "implicit_handshake": "true",
                "document_id": f"bench-{self.client_id}",
                "tab_id": f"bench-{self.client_id}",
                "old_tab_id": "null",
            }
        )
        await self.sio.connect(
            f"{self.url}?{urllib.parse.urlencode(query)}",
            socketio_path="/_nicegui_ws/socket.io",
            transports=["websocket"],
            wait_timeout=30,
        )

    async def _on_js(self, data: dict[str, object]) -> None:
        now = time.time()
        code = str(data.get("code", ""))
        self.messages += 1
        self.bytes += len(code)
        msg_id = data.get("_id")
        if isinstance(msg_id, int):
            self.next_id = msg_id + 1
        full = FULL.search(code)
        ev = EV.search(code)
        if full and full.group(1) == "false" and ev and ev.group(1) != "null":
            self.latencies.append(now - float(ev.group(1)))
            at = AT.search(code)
            if at:
                self.delivery.append(now - float(at.group(1)))
                if self.upstream is not None:
                    self.upstream.append(float(at.group(1)) - float(ev.group(1)))

    async def ack(self) -> None:
        if self.sio.connected:
            await self.sio.emit(
                "ack", {"client_id": self.client_id, "next_message_id": self.next_id}
            )

    async def close(self) -> None:
        await self.sio.disconnect()


async def feeder(feed: Feed, agents: int, rate: float, stop: asyncio.Event) -> int:
    """Append `rate` events per second: status changes and incoming calls on random agents."""
    sent = 0
    start = time.monotonic()
    rng = random.Random(7)
    while not stop.is_set():
        due = start + sent / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        ext = 1000 + rng.randrange(agents)
        if rng.random() < 0.3:
            feed.ringing(ext, f"Agent {ext}", f"05{rng.randrange(10**8):08d}", 100 + ext % 10)
        else:
            feed.status(ext, f"Agent {ext}", rng.choice((1, 1, 3, 5, 7)))
        sent += 1
    return sent


def _slope_mb_per_min(samples: list[tuple[float, float]]) -> float:
    if len(samples) < 2:
        return 0.0
    ts = [t for t, _ in samples]
    ms = [m for _, m in samples]
    mt, mm = statistics.fmean(ts), statistics.fmean(ms)
    var = sum((t - mt) ** 2 for t in ts)
    return 0.0 if var == 0 else sum((t - mt) * (m - mm) for t, m in samples) / var * 60


async def phase(url: str, pid: int, n: int, seconds: float, warmup: float) -> dict[str, object]:
    latencies: list[float] = []
    delivery: list[float] = []
    tabs = [Tab(url, latencies, delivery) for _ in range(n)]
    conn = aiohttp.TCPConnector(limit=20)
    async with aiohttp.ClientSession(connector=conn) as http:
        for i in range(0, n, 10):
            await asyncio.gather(*(t.open(http) for t in tabs[i : i + 10]))
    gc.collect()
    gc.freeze()  # the clients' own collector pauses would show as latency
    await asyncio.sleep(warmup)
    latencies.clear()
    delivery.clear()
    msgs0 = sum(t.messages for t in tabs)
    cpu0, t0 = _cpu_seconds(pid), time.monotonic()
    bench0 = time.process_time()
    rss: list[tuple[float, float]] = []
    while time.monotonic() - t0 < seconds:
        rss.append((time.monotonic() - t0, _rss_mb(pid)))
        await asyncio.gather(*(t.ack() for t in tabs))
        await asyncio.sleep(min(5.0, seconds / 10))
    cpu1, t1 = _cpu_seconds(pid), time.monotonic()
    rss.append((t1 - t0, _rss_mb(pid)))
    bench_cpu = (time.process_time() - bench0) / (t1 - t0) * 100
    msgs = sum(t.messages for t in tabs) - msgs0
    await asyncio.gather(*(t.close() for t in tabs), return_exceptions=True)
    lat = sorted(latencies)
    dl = sorted(delivery)

    def pct(p: float, xs: list[float] | None = None) -> float:
        xs = lat if xs is None else xs
        return round(xs[min(len(xs) - 1, int(p * len(xs)))] * 1000, 1) if xs else float("nan")

    return {
        "clients": n,
        "seconds": round(t1 - t0, 1),
        "server_cpu_pct_of_one_core": round((cpu1 - cpu0) / (t1 - t0) * 100, 1),
        "bench_clients_cpu_pct": round(bench_cpu, 1),
        "server_rss_mb_start": round(rss[0][1], 1),
        "server_rss_mb_end": round(rss[-1][1], 1),
        "server_rss_trend_mb_per_min": round(_slope_mb_per_min(rss), 2),
        "deltas_received": msgs,
        "latency_samples": len(lat),
        "latency_p50_ms": pct(0.50),
        "latency_p99_ms": pct(0.99),
        # From the delta leaving the publisher to the client: the fan-out's own share.
        "delivery_p50_ms": pct(0.50, dl),
        "delivery_p99_ms": pct(0.99, dl),
        "latency_max_ms": round(lat[-1] * 1000, 1) if lat else None,
    }


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    ap.add_argument("--agents", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=100.0, help="events per second")
    ap.add_argument("--seconds", type=float, default=60.0, help="measured time per client count")
    ap.add_argument("--warmup", type=float, default=10.0)
    ap.add_argument("--interval", type=float, default=0.2, help="publisher interval (s)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="wallboard-fanout-"))
    (work / "wallboard.toml").write_text(
        f"[web]\npublish_interval_seconds = {args.interval}\nstale_after_seconds = 30\n"
        f'[kiosk.tokens.bench]\ntoken = "{TOKEN}"\n',
        encoding="utf-8",
    )
    feed = Feed(work / "live.jsonl")
    feed.login({100 + i: f"Queue {i}" for i in range(10)}, {})
    feed.agents([(1000 + i, f"Agent {1000 + i}", 1, 60) for i in range(args.agents)])
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update({"WALLBOARD_WEB_PORT": str(port), "WALLBOARD_WEB_STORAGE_SECRET": "bench"})
    log = (work / "app.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wallboard.cli",
            "replay",
            str(feed.path),
            "--follow",
            "--serve",
            "--config",
            str(work / "wallboard.toml"),
        ],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    stop = asyncio.Event()
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                try:
                    async with http.get(f"{url}/healthz") as r:
                        await r.read()
                        break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.2)
        print(
            f"app pid {proc.pid}: {args.agents} agents, {args.rate:.0f} events/s, "
            f"publisher every {args.interval * 1000:.0f} ms",
            flush=True,
        )
        feeding = asyncio.create_task(feeder(feed, args.agents, args.rate, stop), name="feeder")
        idle0, t0 = _cpu_seconds(proc.pid), time.monotonic()
        await asyncio.sleep(10)
        idle = (_cpu_seconds(proc.pid) - idle0) / (time.monotonic() - t0) * 100
        print(
            json.dumps(
                {
                    "clients": 0,
                    "server_cpu_pct_of_one_core": round(idle, 1),
                    "server_rss_mb": round(_rss_mb(proc.pid), 1),
                }
            ),
            flush=True,
        )
        for n in args.clients:
            result = await phase(url, proc.pid, n, args.seconds, args.warmup)
            print(json.dumps(result), flush=True)
        stop.set()
        sent = await feeding
        print(f"events fed: {sent}", flush=True)
    finally:
        stop.set()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
