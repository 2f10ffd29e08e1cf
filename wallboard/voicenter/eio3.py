"""Our own minimal Engine.IO v3 / socket.io v2 client: websocket only, over aiohttp.

Why our own: the vendor runs Engine.IO v3, and python-socketio 5 speaks only v4 — against
a v3 server it connects, sends its own `40` (so every event arrives twice) and never pings
(so it is dropped after pingInterval + pingTimeout). See docs/voicenter.md, "The socket".

What it does, and nothing more:

* `GET /socket.io/?EIO=3&transport=websocket&token=...` upgraded to a websocket; the server
  sends `0{"sid","pingInterval","pingTimeout",...}`, then `40` (we never send `40`).
* In v3 the client pings: we send `2` `min(pingInterval, ping_interval_max)` after the last
  pong and the server answers `3`. If nothing at all arrives within
  `min(pingTimeout, pong_timeout_max)` of a ping, the server is silent (dead, half-open)
  and `recv` raises.
* `42["name",{...}]` events are handed out as their frame text (`["name",{...}]`) so the
  parser validates them in one step; `40`, `41`, `44` as CONNECT / DISCONNECT / ERROR.
* No reconnection and no polling: the connector owns both.

Pings come from one owned heartbeat task per socket; when the server is silent it wakes
the pending `recv` (by cancelling and un-cancelling it, as `asyncio.timeout` does), so the
hot receive path carries no per-message timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp

from wallboard.errors import VendorConnectionError, VendorProtocolError
from wallboard.runtime.tasks import TaskOwner
from wallboard.voicenter.http import first_words, translate, vendor_errors

__all__ = [
    "Eio3Socket",
    "Handshake",
    "LinkClosed",
    "Packet",
    "PacketKind",
    "ProtocolMismatch",
    "socket_url",
]

_MAX_MESSAGE = 64 * 1024 * 1024  # AllExtensionsStatus of a large account is megabytes


class ProtocolMismatch(VendorProtocolError):
    """The server does not speak the Engine.IO version we tried (try the other one)."""


class LinkClosed(VendorConnectionError):
    """The server closed the link (websocket close, `1`, or a socket.io disconnect)."""


class PacketKind(enum.StrEnum):
    """What a socket.io packet from the server means to the connector."""

    EVENT = "event"
    CONNECT = "connect"
    DISCONNECT = "disconnect"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Packet:
    """One socket.io packet: an event (frame text, or name + payload) or a link signal."""

    kind: PacketKind
    frame: str | None = None  # EIO3 events: the `["name", {...}]` text
    name: str | None = None  # EIO4 events: already split by python-socketio
    payload: Any = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Handshake:
    """The server's `0{...}` open packet (intervals in seconds)."""

    sid: str
    ping_interval: float
    ping_timeout: float
    raw: dict[str, Any] = field(default_factory=dict)


def socket_url(server: str, token: str, eio: int) -> str:
    """The websocket URL of a monitor server for Engine.IO version `eio`."""
    if "://" not in server:
        server = f"https://{server}"
    parts = urlsplit(server)
    scheme = "wss" if parts.scheme in ("https", "wss") else "ws"
    query = urlencode({"EIO": str(eio), "transport": "websocket", "token": token})
    return f"{scheme}://{parts.netloc}/socket.io/?{query}"


def _event_frame(data: str) -> str:
    """The `[...]` part of a `42...` packet (skips a namespace and an ack id)."""
    i = 2
    if data.startswith("/", i):  # `42/ns,[...]`
        i = data.find(",", i) + 1
    while i < len(data) and data[i].isdigit():  # `42<ack id>[...]`
        i += 1
    return data[i:] if i > 2 else data[2:]


def _handshake(msg: aiohttp.WSMessage, server: str) -> Handshake:
    """The server's open packet, or ProtocolMismatch when it is not an EIO3 one."""
    if msg.type is not aiohttp.WSMsgType.TEXT or not msg.data.startswith("0{"):
        text = msg.data if isinstance(msg.data, str) else ""
        if "protocol" in text.lower() or msg.type is not aiohttp.WSMsgType.TEXT:
            raise ProtocolMismatch(f"{server}: not an Engine.IO v3 server ({msg.type.name})")
        raise ProtocolMismatch(f"{server}: unexpected first packet {text[:40]!r}")
    try:
        raw = json.loads(msg.data[1:])
        return Handshake(
            sid=str(raw.get("sid", "")),
            ping_interval=float(raw.get("pingInterval", 25000)) / 1000,
            ping_timeout=float(raw.get("pingTimeout", 20000)) / 1000,
            raw=raw,
        )
    except (json.JSONDecodeError, AttributeError, TypeError, ValueError):
        raise ProtocolMismatch(f"{server}: unreadable open packet") from None


def _ignore(_: str) -> None:
    return None  # acks and binary events: not used by the vendor


# socket.io packets other than events (`4` + type), as the connector sees them.
_SOCKETIO_SIGNALS: dict[str, Callable[[str], Packet | None]] = {
    "0": lambda _: Packet(PacketKind.CONNECT),
    "1": lambda _: Packet(PacketKind.DISCONNECT, detail="server disconnected us"),
    "4": lambda data: Packet(PacketKind.ERROR, detail=first_words(data[2:])),
}

