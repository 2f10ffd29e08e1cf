"""`/agent/{ext}`: one agent's live row, today's figures and (for a lead) a status change.

Two kinds of figures, labelled as such: calls are the whole day's (call records, with
the live calls not yet recorded), status times are spans the wallboard saw, so they
start when it first saw the agent ("since the wallboard connected at 09:30"). A status
that began before then reads "on Lunch since before 09:30 (connected at 09:30)".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.config import Settings
from wallboard.core import kpis
from wallboard.core.clock import zone
from wallboard.core.kpis import AgentTally
from wallboard.core.models import Agent, status_key
from wallboard.core.scope import Scope
from wallboard.core.view import agent_numbers
from wallboard.errors import WallboardError
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.services.actions import Actions
from wallboard.services.aftercall import CdrService
from wallboard.web.boards import BoardSpec
from wallboard.web.components.board.board import Board
from wallboard.web.fmt import duration
from wallboard.web.i18n import Lang, metric_texts, status_names, t
from wallboard.web.pages.layout import (
    board_config,
    desk_page_about,
    desk_spec,
    figures_table,
    needs_users,
)
from wallboard.web.pages.timeline import status_timeline
from wallboard.web.publisher import Publisher
from wallboard.web.session import Session, timer_once_connected

__all__ = ["register"]

_CHANGES_EVERY = 5.0  # seconds between reads of the agent's figures and status changes

log = logging.getLogger(__name__)


def register(
    session: Session,
    publisher: Publisher,
    hub: Hub,
    settings: Settings,
    actions: Actions | None,
    changes: CdrService | None = None,
) -> None:
    """Register `/agent/{ext}`; without `actions` (no `[cdr]`) there is no status change,
    without `changes` no list of the day's status changes."""

    @session.site.page("/agent/{ext}")
    async def agent_page(request: Request, ext: int) -> RedirectResponse | None:
        opened = desk_page_about(session, request, lambda s: s.shows_agent(ext))
        if not isinstance(opened, tuple):
            return opened
        lang, scope = opened
        a = hub.state.agents.get(ext)
        if a is None:
            ui.label(t("no_agent", lang)).classes("text-2xl p-4")
            return None
        with ui.column().classes("p-4 gap-2 w-full"):
            ui.label(f"{t('agent', lang)} {a.record.display_name} · {ext}").classes("text-3xl")
            spec = desk_spec(
                publisher, publisher.ensure(f"agent:{ext}", _spec(a, ext, lang, settings)), scope
            )
            config = board_config(settings, spec, lang, kiosk=False, links=None)
            Board(publisher, spec.name, config).classes("w-full")
            _timeline(hub, settings, a, ext, lang)
            watched = _watched(hub, settings, changes, ext)
            _live_figures(hub, settings, ext, (watched, lang))
            if changes is not None:
                await _last_changes(changes, settings, ext, (watched, lang))
            actor = session.user()
            if actions is not None and scope.act and actor is not None and actions.may_act(actor):
                _status_control(actions, settings, session.who, ext, a.record.status_code, lang)
            elif actions is not None and session.access.open:  # it would be refused: say why
                needs_users("na_status", lang)
        return None


def _spec(a: Agent, ext: int, lang: Lang, settings: Settings) -> BoardSpec:
    """A one-agent board, kept up to date by the publisher while the page is open."""
    return BoardSpec(
        name=f"agent:{ext}",
        title=a.record.display_name or str(ext),
        language=lang,
        # No queue at all: its payload carries no queue, waiting caller or floor figure
        # (`desk_spec` lets an agent's call name a queue of the reader's).
        queues=frozenset(),
        extensions=frozenset({ext}),
        widgets=("agents",),
        sort="status",
        sound=False,
        mask=settings.privacy.mask_callers,
    )


def _watched(hub: Hub, settings: Settings, changes: CdrService | None, ext: int) -> float | None:
    """Since when (true UTC) the wallboard saw this agent today: None when it saw her all
    day (first seen before the day began) or cannot say (no `[cdr]`, no status log)."""
    seen = changes.watched_since(ext) if changes is not None else None
    day = hub.state.day
    if seen is None or day is None:
        return None
    return seen if seen > day.bounds.start else None


def _hhmm(settings: Settings, utc: float) -> str:
    return datetime.fromtimestamp(utc, zone(settings.day.timezone)).strftime("%H:%M")


