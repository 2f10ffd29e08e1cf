"""The JSON routes: `/api/state` (the whole floor, behind the login) and `/healthz` (alive).

Readiness (`/readyz`) and `/metrics` are in `web/ops.py`.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from wallboard.config import Settings
from wallboard.core.health import stale_since
from wallboard.core.scope import Scope
from wallboard.core.view import state_view
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.services.aftercall import CdrService
from wallboard.web.session import Session

__all__ = ["health", "register", "scoped_state", "store_health"]


def health(hub: Hub, settings: Settings, local_now: float) -> tuple[bool, dict[str, object]]:
    """Healthy when connected to the vendor and the link proved itself within `stale_after`."""
    conn = hub.state.connection
    stale = stale_since(conn, local_now, settings.web.stale_after_seconds)
    ok = stale is None
    age = None if conn.last_event is None else max(0.0, local_now - conn.last_event)
    return ok, {
        "ok": ok,
        "connection": conn.state.value,
        "server": conn.server,
        "stale_since": stale,
        "last_event_age_seconds": None if age is None else round(age, 1),
        "stale_after_seconds": settings.web.stale_after_seconds,
        "events_applied": hub.state.events_applied,
        "malformed_events": sum(hub.malformed_events.values()),
        "unknown_events": sum(hub.unknown_events.values()),
    }


def store_health(service: CdrService | None) -> dict[str, object] | None:
    """The CDR store's state for `/healthz` (and readiness): None when there is no store."""
    if service is None:
        return None
    h = service.store.health
    return {
        "healthy": h.healthy,
        "last_error": h.last_error,
        "failed_at": h.failed_at,
        "failures": h.failures,
    }


def scoped_state(view: dict[str, Any], scope: Scope, visible: int) -> dict[str, Any]:
    """`state_view` cut to the reader's queues and agents, numbers masked without the right."""

    def caller(c: dict[str, Any]) -> dict[str, Any]:
        number = scope.number(c["caller_number"] or "", visible)
        return {
            **c,
            "caller_number": number,
            "caller_name": c["caller_name"] if scope.numbers else "",
        }

    queues = [
        {**q, "waiting": [caller(w) for w in q["waiting"]]}
        for q in view["queues"]
        if scope.shows_queue(q["queue_id"])
    ]
    agents = [
        {**a, "calls": [caller(c) for c in a["calls"]]}
        for a in view["agents"]
        if scope.shows_agent(a["extension"])
    ]
    return {**view, "queues": queues, "agents": agents}


def register(
    hub: Hub, settings: Settings, session: Session, after_call: CdrService | None = None
) -> None:
    """Add `/api/state` and `/healthz` to NiceGUI's FastAPI app."""

    @session.site.get("/api/state")
    def api_state(request: Request) -> JSONResponse:
        # Same rule as the desk pages (core/scope.py): the reader's queues and agents only,
        # caller numbers in full only with the right; a kiosk token opens nothing here.
        scope = session.scope()
        if not scope.desk:
            return JSONResponse({"error": "log in first (/login)"}, status_code=401)
        view = state_view(hub.state, timebase.now())
        return JSONResponse(scoped_state(view, scope, settings.privacy.visible_digits))

    @session.site.get("/healthz")
    def healthz() -> JSONResponse:
        # Liveness: answering at all is the proof, so always 200; whether the board is
        # fit to watch (link fresh, store writable) is /readyz (docs/operations.md). The
        # store's state is shown here too, for a person reading it.
        _, body = health(hub, settings, timebase.now())
        store = store_health(after_call)
        if store is not None:
            body["store"] = store
        return JSONResponse({"alive": True, **body})
