"""The discrete-event agenda: actions scheduled at simulated times, run in order."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["Agenda"]

Action = Callable[..., None]


class Agenda:
    """Scheduled actions by time; equal times run in the order they were scheduled."""

    def __init__(self) -> None:
        # The sequence number breaks ties, so actions themselves are never compared and
        # a seed replays in exactly the same order.
        self._heap: list[tuple[float, int, Action, tuple[Any, ...]]] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._heap)

    def at(self, t: float, fn: Action, *args: Any) -> None:
        """Run `fn(*args)` at simulated time `t`."""
        self._seq += 1
        heapq.heappush(self._heap, (t, self._seq, fn, args))

    def due(self, until: float) -> Iterator[tuple[float, Action, tuple[Any, ...]]]:
        """Pop the actions due up to `until`, earliest first, including ones scheduled
        meanwhile by the actions already popped."""
        heap = self._heap
        while heap and heap[0][0] <= until:
            t, _, fn, args = heapq.heappop(heap)
            yield t, fn, args
