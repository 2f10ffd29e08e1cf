"""The Engine.IO v4 path: python-socketio's AsyncClient behind the same interface as ours.

Used when a monitor server speaks socket.io v3+/Engine.IO v4 (a future vendor upgrade).
The library's own reconnection is off: the connector owns reconnection and failover. In
v4 the server pings and the client answers, which the library does. A silent or half-open
server is noticed by python-engineio's read loop when no packet at all (pings included)
arrived for the server's pingInterval + pingTimeout (45 s on socket.io@4's defaults): it
then reports a disconnect, which `recv` hands out as DISCONNECT. Those timers are the
server's and a v4 client may not ping, so the connector probes a quiet link itself with
the vendor's `keepalive` on our ping timers (`Connector._probe`: 18 s by default). Both
are tested through a fault proxy.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
import socketio

from wallboard.errors import VendorAuthError, VendorConnectionError, VendorError
from wallboard.voicenter.eio3 import Packet, PacketKind, ProtocolMismatch
from wallboard.voicenter.http import first_words, translate

__all__ = ["Eio4Socket", "frame_text"]


def frame_text(name: str, payload: Any) -> str:
    """The `["name", payload]` text of an event already split by the library (recording)."""
    return json.dumps([name, payload], separators=(",", ":"), ensure_ascii=False)


def _base_url(server: str, token: str) -> str:
    if "://" not in server:
        server = f"https://{server}"
    parts = urlsplit(server)
    scheme = "https" if parts.scheme in ("https", "wss") else "http"
    return f"{scheme}://{parts.netloc}?{urlencode({'token': token})}"


def _connect_error(
    e: socketio.exceptions.ConnectionError,
    server: str,
    token: str,
    refusal: list[str],
    timeout: float,
) -> VendorError:
    """Why python-socketio could not connect, as one of our errors (never with the token)."""
    text = str(e).replace(token, "***") if token else str(e)
    if refusal and "namespace" in text.lower():
        return VendorAuthError(f"{server}: socket refused: {refusal[0]}")
    if "unsupported protocol" in " ".join(refusal).lower():
        return ProtocolMismatch(f"{server}: not an Engine.IO v4 server")
    # python-engineio wraps aiohttp's error (refused, timed out, HTTP 400...) in its own.
    cause = translate(e, server, server, timeout=timeout)
    return cause or VendorConnectionError(f"{server}: cannot connect (EIO4): {text}")


class Eio4Socket:
    """One python-socketio connection whose events are queued for `recv`."""

    protocol = "eio4"

    def __init__(
        self, client: socketio.AsyncClient, queue: asyncio.Queue[Packet], *, server: str = ""
    ) -> None:
        self._client = client
        self._queue = queue
        self.server = server

    @classmethod
    async def open(
        cls,
        http: aiohttp.ClientSession,
        server: str,
        token: str,
        *,
        connect_timeout: float,
    ) -> Eio4Socket:
        """Connect over websocket only; a refused namespace is VendorAuthError."""
        queue: asyncio.Queue[Packet] = asyncio.Queue()
        client = socketio.AsyncClient(
            reconnection=False,
            logger=False,
            engineio_logger=False,
            handle_sigint=False,
            http_session=http,
        )
        refusal: list[str] = []

        async def on_any(name: str, *args: Any) -> None:
            payload = args[0] if len(args) == 1 else list(args)
            queue.put_nowait(Packet(PacketKind.EVENT, name=name, payload=payload))

        async def on_connect_error(data: Any = None) -> None:
            msg = data.get("message") if isinstance(data, dict) else data
            refusal.append(first_words(str(msg)) if msg is not None else "refused")

        async def on_disconnect(reason: Any = None) -> None:
            queue.put_nowait(Packet(PacketKind.DISCONNECT, detail=f"disconnected ({reason})"))

        client.on("*", on_any)
        client.on("connect_error", on_connect_error)
        client.on("disconnect", on_disconnect)
        try:
            await client.connect(
                _base_url(server, token),
                transports=["websocket"],
                socketio_path="socket.io",
                wait_timeout=connect_timeout,
            )
        except socketio.exceptions.ConnectionError as e:
            await _quiet_disconnect(client)
            raise _connect_error(e, server, token, refusal, connect_timeout) from None
        return cls(client, queue, server=server)

    async def recv(self) -> Packet:
        """The next event or link signal."""
        return await self._queue.get()

    async def emit(self, name: str, *args: Any) -> None:
        """Send an event."""
        data: Any = args[0] if len(args) == 1 else (tuple(args) if args else None)
        try:
            await self._client.emit(name, data)
        except socketio.exceptions.SocketIOError as e:
            err = translate(e, self.server, self.server)
            raise err or VendorConnectionError(
                f"{self.server}: send failed: not connected"
            ) from None

    async def close(self) -> None:
        """Disconnect (bounded); a pending `recv` then gets DISCONNECT."""
        await _quiet_disconnect(self._client)
        self._queue.put_nowait(Packet(PacketKind.DISCONNECT, detail="closed by us"))


async def _quiet_disconnect(client: socketio.AsyncClient) -> None:
    try:
        async with asyncio.timeout(2.0):
            await client.disconnect()
    except (TimeoutError, socketio.exceptions.SocketIOError, aiohttp.ClientError, OSError):
        pass
    # When python-engineio gives up on a silent server (no packet for pingInterval +
    # pingTimeout) its read and send loops just end: nobody closes the websocket, and
    # `disconnect` then has nothing left to do, so the dead TCP connection would stay open
    # until the garbage collector finds it ("Unclosed connection"). Close it here without
    # waiting for a close frame that a dead server never sends (cancelling aiohttp's close
    # drops the connection).
    ws = getattr(client.eio, "ws", None)
    if isinstance(ws, aiohttp.ClientWebSocketResponse) and not ws.closed:
        try:
            async with asyncio.timeout(0.2):
                await ws.close()
        except (TimeoutError, aiohttp.ClientError, OSError):
            pass
