"""Alerts for people: a desk's notifications, the kiosk's banner, and `/alerts`: the open
alerts (acknowledge, snooze: `alert_open`), the rules (`alert_rules`) and today's log."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.core.clock import zone
from wallboard.core.scope import Scope
from wallboard.services.aftercall import CdrService
from wallboard.services.alerts import Alert, Alerts
from wallboard.web.boards import BoardSpec
from wallboard.web.i18n import Lang, t
from wallboard.web.pages.alert_open import open_alerts, webhook_test
from wallboard.web.pages.alert_rules import rules_section
from wallboard.web.pages.layout import desk_page
from wallboard.web.session import Session, timer_once_connected

__all__ = ["board_alerts", "desk_watch", "register"]

_LOOK_EVERY = 2.0  # seconds between a page's looks at new alerts (they are judged as often)


def _text(a: Alert, lang: Lang) -> str:
    return a.text_he if lang == "he" else a.text


def _in_scope(a: Alert, scope: Scope) -> bool:
    return scope.shows_queue(a.queue) if a.queue is not None else scope.shows_agent(a.extension)


def desk_watch(alerts: Alerts, scope: Scope, lang: Lang) -> None:
    """On a desk page: each new alert of the reader's queues and agents as a notification
    (the browser's own, when allowed, so it reaches a lead in another tab) and a toast."""
    seen = [alerts.seq]
    # Asking needs a click in most browsers: the first click anywhere on the page asks.
    ui.add_body_html(
        "<script>document.addEventListener('click',()=>{if(window.Notification&&"
        "Notification.permission==='default')Notification.requestPermission()},{once:true})"
        "</script>"
    )

    def look() -> None:
        new = alerts.since(seen[0])
        if new:
            seen[0] = new[-1].seq
        for a in new:
            if not _in_scope(a, scope):
                continue
            text = _text(a, lang)
            ui.notify(text, type="negative" if a.fired else "positive", classes="wb-alert-toast")
            ui.run_javascript(
                "if(window.Notification&&Notification.permission==='granted')"
                f"new Notification('wallboard',{{body:{json.dumps(text)},tag:'wb-{a.rule}'}})"
            )

    timer_once_connected(_LOOK_EVERY, look)


def _for_board(a: Alert, spec: BoardSpec) -> bool:
    """Whether a kiosk of `spec` shows `a` (an alert about a queue or agent the board does not
    show is not its business)."""
    if a.boards and spec.name.split("~", 1)[0] not in a.boards:
        return False
    if a.queue is not None:
        return spec.shows_queue(a.queue)
    return a.extension is not None and spec.shows_agent(a.extension)


def board_alerts(
    alerts: Alerts, quiet: Callable[[Alert], bool] | None = None
) -> Callable[[BoardSpec], list[dict[str, Any]]]:
    """The open alerts one board shows, as its payload's `alerts` (oldest first): the board
    marks the queue's (or agent's) tile and names them in its strip; an acknowledged or
    snoozed alert (`ack`, from `quiet`) keeps only the tile's marker."""

    def of(spec: BoardSpec) -> list[dict[str, Any]]:
        return [
            {
                "id": f"{a.rule}:{a.queue if a.queue is not None else a.extension}",
                "q": a.queue,
                "x": a.extension,
                "n": a.label,
                "t": a.text,
                "th": a.text_he,
                "ack": a.acknowledged or (quiet is not None and quiet(a)),
            }
            for a in sorted(alerts.active.values(), key=lambda a: a.seq)
            if _for_board(a, spec)
        ]

    return of


def register(
    session: Session, service: CdrService, specs: Mapping[str, BoardSpec], timezone: str
) -> None:
    """Register `/alerts`: the open alerts, the rules, today's fired and cleared alerts of
    the reader's scope."""

    @session.site.page("/alerts")
    async def alerts_page(request: Request) -> RedirectResponse | None:
        lang = desk_page(session, request)
        if isinstance(lang, RedirectResponse):
            return lang
        scope = session.scope()
        open_alerts(service.alert_desk, session, lang, timezone)
        rules_section(service, session, specs, lang, timezone)
        webhook_test(service.alert_desk, session, lang)
        rules = service.alerts.rules
        rows = []
        for r in await service.alert_log():
            agent = r.rule in rules and rules[r.rule].metric == "break_seconds"
            if not (scope.shows_agent(r.subject) if agent else scope.shows_queue(r.subject)):
                continue
            rows.append(
                {
                    "at": datetime.fromtimestamp(r.at, zone(timezone)).strftime("%H:%M:%S"),
                    "state": t("alert_fired" if r.fired else "alert_cleared", lang),
                    "rule": r.rule,
                    "text": r.text,
                }
            )
        ui.label(t("alert_log", lang)).classes("text-2xl p-2")
        cols = [
            {"name": k, "label": t(f"alert_{k}", lang), "field": k, "align": "left"}
            for k in ("at", "state", "rule", "text")
        ]
        table = ui.table(columns=cols, rows=rows).classes("w-full wb-alert-log")
        table.props(f'dark dense no-data-label="{t("no_alerts", lang)}"')
        return None