def _live_figures(hub: Hub, settings: Settings, ext: int, about: tuple[float | None, Lang]) -> None:
    """The current status line and the figures, each titled as what it covers; updated in
    place every few seconds while the page is open (a status changes, a call ends, the
    minutes go by)."""
    watched, lang = about
    now_line = ui.label("").classes("text-lg wb-status-now").props('dir="auto"')
    with ui.row().classes("gap-12 items-start"):
        with ui.column().classes("wb-calls-day"):
            ui.label(t("calls_whole_day", lang)).classes("text-xl")
            calls = figures_table([])
        with ui.column().classes("wb-status-spans"):
            if watched is None:
                ui.label(t("status_time_today", lang)).classes("text-xl")
            else:
                since = t("status_time_since", lang).format(t=_hhmm(settings, watched))
                ui.label(since).classes("text-xl")
            statuses = figures_table([])

    def draw() -> None:
        a = hub.state.agents.get(ext)
        if a is None:
            return  # gone from the account: the last figures stay
        now_line.text = _status_now(hub, settings, a, watched, lang)
        for table, rows in zip(
            (calls, statuses), _figures(hub, settings, a, ext, about), strict=True
        ):
            if table.rows != rows:
                table.rows = rows
                table.update()

    draw()
    timer_once_connected(_CHANGES_EVERY, draw)


def _status_now(hub: Hub, settings: Settings, a: Agent, watched: float | None, lang: Lang) -> str:
    """The current status and since when. One that began before the wallboard first saw
    the agent says so: "since before 09:30" when the vendor did not say when it began,
    its start and the connect time when it did."""
    key = status_key(a.state, a.break_code)
    names = status_names(settings, lang)
    name = names.get(key, names.get(key.split(":", 1)[0], key))
    began = _hhmm(settings, hub.state.clock.to_utc(a.state_since))
    if watched is not None and not a.since_known:
        return t("status_since_before", lang).format(s=name, t=_hhmm(settings, watched))
    if watched is not None and hub.state.clock.to_utc(a.state_since) < watched:
        at = _hhmm(settings, watched)
        return t("status_since_known_before", lang).format(s=name, a=began, t=at)
    return t("status_since", lang).format(s=name, t=began)


Rows = list[dict[str, object]]


def _figures(
    hub: Hub, settings: Settings, a: Agent, ext: int, about: tuple[float | None, Lang]
) -> tuple[Rows, Rows]:
    """Today's calls (the whole day) and time in each status (the spans the wallboard saw:
    from the day's start, or from when it first saw the agent)."""
    watched, lang = about
    day = hub.state.day
    now = timebase.now()
    shift = hub.state.clock.shift
    sn = hub.state.clock.now(now) or now
    start = (day.bounds.start + shift) if day else 0.0
    tally = day.agents.get(ext, AgentTally()) if day else AgentTally()
    nums = agent_numbers(tally, a, start, sn)
    seen_from = start if watched is None else watched + shift  # the server's clock
    current = status_key(a.state, a.break_code)
    statuses = dict(kpis.time_in_status_seen(tally, current, a.state_since, seen_from, sn))
    first = kpis.first_login(tally.spans, current, a.state_since, start)
    rows = _status_rows(settings, statuses, lang)
    first_row = _first_login_row(settings, first, seen_from, shift, lang)
    return _call_rows(nums, lang), [*rows, first_row]


def _call_rows(nums: dict[str, Any], lang: Lang) -> list[dict[str, object]]:
    """The day's calls: answered, missed, outgoing, handled, handle and talk time."""
    labels = metric_texts(lang)
    return [
        {"k": t("answered", lang), "v": nums["answered"]},
        {"k": t("missed", lang), "v": nums["missed"]},
        {"k": t("outgoing_calls", lang), "v": nums["outgoing"]},
        {"k": labels["agent_handled"]["label"], "v": nums["handled"]},
        {"k": labels["agent_handle_time"]["label"], "v": duration(nums["handle_time"])},
        {"k": t("talk_time", lang), "v": duration(nums["talk_time"])},
    ]


def _status_rows(
    settings: Settings, statuses: dict[str, float], lang: Lang
) -> list[dict[str, object]]:
    """Time in each status seen, and the occupancy made of those same times."""
    names = status_names(settings, lang)
    occupancy = kpis.occupancy(statuses)
    rows: list[dict[str, object]] = [
        {"k": names.get(k, k), "v": duration(round(v, 1))} for k, v in sorted(statuses.items())
    ]
    label = metric_texts(lang)["occupancy"]["label"]
    return [*rows, {"k": label, "v": "—" if occupancy is None else f"{round(100 * occupancy)}%"}]


