"""History page: today against the last 7 days by hour, per queue and agent; CSV; call detail."""

from __future__ import annotations

import html
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from nicegui import app, ui

from wallboard.core.calls import ai_insights
from wallboard.core.clock import zone
from wallboard.core.history import DayHistory, csv_export, queue_row
from wallboard.core.kpis import METRICS, QueueTally
from wallboard.runtime import timebase
from wallboard.web import i18n
from wallboard.web.i18n import Lang

if TYPE_CHECKING:
    from wallboard.services.aftercall import CdrService
    from wallboard.web.pages import Gate

__all__ = ["register"]


async def _days(service: CdrService) -> tuple[dict[str, DayHistory], str]:
    # Today is read and folded again (off the event loop); closed days come from memory.
    return await service.history.load(timebase.now())


def _hour_series(
    days: dict[str, DayHistory], today: str, queue_id: int | None, field: str
) -> tuple[list[int], list[float]]:
    def count(d: DayHistory, h: int) -> int:
        t = d.hours.get(h) if queue_id is None else d.hour_queues.get((h, queue_id))
        return int(getattr(t, field)) if t is not None else 0

    past = [d for k, d in days.items() if k != today]
    t_day = days.get(today)
    today_vals = [count(t_day, h) if t_day else 0 for h in range(24)]
    avg = [round(sum(count(d, h) for d in past) / 7, 2) for h in range(24)]
    return today_vals, avg


def _fmt_row(t: QueueTally) -> dict[str, Any]:
    """`queue_row` as a person reads it: percentages with %, durations as m:ss."""
    out: dict[str, Any] = {}
    for k, v in queue_row(t).items():
        if v == "":
            out[k] = "—"
        elif k.endswith("_pct"):
            out[k] = f"{float(v):.1f}%"
        elif k.endswith("_seconds"):
            sec = round(float(v))
            out[k] = f"{sec // 60}:{sec % 60:02d}"
        else:
            out[k] = v
    return out


def _local_time(utc: float, timezone: str) -> str:
    """When the call started, in the call centre's own timezone (`[day] timezone`).

    Formatted on the server: the centre's clock is what a team lead compares with the
    board, whatever the browser's zone (and a script filling it in after the page
    rendered left it blank).
    """
    return datetime.fromtimestamp(utc, zone(timezone)).strftime("%Y-%m-%d %H:%M:%S")


