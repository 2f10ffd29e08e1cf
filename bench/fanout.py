"""Fan-out benchmark: N headless board clients on one board of 2,000 agents at 100 events/s,
against a peer in the same run.

Starts the real app (`wallboard replay --follow --serve`) as a subprocess, feeds it wire
frames by appending to its recording, and connects N socket.io clients that speak NiceGUI's
protocol exactly as a browser tab does (page request, then the websocket with the tab's
client id), in `--client-procs` processes. One more tab records the deltas it gets; then
the peer (bench/fanout_peer.py: a bare python-socketio server under uvicorn) replays those
same deltas at the same times, one emit to a room each, to N clients of its own. Every
client checks the sequence numbers (after its snapshot, each delta the next one: none
lost, none out of order). Prints, per N and per server: CPU (% of one core, and per 100
tabs), memory (RSS, with the trend over the run), event-to-tab latency p50/p99 (from the
server's receive stamp of the oldest event in a delta; for the peer, from its send) and
the delivery part of it (from the delta's send); then project/peer ratios. The machine's
load average is printed with each figure: only ratios within one run compare.

    .venv/bin/python bench/fanout.py --clients 200 500 1000 --seconds 60
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import contextlib
import gc
import json
import multiprocessing
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
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

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
RECONNECT = 10.0  # [web] reconnect_seconds (its default): the pings of both servers


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


CODE = re.compile(r'^window\.wallboardApply&&wallboardApply\(("(?:[^"\\]|\\.)*"),(.*)\)$', re.S)
SEQ = re.compile(r'"seq":([0-9]+)\}\)$')


class Tab:
    """One headless board tab: the page request, then NiceGUI's socket.io connection.

    With `peer` it connects to bench/fanout_peer.py instead (no page: a bare socket.io
    server). Either way it checks the sequence numbers as board.js does: after its
    snapshot, each delta must be the next one; a delta before the snapshot is ignored."""

    def __init__(
        self,
        url: str,
        latencies: list[float],
        delivery: list[float],
        upstream: list[float] | None = None,
        *,
        peer: bool = False,
        record: list[tuple[float, str, str]] | None = None,
    ) -> None:
        self.url = url
        self.latencies = latencies
        self.delivery = delivery
        self.upstream = upstream  # event received → delta built (the rest is delivery)
        self.peer = peer
        self.record = record  # (monotonic time, board, payload) of every message
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("run_javascript", self._on_js)
        self.messages = 0
        self.bytes = 0
        self.next_id = 0
        self.client_id = ""
        self.seq: int | None = None
        self.deltas = 0  # deltas in sequence after the snapshot
        self.gaps = 0  # a delta lost or out of order
        self.early = 0  # deltas before the snapshot (ignored, as the browser does)

    async def open(self, http: aiohttp.ClientSession) -> None:
        if self.peer:
            await self.sio.connect(self.url, transports=["websocket"], wait_timeout=30)
            return
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

    def _check(self, code: str, full: bool) -> None:
        m = SEQ.search(code)
        if m is None:
            return
        seq = int(m.group(1))
        if full:
            self.seq = seq
        elif self.seq is None:
            self.early += 1
        else:
            if seq == self.seq + 1:
                self.deltas += 1
            else:
                self.gaps += 1
            self.seq = seq

    async def _on_js(self, data: dict[str, object]) -> None:
        now = time.time()
        code = str(data.get("code", ""))
        self.messages += 1
        self.bytes += len(code)
        msg_id = data.get("_id")
        if isinstance(msg_id, int):
            self.next_id = msg_id + 1
        if self.record is not None and (m := CODE.match(code)):
            self.record.append((time.monotonic(), json.loads(m.group(1)), m.group(2)))
        full = FULL.search(code)
        if full is None:
            return
        self._check(code, full.group(1) == "true")
        ev = EV.search(code)
        if full.group(1) == "false" and ev and ev.group(1) != "null":
            self.latencies.append(now - float(ev.group(1)))
            at = AT.search(code)
            if at:
                self.delivery.append(now - float(at.group(1)))
                if self.upstream is not None:
                    self.upstream.append(float(at.group(1)) - float(ev.group(1)))

    async def ack(self) -> None:
        # The peer ignores it, but it is sent there too: a python-socketio client that
        # sends nothing for its ping interval + 5 s stops sending at all (pongs included).
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


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(p * len(xs)))] * 1000, 1) if xs else float("nan")


async def _clients(
    url: str, n: int, peer: bool, warmup: float, seconds: float, conn: Connection
) -> None:
    """One client process: open its tabs, say so, wait for "go", warm up, then measure."""
    latencies: list[float] = []
    delivery: list[float] = []
    tabs = [Tab(url, latencies, delivery, peer=peer) for _ in range(n)]
    loop = asyncio.get_running_loop()
    acks = asyncio.create_task(_ack_loop(tabs, min(5.0, seconds / 10)), name="acks")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=20)) as http:
        for i in range(0, n, 10):
            await asyncio.gather(*(t.open(http) for t in tabs[i : i + 10]))
    gc.collect()
    gc.freeze()  # the clients' own collector pauses would show as latency
    conn.send("open")
    await loop.run_in_executor(None, conn.recv)  # "go"
    await asyncio.sleep(warmup)
    latencies.clear()
    delivery.clear()
    msgs0 = sum(t.messages for t in tabs)
    t0, own0 = time.monotonic(), time.process_time()
    await asyncio.sleep(seconds)
    own = (time.process_time() - own0) / (time.monotonic() - t0) * 100
    conn.send(
        {
            "latencies": latencies,
            "delivery": delivery,
            "cpu": own,
            "messages": sum(t.messages for t in tabs) - msgs0,
            "deltas": sum(t.deltas for t in tabs),
            "gaps": sum(t.gaps for t in tabs),
            "without_snapshot": sum(t.seq is None for t in tabs),
            "disconnected": sum(not t.sio.connected for t in tabs),
        }
    )
    acks.cancel()
    await asyncio.gather(*(t.close() for t in tabs), return_exceptions=True)


async def _ack_loop(tabs: list[Tab], every: float) -> None:
    """Each tab acknowledges what it got every few seconds on its own schedule, as a
    browser does: a tenth of them at a time (bench/cluster.py says why). From the first
    tab's opening on: a tab that sends nothing while the others open stops answering the
    server's pings (python-socketio's client), and is dropped."""
    turn = 0
    while True:
        await asyncio.gather(*(t.ack() for t in tabs[turn % 10 :: 10]), return_exceptions=True)
        turn += 1
        await asyncio.sleep(every / 10)


def _client_process(
    url: str, n: int, peer: bool, warmup: float, seconds: float, conn: Connection
) -> None:
    asyncio.run(_clients(url, n, peer, warmup, seconds, conn))


async def start_clients(
    target: Callable[..., None], work: list[tuple[Any, ...]]
) -> tuple[list[Connection], list[BaseProcess]]:
    """One client process per item of `work` (its arguments; a pipe end is added last);
    returns once each has opened its tabs, having told them all to go."""
    ctx = multiprocessing.get_context("spawn")
    pipes, procs = [], []
    for item in work:
        mine, theirs = ctx.Pipe()
        # Daemonic: they end with the bench, even an interrupted one.
        proc = ctx.Process(target=target, args=(*item, theirs), daemon=True)
        proc.start()
        pipes.append(mine)
        procs.append(proc)
    loop = asyncio.get_running_loop()
    for pipe in pipes:
        await loop.run_in_executor(None, pipe.recv)  # "open"
    for pipe in pipes:
        pipe.send("go")
    return pipes, procs


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """End a server the bench started: asked, then told."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


