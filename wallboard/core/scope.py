"""What one reader may see and do: the single rule every page, API, CSV and action applies.

A scope is the union of the boards a person may open: their queues and their agents
(None: all of them). Whether caller numbers are shown in full, and whether supervisor
actions are allowed, are rights of the person, not of the boards (docs/access.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import Enum

__all__ = ["Role", "Scope", "mask_number", "union", "with_own_boards"]


class Role(Enum):
    """Who is asking: decides which routes open at all."""

    ANONYMOUS = "anonymous"  # nobody signed in while users are configured
    OPEN = "open"  # no users configured: the desk pages are open, numbers masked
    KIOSK = "kiosk"  # a kiosk token: /kiosk and nothing else
    LEAD = "lead"  # a signed-in team lead
    ADMIN = "admin"  # a signed-in lead with `admin = true`


@dataclass(frozen=True, slots=True)
class Scope:
    """The queues and agents one reader may see, and their rights."""

    role: Role
    user: str | None = None
    boards: frozenset[str] | None = None  # None: every board
    queues: frozenset[int] | None = None  # None: every queue
    extensions: frozenset[int] | None = None  # None: every agent
    numbers: bool = False  # may see caller numbers in full
    act: bool = False  # may take supervisor actions (status change, call back)
    # The extensions a call-back may ring first: the lead's own phone(s), from her user
    # record, never from a field she edits (None: any, the open mode's typed extension).
    phones: frozenset[int] | None = None

    @property
    def desk(self) -> bool:
        """May open the desk pages (boards, agent, queue, history, worklist, call)."""
        return self.role in (Role.OPEN, Role.LEAD, Role.ADMIN)

    @property
    def admin(self) -> bool:
        """May open /admin pages (board editor, users, tokens)."""
        return self.role is Role.ADMIN

    def shows_board(self, board: str) -> bool:
        """Whether this board is one of the reader's."""
        return self.boards is None or board in self.boards

    def shows_queue(self, queue_id: int | None) -> bool:
        """Whether this queue is in scope (a call without a queue: only for an unscoped reader)."""
        if self.queues is None:
            return True
        return queue_id is not None and queue_id in self.queues

    def shows_agent(self, extension: int | None) -> bool:
        """Whether this agent is in scope."""
        if self.extensions is None:
            return True
        return extension is not None and extension in self.extensions

    def may_call_from(self, extension: int) -> bool:
        """Whether a call-back may ring this extension first (one of the reader's phones)."""
        return self.phones is None or extension in self.phones

    def number(self, number: str, visible: int) -> str:
        """A caller number as this reader may see it: in full, or masked."""
        return number if self.numbers else mask_number(number, visible)


def mask_number(number: str, visible: int) -> str:
    """'0501234567' → '•••••••567' (keeps the last `visible` digits)."""
    if not number:
        return ""
    keep = number[-visible:] if visible > 0 else ""
    return "•" * max(0, len(number) - len(keep)) + keep


def union(
    boards: Iterable[tuple[frozenset[int] | None, frozenset[int] | None]],
) -> tuple[frozenset[int] | None, frozenset[int] | None]:
    """The queues and agents of several boards together (None wins: that board shows all).

    A board that names queues but no agents shows every agent, so the union's agents are
    all agents; the same for queues.
    """
    queues: set[int] = set()
    exts: set[int] = set()
    all_q = all_x = False
    for q, x in boards:
        if q is None:
            all_q = True
        else:
            queues |= q
        if x is None:
            all_x = True
        else:
            exts |= x
    return (None if all_q else frozenset(queues)), (None if all_x else frozenset(exts))


def _within(part: frozenset[int] | None, whole: frozenset[int] | None) -> bool:
    return whole is None or (part is not None and part <= whole)


def with_own_boards(
    scope: Scope, own: Iterable[tuple[str, frozenset[int] | None, frozenset[int] | None]]
) -> Scope:
    """A lead's scope with the boards she made, (name, queues, agents): only those inside
    her queues and agents, so a board of hers never widens what she sees (narrowed by an
    admin since, a board of hers that no longer fits drops out of her scope)."""
    if scope.boards is None:
        return scope
    fits = {b for b, q, x in own if _within(q, scope.queues) and _within(x, scope.extensions)}
    return replace(scope, boards=scope.boards | fits)
