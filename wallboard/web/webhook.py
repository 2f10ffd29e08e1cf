"""The CDR webhook's HTTP side: address and secret checks, a size limit, the vendor's reply.

What a CDR means and where it goes is `services/intake.py`; this module only speaks HTTP.
The vendor cannot log in, so the webhook has its own secret (path or header) instead of
the desk pages' login.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import Response
from nicegui import app

from wallboard.errors import WallboardError
from wallboard.services.intake import CdrIntake

__all__ = ["register"]

log = logging.getLogger(__name__)


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it exceeds `limit` bytes (stops reading at once)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def register(intake: CdrIntake) -> None:
    """Add the webhook route(s) to NiceGUI's FastAPI app: the path, and the path/secret."""
    cfg = intake.cfg

    async def handle(request: Request, path_secret: str | None) -> Response:
        ip = request.client.host if request.client else None
        ctype = request.headers.get("content-type", "")
        if not intake.allowed_ip(ip) or not intake.authorised(
            path_secret, request.headers.get(cfg.secret_header)
        ):
            intake.stats.refused += 1
            log.warning("CDR post refused from %s (address or secret)", ip)
            body, rtype = intake.reply(ctype, 2, "forbidden")
            return Response(body, status_code=403, media_type=rtype)
        raw = await _read_limited(request, cfg.max_body_bytes)
        if raw is None:
            intake.stats.parse_errors += 1
            body, rtype = intake.reply(ctype, 1, "body too large")
            return Response(body, status_code=413, media_type=rtype)
        try:
            status, body, rtype = await intake.receive(raw, ctype)
        except WallboardError as e:  # belt and braces: never a bare 500 page
            log.error("CDR intake failed: %s", e)
            body, rtype = intake.reply("application/json", 2, "application error")
            status = 500
        return Response(body, status_code=status, media_type=rtype)

    async def with_header(request: Request) -> Response:
        return await handle(request, None)

    async def with_path(request: Request, secret: str) -> Response:
        return await handle(request, secret)

    app.add_api_route(cfg.path, with_header, methods=["POST"], include_in_schema=False)
    app.add_api_route(
        cfg.path.rstrip("/") + "/{secret}", with_path, methods=["POST"], include_in_schema=False
    )
