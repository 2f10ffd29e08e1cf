"""The CDR webhook's HTTP side: a bare ASGI route in front of NiceGUI's whole app.

Why in front: NiceGUI's app passes every request through its middleware (three
`BaseHTTPMiddleware` layers, signed sessions, gzip, a new session cookie and user storage
per request), which cost most of the CPU of a CDR and capped intake near 600 a second
(`bench/cdr_intake.py`). The vendor has no session and needs none of it, so requests to
`[cdr] path` are answered here and never reach NiceGUI; everything else passes through
untouched.

What a CDR means and where it goes is `services/intake.py`; this module only speaks HTTP:
address and secret checks, a size limit, and the vendor's reply in kind. The vendor
cannot log in, so the webhook has its own secret (path or header). The path can hold the
secret, so no path under the webhook's is ever logged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from wallboard.services.intake import CdrIntake

__all__ = ["Asgi", "WebhookRoute", "announce", "in_front_of_app"]

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


def _headers(scope: Scope, names: tuple[bytes, ...]) -> list[str | None]:
    """The first value of each of `names`, in one pass over the request's headers."""
    found: list[str | None] = [None] * len(names)
    for k, v in scope["headers"]:
        if k in names:
            i = names.index(k)
            if found[i] is None:
                found[i] = bytes(v).decode("latin-1")
    return found


async def _read_limited(receive: Receive, declared: str | None, limit: int) -> bytes | None:
    """The request body, or None when it exceeds `limit` bytes (stops reading at once)."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        msg = await receive()
        if msg["type"] != "http.request":
            return b"".join(chunks)  # the client went away; an empty answer is harmless
        chunk = msg.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not msg.get("more_body", False):
            return b"".join(chunks)


async def _respond(send: Send, status: int, body: bytes, ctype: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", ctype.encode("latin-1")),
                (b"content-length", str(len(body)).encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class WebhookRoute:
    """ASGI: `[cdr] path` (and `path/<secret>`) answered here, the rest passed to `inner`."""

    def __init__(self, intake: CdrIntake, inner: Asgi) -> None:
        self.intake = intake
        self.inner = inner
        cfg = intake.cfg
        self.path = cfg.path.rstrip("/") or "/"
        self.prefix = self.path.rstrip("/") + "/"
        header = cfg.secret_header.lower().encode("latin-1")
        self.wanted = (b"content-type", header, b"content-length")
        self.enabled = intake.secured or cfg.allow_unauthenticated

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route one ASGI connection."""
        if scope["type"] == "http":
            path: str = scope["path"]
            if path == self.path or path.startswith(self.prefix):
                await self._handle(scope, receive, send, path)
                return
        await self.inner(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        intake = self.intake
        ctype_found, secret, length = _headers(scope, self.wanted)
        ctype = ctype_found or ""
        rest = path[len(self.prefix) :] if path != self.path else None
        if rest is not None and (not rest or "/" in rest):
            body, rtype = intake.reply(ctype, 1, "not found")  # the path is not logged
            await _respond(send, 404, body, rtype)
            return
        if scope["method"] != "POST":
            body, rtype = intake.reply(ctype, 1, "method not allowed: POST only")
            await _respond(send, 405, body, rtype)
            return
        if not self.enabled:
            # Err 2: the vendor keeps retrying, so nothing is lost once a secret is set.
            body, rtype = intake.reply(ctype, 2, "webhook not configured")
            await _respond(send, 503, body, rtype)
            return
        client = scope.get("client")
        ip = client[0] if client else None
        if not intake.allowed_ip(ip) or not intake.authorised(rest, secret):
            intake.stats.refused += 1
            log.warning("CDR post refused from %s (address or secret)", ip)
            body, rtype = intake.reply(ctype, 2, "forbidden")
            await _respond(send, 403, body, rtype)
            return
        raw = await _read_limited(receive, length, intake.cfg.max_body_bytes)
        if raw is None:
            intake.stats.parse_errors += 1
            body, rtype = intake.reply(ctype, 1, "body too large")
            await _respond(send, 413, body, rtype)
            return
        try:
            status, body, rtype = await intake.receive(raw, ctype)
        except Exception:  # belt and braces: never a bare 500 page
            log.exception("CDR intake failed")
            body, rtype = intake.reply(ctype, 2, "application error")
            status = 500
        await _respond(send, status, body, rtype)


def in_front_of_app(layer: Callable[[Asgi], Asgi], config: Any, app: Asgi) -> bool:
    """Put `layer` around `app` where the web server calls it (uvicorn's loaded app, or
    inside the layers uvicorn wraps it in, such as its proxy-headers one); False when
    `app` is not found there (then the caller keeps the layer in the app's own stack).

    Why there and not in the app's middleware stack: FastAPI's own `__call__` runs
    before any middleware and asks, on every request, whether OpenTelemetry is set up
    (three `os.environ` look-ups). The vendor's CDR needs none of it; behind uvicorn's
    proxy-headers layer it still sees the client address `[cdr] allow_ips` checks.
    """
    holder: Any = config
    attr = "loaded_app"
    for _ in range(8):  # uvicorn wraps its app in at most a few layers
        below = getattr(holder, attr, None)
        if below is app:
            setattr(holder, attr, layer(app))
            return True
        if below is None:
            return False
        holder, attr = below, "app"
    return False


def announce(intake: CdrIntake) -> None:
    """Say at start-up whether and how the webhook takes posts (never the secret itself)."""
    cfg = intake.cfg
    if intake.secured:
        log.info(
            "CDR webhook at %s (secret in the path or the %s header)", cfg.path, cfg.secret_header
        )
    elif cfg.allow_unauthenticated:
        log.warning(
            "CDR webhook at %s accepts posts WITHOUT a secret ([cdr] allow_unauthenticated)",
            cfg.path,
        )
    else:
        # A warning, not an error: the boards work without it (many start without the
        # webhook); what to add is in the line.
        log.warning(
            'CDR webhook at %s is off until you add a secret: `secret = "..."` under [cdr]'
            " or WALLBOARD_CDR_SECRET (`wallboard init-config` makes one); until then posts"
            " are answered Err 2, so the vendor retries",
            cfg.path,
        )
