"""The abandoned-caller worklist: who abandoned today and was not reached since; call back.

Filtered by board and queue (within the reader's scope), newest or oldest abandon first
(newest by default), a page at a time; the callers waiting in each queue at the top. The
filters are the address's (`?board=&queue=&order=&page=&done=`), so a filtered list can
be bookmarked and the browser's back button undoes a choice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.core.scope import Scope
from wallboard.core.worklist import (
    WorkItem,
    WorklistFilter,
    page_of,
    time_to_callback,
    waiting_by_queue,
)
from wallboard.errors import WallboardError
from wallboard.runtime import timebase
from wallboard.services.actions import Actions
from wallboard.services.aftercall import CdrService
from wallboard.web.boards import BoardSpec, board_title
from wallboard.web.fmt import duration
from wallboard.web.i18n import Lang, t
from wallboard.web.pages.layout import desk_page, forbidden
from wallboard.web.session import Session

__all__ = ["register"]

# How often an open page asks whether the list changed (in memory: cheap); it redraws
# only when it did, so an idle tab costs nothing and the "ago"s tick in the browser.
_REFRESH_SECONDS = 5.0
PAGE_SIZE = 25  # callers per page: a screen or two of cards, not an 11,000 px page

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


def _signature(i: WorkItem) -> tuple[object, ...]:
    """What a card shows: the card is redrawn only when this changed (in place)."""
    return (i.call_id, i.abandons, i.wait, len(i.callbacks), i.reached_at)


@dataclass(frozen=True, slots=True)
class _Choice:
    """What the reader chose in the address: board, queue, order, each list's page; and,
    in open mode, the typed name and extension (kept across a change of filter)."""

    board: str = ""
    queue: int | None = None
    newest_first: bool = True
    page: int = 1
    done: int = 1
    user: str = ""
    ext: int | None = None
    lang: str = ""  # `?lang=`, when the address asked for one

    def url(self, **change: object) -> str:
        """This page's address with `change` made (a new filter starts at page 1)."""
        c = replace(self, **change)  # type: ignore[arg-type]
        query: dict[str, object] = {"board": c.board, "queue": c.queue, "user": c.user}
        query |= {"ext": c.ext, "order": "" if c.newest_first else "oldest"}
        query |= {"page": c.page if c.page > 1 else "", "done": c.done if c.done > 1 else ""}
        query["lang"] = c.lang
        kept = {k: v for k, v in query.items() if v not in ("", None)}
        return "/worklist" + (f"?{urlencode(kept)}" if kept else "")


@dataclass(frozen=True, slots=True)
class _View:
    """The reader of one page: language, scope, how numbers are shown, and her choice."""

    lang: Lang
    scope: Scope
    visible: int
    choice: _Choice
    in_board: WorklistFilter  # her scope ∩ the chosen board: what the counts cover
    listed: WorklistFilter  # and the chosen queue: what the lists show

    def number(self, n: str) -> str:
        return self.scope.number(n, self.visible)


def _filters(
    scope: Scope, board: BoardSpec | None, choice: _Choice
) -> tuple[WorklistFilter, WorklistFilter]:
    """The reader's scope cut to the chosen board, then to the chosen queue (never wider
    than her scope): what the counts cover, and what the lists show."""
    queues = scope.queues
    if board is not None and board.queues is not None:
        queues = board.queues if queues is None else queues & board.queues
    in_board = WorklistFilter(queues, choice.newest_first)
    listed = in_board
    if choice.queue is not None:
        one = frozenset({choice.queue})
        listed = WorklistFilter(one if queues is None else queues & one, choice.newest_first)
    return in_board, listed