def _first_login_row(
    settings: Settings, first: float | None, seen_from: float, shift: float, lang: Lang
) -> dict[str, object]:
    """First login today; one before the wallboard saw the agent as "before 09:30"."""
    label = metric_texts(lang)["first_login"]["label"]
    if first is None:
        return {"k": label, "v": "—"}
    at = _hhmm(settings, first - shift)  # the server's clock, shifted to ours
    if first < seen_from:
        return {
            "k": label,
            "v": t("before_time", lang).format(t=_hhmm(settings, seen_from - shift)),
        }
    return {"k": label, "v": at}


async def _last_changes(
    changes: CdrService, settings: Settings, ext: int, about: tuple[float | None, Lang]
) -> None:
    """Today's last status changes with their reason names, and who made ours; refreshed.
    None since the wallboard connected today says so, not "none today"."""
    watched, lang = about
    ui.label(t("last_changes", lang)).classes("text-xl")
    empty = (
        t("no_changes", lang)
        if watched is None
        else t("no_changes_since", lang).format(t=_hhmm(settings, watched))
    )
    names = settings.statuses.names

    def name(code: int) -> str:
        n = names.get(code)
        return str(code) if n is None else (n.he or n.en) if lang == "he" else n.en

    tz = zone(settings.day.timezone)
    cols = [
        {"name": k, "label": t(f"change_{k}", lang), "field": k, "align": "left"}
        for k in ("at", "to", "from", "by")
    ]
    table = ui.table(columns=cols, rows=[]).classes("max-w-2xl wb-changes")
    table.props(f'dark dense flat no-data-label="{empty}"')

    async def refresh() -> None:
        try:
            rows = await changes.status_changes(ext)
        except WallboardError as e:
            log.warning("status changes of %s not read: %s", ext, e)
            return
        table.rows = [
            {
                "at": datetime.fromtimestamp(r.at, tz).strftime("%H:%M:%S"),
                "to": name(r.status_code),
                "from": name(r.previous_code),
                "by": r.actor or t("by_phone", lang),
            }
            for r in rows
        ]
        table.update()

    await refresh()
    ui.timer(_CHANGES_EVERY, refresh)


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
    actions: Actions,
    settings: Settings,
    who: Callable[[], tuple[str, Scope]],
    ext: int,
    current: int,
    lang: Lang,
) -> None:
    """A status picker and its button: pending until the agent's status event confirms the
    change (or a clear failure after `Actions.confirm_seconds`); Logout asks first. `who`
    is asked when the button is pressed: the lead and her scope as they are then."""
    options = {
        code: (n.he or n.en) if lang == "he" else n.en
        for code, n in settings.statuses.names.items()
    }
    with ui.row().classes("items-center gap-2 wb-status-control"):
        sel = ui.select(options, value=current, label=t("set_status", lang)).classes("w-64")
        button = ui.button(t("set_status", lang))
        state = ui.label("").classes("wb-action-state")

    async def send(code: int) -> None:
        button.disable()
        state.text = f"{t('pending', lang)}: {options.get(code, code)}…"
        state.props("data-state=pending")
        actor, scope = who()
        try:
            await actions.set_status(actor, ext, code, scope)
        except WallboardError as e:  # denied, refused, or never confirmed: in words
            log.warning("status change by %s for %s failed: %s", actor, ext, e)
            state.text = f"{t('failed', lang)}: {e}"
            state.props("data-state=failed")
            ui.notify(f"{t('failed', lang)}: {e}", type="negative")
        else:
            state.text = f"{t('status_changed', lang)}: {options.get(code, code)}"
            state.props("data-state=done")
            ui.notify(state.text, type="positive")
        finally:
            button.enable()

    with ui.dialog() as confirm, ui.card():
        ui.label(t("confirm_logout", lang)).classes("text-lg")
        with ui.row():
            ui.button(t("cancel", lang), on_click=confirm.close).props("flat")

            async def confirmed() -> None:
                confirm.close()
                await send(settings.statuses.logout_code)

            ui.button(t("logout_agent", lang), on_click=confirmed).props("color=negative")

    async def change() -> None:
        code = int(sel.value)
        if code == settings.statuses.logout_code:
            confirm.open()  # logging an agent out drops them from every queue: ask first
            return
        await send(code)

    button.on_click(change)
