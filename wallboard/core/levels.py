"""Threshold levels (ok / warn / alarm) with their hold, decided once from the state and the clock.

A figure's raw level is where it stands against its warn and alarm lines now; the level a
screen shows changes only once the raw level has held `hold` seconds (both ways: a figure on
the edge does not flap). Each shown level carries the time it began, so a page paints it on
its first frame and flashes (or beeps) only for a level that began after the page opened.

Where the state itself says since when a figure has been past a line, that time is used, not
the time we first looked: the longest wait passed 2:00 at its caller's join time + 120 s;
"6 waiting" has held since the 6th of the callers still waiting joined. So a server that
restarts (or a board first opened) decides the same levels, begun at the same times, as one
that ran all along. Day figures (service level, abandon rate) keep no such history: one past
its line when first judged is taken as already so (`since` None), and never flashes.

Pure: no I/O, no clock reads; the caller passes `now` in the server's clock domain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["Level", "Line", "Shown", "began_count", "began_wait", "level_of", "settle", "worst"]

Level = Literal["ok", "warn", "alarm"]
_RANK: dict[Level, int] = {"ok": 0, "warn": 1, "alarm": 2}


@dataclass(frozen=True, slots=True)
class Line:
    """A figure's warn and alarm lines (None: never); `low`: lower is worse (service level)."""

    warn: float | None = None
    alarm: float | None = None
    low: bool = False

    def past(self, value: float, line: float | None) -> bool:
        if line is None:
            return False
        return value < line if self.low else value >= line


@dataclass(frozen=True, slots=True)
class Shown:
    """The level a screen shows, since when (None: already so when first judged), and the
    raw level waiting out its hold, since when."""

    level: Level = "ok"
    since: float | None = None
    next: Level = "ok"
    next_since: float | None = None


def level_of(line: Line, value: float | None) -> Level:
    """Where `value` stands now (None, a figure not judged: "ok", never a red tile)."""
    if value is None:
        return "ok"
    if line.past(value, line.alarm):
        return "alarm"
    if line.past(value, line.warn):
        return "warn"
    return "ok"


def worst(levels: Sequence[Level]) -> Level:
    """The worst of `levels` ("ok" for none)."""
    return max(levels, key=_RANK.__getitem__, default="ok")


def _line_for(line: Line, level: Level) -> float | None:
    return line.alarm if level == "alarm" else line.warn if level == "warn" else None


def began_wait(line: Line, level: Level, first_joined: float | None) -> float | None:
    """When the longest wait (of the caller who joined at `first_joined`) reached `level`."""
    at = _line_for(line, level)
    if at is None or first_joined is None:
        return None
    return first_joined + at


def began_count(line: Line, level: Level, joined: Sequence[float]) -> float | None:
    """Since when at least `level`'s line of callers have waited: the time the line's n-th
    caller of those still waiting joined (all of them wait still, so the count held since)."""
    at = _line_for(line, level)
    if at is None:
        return None
    n = max(1, int(-(-at // 1)))  # "3 waiting" is reached by the 3rd caller
    ordered = sorted(joined)
    return ordered[n - 1] if len(ordered) >= n else None


def settle(prev: Shown | None, raw: Level, began: float | None, now: float, hold: float) -> Shown:
    """The shown level after judging `raw` at `now` (`began`: since when the state says `raw`
    has held, if it says; `prev` None: first judged, as after a restart)."""
    if prev is None:
        if raw == "ok":
            return Shown()
        if began is None:
            return Shown(raw, None, raw, None)  # a day figure: already so
        prev = Shown(next="ok")
    if raw == prev.level:
        return Shown(prev.level, prev.since, raw, None)
    start = prev.next_since if raw == prev.next and prev.next_since is not None else None
    if start is None:
        # The state's own time counts on the way up only: "at least 6 waiting since 10:02"
        # says nothing of since when it is below the alarm line on the way down.
        rising = _RANK[raw] > _RANK[prev.level]
        start = min(began, now) if began is not None and rising else now
    if now - start >= hold:
        return Shown(raw, start + hold, raw, None)
    return Shown(prev.level, prev.since, raw, start)