def register(service: CdrService, gate: Gate) -> None:
    """Register `/history`, `/history.csv` and `/call/{id}`, behind the team-lead login."""
    lang: Lang = service.settings.web.language
    he = lang == "he"

    def t(key: str) -> str:
        return i18n.t(key, lang)

    def label(key: str) -> str:
        m = METRICS[key]
        return m.label_he if he else m.label_en

    @app.get("/history.csv")
    async def history_csv(request: Request) -> Response:
        if gate.need_login(request) is not None:
            return Response("log in first (/login)", status_code=401)
        days, _ = await _days(service)
        return Response(
            csv_export(days),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="wallboard-history.csv"'},
        )

    @ui.page("/history")
    async def history_page(
        request: Request, queue: int | None = None, agent: str = ""
    ) -> RedirectResponse | None:
        if (login := gate.need_login(request)) is not None:
            return login
        ui.dark_mode(True)
        gate.nav(lang)
        days, today = await _days(service)
        t_day = days.get(today, DayHistory(today))
        names: dict[int, str] = {}
        for d in days.values():
            names.update(d.queue_names)
            names.update({q: names.get(q, str(q)) for q in d.queues})
        with ui.row().classes("items-center w-full"):
            ui.label(t("history")).classes("text-3xl")
            ui.space()
            options = {0: t("all_queues"), **{q: f"{n} ({q})" for q, n in sorted(names.items())}}
            ui.select(
                options,
                value=queue or 0,
                on_change=lambda e: ui.navigate.to(
                    "/history" if not e.value else f"/history?queue={e.value}"
                ),
            ).classes("w-64").props("dark dense outlined")
            ui.button("CSV", on_click=lambda: ui.navigate.to("/history.csv")).props("outline")
        qid = queue or None
        hours = [f"{h:02d}" for h in range(24)]
        off_today, off_avg = _hour_series(days, today, qid, "offered")
        ab_today, ab_avg = _hour_series(days, today, qid, "abandoned")
        ui.echart(
            {
                "backgroundColor": "transparent",
                "title": {"text": t("offered_by_hour"), "textStyle": {"color": "#ddd"}},
                "tooltip": {"trigger": "axis"},
                "legend": {"top": 28, "textStyle": {"color": "#ddd"}},
                "grid": {"top": 70, "left": 40, "right": 20, "bottom": 30},
                "xAxis": {"type": "category", "data": hours},
                "yAxis": {"type": "value", "minInterval": 1},
                "series": [
                    {"name": t("offered_today"), "type": "bar", "data": off_today},
                    {"name": t("offered_avg7"), "type": "line", "data": off_avg},
                    {"name": t("abandoned_today"), "type": "bar", "data": ab_today},
                    {"name": t("abandoned_avg7"), "type": "line", "data": ab_avg},
                ],
            }
        ).classes("w-full h-80")

        ui.label(t("queues_by_day")).classes("text-xl mt-4")
        cols = [
            {"name": "queue", "label": t("queue"), "field": "queue", "align": "left"},
            {"name": "day", "label": t("day"), "field": "day", "align": "left"},
        ] + [
            {"name": k, "label": label(m), "field": k}
            for k, m in (
                ("offered", "offered"),
                ("answered", "answered"),
                ("abandoned", "abandoned"),
                ("service_level_pct", "service_level"),
                ("abandon_rate_pct", "abandon_rate"),
                ("asa_seconds", "asa"),
                ("longest_wait_seconds", "longest_wait"),
            )
        ]
        rows: list[dict[str, Any]] = []
        for key in sorted(days, reverse=True):
            d = days[key]
            sel = d.total if qid is None else d.queues.get(qid, QueueTally())
            rows.append(
                {"queue": t("all") if qid is None else names.get(qid, str(qid)), "day": key}
                | _fmt_row(sel)
            )
        ui.table(columns=cols, rows=rows, row_key="day").classes("w-full").props("dark dense")

        ui.label(f"{t('agents_today')} ({today})").classes("text-xl mt-4")
        agent_rows = [
            {
                "agent": t_day.agent_names.get(sip, sip),
                "sip": sip,
                "department": t_day.agent_departments.get(sip, ""),
                "answered": a.answered,
                "outgoing": a.outgoing,
                "talk": f"{a.talk_seconds // 60}:{a.talk_seconds % 60:02d}",
            }
            for sip, a in sorted(t_day.agents.items())
        ]
        ui.table(
            columns=[
                {"name": "agent", "label": t("agent"), "field": "agent", "align": "left"},
                {"name": "department", "label": t("department"), "field": "department"},
                {
                    "name": "answered",
                    "label": label("agent_answered"),
                    "field": "answered",
                },
                {
                    "name": "outgoing",
                    "label": label("agent_outgoing"),
                    "field": "outgoing",
                },
                {"name": "talk", "label": label("talk_time"), "field": "talk"},
            ],
            rows=agent_rows,
            row_key="sip",
        ).classes("w-full").props("dark dense")

        # One agent by hour: today against the 7-day average (answered + outgoing calls).
        sips = sorted({sip for d in days.values() for sip in d.agents})
        if sips:
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

            past = [d for k, d in days.items() if k != today]
            ui.echart(
                {
                    "backgroundColor": "transparent",
                    "tooltip": {"trigger": "axis"},
                    "legend": {"top": 0, "textStyle": {"color": "#ddd"}},
                    "grid": {"top": 40, "left": 40, "right": 20, "bottom": 30},
                    "xAxis": {"type": "category", "data": hours},
                    "yAxis": {"type": "value", "minInterval": 1},
                    "series": [
                        {
                            "name": t("calls_today"),
                            "type": "bar",
                            "data": [calls(t_day, h) for h in range(24)],
                        },
                        {
                            "name": t("calls_avg7"),
                            "type": "line",
                            "data": [
                                round(sum(calls(d, h) for d in past) / 7, 2) for h in range(24)
                            ],
                        },
                    ],
                }
            ).classes("w-full h-64")

        ui.label(t("departments_today")).classes("text-xl mt-4")
        ui.table(
            columns=[
                {"name": "department", "label": t("department"), "field": "department"},
                *cols[2:],
            ],
            rows=[{"department": k} | _fmt_row(t) for k, t in sorted(t_day.departments.items())],
            row_key="department",
        ).classes("w-full").props("dark dense")

        if t_day.categories:
            ui.label(t("categories_today")).classes("text-xl mt-4")
            ui.echart(
                {
                    "backgroundColor": "transparent",
                    "tooltip": {"trigger": "item"},
                    "series": [
                        {
                            "type": "pie",
                            "radius": "65%",
                            "label": {"color": "#ddd"},
                            "data": [
                                {"name": k, "value": v} for k, v in t_day.categories.most_common()
                            ],
                        }
                    ],
                }
            ).classes("w-full h-72")
        return None

    @ui.page("/call/{call_id}")
    async def call_page(request: Request, call_id: str) -> RedirectResponse | None:
        if (login := gate.need_login(request)) is not None:
            return login
        ui.dark_mode(True)
        gate.nav(lang)  # a way back to the boards, as on /history and /worklist
        found = await service.store.cdr(call_id)
        if found is None:
            ui.label(f"{t('no_cdr_for_call')} {call_id}").classes("text-xl")
            return None
        row, _raw = found
        cdr = row.cdr
        ui.label(f"{t('call')} {cdr.ivruniqueid}").classes("text-2xl")
        utc = service.intake.rule.utc(cdr)
        sources = {"webhook": t("source_webhook"), "calllog": t("source_calllog")}
        facts = {
            t("call_type"): cdr.type,
            t("status"): cdr.status,
            t("caller"): cdr.caller,
            t("target"): cdr.target,
            t("queue"): f"{cdr.queuename} ({cdr.queue_id})" if cdr.queue_id else "",
            t("waited_in_queue_s"): cdr.seconds_waiting_in_queue,
            t("talk_s"): cdr.duration,
            t("agent"): cdr.representative_name,
            t("department"): cdr.department_name,
            t("source"): sources.get(row.source, row.source),
        }
        with ui.grid(columns=2).classes("gap-x-6"):
            ui.label(t("started"))
            ui.label(_local_time(utc, service.intake.settings.day.timezone))
            for k, v in facts.items():
                if v not in ("", None):
                    ui.label(k)
                    ui.label(str(v))
        ai = ai_insights(cdr)
        if ai is not None:
            ui.label(t("ai_insights")).classes("text-xl mt-4")
            if ai.category:
                ui.label(f"{t('category')}: {ai.category}")
            if ai.summary:
                ui.html(f"<p style='max-width:60em'>{html.escape(ai.summary)}</p>")
            if ai.emotions:
                ui.label(
                    f"{t('emotions')}: "
                    + ", ".join(f"{k} ×{v}" for k, v in sorted(ai.emotions.items()))
                )
        return None
