"""`/agent/{ext}`: one agent's live row, today's figures and (for a lead) a status change."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.config import Settings
from wallboard.core.kpis import AgentTally
from wallboard.core.models import Agent, status_key
from wallboard.core.view import agent_numbers
from wallboard.errors import WallboardError
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.services.actions import Actions
from wallboard.web.boards import BoardSpec
from wallboard.web.components.board.board import Board
from wallboard.web.fmt import duration
from wallboard.web.i18n import Lang, status_names, t
from wallboard.web.pages.layout import board_config, desk_page, figures_table
from wallboard.web.pages.timeline import status_timeline
from wallboard.web.publisher import Publisher
from wallboard.web.session import Session

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(
    session: Session,
    publisher: Publisher,
    hub: Hub,
    settings: Settings,
    actions: Actions | None,
) -> None:
    """Register `/agent/{ext}`; without `actions` (no `[cdr]`) there is no status change."""

    @ui.page("/agent/{ext}", language=None)
    def agent_page(request: Request, ext: int) -> RedirectResponse | None:
        lang = desk_page(session, request)
        if isinstance(lang, RedirectResponse):
            return lang
        a = hub.state.agents.get(ext)
        if a is None:
            ui.label(t("no_agent", lang)).classes("text-2xl p-4")
            return None
        with ui.column().classes("p-4 gap-2 w-full"):
            ui.label(f"{t('agent', lang)} {a.record.display_name} · {ext}").classes("text-3xl")
            spec = publisher.ensure(f"agent:{ext}", _spec(a, ext, lang, settings))
            config = board_config(settings, spec, lang, kiosk=False, links=None)
            Board(publisher, spec.name, config).classes("w-full")
            _timeline(hub, settings, a, ext, lang)
            ui.label(t("today", lang)).classes("text-xl")
            figures_table(_today_rows(hub, settings, a, ext, lang))
            actor = session.user()
            if actions is not None and session.may_act() and actor is not None:
                _status_control(actions, settings, actor, ext, a.record.status_code, lang)
        return None


def _spec(a: Agent, ext: int, lang: Lang, settings: Settings) -> BoardSpec:
    """A one-agent board, kept up to date by the publisher while the page is open."""
    return BoardSpec(
        name=f"agent:{ext}",
        title=a.record.display_name or str(ext),
        language=lang,
        queues=None,  # not shown (no "queues" widget), but the call's queue is named
        extensions=frozenset({ext}),
        widgets=("agents",),
        sort="status",
        sound=False,
        mask=settings.privacy.mask_callers,
    )


def _today_rows(
    hub: Hub, settings: Settings, a: Agent, ext: int, lang: Lang
) -> list[dict[str, object]]:
    """Today's calls and time in each status, as name/figure rows."""
    day = hub.state.day
    now = timebase.now()
    sn = hub.state.clock.now(now) or now
    start = (day.bounds.start + hub.state.clock.shift) if day else 0.0
    tally = day.agents.get(ext, AgentTally()) if day else AgentTally()
    nums = agent_numbers(tally, a, start, sn)
    names = status_names(settings, lang)
    rows: list[dict[str, object]] = [
        {"k": t("answered", lang), "v": nums["answered"]},
        {"k": t("missed", lang), "v": nums["missed"]},
        {"k": t("outgoing_calls", lang), "v": nums["outgoing"]},
        {"k": t("talk_time", lang), "v": duration(nums["talk_time"])},
    ]
    return rows + [
        {"k": names.get(k, k), "v": duration(v)} for k, v in nums["time_in_status"].items()
    ]


def _timeline(hub: Hub, settings: Settings, a: Agent, ext: int, lang: Lang) -> None:
    """Today's status spans as a coloured bar, from the day's start to now."""
    day = hub.state.day
    if day is None:
        return
    now = timebase.now()
    shift = hub.state.clock.shift
    sn = hub.state.clock.now(now) or now
    tally = day.agents.get(ext, AgentTally())
    current = (status_key(a.state, a.break_code), a.state_since)
    window = (day.bounds.start + shift, sn, shift)
    names = status_names(settings, lang)
    status_timeline(tally, current, names, window, settings.day.timezone, lang)


def _status_control(
    actions: Actions, settings: Settings, actor: str, ext: int, current: int, lang: Lang
) -> None:
    """A status picker and its button; the actions service checks and audits the change."""
    options = {
        code: (n.he or n.en) if lang == "he" else n.en
        for code, n in settings.statuses.names.items()
    }
    with ui.row().classes("items-center gap-2"):
        sel = ui.select(options, value=current, label=t("set_status", lang)).classes("w-64")

        async def change() -> None:
            try:
                await actions.set_status(actor, ext, int(sel.value))
            except WallboardError as e:  # denied, or the vendor said no: its own words
                log.warning("status change by %s for %s failed: %s", actor, ext, e)
                ui.notify(f"{t('failed', lang)}: {e}", type="negative")
            else:
                ui.notify(t("status_changed", lang), type="positive")

        ui.button(t("set_status", lang), on_click=change)
