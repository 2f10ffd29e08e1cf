"""How the pages write a duration: one rule, the same in Hebrew and English."""

from __future__ import annotations

__all__ = ["duration"]


def duration(seconds: float | None) -> str:
    """h:mm:ss from one hour up, else m:ss; whole seconds down, negative as 0, None as a dash.

    The board (board.js) and the worklist's ticking "ago" (pages/worklist.py's script)
    write the same in the browser, floor included, so a figure reads alike everywhere.
    """
    if seconds is None:
        return "—"
    s = max(0, int(seconds))
    h, m = divmod(s // 60, 60)
    return f"{h}:{m:02d}:{s % 60:02d}" if h else f"{m}:{s % 60:02d}"
