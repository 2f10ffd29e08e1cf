"""When a consumer of the fold's changes sends them: at once after a quiet spell, coalesced
only under load (a throttle with a leading and a trailing edge).

The first change after at least one interval without a send goes out `gather` after it
(the leading edge: a quiet board's change reaches its screens in a few ms, not at a
timer's next beat). A change that comes sooner waits until one interval after the last
send, together with everything else that arrives meanwhile (the trailing edge: one send
for the lot). So a busy board sends at most once per interval and no change waits longer
than an interval plus `gather`; a quiet one sends each change as it happens.

Pure: the caller passes its clock's reading (`loop.time()`), so the rule is tested with
plain numbers (tests/unit/runtime/test_pace.py).
"""

from __future__ import annotations

import math

__all__ = ["Pace"]


class Pace:
    """The send schedule of one consumer (the board publisher)."""

    def __init__(self, interval: float, gather: float = 0.0) -> None:
        if interval < 0 or gather < 0:
            raise ValueError("interval and gather must not be negative")
        self.interval = interval
        self.gather = gather
        self.last = -math.inf  # when the last send that carried changes started

    def due(self, now: float) -> float:
        """When to send a change noticed at `now` (never before `now`)."""
        return max(now + self.gather, self.last + self.interval)

    def sent(self, at: float) -> None:
        """A send carrying changes started at `at`: the next one is an interval later."""
        self.last = at
