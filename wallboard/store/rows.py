"""The store's row types, shared by the SQLite and PostgreSQL stores and the interface."""

from __future__ import annotations

from dataclasses import dataclass

from wallboard.core.calls import Cdr

__all__ = ["AuditRow", "CdrRow", "QuarantineRow", "StoreHealth", "Stored"]


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


@dataclass(slots=True)
class StoreHealth:
    """Whether the last commit worked; the error and its time when it did not."""

    healthy: bool = True
    last_error: str | None = None
    failed_at: float | None = None
    failures: int = 0
