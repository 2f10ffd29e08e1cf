"""History page: today against the last 7 days by hour, per queue and agent; CSV."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from nicegui import ui

from wallboard.core.history import DayHistory, csv_export, departments, queue_row
from wallboard.core.kpis import METRICS, QueueTally
from wallboard.services.aftercall import CdrService
from wallboard.web.fmt import duration
from wallboard.web.i18n import Lang, t
from wallboard.web.pages.layout import desk_page, forbidden, queue_picker
from wallboard.web.session import Session

__all__ = ["register"]

Row = dict[str, Any]
_HOURS = [f"{h:02d}" for h in range(24)]
_PAST_DAYS = 7  # the average is over the 7 days before today, a day without calls as 0
# The queue table's figures: (row key from `queue_row`, metric whose label heads it).
_QUEUE_FIGURES = (
    ("offered", "offered"),
    ("answered", "answered"),
    ("abandoned", "abandoned"),
    ("service_level_pct", "service_level"),
    ("abandon_rate_pct", "abandon_rate"),
    ("asa_seconds", "asa"),
    ("longest_wait_seconds", "longest_wait"),
)


def _props(lang: Lang) -> str:
    """A table's props: dark, dense, and "nothing yet" in the reader's language."""
    return f'dark dense no-data-label="{t("no_rows", lang)}"'


def _label(key: str, lang: Lang) -> str:
    m = METRICS[key]
    return m.label_he if lang == "he" else m.label_en


def _hour_series(
    days: dict[str, DayHistory], today: str, queue_id: int | None, field: str
) -> tuple[list[int], list[float]]:
    def count(d: DayHistory, h: int) -> int:
        t = d.hours.get(h) if queue_id is None else d.hour_queues.get((h, queue_id))
        return int(getattr(t, field)) if t is not None else 0

    past = [d for k, d in days.items() if k != today]
    t_day = days.get(today)
    today_vals = [count(t_day, h) if t_day else 0 for h in range(24)]
    avg = [round(sum(count(d, h) for d in past) / _PAST_DAYS, 2) for h in range(24)]
    return today_vals, avg


def _fmt_row(tally: QueueTally) -> Row:
    """`queue_row` as a person reads it: percentages with %, durations as m:ss."""
    out: Row = {}
    for k, v in queue_row(tally).items():
        if v == "":
            out[k] = "—"
        elif k.endswith("_pct"):
            out[k] = f"{float(v):.1f}%"
        elif k.endswith("_seconds"):
            out[k] = duration(round(float(v)))
        else:
            out[k] = v
    return out


def _queue_names(days: dict[str, DayHistory]) -> dict[int, str]:
    names: dict[int, str] = {}
    for d in days.values():
        names.update(d.queue_names)
        names.update({q: names.get(q, str(q)) for q in d.queues})
    return names


def _header(names: dict[int, str], queue: int | None, lang: Lang) -> None:
    """The title, the queue picker (all queues or one) and the CSV download."""
    with ui.row().classes("items-center w-full"):
        ui.label(t("history", lang)).classes("text-3xl")
        ui.space()
        queue_picker({q: f"{n} ({q})" for q, n in sorted(names.items())}, queue, "/history", lang)
        ui.button("CSV", on_click=lambda: ui.navigate.to("/history.csv")).props("outline")


def _chart(title: str | None, series: list[Row], height: str) -> None:
    """Bars and lines by hour of day, on the page's dark background."""
    options: Row = {
        "backgroundColor": "transparent",
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 28 if title else 0, "textStyle": {"color": "#ddd"}},
        "grid": {"top": 70 if title else 40, "left": 40, "right": 20, "bottom": 30},
        "xAxis": {"type": "category", "data": _HOURS},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": series,
    }
    if title:
        options["title"] = {"text": title, "textStyle": {"color": "#ddd"}}
    ui.echart(options).classes(f"w-full {height}")


def _offered_chart(days: dict[str, DayHistory], today: str, qid: int | None, lang: Lang) -> None:
    off_today, off_avg = _hour_series(days, today, qid, "offered")
    ab_today, ab_avg = _hour_series(days, today, qid, "abandoned")
    series: list[Row] = [
        {"name": t("offered_today", lang), "type": "bar", "data": off_today},
        {"name": t("offered_avg7", lang), "type": "line", "data": off_avg},
        {"name": t("abandoned_today", lang), "type": "bar", "data": ab_today},
        {"name": t("abandoned_avg7", lang), "type": "line", "data": ab_avg},
    ]
    _chart(t("offered_by_hour", lang), series, "h-80")


def _figure_columns(lang: Lang) -> list[Row]:
    return [{"name": k, "label": _label(m, lang), "field": k} for k, m in _QUEUE_FIGURES]


def _queue_table(
    days: dict[str, DayHistory], qid: int | None, names: dict[int, str], lang: Lang
) -> None:
    """One row per day, newest first: all queues, or the chosen one."""
    ui.label(t("queues_by_day", lang)).classes("text-xl mt-4")
    cols: list[Row] = [
        {"name": "queue", "label": t("queue", lang), "field": "queue", "align": "left"},
        {"name": "day", "label": t("day", lang), "field": "day", "align": "left"},
        *_figure_columns(lang),
    ]
    which = t("all", lang) if qid is None else names.get(qid, str(qid))
    rows: list[Row] = []
    for key in sorted(days, reverse=True):
        d = days[key]
        sel = d.total if qid is None else d.queues.get(qid, QueueTally())
        rows.append({"queue": which, "day": key} | _fmt_row(sel))
    ui.table(columns=cols, rows=rows, row_key="day").classes("w-full").props(_props(lang))


