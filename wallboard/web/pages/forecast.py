"""`/forecast`: where the day is heading — forecast against actual calls per half-hour, the
agents needed (Erlang A and C) against those logged in, the hours short or over, and each
queue's rolling windows. Also the "short" line of desk boards and kiosks, in the board's
own header (nothing may lie over the floor).

Everything drawn is built from the reader's scope: a queue outside it is never named,
counted or sent (the floor's figures are the sums of the reader's queues).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.config import Settings
from wallboard.core import kpis
from wallboard.core.clock import zone
from wallboard.core.forecast import SLOTS, slot_label
from wallboard.core.kpis import QueueTally
from wallboard.core.models import AgentState, State
from wallboard.core.staffing import Gap, gaps
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.services.forecast import ForecastService, Outlook, QueueOutlook, floor_outlook
from wallboard.web.boards import Membership, queue_model
from wallboard.web.components.board.board import Board
from wallboard.web.fmt import duration
from wallboard.web.i18n import Lang, t
from wallboard.web.pages.layout import desk_page, queue_picker
from wallboard.web.session import Session

__all__ = ["Outlooks", "register", "short_line", "short_text"]

Row = dict[str, Any]
REFRESH_SECONDS = 60.0  # the outlook is made at most once a minute (services/forecast.py)
WINDOWS = (15, 30, 60)
# Trend arrows: a change smaller than these is "steady".
_TOLERANCE = {"offered": 0.1, "service_level": 0.02, "abandon_rate": 0.02, "handle": 0.05}
# ▲ up, ▼ down; steady points the way the line reads.
_ARROW = {"en": {1: "▲", -1: "▼", 0: "▶"}, "he": {1: "▲", -1: "▼", 0: "◀"}}


class Outlooks:
    """The day's outlook with what the web adds: SL targets and agents logged in now."""

    def __init__(
        self, service: ForecastService, hub: Hub, membership: Membership, settings: Settings
    ) -> None:
        self.service = service
        self.hub = hub
        self.membership = membership
        self.settings = settings

    def server_now(self) -> float:
        now = timebase.now()
        return self.hub.state.clock.now(now) or now

    async def outlook(self) -> Outlook:
        model = queue_model(self.settings, self.hub.state)
        return await self.service.outlook(self.server_now(), model.target)

    def logged_in(self, queues: list[int]) -> int | None:
        """Agents logged in now among these queues' members (None: no member known)."""
        return logged_in(self.membership, self.hub.state, queues)

    def name(self, queue: int) -> str:
        q = self.hub.state.queues.get(queue)
        return q.name if q is not None and q.name else str(queue)


def logged_in(membership: Membership, state: State, queues: list[int]) -> int | None:
    """Distinct members of these queues whose status is not logged out."""
    members: set[int] = set()
    for q in queues:
        members |= membership.members(q)
    if not members:
        return None
    return sum(
        1
        for ext in members
        if (a := state.agents.get(ext)) is not None and a.state is not AgentState.LOGGED_OUT
    )


def _ltr(text: str) -> str:
    """Times, ranges and "76% / 80%" isolated left to right: in a Hebrew sentence the
    bidi algorithm would otherwise show 11:00–24:00 as 24:00–11:00."""
    return f"\u2066{text}\u2069"


def _gap_text(g: Gap, lang: Lang) -> str:
    key = ("short_span" if g.short else "over_span") + ("_one" if abs(g.agents) == 1 else "")
    return t(key, lang).format(n=abs(g.agents), span=_ltr(g.span()))


def _ratio_text(o: QueueOutlook, weeks: int, lang: Lang) -> str:
    if weeks == 0:
        return t("no_forecast", lang)
    if o.ratio is None:
        return t("forecast_weeks", lang).format(n=weeks)
    pct = round(100 * (o.ratio - 1))
    if pct == 0:
        return t("today_as_forecast", lang)
    return t("today_on_forecast", lang).format(p=_ltr(f"{pct:+d}%"))


def _view(outlook: Outlook, queue: int | None, allowed: list[int]) -> QueueOutlook | None:
    if queue is not None:
        return outlook.queues.get(queue) if queue in allowed else None
    return floor_outlook(outlook, (outlook.queues[q] for q in allowed if q in outlook.queues))


def _offered_chart(o: QueueOutlook, now_slot: int, lang: Lang) -> None:
    labels = [slot_label(s) for s in range(SLOTS)]
    actual = [o.actual[s] if s <= now_slot else None for s in range(SLOTS)]
    expected = [round(p.expected, 1) if p.slot >= now_slot else None for p in o.plans]
    series: list[Row] = [
        {"name": t("offered_actual", lang), "type": "bar", "data": actual},
        {
            "name": t("forecast_line", lang),
            "type": "line",
            "data": [round(v, 1) for v in o.forecast.offered],
            "showSymbol": False,
        },
        {
            "name": t("expected_line", lang),
            "type": "line",
            "data": expected,
            "showSymbol": False,
            "lineStyle": {"type": "dashed"},
        },
    ]
    _chart(t("offered_by_half_hour", lang), labels, series, "wb-fc-offered")


