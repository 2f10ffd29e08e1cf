"""Time to detect a dead monitor server and to fail over, with the DEFAULT vendor settings.

A real socket.io server is reached through a TCP proxy listed first, and directly as the
second server. Each scenario breaks the first link and measures, from the moment of the
fault: detection (the board leaves CONNECTED) and failover (CONNECTED to the second server,
fresh snapshots in). Two servers, one after the other:

* EIO3: socket.io@2 with the vendor's pingInterval 60 s / pingTimeout 180 s (docs/voicenter.md,
  "The socket"); our client pings on its own, shorter timers.
* EIO4: socket.io@4 with its own defaults (pingInterval 25 s / pingTimeout 20 s; the vendor
  gives no EIO4 figures). The server pings; python-engineio gives up after pingInterval +
  pingTimeout without a packet. The fault comes right after the snapshots, 25 s before the
  server's first ping, so this measures the worst case. `protocol = "auto"`, so each server
  is first tried in EIO3 (refused at once) and then in EIO4.

    .venv/bin/python bench/failover.py [--repeat 2] [--eio 3|4]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.vendor_env import (
    FaultProxy,
    NodeServer,
    ensure_node_modules,
    free_port,
)
from wallboard.config import VendorSettings
from wallboard.core.events import ConnectionChanged, ConnectionState, DomainEvent
from wallboard.runtime.hub import Hub
from wallboard.runtime.tasks import TaskOwner
from wallboard.voicenter.connector import Connector
from wallboard.voicenter.ingest import FrameParser

VENDOR_PING = (60000, 180000)  # the vendor's EIO3 servers
SIO4_DEFAULT_PING = (25000, 20000)  # socket.io@4 (engine.io 6) defaults


def _defaults(login_url: str) -> VendorSettings:
    return VendorSettings(login_url=login_url, username="acme", password=SecretStr("s3cret-pass"))


async def _until(cond: Callable[[], bool], limit: float = 120.0) -> float:
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > limit:
            raise TimeoutError("scenario did not complete")
        await asyncio.sleep(0.01)
    return time.monotonic() - t0


async def scenario(
    server: NodeServer, fault: Callable[[FaultProxy], Awaitable[None] | None]
) -> tuple[float, float]:
    proxy = await FaultProxy(server.port).start()
    await server.configure(servers=[proxy.url, server.url])
    hub = Hub()
    lost: list[float] = []  # when the link left CONNECTED (a listener: no polling gaps)

    def watch(event: DomainEvent) -> None:
        if isinstance(event, ConnectionChanged) and event.state is not ConnectionState.CONNECTED:
            lost.append(time.monotonic())

    hub.subscribe(watch)
    owner = TaskOwner("bench")
    owner.start("connector", Connector(_defaults(server.legacy_login), FrameParser(hub)).run())
    conn = hub.state.connection
    try:
        await _until(lambda: conn.state is ConnectionState.CONNECTED and conn.server == proxy.url)
        t0 = time.monotonic()
        lost.clear()
        result = fault(proxy)
        if result is not None:
            await result
        await _until(lambda: conn.state is ConnectionState.CONNECTED and conn.server == server.url)
        took = time.monotonic() - t0
        if conn.detail != ("eio3" if server.version == 2 else "eio4"):
            raise RuntimeError(f"spoke {conn.detail} to socket.io@{server.version}")
        return lost[0] - t0, took
    finally:
        await owner.close()
        await proxy.stop()


def _silent(p: FaultProxy) -> None:
    p.silent = True


def _half_open(p: FaultProxy) -> None:
    p.half_open = True


def _cut(p: FaultProxy) -> None:
    p.refuse = True
    p.cut()


async def first_down(server: NodeServer) -> float:
    await server.configure(servers=[f"http://127.0.0.1:{free_port()}", server.url])
    hub = Hub()
    owner = TaskOwner("bench")
    t0 = time.monotonic()
    owner.start("connector", Connector(_defaults(server.legacy_login), FrameParser(hub)).run())
    try:
        await _until(lambda: hub.state.connection.state is ConnectionState.CONNECTED)
        return time.monotonic() - t0
    finally:
        await owner.close()


async def single_server(server: NodeServer, how: str) -> float:
    """One server: restarted (down 3 s) or sending `closeme`; seconds until live again."""
    await server.configure(servers=[server.url])
    hub = Hub()
    owner = TaskOwner("bench")
    conn = Connector(_defaults(server.legacy_login), FrameParser(hub))
    owner.start("connector", conn.run())
    try:
        await _until(lambda: hub.state.connection.state is ConnectionState.CONNECTED)
        if how == "restart":
            await server.restart(down_for=3.0)
            await server.configure(servers=[server.url])
        else:
            await server.control("emit", {"name": "closeme", "payload": {}})
        t0 = time.monotonic()
        await _until(
            lambda: conn.connects >= 2 and hub.state.connection.state is ConnectionState.CONNECTED
        )
        return time.monotonic() - t0
    finally:
        await owner.close()


def _fmt(xs: list[float]) -> str:
    return f"median {statistics.median(xs):6.2f} s  (max {max(xs):6.2f} s, n={len(xs)})"


async def run_all(version: int, repeat: int) -> None:
    """Every scenario against one socket.io version; prints the figures."""
    ping = VENDOR_PING if version == 2 else SIO4_DEFAULT_PING
    server = await NodeServer(version, ping_ms=ping).start()
    eio = "EIO3" if version == 2 else "EIO4"
    print(
        f"\n== {eio}: socket.io@{version}, server pingInterval {ping[0] / 1000:g} s / "
        f"pingTimeout {ping[1] / 1000:g} s"
    )
    try:
        for label, fault in (
            ("silent server (no pongs or pings, no events)", _silent),
            ("half-open socket (nothing either way)", _half_open),
            ("connection cut (RST), server gone", _cut),
        ):
            detects: list[float] = []
            totals: list[float] = []
            for _ in range(repeat):
                d, t = await scenario(server, fault)
                detects.append(d)
                totals.append(t)
            print(f"{label}")
            print(f"  detect dead server:  {_fmt(detects)}")
            print(f"  fail over (live on the second server): {_fmt(totals)}")
        downs = [await first_down(server) for _ in range(repeat)]
        print("first server refuses connections, at start")
        print(f"  live on the second server: {_fmt(downs)}")
        restarts = [await single_server(server, "restart") for _ in range(repeat)]
        print("only server restarted (down 3 s, forgets every token)")
        print(f"  live again, from the server being back: {_fmt(restarts)}")
        closes = [await single_server(server, "closeme") for _ in range(repeat)]
        print("server sends closeme (log in again)")
        print(f"  live again: {_fmt(closes)}")
    finally:
        await server.stop()


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument(
        "--eio", choices=("3", "4"), action="append", help="Engine.IO version (default: both)"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    ensure_node_modules()
    s = VendorSettings()
    print(
        f"default settings: ping every {s.ping_interval_seconds:g} s, pong timeout "
        f"{s.pong_timeout_seconds:g} s (EIO3), keepalive {s.keepalive_seconds:g} s, "
        f"backoff {s.backoff_min_seconds:g}–{s.backoff_max_seconds:g} s"
    )
    for eio in args.eio or ["3", "4"]:
        await run_all(2 if eio == "3" else 4, args.repeat)


if __name__ == "__main__":
    asyncio.run(main())
