"""Simulator figures: model throughput, and the server's CPU at 2,000 agents / 200 queues.

1. The model alone (plus serializing each frame once), a simulated hour, on one core.
2. `wallboard simulate` as a separate process at 2,000 agents / 200 queues, one EIO3
   client logged in through the login API and pinging like the vendor's SDK; for each
   speed, events per second received and the simulator process's CPU (share of one core,
   from /proc). Run: `.venv/bin/python bench/simulator.py` (about a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time

import aiohttp

from wallboard.sim.model import CallCentre, ModelConfig

AGENTS, QUEUES = 2000, 200
START = 1_763_888_400.0  # a weekday morning in Israel


def model_throughput() -> None:
    cfg = ModelConfig(agents=AGENTS, queues=QUEUES, seed=1, start=START, flat_curve=True)
    t0 = time.process_time()
    model = CallCentre(cfg)
    build = time.process_time() - t0
    events = 0
    t0 = time.process_time()
    t = START
    while t < START + 3600:
        t += 1.0
        for f in model.advance(t):
            json.dumps([f.name, f.payload], separators=(",", ":"), ensure_ascii=False)
            events += 1
    cpu = time.process_time() - t0
    print(
        f"model: {AGENTS} agents / {QUEUES} queues built in {build * 1000:.0f} ms; "
        f"a simulated hour = {events:,} events in {cpu:.2f} s CPU "
        f"= {events / cpu:,.0f} events/s on one core (model + serialization)"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


async def _measure(base: str, pid: int, seconds: float) -> tuple[float, float]:
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{base}/monitorAPI/Login/Account", json={"username": "demo", "password": "demo"}
        ) as r:
            token = (await r.json())["Data"]["Socket"]["Token"]
        url = f"{base}/socket.io/?EIO=3&transport=websocket&token={token}"
        async with http.ws_connect(url, max_msg_size=0) as ws:
            loop = asyncio.get_running_loop()
            warm = loop.time() + 3.0
            while loop.time() < warm:  # snapshots and start-up out of the way
                try:
                    await asyncio.wait_for(ws.receive(), 0.5)
                except TimeoutError:
                    await ws.send_str("2")
            events = 0
            cpu0, t0 = _cpu_seconds(pid), loop.time()
            last_ping = t0
            while loop.time() < t0 + seconds:
                if loop.time() - last_ping > 5:
                    await ws.send_str("2")
                    last_ping = loop.time()
                try:
                    msg = await asyncio.wait_for(ws.receive(), 0.5)
                except TimeoutError:
                    continue
                if msg.type is aiohttp.WSMsgType.TEXT and msg.data.startswith("42"):
                    events += 1
            wall = loop.time() - t0
            cpu = _cpu_seconds(pid) - cpu0
    return events / wall, cpu / wall


def server_load(speeds: list[float], seconds: float) -> None:
    for speed in speeds:
        port = _free_port()
        command = [sys.executable, "-m", "wallboard.cli", "simulate", "--flat"]
        command += ["--agents", str(AGENTS), "--queues", str(QUEUES), "--speed", str(speed)]
        command += ["--sim-port", str(port)]
        proc = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    time.sleep(0.1)
            rate, cpu = asyncio.run(_measure(base, proc.pid, seconds))
            print(
                f"server: {AGENTS} agents / {QUEUES} queues at ×{speed:g}: "
                f"{rate:,.0f} events/s sustained to a client, simulator CPU "
                f"{cpu * 100:.1f}% of one core"
            )
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--speeds", default="3,10", help="comma-separated speed factors")
    p.add_argument("--seconds", type=float, default=20.0, help="measuring window per speed")
    args = p.parse_args()
    model_throughput()
    server_load([float(s) for s in args.speeds.split(",")], args.seconds)


if __name__ == "__main__":
    main()