def _agents_chart(o: QueueOutlook, now_slot: int, inside: int | None, lang: Lang) -> None:
    labels = [slot_label(s) for s in range(SLOTS)]
    series: list[Row] = [
        {
            "name": t("needed_a", lang),
            "type": "line",
            "step": "start",
            "data": [p.erlang_a for p in o.plans],
            "showSymbol": False,
        },
        {
            "name": t("needed_a_time", lang),
            "type": "line",
            "step": "start",
            "data": [
                None if p.erlang_a_time is None else round(p.erlang_a_time, 1) for p in o.plans
            ],
            "lineStyle": {"type": "dotted"},
            "showSymbol": False,
        },
        {
            "name": t("needed_c", lang),
            "type": "line",
            "step": "start",
            "data": [p.erlang_c for p in o.plans],
            "lineStyle": {"type": "dashed"},
            "showSymbol": False,
        },
    ]
    if inside is not None:
        series.append(
            {
                "name": t("logged_in_now", lang),
                "type": "line",
                "data": [inside if s >= now_slot else None for s in range(SLOTS)],
                "showSymbol": False,
            }
        )
    _chart(t("agents_by_half_hour", lang), labels, series, "wb-fc-agents")


def _chart(title: str, labels: list[str], series: list[Row], css: str) -> None:
    options: Row = {
        "backgroundColor": "transparent",
        "title": {"text": title, "textStyle": {"color": "#ddd", "fontSize": 16}},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 28, "textStyle": {"color": "#ddd"}},
        "grid": {"top": 70, "left": 40, "right": 20, "bottom": 30},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": series,
    }
    ui.echart(options).classes(f"w-full h-72 {css}")


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{round(100 * v)}%"


def _cell(text: str, now: float | None, before: float | None, key: str, lang: Lang) -> str:
    arrow = _ARROW[lang][kpis.trend(now, before, _tolerance(key, before))]
    return f"{_ltr(text)} {arrow}"


def _tolerance(key: str, before: float | None) -> float:
    tol = _TOLERANCE[key]
    # Counts and seconds change by a share of what they were; rates by points.
    return tol * (before or 0.0) if key in ("offered", "handle") else tol


def rolling_rows(
    state: State,
    service: ForecastService,
    queues: list[int],
    name: Callable[[int], str],
    target: Callable[[int], float | None],
    server_now: float,
    lang: Lang,
) -> list[Row]:
    """Each queue's last 15, 30 and 60 minutes, each against the window before it."""
    day = state.day
    rows: list[Row] = []
    for q in queues:
        minutes = day.recent.get(q, {}) if day is not None else {}
        goal = target(q)
        for length in WINDOWS:
            now_t = kpis.window(minutes, server_now, length)
            then_t = kpis.window(minutes, server_now, length, ago=length)
            rows.append(
                _window_row(q, name(q), length, now_t, then_t, goal, service, server_now, lang)
            )
    return rows


def _window_row(
    q: int,
    name: str,
    length: int,
    now_t: QueueTally,
    then_t: QueueTally,
    goal: float | None,
    service: ForecastService,
    server_now: float,
    lang: Lang,
) -> Row:
    sl, sl_before = kpis.service_level(now_t), kpis.service_level(then_t)
    ab, ab_before = kpis.abandon_rate(now_t), kpis.abandon_rate(then_t)
    ht = service.handle_window(q, server_now, length)
    ht_before = service.handle_window(q, server_now, length, ago=length)
    return {
        "id": f"{q}:{length}",
        "queue": name,
        "window": length,
        "offered": _cell(str(now_t.offered), now_t.offered, then_t.offered, "offered", lang),
        "sl": _cell(f"{_pct(sl)} / {_pct(goal)}", sl, sl_before, "service_level", lang),
        "abandon": _cell(_pct(ab), ab, ab_before, "abandon_rate", lang),
        "handle": _cell(duration(ht), ht, ht_before, "handle", lang),
    }


def _rolling_table(rows: list[Row], lang: Lang) -> None:
    ui.label(t("rolling", lang)).classes("text-xl mt-4")
    label = kpis.METRICS
    he = lang == "he"

    def head(key: str) -> str:
        m = label[key]
        return m.label_he if he else m.label_en

    columns: list[Row] = [
        {"name": "queue", "label": t("queue", lang), "field": "queue", "align": "left"},
        {"name": "window", "label": t("window_min", lang), "field": "window"},
        {"name": "offered", "label": head("offered"), "field": "offered"},
        {"name": "sl", "label": t("sl_vs_target", lang), "field": "sl"},
        {"name": "abandon", "label": head("abandon_rate"), "field": "abandon"},
        {"name": "handle", "label": head("window_handle"), "field": "handle"},
    ]
    ui.table(columns=columns, rows=rows, row_key="id").classes("w-full wb-fc-rolling").props(
        f'dark dense no-data-label="{t("no_rows", lang)}"'
    )


