"""The web app: registers the routes and pages on NiceGUI's FastAPI and runs it.

It builds nothing but the web's own parts (the publisher, the login session); the hub and
the services come from the composition root, `wallboard/app.py`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nicegui import app, ui
from nicegui.server import Server
from pydantic import SecretStr

from wallboard.config import Settings
from wallboard.core.worklist import WorkItem, callback_figures
from wallboard.errors import WallboardError
from wallboard.runtime import metrics
from wallboard.runtime.hub import Hub
from wallboard.runtime.tasks import TaskOwner
from wallboard.services.actions import Actions
from wallboard.services.aftercall import CdrService
from wallboard.services.intake import CdrIntake
from wallboard.web import api, csrf, ops
from wallboard.web.auth import Access
from wallboard.web.boards import BoardSpec, board_specs
from wallboard.web.components.board.board import STATIC, broadcaster
from wallboard.web.listen import listen_also
from wallboard.web.pages import (
    admin,
    agent,
    alerts,
    audit,
    board,
    call,
    forecast,
    history,
    kiosk,
    login,
    messages,
    queue,
    worklist,
)
from wallboard.web.pages.login import LoginGate
from wallboard.web.publisher import Publisher
from wallboard.web.session import SecureCookies, Session
from wallboard.web.site import Prefixed, Site, SiteRouter
from wallboard.web.webhook import Asgi, WebhookRoute, announce, in_front_of_app

__all__ = ["STATIC", "Services", "register", "serve", "stop_serving"]

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
    account: str = ""  # the cluster account ("" outside a cluster)
    # An ingest worker's lease: "leader" or "standby" (`/readyz`); None outside a cluster.
    role: Callable[[], str] | None = None


@dataclass(frozen=True, slots=True)
class _Registered:
    """One account's web parts: its live boards' publisher, its logins, its front layers."""

    services: Services
    site: Site
    publisher: Publisher
    session: Session
    front: list[Callable[[Asgi], Asgi]]


def register(services: Services, site: Site | None = None) -> _Registered:
    """Register one account's JSON routes, webhook and pages under `site` (the process's
    only account when None: plain paths); `serve` adds what the process has once."""
    hub, settings, service = services.hub, services.settings, services.after_call
    site = site if site is not None else Site()
    # The live boards: one publisher task feeds every open board element.
    publisher = Publisher(hub, settings, broadcaster(site), site)
    session = Session(settings, Access(settings), publisher.specs, site)
    api.register(hub, settings, session, services.after_call)
    ops.register(hub, settings, services.after_call, site, services.role)
    # The day's outlook (/forecast, and the "short" line of boards and kiosks).
    outlooks = None
    if service is not None:
        outlooks = forecast.Outlooks(service.forecast, hub, publisher.membership, settings)
    editor = service.editor if service is not None else None
    board.register(session, publisher, settings, outlooks, editor)
    agent.register(session, publisher, hub, settings, services.actions, services.after_call)
    queue.register(session, publisher, hub, settings)
    kiosk.register(session, publisher, settings, services.after_call, outlooks)
    login.register(session)
    # Cheap refusals first: a throttled login guess never reaches NiceGUI's middleware.
    front: list[Callable[[Asgi], Asgi]] = [SecureCookies, functools.partial(LoginGate, session)]
    if service is not None:
        if service.writer:
            # Its own secret (the vendor cannot log in), in front of NiceGUI's middleware.
            announce(service.intake)
            front.append(WebhookLayer(service.intake))
        _after_call_pages(services, service, session, publisher)
        if outlooks is not None:
            forecast.register(session, outlooks)
    return _Registered(services, site, publisher, session, front)


def _register_shared(sites: Sequence[_Registered]) -> None:
    """What the process has once, whatever its accounts: static files, the count of open
    tabs (every account's)."""
    app.add_static_files("/static", str(STATIC))
    publishers = [r.publisher for r in sites]

    def tabs_by_view() -> dict[str, int]:
        total: dict[str, int] = {}
        for p in publishers:
            for view, n in p.tabs_by_view().items():
                total[view] = total.get(view, 0) + n
        return total

    metrics.watch(tabs_by_view=tabs_by_view)


def _after_call_pages(
    services: Services, service: CdrService, session: Session, publisher: Publisher
) -> None:
    """The pages that read the store: history, calls, audit, messages, alerts, the editor
    (a cluster's web node too: the store is the account's shared PostgreSQL)."""
    settings = services.settings
    visible, tz = settings.privacy.visible_digits, settings.day.timezone
    history.register(session, service)
    call.register(session, service, tz, visible)
    audit.register(session, service, tz)
    messages.register(session, service.messages, publisher.specs, tz)
    alerts.register(session, service, publisher.specs, tz)
    # Boards, kiosk tokens and users from the editor, in force without a restart (made on
    # another process of the account: once its follower reads the change).
    service.editor.listeners.append(
        lambda boards: publisher.set_boards(board_specs(settings, boards))
    )
    session.access.more_tokens = service.editor.kiosk
    service.editor.user_listeners.append(session.access.set_ui_users)
    session.owners = service.editor.owners  # a lead's boards are in her scope
    admin.register(session, service.editor, publisher)
    watch = service.alerts
    # Kiosks' strip, tiles' markers; what a lead acknowledged or snoozed keeps the marker only.
    publisher.board_alerts = alerts.board_alerts(watch, service.alert_desk.quiet)
    session.nav_extras.append(lambda lang: alerts.desk_watch(watch, session.scope(), lang))
    if services.actions is not None:
        worklist.register(session, service, services.actions, visible)


@dataclass(frozen=True, slots=True)
class WebhookLayer:
    """Builds the webhook route around the app below it."""

    intake: CdrIntake

    def __call__(self, inner: Asgi) -> Asgi:
        """The webhook in front of `inner`."""
        return WebhookRoute(self.intake, inner)


def _same_site(accounts: Sequence[Services]) -> None:
    """The same-site check, with each account's own `[web] allowed_origins` (by port)."""
    by_port = {s.settings.web.port: s.settings.web.allowed_origins for s in accounts}
    first = accounts[0]

    def allowed(port: int | None) -> list[str]:
        if len(accounts) == 1:  # whatever port it listens on
            return first.settings.web.allowed_origins
        return by_port.get(port, []) if port is not None else []

    # Only a writer takes CDRs (a cluster's web node leaves them to the ingest worker): a
    # post to its CDR path meets the same-site check like any other.
    service = first.after_call
    webhook = len(accounts) == 1 and service is not None and service.writer
    csrf.install(allowed, exempt_prefix=first.settings.cdr.path if webhook else "")


def _wrap(inner: Asgi, layers: list[Callable[[Asgi], Asgi]]) -> Asgi:
    for layer in layers:
        inner = layer(inner)
    return inner


def _in_front(sites: list[_Registered]) -> None:
    """Put each account's bare ASGI layers outside NiceGUI's whole middleware stack (the
    last outermost); with several accounts, `SiteRouter` in front of them all.

    Starlette builds the stack once, on the first request, from `build_middleware_stack`;
    wrapping that method places these layers outside every middleware NiceGUI adds, even
    those `ui.run` adds later.
    """
    build: Callable[[], Asgi] = app.build_middleware_stack

    def build_in_front() -> Asgi:
        inner = build()
        if len(sites) == 1:
            front = sites[0].front
            # The webhook goes further out still: in front of FastAPI itself (the stack
            # is built on the lifespan's first call, after uvicorn loaded the app).
            config = getattr(getattr(Server, "instance", None), "config", None)
            if (
                front
                and isinstance(front[-1], WebhookLayer)
                and in_front_of_app(front[-1], config, app)
            ):
                front = front[:-1]
            return _wrap(inner, front)
        return SiteRouter(
            {r.services.settings.web.port: _wrap(Prefixed(r.site, inner), r.front) for r in sites}
        )

    app.build_middleware_stack = build_in_front  # type: ignore[method-assign]


class _BoardFigures:
    """One refresh's callback figures per board, computed once per board on first use."""

    def __init__(self, items: list[WorkItem]) -> None:
        self.items = items
        self.cache: dict[str, dict[str, int | None]] = {}

    def __call__(self, spec: BoardSpec) -> dict[str, Any]:
        if spec.queues is not None and not spec.queues:
            return {}  # a board of no queue (an agent's page): no queue's callers either
        found = self.cache.get(spec.name)
        if found is None:
            mine = (i for i in self.items if spec.queues is None or i.queue_id in spec.queues)
            found = self.cache[spec.name] = callback_figures(mine)
        return {"callbacks": found}


async def _publish_callback_figures(
    service: CdrService, publisher: Publisher, role: Callable[[], str] | None
) -> None:
    """Keep each board's open callbacks and time to callback in its head: its own queues'
    callers only, so a team lead's board counts none of another team's (docs/access.md).
    A standby ingest worker has no store open yet: nothing to count."""
    while True:
        try:
            if role is None or role() == "leader":
                publisher.board_extras = _BoardFigures(await service.worklist())
        except WallboardError as e:
            log.warning("callback figures not refreshed: %s", e)
        await asyncio.sleep(_FIGURES_EVERY)


def stop_serving() -> None:
    """End `serve()` as a signal would: the shutdown hooks run, then `serve()` returns."""
    app.shutdown()


def serve(
    accounts: Sequence[Services],
    on_startup: Hook | None = None,
    on_shutdown: Hook | None = None,
) -> None:
    """Register everything, then run the web server (blocking) with the given hooks.

    One `Services` is the process's only account, on plain paths; several (a cluster's
    web node) are each served on its own `[web] port`, under its own prefix (`site.py`);
    the process-wide settings (host, cookie secret, proxies) are the first's, which the
    others agree with. `on_startup` runs before the publishers start; `on_shutdown` after
    they stopped.
    """
    many = len(accounts) > 1
    sites = [register(s, Site(s.account) if many else None) for s in accounts]
    _register_shared(sites)
    _in_front(sites)
    _same_site(accounts)
    owner = TaskOwner("web")
    settings = accounts[0].settings

    async def start() -> None:
        if on_startup is not None:
            await on_startup()
        if Server.instance.should_exit:  # the start failed (`stop_serving`): nothing more to start
            return
        for r in sites:
            name = f"{r.site.account}:" if many else ""
            owner.start(f"{name}publisher", r.publisher.run())
            if r.services.after_call is not None:
                service = r.services.after_call
                figures = _publish_callback_figures(service, r.publisher, r.services.role)
                owner.start(f"{name}callback-figures", figures)
        more = [s.settings.web.port for s in accounts[1:]]
        owner.start("listen", listen_also(settings.web.host, more))

    async def stop() -> None:
        await owner.close()
        if on_shutdown is not None:
            await on_shutdown()

    app.on_startup(start)
    app.on_shutdown(stop)
    ui.run(
        host=settings.web.host,
        port=settings.web.port,
        title="wallboard",
        dark=True,
        language="he" if settings.web.language == "he" else "en-US",
        reload=False,
        show=False,
        reconnect_timeout=settings.web.reconnect_seconds,
        show_welcome_message=False,
        storage_secret=_storage_secret(settings.web.storage_secret),
        # The cookie lives as long as the server honours the login (not Starlette's 14 days).
        session_middleware_kwargs={
            "max_age": max(r.session.lifetime_seconds for r in sites),
            "https_only": settings.web.secure_cookies,
        },
        # X-Forwarded-For/-Proto only from configured proxies (uvicorn trusts 127.0.0.1 by
        # default, which let any local sender pick its address for `[cdr] allow_ips`).
        proxy_headers=bool(settings.web.trusted_proxies),
        forwarded_allow_ips=list(settings.web.trusted_proxies) or None,
        # uvicorn's own log config gives its loggers their own handlers: without it their
        # lines go through ours (JSON when asked, secrets redacted; runtime/logs.py).
        log_config=None,
    )


def _storage_secret(secret: SecretStr | None) -> str:
    """The configured secret, or a random one (logins then last until the next restart)."""
    if secret is not None:
        return secret.get_secret_value()
    log.warning("web.storage_secret is not set: logins will not survive a restart")
    return secrets.token_urlsafe(32)
