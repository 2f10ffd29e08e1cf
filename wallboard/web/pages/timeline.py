"""The agent's day as a bar of coloured spans (from the status events), with words on hover."""

from __future__ import annotations

import html
from datetime import datetime

from nicegui import ui

from wallboard.core.clock import zone
from wallboard.core.kpis import AgentTally
from wallboard.web.fmt import duration
from wallboard.web.i18n import Lang, t

__all__ = ["status_timeline"]

# The board's status colours (board.css), by the start of a status key.
_COLOURS = {
    "available": "#1f9d55",
    "ringing": "#b36bff",
    "dialing": "#2f6fde",
    "talking": "#2f6fde",
    "hold": "#2f6fde",
    "break": "#c98a0b",
    "logged_out": "#7d8796",
}


def _colour(key: str) -> str:
    return _COLOURS.get(key.split(":", 1)[0], "#4a5260")


def status_timeline(
    tally: AgentTally,
    current: tuple[str, float],
    names: dict[str, str],
    window: tuple[float, float, float],
    timezone: str,
    lang: Lang,
) -> None:
    """Draw today's spans from the day's start to now (`window` = start, now, clock shift).

    Times are in the server's clock domain; `shift` takes them to true UTC for the labels.
    Before the first known span the bar is empty: the wallboard was not watching yet.
    """
    start, now, shift = window
    total = max(1.0, now - start)
    tz = zone(timezone)

    def clock(x: float) -> str:
        return datetime.fromtimestamp(x - shift, tz).strftime("%H:%M")

    spans = [*tally.spans, (current[0], max(current[1], start), now)]
    parts = []
    first = min(a for _, a, _ in spans)
    if first > start:
        # Before the wallboard first saw this agent today: hatched, and said so in words.
        title = html.escape(f"{t('not_watched', lang)} {clock(start)}–{clock(first)}")
        parts.append(
            f'<div title="{title}" data-status="unknown" style="position:absolute;'
            f"inset-inline-start:0;width:{100 * (first - start) / total:.3f}%;top:0;bottom:0;"
            'background:repeating-linear-gradient(45deg,#151c25 0 6px,#2a3340 6px 12px)"></div>'
        )
    for key, a, b in spans:
        a = max(a, start)
        if b <= a:
            continue
        name = names.get(key, names.get(key.split(":", 1)[0], key))
        title = html.escape(f"{name} {clock(a)}–{clock(b)} ({duration(b - a)})")
        left = 100 * (a - start) / total
        width = 100 * (b - a) / total
        parts.append(
            f'<div title="{title}" data-status="{html.escape(key)}" style="position:absolute;'
            f"inset-inline-start:{left:.3f}%;width:{width:.3f}%;top:0;bottom:0;"
            f'background:{_colour(key)}"></div>'
        )
    ui.label(t("timeline", lang)).classes("text-xl")
    ui.html(
        '<div class="wb-timeline" role="img" style="position:relative;height:2.2em;'
        'background:#151c25;border-radius:0.3em;overflow:hidden;max-width:60em">'
        + "".join(parts)
        + "</div>"
        f'<div style="display:flex;justify-content:space-between;max-width:60em;opacity:0.8">'
        f"<span>{clock(start)}</span><span>{clock(now)}</span></div>"
    ).classes("w-full")
