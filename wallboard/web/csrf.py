"""Cross-site request forgery: only this site's own pages may act (docs/access.md).

Every action (status change, call back, saves) is a NiceGUI event on the page's live
socket, so the socket's handshake is where a forged request is refused: a browser always
sends `Origin` there, and one that is not this site's (or `[web] allowed_origins`) gets
no socket. Unsafe HTTP methods get the same check; the vendor's CDR webhook is a server
calling, not a browser, and is authorised by its own secret.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response
from nicegui import app, core

__all__ = ["install", "origin_allowed"]

log = logging.getLogger(__name__)

_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def origin_allowed(
    origin: str | None, scheme: str, headers: Mapping[str, str], extra: Collection[str]
) -> bool:
    """True for no `Origin` (not a browser), the request's own origin, or a listed one."""
    if not origin:
        return True
    if origin in extra:
        return True
    # The site as the browser sees it: a reverse proxy that terminates TLS says so with
    # X-Forwarded-Proto, and one that rewrites Host (nginx's `$host` drops the port) says
    # the browser's host with X-Forwarded-Host. Either alone counts, as python-engineio's
    # own check does: a cross-site page cannot set these headers on a browser's request.
    host = headers.get("host", "")
    fwd_scheme = headers.get("x-forwarded-proto", scheme).split(",")[0].strip() or scheme
    fwd_host = headers.get("x-forwarded-host", "").split(",")[0].strip() or host
    own = {f"{scheme}://{host}", f"{fwd_scheme}://{fwd_host}"}
    return origin in own


def install(extra: Callable[[int | None], Collection[str]], exempt_prefix: str) -> None:
    """Refuse cross-site sockets and unsafe requests (all but under `exempt_prefix`);
    `extra(port)`: the origins listed for the account served on the request's local port
    (`[web] allowed_origins`: a web node's accounts each have their own)."""

    def socket_origin(origin: str | None, environ: dict[str, Any]) -> bool:
        headers = {
            k[5:].lower().replace("_", "-"): str(v)
            for k, v in environ.items()
            if k.startswith("HTTP_")
        }
        allowed = extra(_port(environ.get("asgi.scope", {})))
        ok = origin_allowed(origin, str(environ.get("wsgi.url_scheme", "http")), headers, allowed)
        if not ok:
            log.warning(
                "refused a live socket from %s (not this site: Host %r; behind a proxy, send"
                " X-Forwarded-Host/-Proto or list it in [web] allowed_origins)",
                origin,
                headers.get("host"),
            )
        return ok

    # python-engineio calls this on every handshake and request of the socket.
    core.sio.eio.cors_allowed_origins = socket_origin

    @app.middleware("http")
    async def same_origin(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        if request.method in _SAFE or (exempt_prefix and path.startswith(exempt_prefix)):
            return await call_next(request)
        headers = {k.lower(): v for k, v in request.headers.items()}
        allowed = extra(_port(request.scope))
        if not origin_allowed(headers.get("origin"), request.url.scheme, headers, allowed):
            log.warning("refused %s %s from %s", request.method, path, headers.get("origin"))
            return PlainTextResponse("cross-site request refused", status_code=403)
        return await call_next(request)


def _port(scope: Mapping[str, Any]) -> int | None:
    """The local port a request came in on (which account it is for)."""
    server = scope.get("server")
    return int(server[1]) if server else None
