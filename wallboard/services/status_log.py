"""Every agent status change, stored: from the vendor's events, and who made it when it
came from our own action (the agent page lists them with their reason names).

It also knows when this process first saw each agent (`seen_at`): status spans and
changes exist only from then on, so the agent page says "since the wallboard connected"
and reads a status that began before as "on Lunch since before 09:30 (connected at
09:30)" rather than "no status changes today"."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from wallboard.core.events import DomainEvent, ExtensionChanged, ExtensionsSnapshot
from wallboard.errors import WallboardError
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.store.base import CdrStore
from wallboard.store.rows import StatusChangeRow

__all__ = ["StatusLog"]

log = logging.getLogger(__name__)

_FLUSH_SECONDS = 1.0  # buffered changes are written this often (one transaction)
_EXPECT_SECONDS = 60.0  # an action's change is attributed to its actor this long


@dataclass(slots=True)
class _Expected:
    code: int
    actor: str
    until: float


class StatusLog:
    """Watches the hub for status code changes and writes them to the store."""

    def __init__(self, hub: Hub, store: CdrStore) -> None:
        self.hub = hub
        self.store = store
        self._last: dict[int, int] = {}
        self._buffer: list[StatusChangeRow] = []
        self._expected: dict[int, _Expected] = {}
        # Extension → when this process first saw it (true UTC): its first sight is no
        # change, and no status before it is known to us but by the vendor's word.
        self._seen: dict[int, float] = {}
        now = timebase.now()
        for ext, a in hub.state.agents.items():
            self._last[ext] = a.record.status_code
            self._seen[ext] = now
        hub.subscribe(self._on_event)

    def expect(self, extension: int, status_code: int, actor: str) -> None:
        """Our action asked for this change: when the events show it, it was `actor`."""
        until = timebase.now() + _EXPECT_SECONDS
        self._expected[extension] = _Expected(status_code, actor, until)

    def seen_at(self, extension: int) -> float | None:
        """When this process first saw the agent on `extension` (true UTC), or None."""
        return self._seen.get(extension)

    def _on_event(self, event: DomainEvent) -> None:
        if isinstance(event, ExtensionChanged):
            self._check(event.record.extension)
        elif isinstance(event, ExtensionsSnapshot):
            for r in event.extensions:
                self._check(r.extension)

    def _check(self, extension: int) -> None:
        agent = self.hub.state.agents.get(extension)
        if agent is None:
            return
        code = agent.record.status_code
        before = self._last.get(extension)
        self._last[extension] = code
        if before is None:
            self._seen[extension] = timebase.now()
        if before is None or before == code:
            return  # first sight (a restart) is not a change
        at = self.hub.state.clock.to_utc(agent.state_since)  # server domain → true UTC
        actor = None
        exp = self._expected.pop(extension, None)
        if exp is not None and exp.code == code and timebase.now() <= exp.until:
            actor = exp.actor
        self._buffer.append(StatusChangeRow(at, extension, code, before, actor))

    async def flush(self) -> int:
        """Write what was buffered; the number written."""
        rows, self._buffer = self._buffer, []
        if rows:
            await self.store.add_status_changes(rows)
        return len(rows)

    async def run(self) -> None:
        """The status log task: flush every second (a failed write is kept and retried)."""
        while True:
            await asyncio.sleep(_FLUSH_SECONDS)
            rows = list(self._buffer)
            try:
                await self.flush()
            except WallboardError as e:
                log.warning("status changes not stored yet: %s", e)
                self._buffer[:0] = rows