async def phase(
    url: str, pid: int, n: int, args: argparse.Namespace, *, peer: bool = False
) -> dict[str, object]:
    """N tabs of one server (the app or the peer), in `--client-procs` processes."""
    k = max(1, min(args.client_procs, n))
    shares = [n // k + (i < n % k) for i in range(k)]
    work = [(url, share, peer, args.warmup, args.seconds) for share in shares]
    pipes, procs = await start_clients(_client_process, work)
    loop = asyncio.get_running_loop()
    await asyncio.sleep(args.warmup)
    cpu0, t0 = _cpu_seconds(pid), time.monotonic()
    rss: list[tuple[float, float]] = []
    load0 = Path("/proc/loadavg").read_text().split()[0]
    while time.monotonic() - t0 < args.seconds:
        rss.append((time.monotonic() - t0, _rss_mb(pid)))
        await asyncio.sleep(min(5.0, args.seconds / 10))
    cpu1, t1 = _cpu_seconds(pid), time.monotonic()
    rss.append((t1 - t0, _rss_mb(pid)))
    load1 = Path("/proc/loadavg").read_text().split()[0]
    results = [await loop.run_in_executor(None, pipe.recv) for pipe in pipes]
    for proc in procs:
        proc.join(60)
    lat = [x for r in results for x in r["latencies"]]
    dl = [x for r in results for x in r["delivery"]]
    cpu = (cpu1 - cpu0) / (t1 - t0) * 100
    return {
        "server": "peer" if peer else "project",
        "clients": n,
        "seconds": round(t1 - t0, 1),
        "loadavg": f"{load0}→{load1}",
        "server_cpu_pct_of_one_core": round(cpu, 1),
        "server_cpu_pct_per_100_tabs": round(cpu / n * 100, 2),
        "clients_cpu_pct": round(sum(r["cpu"] for r in results), 1),
        "server_rss_mb_start": round(rss[0][1], 1),
        "server_rss_mb_end": round(rss[-1][1], 1),
        "server_rss_trend_mb_per_min": round(_slope_mb_per_min(rss), 2),
        "messages_received": sum(r["messages"] for r in results),
        "deltas_in_sequence": sum(r["deltas"] for r in results),
        "deltas_lost_or_out_of_order": sum(r["gaps"] for r in results),
        "tabs_without_snapshot": sum(r["without_snapshot"] for r in results),
        "tabs_disconnected": sum(r["disconnected"] for r in results),
        "latency_samples": len(lat),
        "latency_p50_ms": _pct(lat, 0.50),
        "latency_p99_ms": _pct(lat, 0.99),
        # From the delta leaving the publisher to the client: the fan-out's own share.
        "delivery_p50_ms": _pct(dl, 0.50),
        "delivery_p99_ms": _pct(dl, 0.99),
        "latency_max_ms": round(max(lat) * 1000, 1) if lat else None,
    }


def _save_recording(record: list[tuple[float, str, str]], path: Path) -> int:
    """The deltas one project tab got, from its snapshot on, for the peer to replay."""
    first = next(i for i, (_, _, body) in enumerate(record) if '"full":true' in body)
    t0 = record[first][0]
    lines, deltas = [], 0
    for t, board, body in record[first:]:
        payload = json.loads(body)
        if lines and payload.get("full") is not False:
            continue  # a later snapshot (the heartbeat is a delta): not the peer's business
        deltas += bool(lines)
        lines.append(json.dumps({"t": round(t - t0, 4), "board": board, "payload": payload}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return deltas


async def run_peer(
    work: Path, n: int, record: list[tuple[float, str, str]], args: argparse.Namespace
) -> dict[str, object]:
    """The peer with the deltas the project's tabs just got, and as many tabs."""
    recording = work / f"deltas-{n}.jsonl"
    _save_recording(record, recording)
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "fanout_peer.py"),
            str(port),
            str(recording),
            # The project's pings, as NiceGUI derives them from the reconnect timeout.
            str(max(RECONNECT * 0.8, 4)),
            str(max(RECONNECT * 0.4, 2)),
        ],
        cwd=work,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                break
            await asyncio.sleep(0.1)
        return await phase(url, proc.pid, n, args, peer=True)
    finally:
        stop_server(proc)
        recording.unlink()


async def project_phase(
    url: str, pid: int, n: int, args: argparse.Namespace
) -> tuple[dict[str, object], list[tuple[float, str, str]]]:
    """N tabs of the app, and one more in this process recording what a tab gets."""
    record: list[tuple[float, str, str]] = []
    recorder = Tab(url, [], [], record=record)
    async with aiohttp.ClientSession() as http:
        await recorder.open(http)
    acks = asyncio.create_task(_ack_loop([recorder] * 10, 5.0), name="recorder-acks")
    try:
        result = await phase(url, pid, n, args)
    finally:
        acks.cancel()
        await recorder.close()
    return result, record


def _ratios(project: dict[str, object], peer: dict[str, object]) -> dict[str, object]:
    def ratio(key: str) -> float | None:
        a, b = project[key], peer[key]
        assert isinstance(a, float) and isinstance(b, float)
        return round(a / b, 2) if b else None

    return {
        "clients": project["clients"],
        "p50_ms": [project["latency_p50_ms"], peer["latency_p50_ms"]],
        "p99_ms": [project["latency_p99_ms"], peer["latency_p99_ms"]],
        "p99_ratio": ratio("latency_p99_ms"),
        "cpu_per_100_tabs": [
            project["server_cpu_pct_per_100_tabs"],
            peer["server_cpu_pct_per_100_tabs"],
        ],
        "cpu_ratio": ratio("server_cpu_pct_per_100_tabs"),
        "lost_or_out_of_order": [
            project["deltas_lost_or_out_of_order"],
            peer["deltas_lost_or_out_of_order"],
        ],
    }


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    ap.add_argument("--agents", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=100.0, help="events per second")
    ap.add_argument("--seconds", type=float, default=60.0, help="measured time per client count")
    ap.add_argument("--warmup", type=float, default=10.0)
    ap.add_argument("--interval", type=float, default=0.1, help="publisher interval (s)")
    ap.add_argument("--client-procs", type=int, default=2, help="processes the clients run in")
    ap.add_argument("--no-peer", action="store_true", help="the project only")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="wallboard-fanout-") as d:
        return await run(Path(d), args)


async def run(work: Path, args: argparse.Namespace) -> int:
    (work / "wallboard.toml").write_text(
        f"[web]\npublish_interval_seconds = {args.interval}\nstale_after_seconds = 30\n"
        f"reconnect_seconds = {RECONNECT}\n"
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
    done = asyncio.Event()
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
            f"publisher interval {args.interval * 1000:.0f} ms; "
            f"loadavg {Path('/proc/loadavg').read_text().strip()}",
            flush=True,
        )
        feeding = asyncio.create_task(feeder(feed, args.agents, args.rate, done), name="feeder")
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
        summary = []
        for n in args.clients:
            result, record = await project_phase(url, proc.pid, n, args)
            print(json.dumps(result), flush=True)
            if args.no_peer:
                continue
            peer = await run_peer(work, n, record, args)
            print(json.dumps(peer), flush=True)
            summary.append(_ratios(result, peer))
        done.set()
        sent = await feeding
        print(f"events fed: {sent}", flush=True)
        for line in summary:
            print("project / peer:", json.dumps(line), flush=True)
    finally:
        done.set()
        stop_server(proc)
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
