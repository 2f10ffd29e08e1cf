"""The one store interface: what the services need from SQLite and PostgreSQL alike.

`store/db.py` (`Store`, SQLite, the embedded default) and `store/postgres.py`
(`PostgresStore`, shared by many processes) both satisfy it; `open_store` picks one from
`[store] url`. Services type against `CdrStore`, never against an implementation.
`SharedStore` is what a store shared by many processes adds (PostgreSQL only): reading
what the account's other processes wrote since a cursor (`services/follow.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from wallboard.core.calls import Cdr
from wallboard.core.worklist import CallbackRow
from wallboard.store.rows import (
    AlertRow,
    AuditRow,
    BoardRow,
    CdrRow,
    FloorMessageRow,
    KioskTokenRow,
    PruneBefore,
    Pruned,
    QuarantineRow,
    StatusChangeRow,
    Stored,
    StoreHealth,
    Written,
)

__all__ = ["CdrStore", "SharedStore"]


class CdrStore(Protocol):
    """CDRs (raw body and parsed fields), the quarantine, callback presses and the audit log."""

    # Whether the database itself accepts commits (not whether one row's content did):
    # /healthz and readiness report it.
    health: StoreHealth
    # Told how long each commit took, in seconds (the /metrics histogram).
    on_commit: list[Callable[[float], None]]

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

    async def check_writable(self, timeout: float = 5.0) -> None:
        """Raise `StoreError` unless the store accepts a write within `timeout` (readiness)."""
        ...

    async def prune(self, before: PruneBefore, batch: int = 5000) -> Pruned:
        """Erase the numbers of CDRs older than `before.calls` (their figures stay) and
        delete the callback, status, alert, audit and quarantine rows older than theirs."""
        ...

    async def compact(self) -> int:
        """Give the space of pruned rows back (SQLite: incremental vacuum, the file
        shrinks; PostgreSQL: VACUUM); how many bytes the store shrank by."""
        ...

    async def day_summaries(self, days: Sequence[str], fmt: str) -> dict[str, str]:
        """The fresh summaries in format `fmt` of these days (a day without one: absent)."""
        ...

    async def claim_day_summaries(self, days: Sequence[tuple[str, int, int]], fmt: str) -> None:
        """Before reading these (day, lo, hi) days' CDRs: summaries to come, fresh so far."""
        ...

    async def put_day_summary(self, day: str, summary: str) -> bool:
        """Write a claimed day's summary; False when a CDR of that day came since the claim."""
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

    # ---- the team leads' workspace: status history, floor messages, alerts, the editor

    async def add_status_changes(self, rows: list[StatusChangeRow]) -> None:
        """Write agent status changes (one transaction)."""
        ...

    async def status_changes(
        self, extension: int, since: float, limit: int
    ) -> list[StatusChangeRow]:
        """One agent's status changes at or after `since`, newest first."""
        ...

    async def add_message(
        self, text: str, boards: tuple[str, ...], until: float, author: str, created: float
    ) -> int:
        """Store a message to the floor; its id."""
        ...

    async def remove_message(self, message_id: int, at: float) -> None:
        """Take a message off the floor (kept, marked removed, for the record)."""
        ...

    async def messages_until(self, now: float) -> list[FloorMessageRow]:
        """Messages not removed and still running at `now`, oldest first."""
        ...

    async def add_alert(self, row: AlertRow) -> None:
        """Write one fired or cleared alert."""
        ...

    async def alerts_since(self, since: float, limit: int = 500) -> list[AlertRow]:
        """Alerts at or after `since`, newest first."""
        ...

    async def boards(self) -> list[BoardRow]:
        """Every board of the editor, by name."""
        ...

    async def save_board(self, row: BoardRow, action: str) -> None:
        """Create or replace a board, and record the change (who, what, when)."""
        ...

    async def delete_board(self, name: str, actor: str, at: float) -> None:
        """Delete a board, and record who did it."""
        ...

    async def board_changes(self, limit: int = 50) -> list[tuple[str, str, str, float]]:
        """The newest board changes: (board, action, who, when), newest first."""
        ...

    async def kiosk_tokens(self) -> list[KioskTokenRow]:
        """Every kiosk token made in the UI, revoked ones too."""
        ...

    async def add_kiosk_token(self, row: KioskTokenRow) -> None:
        """Store a new token's hash (a name already used is an error)."""
        ...

    async def revoke_kiosk_token(self, name: str, at: float) -> None:
        """Revoke a token: it opens nothing from now on."""
        ...

    async def users(self) -> list[BoardRow]:
        """Users made in the UI: (name, settings JSON with the password hash, who, when)."""
        ...

    async def save_user(self, row: BoardRow) -> None:
        """Create or replace a user made in the UI."""
        ...

    async def delete_user(self, name: str) -> None:
        """Delete a user made in the UI: she cannot sign in any more."""
        ...

    async def alert_rules(self) -> list[BoardRow]:
        """Alert rules made in /alerts: (name, rule JSON, who, when)."""
        ...

    async def save_alert_rule(self, row: BoardRow) -> None:
        """Create or replace an alert rule made in /alerts."""
        ...

    async def delete_alert_rule(self, name: str) -> None:
        """Delete an alert rule made in /alerts."""
        ...

    async def alert_acks(self) -> list[BoardRow]:
        """What leads did about open alerts: (alert id, what JSON, who, when)."""
        ...

    async def save_alert_ack(self, row: BoardRow) -> None:
        """Record an acknowledgement or a snooze (it replaces the alert's last one)."""
        ...


class SharedStore(CdrStore, Protocol):
    """A store other processes write too: what they wrote can be read since a cursor.

    A cursor is a point in the store's order of writes: every row written before it was
    committed (or abandoned) when the cursor was taken. A read returns the rows written at
    or after the cursor — minus `seen`, the keys already returned at or after it — and the
    cursor to start from next time; so no row is missed, and none is returned twice.
    """

    async def written_cursor(self) -> int:
        """The cursor of now: take it before reading what a cursor read must not repeat."""
        ...

    async def cdrs_written(
        self, cursor: int, seen: Sequence[tuple[int, int]]
    ) -> Written[tuple[CdrRow, Stored]]:
        """CDR rows written at or after `cursor` (new, or replacing a Call Log row: then
        `Stored.replaced_time` is the old row's `time`), oldest write first."""
        ...

    async def callbacks_written(
        self, cursor: int, seen: Sequence[tuple[int, int]]
    ) -> Written[CallbackRow]:
        """Callback presses written at or after `cursor`, oldest write first."""
        ...

    async def workspace_version(self) -> int:
        """A number that changes whenever a board, kiosk token, user made in the UI or
        floor message of this account does (0: none ever written)."""
        ...
