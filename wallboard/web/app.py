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
from wallboard.core.worklist import WorkItem, callback_figures
from wallboard.errors import WallboardError
from wallboard.runtime.hub import Hub
from wallboard.runtime.tasks import TaskOwner
from wallboard.services.actions import Actions
from wallboard.services.aftercall import CdrService
from wallboard.web import api, csrf, webhook
from wallboard.web.auth import Access
from wallboard.web.boards import BoardSpec, board_specs
from wallboard.web.components.board.board import STATIC, broadcast
from wallboard.web.pages import (
    admin,
    agent,
    alerts,
    audit,
    board,
    call,
    history,
    kiosk,
    login,
    messages,
    queue,
    worklist,
)
from wallboard.web.publisher import Publisher
from wallboard.web.session import Session

__all__ = ["STATIC", "Services", "register", "serve"]

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]

_FIGURES_EVERY = 15.0  # seconds between refreshes of the board's callback figures


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
    csrf.install(settings.web.allowed_origins, exempt_prefix=settings.cdr.path)
    api.register(hub, settings, session)
    board.register(session, publisher, settings)
    agent.register(session, publisher, hub, settings, services.actions, services.after_call)
    queue.register(session, publisher, hub, settings)
    kiosk.register(session, publisher, settings, services.after_call)
    login.register(session)
    service, visible = services.after_call, settings.privacy.visible_digits
    if service is not None:
        webhook.register(service.intake)  # its own secret: the vendor cannot log in
        history.register(session, service)
        call.register(session, service, settings.day.timezone, visible)
        audit.register(session, service, settings.day.timezone)
        messages.register(session, service.messages, publisher.specs, settings.day.timezone)
        alerts.register(session, service, settings.day.timezone)
        # Boards and kiosk tokens from the editor, in force without a restart.
        service.editor.listeners.append(
            lambda boards: publisher.set_boards(board_specs(settings, boards))
        )
        session.access.more_tokens = service.editor.kiosk
        service.editor.user_listeners.append(session.access.set_ui_users)
        admin.register(session, service.editor, publisher)
        watch = service.alerts
        session.nav_extras.append(lambda lang: alerts.desk_watch(watch, session.scope(), lang))
        if services.actions is not None:
            worklist.register(session, service, services.actions, visible)
    return publisher


class _BoardFigures:
    """One refresh's callback figures per board, computed once per board on first use."""

    def __init__(self, items: list[WorkItem]) -> None:
        self.items = items
        self.cache: dict[str, dict[str, int | None]] = {}

    def __call__(self, spec: BoardSpec) -> dict[str, Any]:
        found = self.cache.get(spec.name)
        if found is None:
            mine = (i for i in self.items if spec.queues is None or i.queue_id in spec.queues)
            found = self.cache[spec.name] = callback_figures(mine)
        return {"callbacks": found}


async def _publish_callback_figures(service: CdrService, publisher: Publisher) -> None:
    """Keep each board's open callbacks and time to callback in its head: its own queues'
    callers only, so a team lead's board counts none of another team's (docs/access.md)."""
    while True:
        try:
            publisher.board_extras = _BoardFigures(await service.worklist())
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
            figures = _publish_callback_figures(services.after_call, publisher)
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
