"""The abandoned-caller worklist: who abandoned today and was not reached since; call back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.core.worklist import WorkItem, time_to_callback
from wallboard.errors import WallboardError
from wallboard.runtime import timebase
from wallboard.services.actions import Actions
from wallboard.services.aftercall import CdrService
from wallboard.web.fmt import duration
from wallboard.web.i18n import Lang, t
from wallboard.web.session import Session

__all__ = ["register"]

# How often an open page asks whether the list changed (in memory: cheap); it redraws
# only when it did, so an idle tab costs nothing and the "ago"s tick in the browser.
_REFRESH_SECONDS = 5.0

# Ticks every "ago" in the browser from the server's clock (skew taken at page load); the
# same format as `web.fmt.duration`, floor included.
_TICKER = """
<script>
window.wbSkew = window.wbSkew ?? 0;
function wbFmt(s){s=Math.max(0,Math.floor(s));const h=Math.floor(s/3600),m=Math.floor(s%3600/60);
 const ss=String(s%60).padStart(2,'0');return h?h+':'+String(m).padStart(2,'0')+':'+ss:m+':'+ss;}
setInterval(()=>{const now=Date.now()/1000+window.wbSkew;
 document.querySelectorAll('[data-since]').forEach(e=>{e.textContent=wbFmt(now-e.dataset.since)});},1000);
</script>
"""


CallBack = Callable[[WorkItem], Awaitable[None]]


def _ago(since: float) -> str:
    """A duration that ticks in the browser (server-rendered first, so never blank)."""
    return f'<bdi data-since="{since}">{duration(timebase.now() - since)}</bdi>'


@dataclass(slots=True)
class _Caller:
    """Who calls back, from which extension: the signed-in lead, or typed in (open mode)."""

    who: ui.input
    ext: ui.number


def _figures(items: list[WorkItem], lang: Lang) -> None:
    open_count = sum(1 for i in items if not i.closed)
    ui.label(f"{t('open_count', lang)}: {open_count}").classes("wb-open")
    ui.label(f"{t('reached_count', lang)}: {len(items) - open_count}")
    ttc = duration(time_to_callback(items))
    ui.label(f"{t('avg_time_to_callback', lang)}: {ttc}").classes("wb-ttc")


def _last_callback(i: WorkItem, lang: Lang) -> None:
    last = i.callbacks[-1] if i.callbacks else None
    if last is None:
        return
    state = t("called_back", lang) if last.ok else t("callback_failed", lang)
    ui.label(f"{state} {t('by', lang)} {last.actor} ({t('ext', lang)} {last.from_extension})")
    with ui.row().classes("gap-1"):
        ui.html(_ago(last.at))
        ui.label(t("ago", lang))


def _open_item(i: WorkItem, lang: Lang, call_back: CallBack) -> None:
    """One caller still waiting for a callback: number, queue, wait, when, the button."""
    card = ui.card().classes("w-full wb-item").props("dark flat bordered")
    with card, ui.row().classes("items-center w-full gap-6"):
        ui.link(i.number, f"/call/{i.call_id}").classes(
            "text-2xl font-mono text-white no-underline"
        )
        ui.label(i.queue_name or (str(i.queue_id) if i.queue_id else ""))
        ui.label(f"{t('waited', lang)} {duration(i.wait)}")
        with ui.row().classes("gap-1"):
            ui.label(t("abandoned_ago", lang))
            ui.html(_ago(i.abandoned_at))
            ui.label(t("ago", lang))
        if i.abandons > 1:
            ui.badge(f"{i.abandons}{t('times_today', lang)}", color="orange")
        _last_callback(i, lang)
        ui.space()
        ui.button(t("call_back", lang), on_click=lambda _, it=i: call_back(it)).props("color=green")


def _closed_items(closed: list[WorkItem], lang: Lang) -> None:
    """Callers reached since they abandoned: how long it took, and who called."""
    if not closed:
        return
    ui.label(t("reached_since", lang)).classes("text-xl mt-4")
    for i in closed:
        by = i.callbacks[-1].actor if i.callbacks else "—"
        assert i.reached_at is not None
        ui.label(
            f"{i.number} · {i.queue_name} · {t('reached', lang)} "
            f"{duration(i.reached_at - i.abandoned_at)} {t('after_abandoning', lang)}"
            f" · {t('called_back_by', lang)} {by}"
        ).classes("wb-closed")


def _caller_inputs(session: Session, user: str, ext: int | None, lang: Lang) -> _Caller:
    """The title row: who calls back, from which extension (a signed-in lead: their own)."""
    signed_in = session.user()
    if signed_in is not None:
        # A signed-in lead calls back as themself, from their configured extension.
        user = signed_in
        lead = session.access.users.get(signed_in)
        if lead is not None and lead.extension is not None and ext is None:
            ext = lead.extension
    with ui.row().classes("items-center w-full"):
        ui.label(t("abandoned_callers", lang)).classes("text-3xl")
        ui.space()
        who = ui.input(t("team_lead", lang), value=user).props("dark dense outlined")
        if signed_in is not None:
            who.disable()
        my_ext = ui.number(t("my_extension", lang), value=ext, format="%d").props(
            "dark dense outlined"
        )
    return _Caller(who, my_ext)


class _Worklist:
    """One open /worklist page: its figures, its list, and the call-back button's work."""

    def __init__(self, calls: CdrService, actions: Actions, caller: _Caller, lang: Lang) -> None:
        self.calls = calls
        self.actions = actions
        self.caller = caller
        self.lang = lang
        self.figures = ui.row().classes("gap-8 text-xl")
        self.body = ui.column().classes("w-full")
        self.shown: tuple[str, int] | None = None  # the worklist version drawn

    async def call_back(self, item: WorkItem) -> None:
        lang, who, ext = self.lang, self.caller.who.value, self.caller.ext.value
        if not who or ext is None:
            ui.notify(t("need_name_and_extension", lang), type="warning")
            return
        try:
            await self.actions.call_back(str(who), int(ext), item.call_id, item.number)
        except WallboardError as e:
            ui.notify(f"{t('callback_failed_notice', lang)}: {e}", type="negative")
        else:
            ui.notify(f"{t('calling', lang)} {item.number} {t('from_extension', lang)} {int(ext)}")
        await self.refresh()

    async def refresh(self) -> None:
        version = await self.calls.worklist_version()
        if version == self.shown:
            return
        self.shown = version
        items = await self.calls.worklist()
        self.figures.clear()
        with self.figures:
            _figures(items, self.lang)
        self.body.clear()
        with self.body:
            open_items = [i for i in items if not i.closed]
            if not open_items:
                ui.label(t("no_callbacks_waiting", self.lang)).classes("text-lg")
            for i in open_items:
                _open_item(i, self.lang, self.call_back)
            _closed_items([i for i in items if i.closed], self.lang)


def register(session: Session, calls: CdrService, actions: Actions, lang: Lang) -> None:
    """Register `/worklist` behind the team-lead login; the caller is the signed-in lead."""

    @ui.page("/worklist")
    async def worklist_page(
        request: Request, user: str = "", ext: int | None = None
    ) -> RedirectResponse | None:
        if (login := session.need_login(request)) is not None:
            return login
        ui.dark_mode(True)
        session.nav(lang)
        ui.add_body_html(_TICKER)
        ui.run_javascript(f"window.wbSkew = {timebase.now()} - Date.now()/1000")
        page = _Worklist(calls, actions, _caller_inputs(session, user, ext, lang), lang)
        await page.refresh()
        ui.timer(_REFRESH_SECONDS, page.refresh)
        return None