class _Worklist:
    """One open /worklist page: counts, figures, one page of each list, the call-back work.

    A card is redrawn in place when its caller changed and moved when the order says so
    (a new caller joins at the top, newest first, or at the end, oldest first); only a
    caller who was called back (or reached) leaves the open list, for the list below
    with the outcome.
    """

    def __init__(self, calls: CdrService, actions: Actions, caller: _Caller, view: _View) -> None:
        self.calls = calls
        self.actions = actions
        self.caller = caller
        self.view = view
        self.counts = ui.row().classes("items-center gap-2 wb-queue-counts")
        self.figures = ui.row().classes("gap-8 text-xl")
        self.empty = ui.label(t("no_callbacks_waiting", view.lang)).classes("text-lg")
        self.body = ui.column().classes("w-full wb-open-list")
        self.pager = ui.row().classes("items-center gap-4 wb-pager")
        self.done = ui.column().classes("w-full")
        self.cards: dict[str, tuple[tuple[object, ...], ui.card]] = {}
        self.order: list[str] = []
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
        view, choice = self.view, self.view.choice
        items = await self.calls.worklist()
        self.counts.clear()
        with self.counts:
            counts = waiting_by_queue(i for i in items if view.in_board.keeps(i))
            _queue_counts(counts, items, view)
        listed = view.listed.apply(items)  # in the chosen order
        self.figures.clear()
        with self.figures:
            _figures(listed, view.lang)
        waiting = page_of([i for i in listed if i.waiting], choice.page, PAGE_SIZE)
        self._update_open(list(waiting.items))
        self.empty.set_visibility(not waiting.items)
        self.pager.clear()
        with self.pager:
            _pager(waiting.number, waiting.pages, waiting.total, view, "page")
        self.done.clear()
        with self.done:
            done = page_of([i for i in listed if not i.waiting], choice.done, PAGE_SIZE)
            _done_items(list(done.items), view)
            with ui.row().classes("items-center gap-4 wb-done-pager"):
                _pager(done.number, done.pages, done.total, view, "done")

    def _may_call(self) -> bool:
        """A signed-in lead only with the right; in open mode the typed name is checked."""
        user = self.view.scope.user
        return self.view.scope.act and (user is None or self.actions.may_act(user))

    def _update_open(self, waiting: list[WorkItem]) -> None:
        """Cards in place: gone ones removed, changed ones redrawn, then put in order."""
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
        order = [normalize(i) for i in waiting]
        if order != [k for k in self.order if k in keep] or len(order) != len(self.order):
            for index, key in enumerate(order):  # moved, not rebuilt: a card keeps its node
                self.cards[key][1].move(self.body, index)
        self.order = order


def normalize(i: WorkItem) -> str:
    """A card's key: the caller (one card per number, whichever call was the latest)."""
    return i.number


# A count per queue as a chip that opens the queue; the chosen one filled.
_CHIP = "wb-queue-count text-base text-white no-underline px-3 py-1 rounded-full border"
_CHOSEN = " wb-chosen bg-blue-700 border-blue-400"


def _queue_counts(counts: dict[int | None, int], items: list[WorkItem], view: _View) -> None:
    """The callers waiting in each of the reader's queues, most first; each opens its queue."""
    lang, choice = view.lang, view.choice
    names = {i.queue_id: i.queue_name for i in items if i.queue_name}
    ui.label(f"{t('wl_waiting_by_queue', lang)}:").classes("text-lg")
    ui.link(
        f"{t('wl_all', lang)} · {sum(counts.values())}", choice.url(queue=None, page=1, done=1)
    ).classes(_CHIP + (_CHOSEN if choice.queue is None else ""))
    for q, n in sorted(counts.items(), key=lambda qn: (-qn[1], names.get(qn[0], ""))):
        chip: ui.link | ui.label
        if q is None:  # calls without a queue: counted, not a filter of their own
            chip = ui.label(f"{t('wl_no_queue', lang)} · {n}").classes(_CHIP)
        else:
            chip = ui.link(f"{names.get(q) or q} · {n}", choice.url(queue=q, page=1, done=1))
            chip.classes(_CHIP + (_CHOSEN if q == choice.queue else ""))
        chip.props(f'data-queue="{q or ""}" data-count="{n}"')


