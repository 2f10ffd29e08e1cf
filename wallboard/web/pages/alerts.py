"""Alerts for people: a desk's notifications, the kiosk's banner, and `/alerts` (the log)."""

from __future__ import annotations

import html
import json
from datetime import datetime

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.core.clock import zone
from wallboard.core.scope import Scope
from wallboard.services.aftercall import CdrService
from wallboard.services.alerts import Alert, Alerts
from wallboard.web.boards import BoardSpec
from wallboard.web.i18n import Lang, t
from wallboard.web.pages.layout import desk_page
from wallboard.web.session import Session, timer_once_connected

__all__ = ["banner", "desk_watch", "register"]

_LOOK_EVERY = 2.0  # seconds between a page's looks at new alerts (they are judged as often)

_BANNER_CSS = """
<style>
.wb-alert-banner{position:fixed;inset-inline:0;top:0;z-index:60;background:#c62828;color:#fff;
 font-size:clamp(28px,3vw,60px);font-weight:800;padding:.1em .5em;display:flex;gap:1.5em;
 flex-wrap:wrap}
.wb-alert-banner:empty{display:none}
</style>
"""


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


def banner(alerts: Alerts, boards: list[BoardSpec], lang: Lang) -> None:
    """On a kiosk: the open alerts for its boards along the top, until they clear (an
    alert about a queue or agent its boards do not show is not its business)."""
    names = [b.name for b in boards]

    def mine(a: Alert) -> bool:
        if a.boards and not any(n in a.boards for n in names):
            return False
        if a.queue is not None:
            return any(b.shows_queue(a.queue) for b in boards)
        return a.extension is not None and any(b.shows_agent(a.extension) for b in boards)

    ui.add_head_html(_BANNER_CSS)
    strip = ui.html("").classes("wb-alert-banner")

    def look() -> None:
        texts = [_text(a, lang) for a in alerts.active.values() if mine(a)]
        content = "".join(f'<span dir="auto">{html.escape(x)}</span>' for x in texts)
        if strip.content != content:
            strip.content = content

    look()
    ui.timer(_LOOK_EVERY, look)


def register(session: Session, service: CdrService, timezone: str) -> None:
    """Register `/alerts`: today's fired and cleared alerts of the reader's scope."""

    @session.site.page("/alerts")
    async def alerts_page(request: Request) -> RedirectResponse | None:
        lang = desk_page(session, request)
        if isinstance(lang, RedirectResponse):
            return lang
        scope = session.scope()
        rules = service.settings.alerts.rules
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
        ui.label(t("alert_log", lang)).classes("text-3xl p-2")
        cols = [
            {"name": k, "label": t(f"alert_{k}", lang), "field": k, "align": "left"}
            for k in ("at", "state", "rule", "text")
        ]
        table = ui.table(columns=cols, rows=rows).classes("w-full wb-alert-log")
        table.props(f'dark dense no-data-label="{t("no_alerts", lang)}"')
        return None
