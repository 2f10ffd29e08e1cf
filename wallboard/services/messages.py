"""Messages to the floor: a team lead posts a short text for some boards' kiosks, until a
time; kept in the store (they survive a restart) and in memory for the kiosks to read."""

from __future__ import annotations

import logging
from collections.abc import Callable

from wallboard.core.scope import Scope
from wallboard.errors import ActionDenied
from wallboard.runtime import timebase
from wallboard.store.base import CdrStore
from wallboard.store.rows import FloorMessageRow

__all__ = ["MAX_LENGTH", "FloorMessages"]

log = logging.getLogger(__name__)

MAX_LENGTH = 200  # a ticker line read from across the room; longer is not read
MAX_HOURS = 24.0  # a message lasts at most a day: an old one would be read as news


class FloorMessages:
    """Posts, removes and lists the messages kiosks show."""

    def __init__(self, store: CdrStore, clock: Callable[[], float] = timebase.now) -> None:
        self.store = store
        self._clock = clock
        self._active: list[FloorMessageRow] = []

    async def load(self) -> None:
        """Read the running messages from the store (at start-up)."""
        self._active = await self.store.messages_until(self._clock())

    async def post(
        self, author: str, scope: Scope, text: str, minutes: float, boards: tuple[str, ...]
    ) -> FloorMessageRow:
        """CdrStore and show a message; refused (in words) outside the author's boards."""
        text = " ".join(text.split())
        if not author or not scope.act:
            raise ActionDenied("only a signed-in team lead may post a message")
        if not text:
            raise ActionDenied("the message is empty")
        if len(text) > MAX_LENGTH:
            raise ActionDenied(f"the message is longer than {MAX_LENGTH} characters")
        if not 0 < minutes <= MAX_HOURS * 60:
            raise ActionDenied(f"a message runs between 1 minute and {MAX_HOURS:g} hours")
        if not boards and scope.boards is not None:
            boards = tuple(sorted(scope.boards))  # "all" for a limited lead: all of hers
        outside = [b for b in boards if not scope.shows_board(b)]
        if outside:
            raise ActionDenied(f"not your boards: {', '.join(outside)}")
        now = self._clock()
        until = now + minutes * 60
        mid = await self.store.add_message(text, boards, until, author, now)
        row = FloorMessageRow(mid, text, boards, until, author, now)
        self._active.append(row)
        log.info("%s posted a message to %s until %.0f", author, boards or "every board", until)
        return row

    async def remove(self, message_id: int, scope: Scope) -> None:
        """Take a message off the kiosks (a lead: one for her boards only)."""
        found = next((m for m in self._active if m.id == message_id), None)
        if found is None:
            return
        mine = scope.boards is None or (
            bool(found.boards) and all(scope.shows_board(b) for b in found.boards)
        )
        if not scope.act or not mine:
            raise ActionDenied("not a message for your boards")
        await self.store.remove_message(message_id, self._clock())
        self._active = [m for m in self._active if m.id != message_id]

    def active(self, board: str | None = None) -> list[FloorMessageRow]:
        """Messages running now, oldest first; for one board: those that name it (or all)."""
        now = self._clock()
        self._active = [m for m in self._active if m.until > now]
        if board is None:
            return list(self._active)
        return [m for m in self._active if not m.boards or board in m.boards]
