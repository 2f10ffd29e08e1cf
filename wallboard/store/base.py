"""The one store interface: what the services need from SQLite and PostgreSQL alike.

`store/db.py` (`Store`, SQLite, the embedded default) and `store/postgres.py`
(`PostgresStore`, shared by many processes) both satisfy it; `open_store` picks one from
`[store] url`. Services type against `CdrStore`, never against an implementation.
"""

from __future__ import annotations

from typing import Protocol

from wallboard.core.calls import Cdr
from wallboard.core.worklist import CallbackRow
from wallboard.store.rows import AuditRow, CdrRow, QuarantineRow, Stored, StoreHealth

__all__ = ["CdrStore"]


class CdrStore(Protocol):
    """CDRs (raw body and parsed fields), the quarantine, callback presses and the audit log."""

    # Whether the database itself accepts commits (not whether one row's content did):
    # /healthz and readiness report it.
    health: StoreHealth

    async def start(self) -> None:
        """Connect, run the migrations and get ready to serve."""
        ...

    async def stop(self) -> None:
        """Finish pending writes and disconnect."""
        ...

    async def store_cdr(
        self,
        cdr: Cdr,
        raw: bytes,
        *,
        received: float,
        source: str,
        encoding: str,
        content_type: str,
    ) -> Stored:
        """Store one CDR durably, once per (ivruniqueid, type)."""
        ...

    async def cdrs_between(self, start: int, end: int) -> list[CdrRow]:
        """CDRs whose `time` is in [start, end), oldest first."""
        ...

    async def cdr(self, call_id: str) -> tuple[CdrRow, bytes] | None:
        """One CDR with its raw body, by `ivruniqueid`."""
        ...

    async def cdr_count(self) -> int:
        """How many CDRs are stored."""
        ...

    async def add_callback(self, row: CallbackRow) -> None:
        """Record a "call back" press on the worklist."""
        ...

    async def callbacks_since(self, since: float) -> list[CallbackRow]:
        """Callback presses at or after `since`, oldest first."""
        ...

    async def add_audit(self, row: AuditRow) -> None:
        """Write one audit log row."""
        ...

    async def audit_rows(self, limit: int = 200) -> list[AuditRow]:
        """The newest audit rows, newest first."""
        ...

    async def quarantine(
        self, raw: bytes, *, received: float, reason: str, encoding: str, content_type: str
    ) -> int:
        """Keep a body refused for its content, as received; returns its quarantine id."""
        ...

    async def quarantined(self, limit: int = 100) -> list[QuarantineRow]:
        """The newest quarantined bodies, newest first."""
        ...

    async def release(self, qid: int) -> None:
        """Forget a quarantined body (after it was replayed)."""
        ...
