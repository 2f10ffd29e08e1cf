"""The web app: registers the routes and pages on NiceGUI's FastAPI and runs it.

It builds nothing but the web's own parts (the publisher, the login session); the hub and
the services come from the composition root, `wallboard/app.py`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from nicegui import app, ui
from pydantic import SecretStr

from wallboard.config import Settings
from wallboard.errors import WallboardError
from wallboard.runtime.hub import Hub
from wallboard.runtime.tasks import TaskOwner
from wallboard.services.actions import Actions
from wallboard.services.aftercall import CdrService
from wallboard.web import api, webhook
from wallboard.web.auth import Access
from wallboard.web.components.board.board import STATIC, broadcast
from wallboard.web.pages import agent, board, call, history, kiosk, login, queue, worklist
from wallboard.web.publisher import Publisher
from wallboard.web.session import Session

__all__ = ["STATIC", "Services", "register", "serve"]

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]

# Seconds between refreshes of the board's callback figures (read from the worklist kept in
# memory, `CdrService.today_worklist`: no store read).
_FIGURES_EVERY = 15.0


@dataclass(frozen=True, slots=True)
class Services:
    """What the pages and routes use, built by `wallboard/app.py`."""

    hub: Hub
    settings: Settings
    after_call: CdrService | None = None  # None: `[cdr] enabled = false`
    actions: Actions | None = None  # None: no status change, no call-back


def register(services: Services) -> Publisher:
    """Register the JSON routes, the webhook and every page (call once per process)."""
    hub, settings = services.hub, services.settings
    # The live boards: one publisher task feeds every open board element.
    publisher = Publisher(hub, settings, broadcast)
    session = Session(settings, Access(settings), publisher.specs)
    app.add_static_files("/static", str(STATIC))
    api.register(hub, settings, session)
    board.register(session, publisher, settings)
    agent.register(session, publisher, hub, settings, services.actions)
    queue.register(session, publisher, hub, settings)
    kiosk.register(session, publisher, settings)
    login.register(session)
    service, lang = services.after_call, settings.web.language
    if service is not None:
        webhook.register(service.intake)  # its own secret: the vendor cannot log in
        history.register(session, service, lang)
        call.register(session, service, lang, settings.day.timezone)
        if services.actions is not None:
            worklist.register(session, service, services.actions, lang)
    return publisher


async def _publish_callback_figures(service: CdrService, extras: dict[str, Any]) -> None:
    """Keep today's open callbacks and time to callback in every board's head."""
    while True:
        try:
            extras["callbacks"] = await service.callback_figures()
        except WallboardError as e:
            log.warning("callback figures not refreshed: %s", e)
        await asyncio.sleep(_FIGURES_EVERY)


def serve(
    services: Services,
    on_startup: Hook | None = None,
    on_shutdown: Hook | None = None,
) -> None:
    """Register everything, then run the web server (blocking) with the given hooks.

    `on_startup` runs before the publisher starts; `on_shutdown` after it stopped.
    """
    publisher = register(services)
    owner = TaskOwner("web")

    async def start() -> None:
        if on_startup is not None:
            await on_startup()
        owner.start("publisher", publisher.run())
        if services.after_call is not None:
            figures = _publish_callback_figures(services.after_call, publisher.extras)
            owner.start("callback-figures", figures)

    async def stop() -> None:
        await owner.close()
        if on_shutdown is not None:
            await on_shutdown()

    app.on_startup(start)
    app.on_shutdown(stop)
    settings = services.settings
    ui.run(
        host=settings.web.host,
        port=settings.web.port,
        title="wallboard",
        dark=True,
        language="he" if settings.web.language == "he" else "en-US",
        reload=False,
        show=False,
        show_welcome_message=False,
        storage_secret=_storage_secret(settings.web.storage_secret),
    )


def _storage_secret(secret: SecretStr | None) -> str:
    """The configured secret, or a random one (logins then last until the next restart)."""
    if secret is not None:
        return secret.get_secret_value()
    log.warning("web.storage_secret is not set: logins will not survive a restart")
    return secrets.token_urlsafe(32)
