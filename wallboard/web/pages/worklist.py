"""The abandoned-caller worklist: who abandoned today and was not reached since; call back."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.core.worklist import WorkItem, build_worklist, time_to_callback
from wallboard.errors import WallboardError
from wallboard.runtime import timebase
from wallboard.web import i18n
from wallboard.web.i18n import Lang

if TYPE_CHECKING:
    from wallboard.services.aftercall import CdrService
    from wallboard.web.pages import Gate

__all__ = ["publish_callback_figures", "register", "worklist_items"]

_FIGURES_EVERY = 15.0  # seconds between refreshes of the board's callback figures

log = logging.getLogger(__name__)

# Ticks every "ago" in the browser from the server's clock (skew taken at page load).
_TICKER = """
<script>
window.wbSkew = window.wbSkew ?? 0;
function wbFmt(s){s=Math.max(0,Math.floor(s));const h=Math.floor(s/3600),m=Math.floor(s%3600/60);
 const ss=String(s%60).padStart(2,'0');return h?h+':'+String(m).padStart(2,'0')+':'+ss:m+':'+ss;}
setInterval(()=>{const now=Date.now()/1000+window.wbSkew;
 document.querySelectorAll('[data-since]').forEach(e=>{e.textContent=wbFmt(now-e.dataset.since)});},1000);
</script>
"""


async def worklist_items(service: CdrService) -> list[WorkItem]:
    """Today's worklist from the store."""
    start, _ = service.intake.today_bounds()
    rows = await service.intake.today_rows()
    callbacks = await service.store.callbacks_since(start)
    return build_worklist((r.cdr for r in rows), callbacks, service.intake.rule)


async def publish_callback_figures(service: CdrService, extras: dict[str, Any]) -> None:
    """Keep today's open callbacks and time to callback in every board's head."""
    while True:
        try:
            items = await worklist_items(service)
        except WallboardError as e:
            log.warning("callback figures not refreshed: %s", e)
        else:
            ttc = time_to_callback(items)
            extras["callbacks"] = {
                "open": sum(1 for i in items if not i.closed),
                "ttc": None if ttc is None else round(ttc),
            }
        await asyncio.sleep(_FIGURES_EVERY)


def _ago(since: float) -> str:
    """A duration that ticks in the browser (server-rendered first, so never blank)."""
    return f'<bdi data-since="{since}">{_fmt_seconds(timebase.now() - since)}</bdi>'


def _fmt_seconds(v: float | None) -> str:
    """m:ss or h:mm:ss, as on the board: the same in Hebrew and English."""
    if v is None:
        return "—"
    s = max(0, int(v))
    h, m = divmod(s // 60, 60)
    return f"{h}:{m:02d}:{s % 60:02d}" if h else f"{m}:{s % 60:02d}"


def register(service: CdrService, gate: Gate) -> None:
    """Register `/worklist` behind the team-lead login; the caller is the signed-in lead."""

    lang: Lang = service.settings.web.language

    def t(key: str) -> str:
        return i18n.t(key, lang)

    @ui.page("/worklist")
    async def worklist_page(
        request: Request, user: str = "", ext: int | None = None
    ) -> RedirectResponse | None:
        if (login := gate.need_login(request)) is not None:
            return login
        signed_in = gate.user()
        if signed_in is not None:
            # A signed-in lead calls back as themself, from their configured extension.
            user = signed_in
            lead = gate.access.users.get(signed_in)
            if lead is not None and lead.extension is not None and ext is None:
                ext = lead.extension
        ui.dark_mode(True)
        gate.nav(lang)
        ui.add_body_html(_TICKER)
        ui.run_javascript(f"window.wbSkew = {timebase.now()} - Date.now()/1000")
        actor = user
        with ui.row().classes("items-center w-full"):
            ui.label(t("abandoned_callers")).classes("text-3xl")
            ui.space()
            who = ui.input(t("team_lead"), value=actor).props("dark dense outlined")
            if signed_in is not None:
                who.disable()
            my_ext = ui.number(t("my_extension"), value=ext, format="%d").props(
                "dark dense outlined"
            )
        figures = ui.row().classes("gap-8 text-xl")
        body = ui.column().classes("w-full")

        async def call_back(item: WorkItem) -> None:
            if not who.value or my_ext.value is None:
                ui.notify(t("need_name_and_extension"), type="warning")
                return
            try:
                await service.actions.call_back(
                    str(who.value), int(my_ext.value), item.call_id, item.number
                )
            except WallboardError as e:
                ui.notify(f"{t('callback_failed_notice')}: {e}", type="negative")
            else:
                ui.notify(f"{t('calling')} {item.number} {t('from_extension')} {int(my_ext.value)}")
            await refresh()

        async def refresh() -> None:
            items = await worklist_items(service)
            open_items = [i for i in items if not i.closed]
            closed = [i for i in items if i.closed]
            figures.clear()
            with figures:
                ui.label(f"{t('open_count')}: {len(open_items)}").classes("wb-open")
                ui.label(f"{t('reached_count')}: {len(closed)}")
                ui.label(
                    f"{t('avg_time_to_callback')}: {_fmt_seconds(time_to_callback(items))}"
                ).classes("wb-ttc")
            body.clear()
            with body:
                if not open_items:
                    ui.label(t("no_callbacks_waiting")).classes("text-lg")
                for i in open_items:
                    card = ui.card().classes("w-full wb-item").props("dark flat bordered")
                    with card, ui.row().classes("items-center w-full gap-6"):
                        ui.link(i.number, f"/call/{i.call_id}").classes(
                            "text-2xl font-mono text-white no-underline"
                        )
                        ui.label(i.queue_name or (str(i.queue_id) if i.queue_id else ""))
                        ui.label(f"{t('waited')} {_fmt_seconds(i.wait)}")
                        with ui.row().classes("gap-1"):
                            ui.label(t("abandoned_ago"))
                            ui.html(_ago(i.abandoned_at))
                            ui.label(t("ago"))
                        if i.abandons > 1:
                            ui.badge(f"{i.abandons}{t('times_today')}", color="orange")
                        last = i.callbacks[-1] if i.callbacks else None
                        if last is not None:
                            state = t("called_back") if last.ok else t("callback_failed")
                            ui.label(
                                f"{state} {t('by')} {last.actor} ({t('ext')} {last.from_extension})"
                            )
                            with ui.row().classes("gap-1"):
                                ui.html(_ago(last.at))
                                ui.label(t("ago"))
                        ui.space()
                        ui.button(t("call_back"), on_click=lambda _, it=i: call_back(it)).props(
                            "color=green"
                        )
                if closed:
                    ui.label(t("reached_since")).classes("text-xl mt-4")
                    for i in closed:
                        by = i.callbacks[-1].actor if i.callbacks else "—"
                        assert i.reached_at is not None
                        ui.label(
                            f"{i.number} · {i.queue_name} · {t('reached')} "
                            f"{_fmt_seconds(i.reached_at - i.abandoned_at)} {t('after_abandoning')}"
                            f" · {t('called_back_by')} {by}"
                        ).classes("wb-closed")

        await refresh()
        ui.timer(5.0, refresh)
        return None
