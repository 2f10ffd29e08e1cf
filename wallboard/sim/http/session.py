"""One client's connection state and the token grant it was let in with."""

from __future__ import annotations

import asyncio
import enum
import logging
import secrets
import time
from dataclasses import dataclass

from aiohttp import web

__all__ = ["Session", "SessionState", "TokenGrant"]

log = logging.getLogger(__name__)

# A client further behind than this many frames is dropped rather than buffered forever.
_MAX_BACKLOG = 50_000


@dataclass(slots=True)
class TokenGrant:
    """What one socket token lets its holder see (None: the whole account)."""

    token: str
    refresh_token: str
    expires: float  # real epoch seconds
    extensions: frozenset[int] | None = None
    queues: frozenset[int] | None = None
    revoked: bool = False


class SessionState(enum.StrEnum):
    """Lifecycle of one client connection."""

    OPEN = "open"
    SILENT = "silent"  # fault injection: the server sends and answers nothing
    CLOSED = "closed"


class Session:
    """One connected client: its filter, its outgoing queue and its ping watchdog."""

    def __init__(self, ws: web.WebSocketResponse, grant: TokenGrant) -> None:
        self.ws = ws
        self.grant = grant
        self.sid = secrets.token_hex(10)
        self.state = SessionState.OPEN
        self.sockets = 1  # socket.io namespaces joined on this connection (2 after a `40`)
        self.last_ping = time.monotonic()
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.silent_until = 0.0
        self.port = 0  # the monitor server (our port) this client came in on

    def wants(self, extension: int | None, queue: int | None) -> bool:
        """Whether this session's login may see an event about this extension or queue."""
        g = self.grant
        if g.extensions is None:
            return True
        if extension is not None:
            return extension in g.extensions
        if queue is not None:
            return g.queues is not None and queue in g.queues
        return True

    def send(self, text: str) -> None:
        """Queue one frame (every joined socket gets its copy)."""
        if self.state is not SessionState.OPEN:
            return
        if self.outbox.qsize() > _MAX_BACKLOG:
            log.warning("simulator: client %s too slow, dropping it", self.sid)
            self.close()
            return
        for _ in range(self.sockets):
            self.outbox.put_nowait(text)

    def close(self) -> None:
        """Close after what is queued (a bare websocket close, as engine.io 3 does)."""
        self.state = SessionState.CLOSED
        self.outbox.put_nowait(None)

    def abort(self) -> None:
        """Cut the connection with no close frame: the network just went away."""
        self.close()
        transport = self.ws._req.transport if self.ws._req is not None else None
        if transport is not None:
            transport.abort()