def _content(
    outlooks: Outlooks, outlook: Outlook, queue: int | None, allowed: list[int], lang: Lang
) -> None:
    o = _view(outlook, queue, allowed)
    when = datetime.fromtimestamp(outlook.made, zone(outlooks.settings.day.timezone))
    with ui.row().classes("items-baseline gap-4 w-full"):
        text = t("no_forecast", lang) if o is None else _ratio_text(o, outlook.weeks, lang)
        ui.label(text).classes("text-2xl wb-fc-ratio")
        if outlook.weeks:
            ui.label(t("forecast_weeks", lang).format(n=outlook.weeks)).classes("opacity-70")
        ui.label(t("as_of", lang).format(t=f"{when:%H:%M}")).classes("opacity-70")
    if o is None:
        return
    which = [queue] if queue is not None else allowed
    inside = outlooks.logged_in(which)
    spans = gaps(list(o.plans), inside, outlook.now_slot) if inside is not None else []
    with ui.row().classes("gap-2 wb-fc-gaps"):
        if inside is None:
            ui.label(t("no_members", lang)).classes("opacity-70")
        elif not spans:
            ui.label(t("staffed_ok", lang)).classes("wb-fc-ok")
        for g in spans:
            css = "wb-fc-short text-red-300" if g.short else "wb-fc-over text-sky-300"
            ui.label(_gap_text(g, lang)).classes(f"text-lg {css}")
    if o.patience:
        ui.label(t("patience", lang).format(t=duration(1 / o.patience))).classes("opacity-70")
    _offered_chart(o, outlook.now_slot, lang)
    _agents_chart(o, outlook.now_slot, inside, lang)
    model = queue_model(outlooks.settings, outlooks.hub.state)
    rows = rolling_rows(
        outlooks.hub.state,
        outlooks.service,
        which,
        outlooks.name,
        model.target,
        outlooks.server_now(),
        lang,
    )
    _rolling_table(rows, lang)


def register(session: Session, outlooks: Outlooks) -> None:
    """Register `/forecast?queue=<id>` (the reader's queues together, or one of them)."""

    @session.site.page("/forecast")
    async def forecast_page(request: Request, queue: int | None = None) -> RedirectResponse | None:
        lang = desk_page(session, request)
        if isinstance(lang, RedirectResponse):
            return lang
        scope = session.scope()
        # The first look of the day reads weeks of CDRs: the page is sent first, then filled.
        client = ui.context.client
        try:
            await client.connected(timeout=30.0)
        except TimeoutError:
            return None  # the reader never connected: nothing to fill
        outlook = await outlooks.outlook()
        if client.is_deleted:
            return None  # the reader left while the outlook was made
        known = set(outlook.queues) | set(outlooks.hub.state.queues)
        allowed = sorted(q for q in known if scope.shows_queue(q))
        chosen = queue if queue in allowed else None
        with ui.row().classes("items-center w-full p-2"):
            ui.label(t("forecast_title", lang)).classes("text-3xl")
            ui.space()
            queue_picker({q: outlooks.name(q) for q in allowed}, chosen, "/forecast", lang)

        @ui.refreshable
        async def content() -> None:
            made = await outlooks.outlook()
            if not client.is_deleted:
                _content(outlooks, made, chosen, allowed, lang)

        with ui.column().classes("w-full p-2 gap-2"):
            await content()
        # Again each minute (the outlook is made at most once a minute for every reader).
        ui.timer(REFRESH_SECONDS, content.refresh)
        return None


def short_text(
    outlooks: Outlooks,
    outlook: Outlook,
    queues: frozenset[int] | None,
    lang: Lang,
    *,
    compact: bool,
) -> str:
    """Each queue's first shortage ahead ("Sales: short 2 agents 14:00–15:00"), for these
    queues (None: all). `compact` (a kiosk): the first one and how many more ("+2")."""
    texts = []
    for q, o in sorted(outlook.queues.items()):
        if queues is not None and q not in queues:
            continue
        inside = outlooks.logged_in([q])
        if inside is None:
            continue
        short = [g for g in gaps(list(o.plans), inside, outlook.now_slot) if g.short]
        if short:
            # The queue's name isolated: a Latin name must not turn a Hebrew line around.
            texts.append(f"\u2068{outlooks.name(q)}\u2069: {_gap_text(short[0], lang)}")
    if compact and len(texts) > 1:
        return f"{texts[0]} +{len(texts) - 1}"
    return " · ".join(texts)


def short_line(
    board: Board,
    outlooks: Outlooks,
    queues: frozenset[int] | None,
    lang: Lang,
    *,
    compact: bool,
) -> None:
    """The hours ahead short of agents in the board's own header (board.js: `short`), so
    it takes a place of the layout and covers nothing; looked at again every minute."""

    async def look() -> None:
        outlook = await outlooks.outlook()
        if board.is_deleted:
            return  # the tab closed while the outlook was made
        text = short_text(outlooks, outlook, queues, lang, compact=compact)
        if board.props.get("short", "") != text:
            board.props["short"] = text  # sent to the tab (NiceGUI's props are observed)

    ui.timer(0.1, look, once=True)
    ui.timer(REFRESH_SECONDS, look)
