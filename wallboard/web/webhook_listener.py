"""The CDR webhook on its own port (`[cdr] port`): aiohttp's bare HTTP server, nothing else.

Why its own listener: on the web port a CDR passes through uvicorn's ASGI machinery, whose
reply is two socket writes (head, then body) and a task and a scope per request; that was
a quarter of the event loop's time per CDR (`bench/cdr_intake.py`, docs/benchmarks.md).
aiohttp's low-level server (no application, router or middleware) parses with its C
parser and sends a small reply in one write. What is answered is the same as on the web
port (`WebhookDoor`): address and secret checks, the size limit, store then acknowledge.

A reverse proxy in front (deploy/nginx, deploy/caddy) routes `[cdr] path` here; the client
address `[cdr] allow_ips` checks is then taken from X-Forwarded-For, believed only from
`[web] trusted_proxies`, as uvicorn does for the web port.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Sequence

from aiohttp import web

from wallboard.services.intake import CdrIntake
from wallboard.web.webhook import WebhookDoor

__all__ = ["WebhookListener", "client_address"]

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _trusted(ip: str, nets: Sequence[Network]) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr in n for n in nets)


def client_address(
    peer: str | None, forwarded_for: str | None, nets: Sequence[Network]
) -> str | None:
    """The sender's address: the peer's, or — when the peer is a trusted proxy — the
    right-most X-Forwarded-For entry that is not itself a trusted proxy (the entries to
    its left are whatever the sender wrote, so never believed)."""
    if peer is None or not nets or not forwarded_for or not _trusted(peer, nets):
        return peer
    for hop in reversed(forwarded_for.split(",")):
        hop = hop.strip()
        if hop and not _trusted(hop, nets):
            return hop
    return peer  # only proxies in the chain: the last one is the sender


async def _read_limited(request: web.BaseRequest, limit: int) -> bytes | None:
    """The request body, or None once it exceeds `limit` bytes (stops reading there)."""
    chunks: list[bytes] = []
    size = 0
    content = request.content
    while True:
        chunk = await content.readany()
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


class WebhookListener:
    """`[cdr] port` on `host`: posts to `[cdr] path` go to the intake, anything else 404."""

    def __init__(self, intake: CdrIntake, host: str, trusted_proxies: Sequence[str]) -> None:
        self.door = WebhookDoor(intake)
        self.host = host
        self.port = intake.cfg.port
        self.header = intake.cfg.secret_header
        self.nets: list[Network] = [ipaddress.ip_network(n, strict=False) for n in trusted_proxies]
        self._runner: web.ServerRunner | None = None

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        door = self.door
        headers = request.headers
        ctype = headers.get("Content-Type", "")
        if not door.ours(request.path):
            status, body, rtype = 404, *door.intake.reply(ctype, 1, "not found")
        else:
            forwarded = headers.get("X-Forwarded-For") if self.nets else None
            ip = client_address(request.remote, forwarded, self.nets)
            secret = headers.get(self.header)
            answer = door.refuse(request.method, request.path, ctype, secret, ip)
            if answer is None:
                length = headers.get("Content-Length")
                raw = None if door.too_large(length) else await _read_limited(request, door.limit)
                answer = await door.take(raw, ctype)
            status, body, rtype = answer
        # The reply's length is known: aiohttp sends head and body in one write.
        return web.Response(status=status, body=body, headers={"Content-Type": rtype})

    async def start(self) -> None:
        """Listen (raises OSError when the port is taken)."""
        # Handlers are not cancelled when a sender hangs up: a CDR being stored is stored.
        server = web.Server(self._handle, access_log=None)
        runner = web.ServerRunner(server, handle_signals=False, shutdown_timeout=10.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("CDR webhook also on its own listener at %s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening; posts being stored finish and are answered first (up to 10 s)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
