"""Receive rate of our Engine.IO v3 client from a real socket.io@2 server, events/s.

The node test server (tests/node/server.js) writes pre-encoded 1.2 KB ExtensionEvents as
fast as it can; we receive them with `Eio3Socket` and (a) only decode the JSON, (b) parse
them into domain events (msgspec, from the text), (c) fold them into the hub as the
connector does. Wall rate is bounded by the node sender on a shared 2-core machine; the
client's own capacity is events per CPU second of this process.

    .venv/bin/python bench/eio3_receive.py [--count 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.vendor_env import NodeServer, ensure_node_modules
from wallboard.runtime.hub import Hub
from wallboard.voicenter.eio3 import Eio3Socket, PacketKind
from wallboard.voicenter.events import parse_frame
from wallboard.voicenter.ingest import FrameParser


async def _token(http: aiohttp.ClientSession, server: NodeServer) -> str:
    async with http.post(
        f"{server.legacy_login}/Token", json={"token": "vendor-issued-token"}
    ) as r:
        token: str = (await r.json())["Data"]["Socket"]["Token"]
    return token


async def one(server: NodeServer, count: int, mode: str) -> tuple[float, float, int]:
    hub = Hub()
    parser = FrameParser(hub)
    async with aiohttp.ClientSession() as http:
        sock = await Eio3Socket.open(
            http,
            server.url,
            await _token(http, server),
            connect_timeout=10,
            ping_interval_max=10,
            pong_timeout_max=8,
        )
        try:
            for _ in range(3):  # loginSuccess + the two snapshots
                await sock.recv()
            resp = await server.control("burst", {"count": count})
            n = 0
            t0 = c0 = 0.0
            while True:
                pkt = await sock.recv()
                if pkt.kind is not PacketKind.EVENT or pkt.frame is None:
                    continue
                frame = pkt.frame
                if frame.startswith('["benchDone"'):
                    break
                if n == 0:
                    t0, c0 = time.perf_counter(), time.process_time()
                n += 1
                if mode == "json":
                    json.loads(frame)
                elif mode == "parse":
                    parse_frame(frame, 0.0)
                else:
                    parser.feed_frame(frame, time.time())
            wall = time.perf_counter() - t0
            cpu = time.process_time() - c0
            return n / wall, n / max(cpu, 1e-9), int(resp["bytes"])
        finally:
            await sock.close()


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3, help="runs per mode; the median is shown")
    args = ap.parse_args()
    ensure_node_modules()
    server = await NodeServer(2, ping_ms=(60000, 180000)).start()
    await server.configure(servers=[server.url])
    try:
        print(f"socket.io@2 (EIO3) → our client, {args.count:,} ExtensionEvents per run")
        for mode, label in (
            ("json", "receive + json.loads"),
            ("parse", "receive + parse to domain events"),
            ("fold", "receive + parse + fold (FrameParser.feed_frame)"),
        ):
            results = [await one(server, args.count, mode) for _ in range(args.runs)]
            wall = statistics.median(r[0] for r in results)
            per_cpu = statistics.median(r[1] for r in results)
            print(
                f"  {label:<42} {wall:>9,.0f} events/s wall, "
                f"{per_cpu:>9,.0f} events per client CPU-second "
                f"(median of {args.runs}, {results[0][2]} B frames)"
            )
    finally:
        await server.stop()


if __name__ == "__main__":
    asyncio.run(main())
