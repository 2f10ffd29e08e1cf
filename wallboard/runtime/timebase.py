"""The process's one clock: epoch seconds that never jump (monotonic-anchored).

Wall-clock changes on the host (NTP steps, a wrong TV clock) must not make durations jump,
so the edge stamps events with the epoch at start-up plus monotonic time since.
"""

from __future__ import annotations

import time

__all__ = ["now"]

_EPOCH0 = time.time()
_MONO0 = time.monotonic()


def now() -> float:
    """Epoch seconds, advancing with the monotonic clock."""
    return _EPOCH0 + (time.monotonic() - _MONO0)