_CLOSED = frozenset({aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED})


class Eio3Socket:
    """One open Engine.IO v3 websocket; `recv` until it raises, then `close`."""

    protocol = "eio3"

    def __init__(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        handshake: Handshake,
        ping_interval_max: float,
        pong_timeout_max: float,
        *,
        server: str = "",
    ) -> None:
        self._ws = ws
        self.server = server
        self.handshake = handshake
        self.ping_interval = min(handshake.ping_interval, ping_interval_max)
        self.pong_timeout = min(handshake.ping_timeout, pong_timeout_max)
        self.last_received = time.monotonic()
        self.pings_sent = 0
        self._dead: str | None = None
        self._pong = asyncio.Event()
        self._receiver: asyncio.Task[Any] | None = None
        self._owner = TaskOwner("eio3")
        self._owner.start("heartbeat", self._heartbeat())

    @classmethod
    async def open(
        cls,
        http: aiohttp.ClientSession,
        server: str,
        token: str,
        *,
        connect_timeout: float,
        ping_interval_max: float,
        pong_timeout_max: float,
    ) -> Eio3Socket:
        """Connect and read the open packet; errors never contain the token."""
        url = socket_url(server, token, 3)
        with vendor_errors(server, url, timeout=connect_timeout):
            async with asyncio.timeout(connect_timeout):
                ws = await http.ws_connect(
                    url, autoping=True, max_msg_size=_MAX_MESSAGE, compress=0
                )
                try:
                    handshake = _handshake(await ws.receive(), server)
                except BaseException:
                    await ws.close()
                    raise
        return cls(ws, handshake, ping_interval_max, pong_timeout_max, server=server)

    async def _heartbeat(self) -> None:
        """Ping every `ping_interval`; nothing received within `pong_timeout` means dead."""
        try:
            while True:
                await asyncio.sleep(self.ping_interval)
                sent = time.monotonic()
                self._pong.clear()
                await self._send("2")
                self.pings_sent += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._pong.wait(), self.pong_timeout)
                # Any traffic proves the server alive: on a busy link the pong may queue.
                if not self._pong.is_set() and self.last_received < sent:
                    self._kill(
                        f"server silent: nothing received within {self.pong_timeout:g} s of a ping"
                    )
                    return
        except VendorConnectionError as e:
            self._kill(str(e))

    def _kill(self, why: str) -> None:
        self._dead = why
        if self._receiver is not None:
            self._receiver.cancel()

    async def recv(self) -> Packet:
        """The next socket.io packet; raises VendorConnectionError when the link is lost."""
        ws = self._ws
        while True:
            if self._dead is not None:
                raise VendorConnectionError(self._dead)
            self._receiver = task = asyncio.current_task()
            try:
                msg = await ws.receive()
            except asyncio.CancelledError:
                self._raise_if_killed(task)
                raise
            finally:
                self._receiver = None
            if msg.type is not aiohttp.WSMsgType.TEXT:
                self._not_text(msg)
                continue
            data: str = msg.data
            self.last_received = time.monotonic()
            # Events are nearly all of the traffic: sliced here, without another call.
            if data.startswith("42"):
                return Packet(PacketKind.EVENT, frame=_event_frame(data))
            packet = await self._control(data)
            if packet is not None:
                return packet

    def _raise_if_killed(self, task: asyncio.Task[Any] | None) -> None:
        """After a cancelled receive: the heartbeat's doing (the server is dead) or not."""
        if self._dead is not None and task is not None and task.uncancel() == 0:
            raise VendorConnectionError(self._dead) from None

    async def _control(self, data: str) -> Packet | None:
        """A non-event text packet: a link signal for the connector, or None to read on."""
        kind = data[:1]
        if kind == "4":
            return _SOCKETIO_SIGNALS.get(data[1:2], _ignore)(data)
        if kind == "3":
            self._pong.set()
        elif kind == "2":  # a server ping (not v3 style, but answer it)
            await self._send("3")
        elif kind == "1":
            raise LinkClosed("server closed the Engine.IO session")
        return None  # `3` pong, `6` noop, a repeated `0`

    def _not_text(self, msg: aiohttp.WSMessage) -> None:
        """Raise when the websocket closed or failed; binary frames are ignored."""
        if msg.type in _CLOSED:
            raise LinkClosed(f"websocket closed by server (code {self._ws.close_code})")
        if msg.type is aiohttp.WSMsgType.ERROR:
            err = translate(msg.data, self.server, self.server)
            raise err or VendorConnectionError(f"{self.server}: websocket error")
        # BINARY: attachments are not used by the vendor; PING/PONG handled by aiohttp.

    async def emit(self, name: str, *args: Any) -> None:
        """Send a `42["name", ...args]` event."""
        await self._send("42" + json.dumps([name, *args], separators=(",", ":")))

    async def _send(self, text: str) -> None:
        with vendor_errors(self.server, self.server):
            await self._ws.send_str(text)

    async def close(self) -> None:
        """Stop the heartbeat and close the websocket (best effort, bounded)."""
        await self._owner.close()
        if self._ws.closed:
            return
        try:
            async with asyncio.timeout(2.0):
                await self._ws.close()
        except (TimeoutError, aiohttp.ClientError, OSError):
            pass
