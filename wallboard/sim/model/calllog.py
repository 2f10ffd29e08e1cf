"""The simulated vendor's Call Log: every ended call's CDR, searchable by time.

The model only appends; where the rows live is the caller's choice. `MemoryCallLog`
(bounded, no I/O) suits a model run on its own; the simulator's server gives the model
`sim.calllog.CallLogFile`, which keeps the rows on disk, so a big floor running for days
does not hold its Call Log in memory (1.6 KB per call as dicts: at 2,000 agents most of a
demo's memory growth).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Protocol

from wallboard.sim.model.entities import Json

__all__ = ["CallLog", "MemoryCallLog"]


class CallLog(Protocol):
    """Where the model records its ended calls."""

    def append(self, row: Json) -> None:
        """Record one CDR (without its AI data)."""

    def between(
        self, start: float, end: float, queues: frozenset[int] = frozenset()
    ) -> Iterator[Json]:
        """The CDRs whose `time` is in [start, end] (and queue in `queues`, if any given),
        oldest first."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Json]: ...


class MemoryCallLog:
    """The newest `limit` CDRs in memory."""

    def __init__(self, limit: int = 200_000) -> None:
        self.rows: deque[Json] = deque(maxlen=limit)

    def append(self, row: Json) -> None:
        """Record one CDR; the oldest goes once `limit` are kept."""
        self.rows.append(row)

    def between(
        self, start: float, end: float, queues: frozenset[int] = frozenset()
    ) -> Iterator[Json]:
        """The CDRs whose `time` is in [start, end] (and queue in `queues`, if any given),
        in the order recorded."""
        return (
            r
            for r in self.rows
            if start <= r["time"] <= end and (not queues or r.get("queueid") in queues)
        )

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Json]:
        return iter(self.rows)
