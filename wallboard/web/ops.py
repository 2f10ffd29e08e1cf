"""Routes for whoever runs the wallboard: `/readyz` (fit to watch) and `/metrics` (Prometheus).

`/healthz` (alive) is in `web/api.py`; what each answers is in docs/operations.md.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from wallboard.config import Settings
from wallboard.errors import StoreError
from wallboard.runtime import metrics, timebase
from wallboard.runtime.hub import Hub
from wallboard.services.aftercall import CdrService
from wallboard.web.api import health
from wallboard.web.site import Site

__all__ = ["register"]


def register(
    hub: Hub,
    settings: Settings,
    service: CdrService | None,
    site: Site,
    role: Callable[[], str] | None = None,
) -> None:
    """Add `/readyz` and (unless `[metrics] enabled = false`) `/metrics` to `site`;
    `role` is an ingest worker's lease ("leader" or "standby")."""

    @site.get("/readyz")
    async def readyz() -> JSONResponse:
        if role is not None and role() != "leader":
            # A standby has no vendor link and no store open, and takes no CDR: not ready
            # for traffic (a proxy sends the vendor's posts to the leader), yet healthy.
            return JSONResponse({"ok": False, "role": role()}, status_code=503)
        link_ok, body = health(hub, settings, timebase.now())
        store_ok, store = True, "not used"
        if service is not None:
            # A real write, now: a row written and removed in one commit. It fails on a
            # full disk or a read-only file as a CDR would (an empty commit does not), and
            # its success is what clears the store's failed state (docs/operations.md).
            try:
                await service.store.check_writable()
                store = "writable"
            except StoreError as e:
                store_ok, store = False, str(e)
        # A web node (a reader) takes no CDR: its boards are live without the store, whose
        # state it reports all the same.
        ready = link_ok and (store_ok or (service is not None and not service.writer))
        body = {**body, "ok": ready, "link_ok": link_ok, "store_ok": store_ok, "store": store}
        if role is not None:
            body["role"] = role()
        return JSONResponse(body, status_code=200 if ready else 503)

    if not settings.metrics.enabled:
        return
    token = settings.metrics.token

    @site.get("/metrics")
    def prometheus(request: Request) -> Response:
        if token is not None and token.get_secret_value():
            given = request.headers.get("authorization", "")
            want = f"Bearer {token.get_secret_value()}"
            if not hmac.compare_digest(given.encode(), want.encode()):
                return Response(
                    "metrics need 'Authorization: Bearer <[metrics] token>'\n",
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                    media_type="text/plain",
                )
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
