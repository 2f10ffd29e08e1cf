"""Test environment for the connector: real socket.io servers from npm, and a TCP proxy.

`NodeServer` runs `tests/node/server.js` (socket.io@2 = Engine.IO 3 as the vendor, or
socket.io@4) which also serves the vendor's HTTP login APIs; `FaultProxy` sits between
the connector and a server and can cut, silence, half-open or slow the link.
Used by the integration tests and by the `bench/` scripts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

from wallboard.config import VendorSettings
from wallboard.core.events import ConnectionState
from wallboard.runtime.hub import Hub

__all__ = [
    "FaultProxy",
    "NodeServer",
    "connected",
    "ensure_node_modules",
    "fast_settings",
    "free_port",
    "wait_for",
]

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
ACCOUNT = {"username": "acme", "password": SecretStr("s3cret-pass")}


def ensure_node_modules() -> None:
    """Install the npm test servers if `make node-deps` has not (needs npm)."""
    if (NODE_DIR / "node_modules" / "sio2").is_dir() and (
        NODE_DIR / "node_modules" / "sio4"
    ).is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed for the socket.io test servers")
    cmd = "ci" if (NODE_DIR / "package-lock.json").exists() else "install"
    subprocess.run(
        [npm, cmd, "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"],
        check=True,
        capture_output=True,
        timeout=300,
    )


def free_port() -> int:
    """A port nobody listens on right now (for 'server down')."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_for(cond: Callable[[], bool], timeout: float = 15.0, step: float = 0.02) -> float:
    """Wait until `cond()` holds; returns the seconds it took (fails after `timeout`)."""
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(step)
    return time.monotonic() - t0


def fast_settings(login_url: str, **kw: Any) -> VendorSettings:
    """Vendor settings with short timers so faults are noticed within a test's budget."""
    base: dict[str, Any] = {
        "login_url": login_url,
        "login_type": "account",
        **ACCOUNT,
        "keepalive_seconds": 3.0,
        "ping_interval_seconds": 0.5,
        "pong_timeout_seconds": 1.0,
        "backoff_min_seconds": 0.1,
        "backoff_max_seconds": 0.5,
        "auth_retry_seconds": 1.0,
        "connect_timeout_seconds": 2.0,
        "login_timeout_seconds": 2.0,
        "snapshot_timeout_seconds": 1.0,
    }
    base.update(kw)
    return VendorSettings(**base)


class NodeServer:
    """One `tests/node/server.js` process (socket.io@2 or @4 plus the login API)."""

    def __init__(
        self, version: int | str, port: int = 0, ping_ms: tuple[int, int] = (25000, 5000)
    ) -> None:
        self.version = version
        self.port = port
        self.ping_ms = ping_ms
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def legacy_login(self) -> str:
        return f"{self.url}/monitorAPI/Login"

    async def start(self) -> NodeServer:
        node = shutil.which("node") or "node"
        self.proc = await asyncio.create_subprocess_exec(
            node,
            str(NODE_DIR / "server.js"),
            str(self.version),
            str(self.port),
            str(self.ping_ms[0]),
            str(self.ping_ms[1]),
            stdout=asyncio.subprocess.PIPE,
            stderr=None
            if os.environ.get("WALLBOARD_TEST_NODE_LOG")
            else asyncio.subprocess.DEVNULL,
        )
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 20)
        if not line:
            raise RuntimeError(f"node server (socket.io@{self.version}) did not start")
        self.port = int(json.loads(line)["port"])
        return self

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self.proc = None

    async def restart(self, down_for: float = 0.0) -> None:
        """Stop and start again on the same port (forgetting every issued token)."""
        await self.stop()
        await asyncio.sleep(down_for)
        for _ in range(50):
            try:
                await self.start()
                return
            except (RuntimeError, TimeoutError):
                await asyncio.sleep(0.1)
        raise RuntimeError("node server did not come back")

    async def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        async with (
            aiohttp.ClientSession() as http,
            http.request(
                "GET" if body is None else "POST", f"{self.url}/control/{path}", json=body
            ) as resp,
        ):
            return await resp.json()

    async def configure(self, **cfg: Any) -> None:
        await self.control("config", cfg)

    async def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.control("stats")
        return result


class FaultProxy:
    """A TCP proxy that can cut, silence, half-open or slow the connections through it."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.silent = False  # drop server → client bytes (server looks silent)
        self.half_open = False  # drop both directions, keep the sockets open
        self.delay = 0.0  # seconds added before each forwarded chunk (slow server)
        self.refuse = False  # close new connections at once
        self._cut_after: int | None = None
        self._server: asyncio.Server | None = None
        self._conns: set[asyncio.StreamWriter] = set()
        self._clients: set[asyncio.StreamWriter] = set()
        self.connections = 0

    async def start(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def clients_open(self) -> int:
        """Connections through the proxy whose client end has not closed (or been cut) yet."""
        return len(self._clients)

    def cut(self) -> None:
        """Abort every open connection (a cable pulled, RST)."""
        for w in list(self._conns):
            w.transport.abort()
        self._conns.clear()

    def cut_after(self, nbytes: int) -> None:
        """Forward `nbytes` more bytes from the server, then cut (mid-event)."""
        self._cut_after = nbytes

    def heal(self) -> None:
        """Back to a clean link for new connections."""
        self.silent = self.half_open = self.refuse = False
        self.delay = 0.0
        self._cut_after = None

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.refuse:
            writer.transport.abort()
            return
        try:
            ur, uw = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._conns.update((writer, uw))
        self._clients.add(writer)
        await asyncio.gather(
            self._pipe(reader, uw, downstream=False, other=writer),
            self._pipe(ur, writer, downstream=True, other=uw),
            return_exceptions=True,
        )
        self._conns.difference_update((writer, uw))

    async def _pipe(
        self,
        src: asyncio.StreamReader,
        dst: asyncio.StreamWriter,
        *,
        downstream: bool,
        other: asyncio.StreamWriter,
    ) -> None:
        try:
            while True:
                data = await src.read(65536)
                if not data:
                    break
                if self.half_open or (downstream and self.silent):
                    continue
                if self.delay:
                    await asyncio.sleep(self.delay)
                if downstream and self._cut_after is not None:
                    if len(data) >= self._cut_after:
                        dst.write(data[: self._cut_after])
                        self._cut_after = None
                        with contextlib.suppress(Exception):
                            await dst.drain()
                        dst.transport.abort()
                        other.transport.abort()
                        return
                    self._cut_after -= len(data)
                dst.write(data)
                await dst.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            if not downstream:
                self._clients.discard(other)  # the client closed its end (or was cut)
            if not (self.half_open or self.silent):
                dst.transport.abort()


def connected(hub: Hub) -> Callable[[], bool]:
    """A condition: the hub shows the link CONNECTED."""
    return lambda: hub.state.connection.state is ConnectionState.CONNECTED
