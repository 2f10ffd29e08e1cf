"""`/call/{call_id}`: one stored call (its CDR, where it came from, AI insights)."""

from __future__ import annotations

import html
from datetime import datetime

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.core.calls import ai_insights
from wallboard.core.clock import zone
from wallboard.core.scope import Scope
from wallboard.services.aftercall import CallRecord, CdrService
from wallboard.web.i18n import Lang, t
from wallboard.web.pages.layout import desk_page, forbidden
from wallboard.web.session import Session

__all__ = ["register"]

_EXTENSION_DIGITS = 5  # a number this short is an extension, not a caller's number


def _local_time(utc: float, timezone: str) -> str:
    """When the call started, in the call centre's own timezone (`[day] timezone`).

    Formatted on the server: the centre's clock is what a team lead compares with the
    board, whatever the browser's zone (and a script filling it in after the page
    rendered left it blank).
    """
    return datetime.fromtimestamp(utc, zone(timezone)).strftime("%Y-%m-%d %H:%M:%S")


def _status_words(status: str | None, lang: Lang) -> str:
    """The vendor's status code in words ("ABANDONE" → "Abandoned in the queue"), else as sent."""
    if not status:
        return ""
    key = f"cdr_{status.upper()}"
    words = t(key, lang)
    return status if words == key else words


def _facts(rec: CallRecord, lang: Lang, scope: Scope, visible: int) -> dict[str, object]:
    """The CDR's fields a team lead reads, by their names in this language (numbers masked
    without the right; an extension is short enough to stay as it is)."""
    cdr = rec.cdr
    sources = {"webhook": t("source_webhook", lang), "calllog": t("source_calllog", lang)}
    return {
        t("call_type", lang): cdr.type,
        t("status", lang): _status_words(cdr.status, lang),
        t("caller", lang): _number(cdr.caller, scope, visible),
        t("target", lang): _number(cdr.target, scope, visible),
        t("queue", lang): f"{cdr.queuename} ({cdr.queue_id})" if cdr.queue_id else "",
        t("waited_in_queue_s", lang): cdr.seconds_waiting_in_queue,
        t("talk_s", lang): cdr.duration,
        t("agent", lang): cdr.representative_name,
        t("department", lang): cdr.department_name,
        t("source", lang): sources.get(rec.source, rec.source),
    }


def _number(n: str, scope: Scope, visible: int) -> str:
    return n if len(n) <= _EXTENSION_DIGITS else scope.number(n, visible)


def _insights(rec: CallRecord, lang: Lang) -> None:
    """The vendor's AI summary of the call, when it sent one."""
    ai = ai_insights(rec.cdr)
    if ai is None:
        return
    ui.label(t("ai_insights", lang)).classes("text-xl mt-4")
    if ai.category:
        ui.label(f"{t('category', lang)}: {ai.category}")
    if ai.summary:
        ui.html(f"<p style='max-width:60em'>{html.escape(ai.summary)}</p>")
    if ai.emotions:
        ui.label(
            f"{t('emotions', lang)}: "
            + ", ".join(f"{k} ×{v}" for k, v in sorted(ai.emotions.items()))
        )


def register(session: Session, calls: CdrService, timezone: str, visible: int) -> None:
    """Register `/call/{call_id}` behind the login (times in `timezone`)."""

    @session.site.page("/call/{call_id}")
    async def call_page(request: Request, call_id: str) -> RedirectResponse | None:
        lang = desk_page(session, request)
        if isinstance(lang, RedirectResponse):
            return lang
        scope = session.scope()
        rec = await calls.call(call_id)
        if rec is not None and not calls.call_in_scope(rec, scope):
            forbidden(lang)
            return None
        if rec is None:
            ui.label(f"{t('no_cdr_for_call', lang)} {call_id}").classes("text-xl")
            return None
        ui.label(f"{t('call', lang)} {rec.cdr.ivruniqueid}").classes("text-2xl")
        with ui.grid(columns=2).classes("gap-x-6"):
            ui.label(t("started", lang))
            ui.label(_local_time(rec.started, timezone))
            for k, v in _facts(rec, lang, scope, visible).items():
                if v not in ("", None):
                    ui.label(k)
                    ui.label(str(v))
        _insights(rec, lang)
        return None
