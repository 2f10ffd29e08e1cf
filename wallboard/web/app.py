"""The web app: JSON routes (`/api/state`, `/healthz`) and the pages, on NiceGUI's FastAPI."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from fastapi.responses import JSONResponse
from nicegui import app, ui

from wallboard import cdr_service, timebase
from wallboard.config import Settings
from wallboard.core.events import ConnectionState
from wallboard.core.view import state_view
from wallboard.hub import Hub

__all__ = ["health", "register", "serve"]


def health(hub: Hub, settings: Settings, local_now: float) -> tuple[bool, dict[str, object]]:
    """Healthy when connected to the vendor and the data is fresher than `stale_after`."""
    conn = hub.state.connection
    age = None if conn.last_event is None else max(0.0, local_now - conn.last_event)
    fresh = age is not None and age <= settings.web.stale_after_seconds
    ok = conn.state is ConnectionState.CONNECTED and fresh
    return ok, {
        "ok": ok,
        "connection": conn.state.value,
        "server": conn.server,
        "last_event_age_seconds": None if age is None else round(age, 1),
        "stale_after_seconds": settings.web.stale_after_seconds,
        "events_applied": hub.state.events_applied,
        "malformed_events": sum(hub.malformed_events.values()),
        "unknown_events": sum(hub.unknown_events.values()),
    }


def register(hub: Hub, settings: Settings) -> None:
    """Register the JSON routes and pages for this hub (call once per process)."""

    @app.get("/api/state")
    def api_state() -> JSONResponse:
        return JSONResponse(state_view(hub.state, timebase.now()))

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        ok, body = health(hub, settings, timebase.now())
        return JSONResponse(body, status_code=200 if ok else 503)

    @ui.page("/")
    def index() -> None:
        ui.dark_mode(True)
        ui.label("wallboard").classes("text-3xl")
        status = ui.label()
        code = ui.code("", language="json").classes("w-full")

        def refresh() -> None:
            view = state_view(hub.state, timebase.now())
            status.text = (
                f"{len(view['agents'])} agents · {len(view['queues'])} queues · "
                f"connection {view['connection']['state']}"
            )
            code.content = json.dumps(view, indent=1, ensure_ascii=False)[:20000]

        refresh()
        ui.timer(1.0, refresh)

    cdr_service.install(hub, settings)  # CDR webhook, /history, /worklist (issue 7)


def serve(
    hub: Hub,
    settings: Settings,
    on_startup: Callable[[], Awaitable[None]] | None = None,
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Run the web server (blocking) with the given start-up and shut-down hooks."""
    register(hub, settings)
    if on_startup is not None:
        app.on_startup(on_startup)
    if on_shutdown is not None:
        app.on_shutdown(on_shutdown)
    secret = settings.web.storage_secret
    ui.run(
        host=settings.web.host,
        port=settings.web.port,
        title="wallboard",
        dark=True,
        language="he" if settings.web.language == "he" else "en-US",
        reload=False,
        show=False,
        show_welcome_message=False,
        storage_secret=secret.get_secret_value() if secret is not None else None,
    )
