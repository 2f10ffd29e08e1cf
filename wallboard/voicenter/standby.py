"""A socket opened before the one it replaces, so that a switch loses no event.

When the token is renewed, or when the connector goes back to the main server after a
failover (docs/voicenter.md, "Login"), the new socket is opened while the old one still
serves. Until the switch, the new socket's packets are read by a pump and kept in order;
the connector then serves them (loginSuccess, the fresh snapshots, and every event since)
before anything newer. An event the two sockets both carried is folded twice, which the
fold absorbs (snapshots and records replace, tallies count each call id once).
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from wallboard.errors import VendorConnectionError
from wallboard.runtime.tasks import TaskOwner
from wallboard.voicenter.eio3 import LinkClosed, Packet, PacketKind

__all__ = ["StandbySocket"]


class _Socket(Protocol):
    protocol: str

    async def recv(self) -> Packet: ...

    async def emit(self, name: str, *args: Any) -> None: ...

    async def close(self) -> None: ...


class StandbySocket:
    """Wraps an open socket; its packets queue up from the start, served by `recv`."""

    def __init__(self, sock: _Socket, server: str) -> None:
        self.sock = sock
        self.server = server
        self.protocol = sock.protocol
        self._queue: asyncio.Queue[Packet | BaseException] = asyncio.Queue()
        self._first: Packet | BaseException | None = None
        self._arrived = asyncio.Event()
        self._owner = TaskOwner(f"standby {server}")
        self._owner.start("pump", self._pump())

    async def _pump(self) -> None:
        try:
            while True:
                self._put(await self.sock.recv())
        except asyncio.CancelledError:
            raise
        except Exception as e:  # the link's end, handed to whoever serves it
            self._put(e)

    def _put(self, item: Packet | BaseException) -> None:
        # The first packet that says whether we are in: an event (loginSuccess) or an end;
        # a socket.io connect (`40`) says nothing yet.
        connect = isinstance(item, Packet) and item.kind is PacketKind.CONNECT
        if self._first is None and not connect:
            self._first = item
            self._arrived.set()
        self._queue.put_nowait(item)

    async def joined(self, timeout: float) -> None:
        """Wait until the server sent its first event (loginSuccess); raise if it did not."""
        try:
            async with asyncio.timeout(timeout):
                await self._arrived.wait()
        except TimeoutError:
            raise VendorConnectionError(f"{self.server}: no loginSuccess") from None
        first = self._first
        if isinstance(first, BaseException):
            raise VendorConnectionError(f"{self.server}: {first}")
        if first is not None and first.kind is not PacketKind.EVENT:
            raise VendorConnectionError(f"{self.server}: {first.detail or first.kind.value}")

    async def recv(self) -> Packet:
        """The next packet, in the order the server sent them."""
        item = await self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    async def emit(self, name: str, *args: Any) -> None:
        """Send an event on the wrapped socket."""
        await self.sock.emit(name, *args)

    async def close(self) -> None:
        """Stop the pump and close the wrapped socket; a pending `recv` then ends."""
        await self._owner.close()
        await self.sock.close()
        self._queue.put_nowait(LinkClosed(f"{self.server}: closed"))
