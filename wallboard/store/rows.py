"""The store's row types, shared by the SQLite and PostgreSQL stores and the interface."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from wallboard.core.calls import Cdr

__all__ = [
    "PRUNED_TABLES",
    "AlertRow",
    "AuditRow",
    "BoardRow",
    "CdrRow",
    "FloorMessageRow",
    "KioskTokenRow",
    "PruneBefore",
    "Pruned",
    "QuarantineRow",
    "StatusChangeRow",
    "StoreHealth",
    "Stored",
    "Written",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CdrRow:
    """A stored CDR: the parsed record and where it came from."""

    id: int
    cdr: Cdr
    received: float
    source: str
    encoding: str


@dataclass(frozen=True, slots=True)
class Stored:
    """What storing one CDR did: `new` (inserted, or replaced a Call Log row) and the
    replaced row's `time` (which may put that call on another day than the new one)."""

    new: bool
    replaced_time: int | None = None


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One supervisor action, allowed or not, succeeded or not."""

    at: float
    actor: str
    action: str
    target: str
    detail: str
    ok: bool


@dataclass(frozen=True, slots=True)
class QuarantineRow:
    """A body refused for its content, as received."""

    id: int
    received: float
    reason: str
    encoding: str
    content_type: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class PruneBefore:
    """Retention's cut-offs (epoch seconds): what is older goes (docs/operations.md)."""

    calls: float  # a CDR's caller and target numbers, AI summary and raw body erased
    callbacks: float
    status_log: float
    alert_log: float
    audit: float
    quarantine: float  # refused bodies (they hold numbers too)


# Deleted by `prune` after their retention, in both stores: (PruneBefore field, table,
# time column). CDRs are not deleted but erased (their figures stay).
PRUNED_TABLES = (
    ("callbacks", "callback", "at"),
    ("status_log", "status_change", "at"),
    ("alert_log", "alert_log", "at"),
    ("audit", "audit", "at"),
    ("quarantine", "quarantine", "received"),
)


@dataclass(frozen=True, slots=True)
class Pruned:
    """How many rows retention erased (CDRs) or deleted (the rest)."""

    calls: int = 0
    callbacks: int = 0
    status_log: int = 0
    alert_log: int = 0
    audit: int = 0
    quarantine: int = 0

    @property
    def total(self) -> int:
        """Every row touched."""
        return (
            self.calls
            + self.callbacks
            + self.status_log
            + self.alert_log
            + self.audit
            + self.quarantine
        )


@dataclass(slots=True)
class StoreHealth:
    """Whether the last write worked; the error and its time when it did not.

    Only a commit that really wrote something (a row inserted, changed or removed) proves
    the store healthy again: an empty commit succeeds on a full disk. A failed read is
    counted (`on_failure`) but says nothing about writes.
    """

    healthy: bool = True
    last_error: str | None = None
    failed_at: float | None = None
    failures: int = 0
    # Told the operation of every failure ("commit", "probe", "read"): the /metrics counter.
    on_failure: list[Callable[[str], None]] = field(default_factory=list)

    def failed(self, operation: str, error: str, at: float, *, writes: bool = True) -> None:
        """Record a failed operation; `writes`: one that says the store takes no writes."""
        if writes:
            self.healthy = False
            self.last_error = error[:300]
            self.failed_at = at
            self.failures += 1
        for tell in self.on_failure:  # a metric must never fail the store
            with contextlib.suppress(Exception):
                tell(operation)

    def worked(self) -> bool:
        """Record a commit that wrote something; True when it ends a time of failures."""
        back = not self.healthy
        self.healthy = True
        return back


@dataclass(frozen=True, slots=True)
class StatusChangeRow:
    """One agent status change: when (true UTC), to and from which code, and who did it
    (None: it came from the phone system, e.g. the agent's own phone)."""

    at: float
    extension: int
    status_code: int
    previous_code: int
    actor: str | None


@dataclass(frozen=True, slots=True)
class AlertRow:
    """An alert that fired or cleared, as people read it."""

    at: float
    rule: str
    subject: int
    label: str
    value: float | None
    fired: bool
    text: str


@dataclass(frozen=True, slots=True)
class BoardRow:
    """A board made in the editor: its settings as JSON, who saved it last and when."""

    name: str
    body: str
    updated_by: str
    updated_at: float


@dataclass(frozen=True, slots=True)
class KioskTokenRow:
    """A kiosk token made in the UI: only its hash is kept."""

    name: str
    token_hash: str
    boards: tuple[str, ...]
    created_by: str
    created_at: float
    revoked_at: float | None


@dataclass(frozen=True, slots=True)
class FloorMessageRow:
    """A message to the floor: its text, the boards whose kiosks show it, until when."""

    id: int
    text: str
    boards: tuple[str, ...]  # empty: every board
    until: float
    author: str
    created: float


@dataclass(frozen=True, slots=True)
class Written(Generic[T]):
    """Rows any process wrote since a reader's cursor (a shared store only), and the cursor
    the next read starts from. Each row comes with its key, (row id, writing transaction):
    a row written again (a Call Log row a webhook CDR replaced) has a new key."""

    cursor: int
    rows: list[tuple[tuple[int, int], T]]
