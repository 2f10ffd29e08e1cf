"""`/audit`: every supervisor action, allowed or not (an admin: everyone's; a lead: her own
and those about her boards' agents and callers), numbers masked without the right."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.core.clock import zone
from wallboard.core.scope import Role, Scope
from wallboard.services.aftercall import AuditRow, CdrService
from wallboard.web.i18n import Lang, t
from wallboard.web.pages.layout import desk_page
from wallboard.web.session import Session

__all__ = ["register"]


def _row(r: AuditRow, timezone: str, lang: Lang, number: Callable[[str], str]) -> dict[str, object]:
    detail = json.loads(r.detail) if r.detail.startswith("{") else {"detail": r.detail}
    target = r.target
    if r.action == "click_to_call":  # a caller's number: as the reader may see numbers
        target = number(r.target)
    text = ", ".join(f"{k}: {v}" for k, v in detail.items())
    if target != r.target and r.target:
        text = text.replace(r.target, target)  # an error that names the number
    return {
        "at": datetime.fromtimestamp(r.at, zone(timezone)).strftime("%Y-%m-%d %H:%M:%S"),
        "actor": r.actor,
        "action": r.action,
        "target": target,
        "ok": t("ok", lang) if r.ok else t("failed", lang),
        "detail": text,
    }


def _covers(r: AuditRow, scope: Scope) -> bool:
    """Whether an action is about the reader's boards: her own, or one on her agents or
    her queues' callers (an admin's, the open desk's: all)."""
    if scope.role is not Role.LEAD or r.actor == scope.user:
        return True
    if r.action == "set_status":
        return r.target.isdigit() and scope.shows_agent(int(r.target))
    if r.action == "click_to_call" and r.detail.startswith("{"):
        queue = json.loads(r.detail).get("queue")
        return isinstance(queue, int) and scope.shows_queue(queue)
    return False


def register(session: Session, calls: CdrService, timezone: str) -> None:
    """Register `/audit` behind the login (times in the centre's `timezone`)."""
    visible = calls.settings.privacy.visible_digits

    @session.site.page("/audit")
    async def audit_page(request: Request) -> RedirectResponse | None:
        lang = desk_page(session, request)
        if isinstance(lang, RedirectResponse):
            return lang
        scope = session.scope()
        rows = [r for r in await calls.audit(None, limit=2000) if _covers(r, scope)][:200]
        ui.label(t("audit_log", lang)).classes("text-3xl p-2")
        cols = [
            {"name": k, "label": t(f"audit_{k}", lang), "field": k, "align": "left"}
            for k in ("at", "actor", "action", "target", "ok", "detail")
        ]

        def number(n: str) -> str:
            return scope.number(n, visible)

        body = [_row(r, timezone, lang, number) for r in rows]
        table = ui.table(columns=cols, rows=body).classes("w-full wb-audit")
        table.props(f'dark dense no-data-label="{t("no_actions", lang)}"')
        return None
