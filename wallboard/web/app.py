"""The web app: JSON routes (`/api/state`, `/healthz`) and the pages, on NiceGUI's FastAPI."""

from __future__ import annotations

import gc
import logging
import secrets
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import JSONResponse
from nicegui import app, ui
from pydantic import SecretStr

from wallboard.config import Settings
from wallboard.core.health import stale_since
from wallboard.core.view import state_view
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.runtime.tasks import TaskOwner
from wallboard.services import aftercall as cdr_service
from wallboard.web.auth import Access
from wallboard.web.components.board.board import STATIC, broadcast
from wallboard.web.pages import StatusActions, register_pages
from wallboard.web.pages.worklist import publish_callback_figures
from wallboard.web.publisher import Publisher

__all__ = ["STATIC", "health", "register", "serve"]

log = logging.getLogger(__name__)


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


def register(hub: Hub, settings: Settings, actions: StatusActions | None = None) -> None:
    """Register the JSON routes and pages for this hub (call once per process)."""

    @app.get("/api/state")
    def api_state(request: Request) -> JSONResponse:
        # Same rule as the desk pages: the whole floor, numbers unmasked, for team leads only.
        if gate.need_login(request) is not None:
            return JSONResponse({"error": "log in first (/login)"}, status_code=401)
        return JSONResponse(state_view(hub.state, timebase.now()))

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        ok, body = health(hub, settings, timebase.now())
        return JSONResponse(body, status_code=200 if ok else 503)

    # The live boards (issue 6): one publisher task feeds every open board element.
    publisher = Publisher(hub, settings, broadcast)
    owner = TaskOwner("web")
    app.add_static_files("/static", str(STATIC))
    service = cdr_service.create(hub, settings)
    if actions is None and service is not None:
        actions = service.actions
    gate = register_pages(hub, settings, publisher, Access(settings), actions)

    def start_publisher() -> None:
        _freeze_startup_heap()
        owner.start("publisher", publisher.run())
        if service is not None:
            owner.start("callback-figures", publish_callback_figures(service, publisher.extras))

    app.on_startup(start_publisher)
    app.on_shutdown(owner.close)

    if service is not None:
        cdr_service.install(service, gate)  # CDR webhook, /history, /worklist (issue 7)


def _freeze_startup_heap() -> None:
    """Move everything alive after start-up out of the cyclic garbage collector's sight.

    The imports (NiceGUI, FastAPI, pydantic's schemas) leave ~85,000 objects that live as
    long as the process; every full collection would traverse them again, for months on a
    kiosk (measured 58 ms per full collection before, 0.0 ms after). The live state and
    everything made later is still collected as usual.
    """
    gc.collect()
    gc.freeze()


def serve(
    hub: Hub,
    settings: Settings,
    on_startup: Callable[[], Awaitable[None]] | None = None,
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
    actions: StatusActions | None = None,
) -> None:
    """Run the web server (blocking) with the given start-up and shut-down hooks."""
    register(hub, settings, actions)
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
        storage_secret=_storage_secret(secret),
    )


def _storage_secret(secret: SecretStr | None) -> str:
    """The configured secret, or a random one (logins then last until the next restart)."""
    if secret is not None:
        return secret.get_secret_value()
    log.warning("web.storage_secret is not set: logins will not survive a restart")
    return secrets.token_urlsafe(32)
