"""The abandoned-caller worklist: who abandoned today and was not reached since; call back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.core.scope import Scope
from wallboard.core.worklist import WorkItem, time_to_callback
from wallboard.errors import WallboardError
from wallboard.runtime import timebase
from wallboard.services.actions import Actions
from wallboard.services.aftercall import CdrService
from wallboard.web.fmt import duration
from wallboard.web.i18n import Lang, t
from wallboard.web.pages.layout import desk_page
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
    """Who calls back, from which extension: the signed-in lead from one of her phones
    (her user record's; the field only shows it), or typed in (open mode)."""

    who: ui.input
    ext: ui.number | ui.select
    now: Callable[[], tuple[str, Scope]]  # the reader as of the press (`Session.who`)


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


def _called_back(i: WorkItem) -> bool:
    """A callback was placed: the caller leaves the open list (reached or not yet)."""
    return any(c.ok for c in i.callbacks)


def _signature(i: WorkItem) -> tuple[object, ...]:
    """What a card shows: the card is redrawn only when this changed (in place)."""
    return (i.call_id, i.abandons, i.wait, len(i.callbacks), i.reached_at)


class _Worklist:
    """One open /worklist page: its figures, its list, and the call-back button's work.

    The open list is oldest-waiting first and holds still while a lead works: a card is
    redrawn in place when its caller changed, a new caller is added at the end, and only
    a caller who was called back (or reached) leaves it, for the list below with the
    outcome.
    """

    def __init__(self, calls: CdrService, actions: Actions, caller: _Caller, view: _View) -> None:
        self.calls = calls
        self.actions = actions
        self.caller = caller
        self.view = view
        self.figures = ui.row().classes("gap-8 text-xl")
        self.empty = ui.label(t("no_callbacks_waiting", view.lang)).classes("text-lg")
        self.body = ui.column().classes("w-full wb-open-list")
        self.done = ui.column().classes("w-full")
        self.cards: dict[str, tuple[tuple[object, ...], ui.card]] = {}
        self.shown: tuple[str, int] | None = None  # the worklist version drawn

    async def call_back(self, item: WorkItem) -> None:
        # The lead and her scope as they are now, not as the page was built; her phone is
        # checked against her record by `Actions`, whatever the field holds.
        actor, scope = self.caller.now()
        lang, ext = self.view.lang, self.caller.ext.value
        typed = self.caller.who.value if self.caller.who.enabled else ""  # the open mode's
        who = actor or typed
        if not who or ext is None:
            ui.notify(t("need_name_and_extension", lang), type="warning")
            return
        target = (item.call_id, item.number, item.queue_id)
        try:
            await self.actions.call_back(str(who), int(ext), target, scope)
        except WallboardError as e:
            ui.notify(f"{t('callback_failed_notice', lang)}: {e}", type="negative")
        else:
            shown = self.view.number(item.number)
            ui.notify(f"{t('calling', lang)} {shown} {t('from_extension', lang)} {int(ext)}")
        await self.refresh()

    async def refresh(self) -> None:
        # The worklist is kept in memory and versioned: redraw only when it changed.
        version = await self.calls.worklist_version()
        if version == self.shown:
            return
        self.shown = version
        scope = self.view.scope
        items = [i for i in await self.calls.worklist() if scope.shows_queue(i.queue_id)]
        self.figures.clear()
        with self.figures:
            _figures(items, self.view.lang)
        waiting = sorted(
            (i for i in items if not i.closed and not _called_back(i)),
            key=lambda i: i.abandoned_at,
        )
        self._update_open(waiting)
        self.empty.set_visibility(not waiting)
        self.done.clear()
        with self.done:
            done = [i for i in items if i.closed or _called_back(i)]
            _done_items(sorted(done, key=lambda i: i.abandoned_at), self.view)

    def _may_call(self) -> bool:
        """A signed-in lead only with the right; in open mode the typed name is checked."""
        user = self.view.scope.user
        return self.view.scope.act and (user is None or self.actions.may_act(user))

    def _update_open(self, waiting: list[WorkItem]) -> None:
        """Cards in place: gone ones removed, changed ones redrawn, new ones at the end."""
        keep = {normalize(i) for i in waiting}
        for key in [k for k in self.cards if k not in keep]:
            self.body.remove(self.cards.pop(key)[1])
        for i in waiting:
            key, sig = normalize(i), _signature(i)
            found = self.cards.get(key)
            if found is not None and found[0] == sig:
                continue
            if found is None:
                with self.body:
                    card = ui.card().classes("w-full wb-item").props("dark flat bordered")
            else:
                card = found[1]
                card.clear()
            with card:
                _open_item(i, self.view, self.call_back if self._may_call() else None)
            self.cards[key] = (sig, card)


def normalize(i: WorkItem) -> str:
    """A card's key: the caller (one card per number, whichever call was the latest)."""
    return i.number


@dataclass(frozen=True, slots=True)
class _View:
    """The reader of one page: their language and scope, and how numbers are shown."""

    lang: Lang
    scope: Scope
    visible: int

    def number(self, n: str) -> str:
        return self.scope.number(n, self.visible)


def _open_item(i: WorkItem, view: _View, call_back: CallBack | None) -> None:
    """One caller still waiting for a callback: number, queue, wait, when, the button."""
    lang = view.lang
    with ui.row().classes("items-center w-full gap-6"):
        ui.link(view.number(i.number), f"/call/{i.call_id}").classes(
            "text-2xl font-mono text-white no-underline wb-number"
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
        if call_back is not None:  # hidden from a lead without the right (`allowed_actors`)
            ui.button(t("call_back", lang), on_click=lambda _, it=i: call_back(it)).props(
                "color=green"
            )


def _done_items(done: list[WorkItem], view: _View) -> None:
    """Callers called back or reached since they abandoned: the outcome, who, how long."""
    if not done:
        return
    lang = view.lang
    ui.label(t("reached_since", lang)).classes("text-xl mt-4")
    for i in done:
        by = next((c.actor for c in reversed(i.callbacks) if c.ok), "—")
        if i.reached_at is not None:
            outcome = (
                f"{t('reached', lang)} {duration(i.reached_at - i.abandoned_at)} "
                f"{t('after_abandoning', lang)}"
            )
        else:
            outcome = t("called_back_not_reached", lang)
        who = f"{t('called_back_by', lang)} {by}"
        ui.label(f"{view.number(i.number)} · {i.queue_name} · {outcome} · {who}").classes(
            "wb-closed"
        )


def _caller_inputs(session: Session, user: str, ext: int | None, lang: Lang) -> _Caller:
    """The title row: who calls back, from which extension (a signed-in lead: her own,
    from her user record; never a field she edits)."""
    signed_in = session.user()
    phones = session.scope().phones
    with ui.row().classes("items-center w-full"):
        ui.label(t("abandoned_callers", lang)).classes("text-3xl")
        ui.space()
        who = ui.input(t("team_lead", lang), value=signed_in or user).props("dark dense outlined")
        my_ext: ui.number | ui.select
        if signed_in is None or phones is None:  # open mode or an admin: typed (any phone)
            record = session.access.users.get(signed_in or "")
            if ext is None and record is not None:
                ext = record.extension
            my_ext = ui.number(t("my_extension", lang), value=ext, format="%d")
        elif len(phones) > 1:  # several desks an admin allowed her: pick one of them
            my_ext = ui.select(sorted(phones), value=min(phones), label=t("my_extension", lang))
        else:
            mine = min(phones) if phones else None
            my_ext = ui.number(t("my_extension", lang), value=mine, format="%d").props("readonly")
            if mine is None:
                ui.label(t("no_phone", lang)).classes("text-orange-300 wb-no-phone")
        my_ext.props("dark dense outlined").classes("wb-my-ext")
        if signed_in is not None:
            who.disable()
    return _Caller(who, my_ext, session.who)


def register(session: Session, calls: CdrService, actions: Actions, visible: int) -> None:
    """Register `/worklist` behind the login; the caller is the signed-in lead."""

    @session.site.page("/worklist")
    async def worklist_page(
        request: Request, user: str = "", ext: int | None = None
    ) -> RedirectResponse | None:
        lang = desk_page(session, request)
        if isinstance(lang, RedirectResponse):
            return lang
        ui.add_body_html(_TICKER)
        ui.run_javascript(f"window.wbSkew = {timebase.now()} - Date.now()/1000")
        view = _View(lang, session.scope(), visible)  # what the page shows; actions ask again
        page = _Worklist(calls, actions, _caller_inputs(session, user, ext, lang), view)
        await page.refresh()
        ui.timer(_REFRESH_SECONDS, page.refresh)
        return None