def _pager(number: int, pages: int, total: int, view: _View, which: str) -> None:
    """ "26–50 of 80" and the page buttons (only when there is more than one page)."""
    if pages <= 1:
        return
    first = (number - 1) * PAGE_SIZE + 1
    last = min(total, number * PAGE_SIZE)
    ui.label(t("wl_shown", view.lang).format(a=first, b=last, n=total)).classes("wb-shown")
    ui.pagination(
        1,
        pages,
        value=number,
        direction_links=True,
        on_change=lambda e: ui.navigate.to(view.choice.url(**{which: e.value})),
    ).props("dark")


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


def _controls(
    boards: Mapping[str, str], queues: Mapping[int, str], choice: _Choice, lang: Lang
) -> None:
    """Board, queue and order pickers; each choice opens the page's address with it."""

    def go(**change: object) -> None:
        ui.navigate.to(choice.url(page=1, done=1, **change))

    with ui.row().classes("items-center gap-4 wb-filters"):
        ui.select(
            {"": t("wl_all_boards", lang), **boards},
            value=choice.board if choice.board in boards else "",
            label=t("wl_board", lang),
            on_change=lambda e: go(board=e.value or ""),
        ).classes("w-56 wb-board-filter").props("dark dense outlined")
        ui.select(
            {0: t("all_queues", lang), **queues},
            value=choice.queue or 0,
            label=t("queue", lang),
            on_change=lambda e: go(queue=e.value or None),
        ).classes("w-56 wb-queue-filter").props("dark dense outlined")
        ui.toggle(
            {"newest": t("wl_newest_first", lang), "oldest": t("wl_oldest_first", lang)},
            value="newest" if choice.newest_first else "oldest",
            on_change=lambda e: go(newest_first=e.value != "oldest"),
        ).classes("wb-order").props("dark no-caps")


def _queue_names(
    items: list[WorkItem], chosen: WorklistFilter, queue: int | None
) -> dict[int, str]:
    """The queues the queue picker offers: those of the reader's callers today, by name."""
    names = {
        i.queue_id: i.queue_name or str(i.queue_id)
        for i in items
        if i.queue_id is not None and chosen.keeps(i)
    }
    if queue is not None:
        names.setdefault(queue, str(queue))
    return dict(sorted(names.items(), key=lambda qn: qn[1]))


def register(session: Session, calls: CdrService, actions: Actions, visible: int) -> None:
    """Register `/worklist` behind the login; the caller is the signed-in lead."""

    @session.site.page("/worklist")
    async def worklist_page(
        request: Request,
        user: str = "",
        ext: int | None = None,
        board: str = "",
        queue: int | None = None,
        order: str = "newest",
        page: int = 1,
        done: int = 1,
    ) -> RedirectResponse | None:
        lang = desk_page(session, request)
        if isinstance(lang, RedirectResponse):
            return lang
        scope = session.scope()
        queue = queue or None  # 0: all queues, as the picker says
        # A board or queue outside the reader's: said in words, nothing of it shown.
        spec = session.boards.get(board) if board else None
        outside_board = bool(board) and (spec is None or not scope.shows_board(board))
        if outside_board or (queue is not None and not scope.shows_queue(queue)):
            forbidden(lang)
            return None
        asked = request.query_params.get("lang", "")
        choice = _Choice(board, queue, order != "oldest", page, done, user, ext, asked)
        in_board, listed = _filters(scope, spec, choice)
        view = _View(lang, scope, visible, choice, in_board, listed)
        ui.add_body_html(_TICKER)
        ui.run_javascript(f"window.wbSkew = {timebase.now()} - Date.now()/1000")
        caller = _caller_inputs(session, user, ext, lang)  # the title row
        mine = {b: board_title(session.boards[b], lang) for b in session.visible_boards()}
        names = _queue_names(await calls.worklist(), in_board, queue)
        _controls(mine, names, choice, lang)
        worklist = _Worklist(calls, actions, caller, view)
        await worklist.refresh()
        ui.timer(_REFRESH_SECONDS, worklist.refresh)
        return None
