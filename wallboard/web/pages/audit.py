"""`/audit`: every supervisor action, allowed or not (an admin: everyone's; a lead: her own)."""

from __future__ import annotations

import json
from datetime import datetime

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.core.clock import zone
from wallboard.core.scope import Role
from wallboard.services.aftercall import AuditRow, CdrService
from wallboard.web.i18n import Lang, t
from wallboard.web.pages.layout import desk_page
from wallboard.web.session import Session

__all__ = ["register"]


def _row(r: AuditRow, timezone: str, lang: Lang) -> dict[str, object]:
    detail = json.loads(r.detail) if r.detail.startswith("{") else {"detail": r.detail}
    return {
        "at": datetime.fromtimestamp(r.at, zone(timezone)).strftime("%Y-%m-%d %H:%M:%S"),
        "actor": r.actor,
        "action": r.action,
        "target": r.target,
        "ok": t("ok", lang) if r.ok else t("failed", lang),
        "detail": ", ".join(f"{k}: {v}" for k, v in detail.items()),
    }


def register(session: Session, calls: CdrService, timezone: str) -> None:
    """Register `/audit` behind the login (times in the centre's `timezone`)."""

    @session.site.page("/audit")
    async def audit_page(request: Request) -> RedirectResponse | None:
        lang = desk_page(session, request)
        if isinstance(lang, RedirectResponse):
            return lang
        scope = session.scope()
        # A lead sees her own actions; an admin (and the open mode's one desk) everyone's.
        actor = scope.user if scope.role is Role.LEAD else None
        rows = await calls.audit(actor)
        ui.label(t("audit_log", lang)).classes("text-3xl p-2")
        cols = [
            {"name": k, "label": t(f"audit_{k}", lang), "field": k, "align": "left"}
            for k in ("at", "actor", "action", "target", "ok", "detail")
        ]
        body = [_row(r, timezone, lang) for r in rows]
        table = ui.table(columns=cols, rows=body).classes("w-full wb-audit")
        table.props(f'dark dense no-data-label="{t("no_actions", lang)}"')
        return None
