"""`/queue/{qid}`: one queue's live board with its members, and today's figures."""

from __future__ import annotations

from dataclasses import replace

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.config import Settings
from wallboard.core.kpis import QueueTally
from wallboard.core.models import Queue
from wallboard.core.view import queue_numbers
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.web.boards import BoardSpec
from wallboard.web.components.board.board import Board
from wallboard.web.fmt import duration
from wallboard.web.i18n import Lang, metric_texts, t
from wallboard.web.pages.layout import (
    board_config,
    desk_page_about,
    desk_spec,
    figures_table,
)
from wallboard.web.publisher import Publisher
from wallboard.web.session import Session

__all__ = ["register"]


def register(session: Session, publisher: Publisher, hub: Hub, settings: Settings) -> None:
    """Register `/queue/{qid}`."""

    @session.site.page("/queue/{qid}")
    def queue_page(request: Request, qid: int) -> RedirectResponse | None:
        opened = desk_page_about(session, request, lambda s: s.shows_queue(qid))
        if not isinstance(opened, tuple):
            return opened
        lang, scope = opened
        q = hub.state.queues.get(qid)
        if q is None:
            ui.label(t("no_queue", lang)).classes("text-2xl p-4")
            return None
        spec = _spec(q, qid, lang, publisher, settings)
        if scope.extensions is not None and spec.extensions is not None:
            # Members outside the reader's boards are not shown: a board of their own.
            exts = spec.extensions & scope.extensions
            key = ",".join(str(x) for x in sorted(scope.extensions))
            spec = replace(spec, name=f"queue:{qid}@{key}", extensions=exts)
        spec = desk_spec(publisher, publisher.ensure(spec.name, spec), scope)
        with ui.column().classes("p-4 gap-2 w-full"):
            config = board_config(settings, spec, lang, kiosk=False)
            Board(publisher, spec.name, config).classes("w-full")
            ui.label(t("today", lang)).classes("text-xl")
            figures_table(_today_rows(hub, q, qid, lang))
            ui.label(t("members_note", lang)).classes("text-sm opacity-70")
        return None


def _spec(q: Queue, qid: int, lang: Lang, publisher: Publisher, settings: Settings) -> BoardSpec:
    """A one-queue board with the agents seen answering it today."""
    return BoardSpec(
        name=f"queue:{qid}",
        title=q.name or str(qid),
        language=lang,
        queues=frozenset({qid}),
        extensions=frozenset(publisher.membership.members(qid)),
        widgets=("summary", "queues", "waiting", "agents"),
        sort="status",
        sound=False,
        mask=settings.privacy.mask_callers,
    )


def _today_rows(hub: Hub, q: Queue, qid: int, lang: Lang) -> list[dict[str, object]]:
    """Today's figures of the queue, named as on the board."""
    day = hub.state.day
    tally = day.queues.get(qid, QueueTally()) if day else QueueTally()
    now = timebase.now()
    nums = queue_numbers(tally, q, hub.state.clock.now(now) or now)
    labels = metric_texts(lang)
    return [
        {"k": labels.get(k, {}).get("label") or t(k, lang), "v": _in_words(k, v)}
        for k, v in nums.items()
    ]


# How each figure reads: shares as percentages, waits as h:mm:ss, counts as they are.
_PERCENT = {"service_level", "abandon_rate"}
_DURATION = {"asa", "average_wait", "longest_wait", "longest_waiting_now"}


def _in_words(key: str, v: object) -> object:
    if v is None:
        return "—"
    if key in _PERCENT and isinstance(v, float | int):
        return f"{round(v * 100)}%"
    if key in _DURATION and isinstance(v, float | int):
        return duration(v)
    return v
