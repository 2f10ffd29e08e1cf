"""The JSON routes: `/api/state` (the whole floor, behind the login) and `/healthz` (alive).

Readiness (`/readyz`) and `/metrics` are in `web/ops.py`.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse
from nicegui import app

from wallboard.config import Settings
from wallboard.core.health import stale_since
from wallboard.core.view import state_view
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.web.session import Session

__all__ = ["health", "register"]


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


def register(hub: Hub, settings: Settings, session: Session) -> None:
    """Add `/api/state` and `/healthz` to NiceGUI's FastAPI app."""

    @app.get("/api/state")
    def api_state(request: Request) -> JSONResponse:
        # Same rule as the desk pages: the whole floor, numbers unmasked, for team leads only.
        if session.need_login(request) is not None:
            return JSONResponse({"error": "log in first (/login)"}, status_code=401)
        return JSONResponse(state_view(hub.state, timebase.now()))

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        # Liveness: answering at all is the proof, so always 200; whether the board is
        # fit to watch (link fresh, store writable) is /readyz (docs/operations.md).
        _, body = health(hub, settings, timebase.now())
        return JSONResponse({"alive": True, **body})