def _agents_table(t_day: DayHistory, today: str, lang: Lang) -> None:
    ui.label(f"{t('agents_today', lang)} ({today})").classes("text-xl mt-4")
    rows = [
        {
            "agent": t_day.agent_names.get(sip, sip),
            "sip": sip,
            "department": t_day.agent_departments.get(sip, ""),
            "answered": a.answered,
            "outgoing": a.outgoing,
            "talk": duration(a.talk_seconds),
        }
        for sip, a in sorted(t_day.agents.items())
    ]
    columns: list[Row] = [
        {"name": "agent", "label": t("agent", lang), "field": "agent", "align": "left"},
        {"name": "department", "label": t("department", lang), "field": "department"},
        {"name": "answered", "label": _label("agent_answered", lang), "field": "answered"},
        {"name": "outgoing", "label": _label("agent_outgoing", lang), "field": "outgoing"},
        {"name": "talk", "label": _label("talk_time", lang), "field": "talk"},
    ]
    ui.table(columns=columns, rows=rows, row_key="sip").classes("w-full").props(_props(lang))


def _agent_chart(
    days: dict[str, DayHistory], today: str, agent: str, queue: int | None, lang: Lang
) -> None:
    """One agent by hour: today against the 7-day average (answered + outgoing calls)."""
    sips = sorted({sip for d in days.values() for sip in d.agents})
    if not sips:
        return
    names_by_sip: dict[str, str] = {}
    for d in days.values():
        names_by_sip.update(d.agent_names)
    chosen = agent if agent in sips else sips[0]
    ui.select(
        {sip: names_by_sip.get(sip, sip) for sip in sips},
        value=chosen,
        on_change=lambda e: ui.navigate.to(
            f"/history?agent={e.value}" + (f"&queue={queue}" if queue else "")
        ),
    ).classes("w-64 mt-2 wb-agent-select").props("dark dense outlined")

    def calls(d: DayHistory, h: int) -> int:
        a = d.hour_agents.get((h, chosen))
        return 0 if a is None else a.answered + a.outgoing

    t_day = days.get(today, DayHistory(today))
    past = [d for k, d in days.items() if k != today]
    avg = [round(sum(calls(d, h) for d in past) / _PAST_DAYS, 2) for h in range(24)]
    series: list[Row] = [
        {
            "name": t("calls_today", lang),
            "type": "bar",
            "data": [calls(t_day, h) for h in range(24)],
        },
        {"name": t("calls_avg7", lang), "type": "line", "data": avg},
    ]
    _chart(None, series, "h-64")


def _departments_table(t_day: DayHistory, of_queue: dict[int, str], lang: Lang) -> None:
    """Today's queue calls by their queue's department (its agent's, when it has none)."""
    ui.label(t("departments_today", lang)).classes("text-xl mt-4")
    ui.table(
        columns=[
            {
                "name": "department",
                "label": t("department", lang),
                "field": "department",
                "align": "left",
            },
            *_figure_columns(lang),
        ],
        rows=[{"department": k} | _fmt_row(v) for k, v in departments(t_day, of_queue).items()],
        row_key="department",
    ).classes("w-full wb-departments").props(_props(lang))


def _categories_chart(t_day: DayHistory, lang: Lang) -> None:
    """Today's calls by the vendor's AI category, when it sends them."""
    if not t_day.categories:
        return
    ui.label(t("categories_today", lang)).classes("text-xl mt-4")
    data = [{"name": k, "value": v} for k, v in t_day.categories.most_common()]
    ui.echart(
        {
            "backgroundColor": "transparent",
            "tooltip": {"trigger": "item"},
            "series": [{"type": "pie", "radius": "65%", "label": {"color": "#ddd"}, "data": data}],
        }
    ).classes("w-full h-72")


def register(session: Session, history: CdrService) -> None:
    """Register `/history` and `/history.csv` behind the login, in the reader's language."""

    @session.site.get("/history.csv")
    async def history_csv(request: Request) -> Response:
        scope = session.scope()
        if not scope.desk:
            return Response("log in first (/login)", status_code=401)
        days, _ = await history.days_in(scope)  # the reader's queues and agents only
        return Response(
            csv_export(days, history.departments_of(days)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="wallboard-history.csv"'},
        )

    @session.site.page("/history")
    async def history_page(
        request: Request, queue: int | None = None, agent: str = ""
    ) -> RedirectResponse | None:
        lang = desk_page(session, request)
        if isinstance(lang, RedirectResponse):
            return lang
        scope = session.scope()
        queue = queue or None  # 0: all queues, as the picker says
        days, today = await history.days_in(scope)
        t_day = days.get(today, DayHistory(today))
        names = _queue_names(days)
        # A queue outside the reader's boards, or none we know: said in words, no error.
        if queue is not None and not scope.shows_queue(queue):
            forbidden(lang)
            return None
        if queue is not None and queue not in names:
            ui.label(f"{t('no_queue', lang)}: {queue}").classes("text-2xl p-4 wb-not-found")
            return None
        _header(names, queue, lang)
        qid = queue or None
        _offered_chart(days, today, qid, lang)
        _queue_table(days, qid, names, lang)
        _agents_table(t_day, today, lang)
        _agent_chart(days, today, agent, queue, lang)
        _departments_table(t_day, history.departments_of(days), lang)
        _categories_chart(t_day, lang)
        return None
