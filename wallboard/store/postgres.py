"""The PostgreSQL store (asyncpg): the same interface as SQLite, shared by many processes.

Chosen by `[store] url = "postgresql://…"`. Every row carries its account, so one
database serves every tenant of a cluster and each store object sees only its own.
Durability: a CDR is acknowledged after its transaction committed with PostgreSQL's
default `synchronous_commit = on` (WAL flushed), the same promise as SQLite's
`synchronous=FULL`. Concurrent commits from the pool share WAL flushes (PostgreSQL's own
group commit), which is what carries the intake rate (bench/cdr_intake_pg.py).
A vendor retry that reaches another ingest worker meets the unique key
(account, ivruniqueid, type) and is stored once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import astuple
from typing import Any

import asyncpg

from wallboard.core.calls import Cdr, stored_form
from wallboard.core.worklist import CallbackRow
from wallboard.errors import StoreContentError, StoreError
from wallboard.store.db import QUARANTINE_KEEP
from wallboard.store.migrations import MIGRATIONS
from wallboard.store.rows import (
    PRUNED_TABLES,
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

__all__ = ["PostgresStore", "redact_url"]

log = logging.getLogger(__name__)

# Held while migrating: several workers starting at once migrate one after the other.
_MIGRATION_LOCK = 0x7761_6C6C  # "wall"

_INSERT_CDR = """
WITH prev AS (
    SELECT time FROM cdr
    WHERE account=$1 AND ivruniqueid=$2 AND type=$10 AND source='calllog' AND $4 <> 'calllog'
)
INSERT INTO cdr (account, ivruniqueid, received, source, encoding, content_type, raw, parsed,
                 time, type, status, caller, target, queueid, department)
VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
-- A webhook CDR replaces a Call Log backfill row of the same call: it has more (queue id,
-- wait, aiData). Anything else already stored is a repeat.
ON CONFLICT (account, ivruniqueid, type) DO UPDATE SET received=excluded.received,
    source=excluded.source, encoding=excluded.encoding, content_type=excluded.content_type,
    raw=excluded.raw, parsed=excluded.parsed, time=excluded.time, status=excluded.status,
    caller=excluded.caller, target=excluded.target, queueid=excluded.queueid,
    department=excluded.department
    WHERE cdr.source = 'calllog' AND excluded.source <> 'calllog'
RETURNING (SELECT time FROM prev)
"""


# Columns in the order of the row dataclasses' fields (CallbackRow, AuditRow,
# StatusChangeRow, AlertRow).
_CALLBACK_COLUMNS = ("ivruniqueid", "number", "actor", "from_extension", "at", "ok", "detail")
_AUDIT_COLUMNS = ("at", "actor", "action", "target", "detail", "ok")
_STATUS_COLUMNS = ("at", "extension", "status_code", "previous_code", "actor")
_ALERT_COLUMNS = ("at", "rule", "subject", "label", "value", "fired", "text")
_BOARD_CHANGE_COLUMNS = ("name", "action", "body", "actor", "at")
# Not `revoked_at`: a new token is never revoked, whatever the row says (as in SQLite).
_KIOSK_COLUMNS = ("name", "token_hash", "boards", "created_by", "created_at")

# Names sort as SQLite sorts them (bytewise), not by the database's locale.
_BY_NAME = 'ORDER BY name COLLATE "C"'

# What a follower reads (`SharedStore`, migration 5): the rows written at or after a cursor
# but those it has (`seen`: (id, written) pairs), with the statement's snapshot xmin — one
# statement, so the rows and the next cursor come from the same snapshot. xid8 travels as
# text → bigint (its 64 bits fit; asyncpg has no codec for it).
_WRITTEN = """
SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, w.*
FROM (SELECT 1) AS one LEFT JOIN (
    SELECT id, written::text::bigint AS written, {columns} FROM {table} t
    WHERE account=$1 AND written >= $2::bigint::text::xid8
      AND NOT EXISTS (SELECT 1 FROM unnest($3::bigint[], $4::bigint[]) AS s(id, w)
                      WHERE s.id = t.id AND s.w = t.written::text::bigint)
) AS w ON true
ORDER BY w.written, w.id
"""

# "Create or replace" of a named row (board_def, app_user, alert_rule): SQLite's INSERT OR REPLACE.
_UPSERT_NAMED = """
INSERT INTO {table} (account, name, body, updated_by, updated_at) VALUES ($1,$2,$3,$4,$5)
ON CONFLICT (account, name) DO UPDATE SET body=excluded.body,
    updated_by=excluded.updated_by, updated_at=excluded.updated_at
"""


# A CDR's numbers, AI summary and raw body erased; the figures stay (store/db.py `prune`).
_ERASE_CALLS = """
UPDATE cdr SET caller = '', target = '', raw = ''::bytea,
    parsed = jsonb_set(jsonb_set(parsed::jsonb, '{caller}', '""'), '{target}', '""')
        #- '{aiData,summary}'
WHERE id = ANY($1::bigint[])
"""


def redact_url(url: str) -> str:
    """The URL without its password, for logs and error messages."""
    head, sep, tail = url.rpartition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, userinfo = head.partition("//")
    user = userinfo.split(":", 1)[0]
    return f"{scheme}//{user}:***@{tail}"


class PostgresStore:
    """One account's CDRs, callbacks, audit log and team leads' workspace in a shared database."""

    def __init__(self, url: str, account: str = "", pool_size: int = 16) -> None:
        self.url = url
        self.account = account
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self.cdr_rows_read = 0  # CDRs parsed by `cdrs_between`, as the SQLite store counts
        self.health = StoreHealth()
        self.on_commit: list[Callable[[float], None]] = []

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Connect and bring the schema up to the newest migration."""
        try:
            self._pool = await asyncpg.create_pool(
                self.url, min_size=1, max_size=self.pool_size, command_timeout=30
            )
        except (OSError, asyncpg.PostgresError) as e:
            raise StoreError(f"cannot connect to {redact_url(self.url)}: {e}") from e
        try:
            applied = await migrate(self._pool)
        except StoreError as e:
            raise StoreError(f"cannot open {redact_url(self.url)}: {e}") from e
        if applied:
            log.info("store: applied migrations %s", applied)
        try:  # a standby or a read-only database opens, and would refuse every CDR
            await self.check_writable(timeout=30.0)
        except StoreError as e:
            raise StoreError(f"cannot write to {redact_url(self.url)}: {e}") from e

    async def stop(self) -> None:
        """Close the pool (waits for queries in flight)."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    def _p(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StoreError("store is not open")
        return self._pool

    async def _fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        # A statement that is not a SELECT writes (INSERT … RETURNING, WITH … INSERT).
        reads = sql.lstrip().upper().startswith("SELECT")
        try:
            rows = list(await self._p().fetch(sql, *args))
        except Exception as e:
            raise self._failed(e, "read" if reads else "commit") from e
        if rows and not reads:
            self._worked()
        return rows

    async def _execute(self, sql: str, *args: Any) -> str:
        """Run one statement that writes; its status ("UPDATE 3")."""
        try:
            status: str = await self._p().execute(sql, *args)
        except Exception as e:
            raise self._failed(e) from e
        if not status.endswith(" 0"):  # "UPDATE 0" wrote nothing: it proves no write works
            self._worked()
        return status

    def _failed(self, e: Exception, operation: str = "commit") -> StoreError:
        """Tell a row's content (that row fails: Err 1) from the database failing (Err 2).

        The same split as the SQLite writer's: a value PostgreSQL refuses (class 22 data
        exceptions, class 23 constraints, or an argument asyncpg cannot encode) is the
        row's fault and must not mark the store unhealthy nor be retried for ever.
        """
        content = (
            asyncpg.DataError,
            asyncpg.IntegrityConstraintViolationError,
            OverflowError,
            ValueError,
            TypeError,
        )
        if isinstance(e, content):
            return StoreContentError(f"{type(e).__name__}: {e}")
        if not isinstance(e, OSError | asyncpg.PostgresError | asyncpg.InterfaceError | StoreError):
            log.exception("store: unexpected error")
        self.health.failed(operation, str(e), time.time(), writes=operation != "read")
        return e if isinstance(e, StoreError) else StoreError(str(e))

    def _worked(self) -> None:
        if self.health.worked():
            log.info("store works again after %d failures", self.health.failures)

    # ------------------------------------------------------------ CDRs

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
        """Store one CDR durably; `new` is False when it was already stored (same id and
        type). A webhook CDR replacing a Call Log row tells the replaced row's `time`."""
        started = time.perf_counter()
        rows = await self._fetch(
            _INSERT_CDR,
            self.account,
            cdr.ivruniqueid,
            received,
            source,
            encoding,
            content_type,
            raw,
            # `aiData` once, as on SQLite: whole in `raw`, what the wallboard reads here.
            stored_form(cdr).model_dump_json(by_alias=True),
            cdr.time,
            cdr.type,
            cdr.status,
            cdr.caller,
            cdr.target,
            cdr.queue_id,
            cdr.department_name,
        )
        for observe in self.on_commit:  # the commit's time, as SQLite's writer reports it
            observe(time.perf_counter() - started)
        if not rows:
            return Stored(False)
        previous = rows[0][0]
        return Stored(True, None if previous is None else int(previous))

    async def cdrs_between(self, start: int, end: int) -> list[CdrRow]:
        """CDRs whose `time` is in [start, end), oldest first."""
        found = await self._fetch(
            "SELECT id, parsed, received, source, encoding FROM cdr"
            " WHERE account=$1 AND time >= $2 AND time < $3 ORDER BY time, id",
            self.account,
            start,
            end,
        )
        rows = [CdrRow(r[0], Cdr.model_validate_json(r[1]), r[2], r[3], r[4]) for r in found]
        self.cdr_rows_read += len(rows)
        return rows

    async def cdr(self, call_id: str) -> tuple[CdrRow, bytes] | None:
        """One CDR with its raw body, by `ivruniqueid`."""
        found = await self._fetch(
            "SELECT id, parsed, received, source, encoding, raw FROM cdr"
            " WHERE account=$1 AND ivruniqueid=$2 ORDER BY type LIKE '%leg1', id LIMIT 1",
            self.account,
            call_id,
        )
        if not found:
            return None
        r = found[0]
        return CdrRow(r[0], Cdr.model_validate_json(r[1]), r[2], r[3], r[4]), bytes(r[5])

    async def cdr_count(self) -> int:
        """How many CDRs this account has stored."""
        found = await self._fetch("SELECT count(*) FROM cdr WHERE account=$1", self.account)
        return int(found[0][0])

    # ------------------------------------------------------------ callbacks and audit

    async def add_callback(self, row: CallbackRow) -> None:
        """Record a "call back" press on the worklist."""
        await self._insert("callback", _CALLBACK_COLUMNS, astuple(row))

    async def callbacks_since(self, since: float) -> list[CallbackRow]:
        """Callback presses at or after `since`, oldest first."""
        found = await self._fetch(
            "SELECT ivruniqueid, number, actor, from_extension, at, ok, detail FROM callback"
            " WHERE account=$1 AND at >= $2 ORDER BY at, id",
            self.account,
            since,
        )
        return [CallbackRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6]) for r in found]

    async def add_audit(self, row: AuditRow) -> None:
        """Write one audit log row."""
        await self._insert("audit", _AUDIT_COLUMNS, astuple(row))

    async def _insert(self, table: str, columns: tuple[str, ...], values: tuple[Any, ...]) -> None:
        # The columns are the row dataclass's fields in order (astuple), after the account.
        await self._execute(_insert_sql(table, columns), self.account, *values)

    async def audit_rows(self, limit: int = 200) -> list[AuditRow]:
        """The newest audit rows, newest first."""
        found = await self._fetch(
            "SELECT at, actor, action, target, detail, ok FROM audit WHERE account=$1"
            " ORDER BY id DESC LIMIT $2",
            self.account,
            limit,
        )
        return [AuditRow(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in found]

    # ------------------------------------------------------------ upkeep

    async def check_writable(self, timeout: float = 5.0) -> None:
        """Raise `StoreError` unless a real write commits within `timeout` (readiness).

        The probe writes a row and removes it in one committed transaction: a full disk,
        a standby or a server put read-only refuses it as it would refuse a CDR, and its
        success is what marks the store healthy again.
        """

        async def probe() -> None:
            async with self._transaction("probe") as conn:
                found = await conn.fetchval(
                    "INSERT INTO store_probe (account, at) VALUES ($1, $2) RETURNING id",
                    self.account,
                    time.time(),
                )
                await conn.execute("DELETE FROM store_probe WHERE id = $1", found)

        try:
            await asyncio.wait_for(probe(), timeout)
        except TimeoutError:
            error = f"PostgreSQL did not commit within {timeout:g} s"
            self.health.failed("probe", error, time.time())
            raise StoreError(error) from None
        except StoreError as e:
            if "read-only" in str(e):
                raise StoreError(
                    "PostgreSQL is read-only (a standby?): CDRs cannot be stored"
                ) from e
            raise

    async def prune(self, before: PruneBefore, batch: int = 5000) -> Pruned:
        """Erase this account's personal data older than retention's cut-offs, as SQLite
        does (store/db.py `prune`), in batches so no statement holds many row locks."""
        counts = {"calls": 0}
        while n := await self._erase_calls(int(before.calls), batch):
            counts["calls"] += n
        for field, table, column in PRUNED_TABLES:
            sql = (
                f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE account=$1"
                f" AND {column} < $2 LIMIT $3)"
            )
            counts[field] = await self._batches(sql, getattr(before, field), batch)
        return Pruned(**counts)

    async def _erase_calls(self, before: int, batch: int) -> int:
        """One batch of CDRs' numbers erased; how many.

        Erasing rewrites `parsed`, which marks a row as written anew for the followers
        (migration 5); the erased rows get their old marks back in the same transaction:
        an erasure is no news for a web node (its figures do not change).
        """
        async with self._transaction() as conn:
            old = await conn.fetch(
                "SELECT id, written::text::bigint, replaced_time FROM cdr WHERE account=$1"
                " AND time < $2 AND (caller <> '' OR target <> '' OR length(raw) > 0)"
                " LIMIT $3 FOR UPDATE",
                self.account,
                before,
                batch,
            )
            if not old:
                return 0
            ids = [r[0] for r in old]
            await conn.execute(_ERASE_CALLS, ids)
            await conn.execute(
                "UPDATE cdr c SET written = o.w::text::xid8, replaced_time = o.r"
                " FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS o(id, w, r)"
                " WHERE c.id = o.id",
                ids,
                [r[1] for r in old],
                [r[2] for r in old],
            )
        return len(old)

    async def compact(self) -> int:
        """VACUUM the pruned tables: their space is reused, the tail given back; how many
        bytes they shrank by (PostgreSQL's autovacuum would get there too, later)."""
        tables = ["cdr", *(table for _, table, _ in PRUNED_TABLES)]
        size = "SELECT sum(pg_total_relation_size(t))::bigint FROM unnest($1::regclass[]) t"
        before = (await self._fetch(size, tables))[0][0] or 0
        await self._execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
        after = (await self._fetch(size, tables))[0][0] or 0
        return max(0, int(before) - int(after))

    async def _batches(self, sql: str, before: float, batch: int) -> int:
        total = 0
        while True:
            status = await self._execute(sql, self.account, before, batch)
            n = int(status.rsplit(" ", 1)[-1])  # "UPDATE 123" / "DELETE 123"
            total += n
            if n < batch:
                return total

    # ------------------------------------------------------------ day summaries

    async def day_summaries(self, days: Sequence[str], fmt: str) -> dict[str, str]:
        """The fresh summaries in format `fmt` of these days (a day without one: absent)."""
        rows = await self._fetch(
            "SELECT day, summary FROM day_summary WHERE account=$1 AND day = ANY($2::text[])"
            " AND fresh AND format=$3 AND summary IS NOT NULL",
            self.account,
            list(days),
            fmt,
        )
        return {r[0]: r[1] for r in rows}

    async def claim_day_summaries(self, days: Sequence[tuple[str, int, int]], fmt: str) -> None:
        """Before reading these (day, lo, hi) days' CDRs: summaries to come, fresh so far."""
        args = [(self.account, day, lo, hi, fmt) for day, lo, hi in days]
        async with self._transaction() as conn:
            await conn.executemany(
                "INSERT INTO day_summary (account, day, lo, hi, format, fresh, summary)"
                " VALUES ($1,$2,$3,$4,$5,true,NULL) ON CONFLICT (account, day) DO UPDATE SET"
                " lo=excluded.lo, hi=excluded.hi, format=excluded.format, fresh=true,"
                " summary=NULL",
                args,
            )

    async def put_day_summary(self, day: str, summary: str) -> bool:
        """Write a claimed day's summary; False when a CDR of that day came since the claim."""
        status = await self._execute(
            "UPDATE day_summary SET summary=$3 WHERE account=$1 AND day=$2 AND fresh",
            self.account,
            day,
            summary,
        )
        return status == "UPDATE 1"

    # ------------------------------------------------------------ quarantine

    async def quarantine(
        self, raw: bytes, *, received: float, reason: str, encoding: str, content_type: str
    ) -> int:
        """Keep a body refused for its content, as received; returns its quarantine id."""
        rows = await self._fetch(
            "INSERT INTO quarantine (account, received, reason, encoding, content_type, raw)"
            " VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
            self.account,
            received,
            _text(reason),
            encoding,
            _text(content_type),
            raw,
        )
        qid = int(rows[0][0])
        # Keep the newest bodies only, as SQLite does: garbage for days must not fill a disk.
        await self._execute(
            "DELETE FROM quarantine WHERE account=$1 AND id <= $2",
            self.account,
            qid - QUARANTINE_KEEP,
        )
        return qid

    async def quarantined(self, limit: int = 100) -> list[QuarantineRow]:
        """The newest quarantined bodies, newest first."""
        rows = await self._fetch(
            "SELECT id, received, reason, encoding, content_type, raw FROM quarantine"
            " WHERE account=$1 ORDER BY id DESC LIMIT $2",
            self.account,
            limit,
        )
        return [QuarantineRow(r[0], r[1], r[2], r[3], r[4], bytes(r[5])) for r in rows]

    async def release(self, qid: int) -> None:
        """Forget a quarantined body (after it was replayed)."""
        await self._execute("DELETE FROM quarantine WHERE account=$1 AND id=$2", self.account, qid)

    # ------------------------------------------------------------ workspace: status changes

    async def add_status_changes(self, rows: list[StatusChangeRow]) -> None:
        """Write agent status changes (one transaction)."""
        if not rows:
            return  # nothing to write: no connection taken from the pool
        args = [(self.account, *astuple(r)) for r in rows]
        # One prepared statement, one round trip per batch, all or nothing (like SQLite's).
        async with self._transaction() as conn:
            await conn.executemany(_insert_sql("status_change", _STATUS_COLUMNS), args)

    async def status_changes(
        self, extension: int, since: float, limit: int
    ) -> list[StatusChangeRow]:
        """One agent's status changes at or after `since`, newest first."""
        found = await self._fetch(
            "SELECT at, extension, status_code, previous_code, actor FROM status_change"
            " WHERE account=$1 AND extension=$2 AND at >= $3 ORDER BY at DESC, id DESC LIMIT $4",
            self.account,
            extension,
            since,
            limit,
        )
        return [StatusChangeRow(*r) for r in found]

    # ------------------------------------------------------------ workspace: floor messages

    async def add_message(
        self, text: str, boards: tuple[str, ...], until: float, author: str, created: float
    ) -> int:
        """Store a message to the floor; its id."""
        found = await self._fetch(
            "INSERT INTO floor_message (account, text, boards, until, author, created)"
            " VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
            self.account,
            text,
            list(boards),
            until,
            author,
            created,
        )
        return int(found[0][0])

    async def remove_message(self, message_id: int, at: float) -> None:
        """Take a message off the floor (kept, marked removed, for the record)."""
        await self._execute(
            "UPDATE floor_message SET removed=$3 WHERE account=$1 AND id=$2",
            self.account,
            message_id,
            at,
        )

    async def messages_until(self, now: float) -> list[FloorMessageRow]:
        """Messages not removed and still running at `now`, oldest first."""
        found = await self._fetch(
            "SELECT id, text, boards, until, author, created FROM floor_message"
            " WHERE account=$1 AND removed IS NULL AND until > $2 ORDER BY id",
            self.account,
            now,
        )
        return [FloorMessageRow(r[0], r[1], tuple(r[2]), r[3], r[4], r[5]) for r in found]

    # ------------------------------------------------------------ workspace: the alert log

    async def add_alert(self, row: AlertRow) -> None:
        """Write one fired or cleared alert."""
        await self._insert("alert_log", _ALERT_COLUMNS, astuple(row))

    async def alerts_since(self, since: float, limit: int = 500) -> list[AlertRow]:
        """Alerts at or after `since`, newest first."""
        found = await self._fetch(
            "SELECT at, rule, subject, label, value, fired, text FROM alert_log"
            " WHERE account=$1 AND at >= $2 ORDER BY at DESC, id DESC LIMIT $3",
            self.account,
            since,
            limit,
        )
        return [AlertRow(*r) for r in found]

    # ------------------------------------------------------------ workspace: boards

    async def boards(self) -> list[BoardRow]:
        """Every board of the editor, by name."""
        return await self._named_rows("board_def")

    async def save_board(self, row: BoardRow, action: str) -> None:
        """Create or replace a board, and record the change (who, what, when)."""
        # One transaction: a board is never saved without its change row, nor the reverse.
        async with self._transaction() as conn:
            await conn.execute(_UPSERT_NAMED.format(table="board_def"), *self._named(row))
            await self._board_change(
                conn, row.name, action, row.body, row.updated_by, row.updated_at
            )

    async def delete_board(self, name: str, actor: str, at: float) -> None:
        """Delete a board, and record who did it."""
        async with self._transaction() as conn:
            await conn.execute(
                "DELETE FROM board_def WHERE account=$1 AND name=$2", self.account, name
            )
            await self._board_change(conn, name, "delete", None, actor, at)

    async def _board_change(
        self,
        conn: asyncpg.Connection,
        name: str,
        action: str,
        body: str | None,
        actor: str,
        at: float,
    ) -> None:
        """Record one change of the editor, on the connection of its transaction."""
        sql = _insert_sql("board_change", _BOARD_CHANGE_COLUMNS)
        await conn.execute(sql, self.account, name, action, body, actor, at)

    async def board_changes(self, limit: int = 50) -> list[tuple[str, str, str, float]]:
        """The newest board changes: (board, action, who, when), newest first."""
        found = await self._fetch(
            "SELECT name, action, actor, at FROM board_change WHERE account=$1"
            " ORDER BY id DESC LIMIT $2",
            self.account,
            limit,
        )
        return [(r[0], r[1], r[2], r[3]) for r in found]

    # ------------------------------------------------------------ workspace: kiosk tokens

    async def kiosk_tokens(self) -> list[KioskTokenRow]:
        """Every kiosk token made in the UI, revoked ones too."""
        found = await self._fetch(
            "SELECT name, token_hash, boards, created_by, created_at, revoked_at"
            f" FROM kiosk_token WHERE account=$1 {_BY_NAME}",
            self.account,
        )
        return [KioskTokenRow(r[0], r[1], tuple(r[2]), r[3], r[4], r[5]) for r in found]

    async def add_kiosk_token(self, row: KioskTokenRow) -> None:
        """Store a new token's hash (a name already used is an error)."""
        # A plain INSERT: the primary key's violation is StoreContentError (see `_failed`).
        values = (row.name, row.token_hash, list(row.boards), row.created_by, row.created_at)
        await self._insert("kiosk_token", _KIOSK_COLUMNS, values)

    async def revoke_kiosk_token(self, name: str, at: float) -> None:
        """Revoke a token: it opens nothing from now on."""
        await self._execute(
            "UPDATE kiosk_token SET revoked_at=$3 WHERE account=$1 AND name=$2",
            self.account,
            name,
            at,
        )

    # ------------------------------------------------------------ workspace: users

    async def users(self) -> list[BoardRow]:
        """Users made in the UI: (name, settings JSON with the password hash, who, when)."""
        return await self._named_rows("app_user")

    async def save_user(self, row: BoardRow) -> None:
        """Create or replace a user made in the UI."""
        await self._execute(_UPSERT_NAMED.format(table="app_user"), *self._named(row))

    async def delete_user(self, name: str) -> None:
        """Delete a user made in the UI: she cannot sign in any more."""
        await self._execute("DELETE FROM app_user WHERE account=$1 AND name=$2", self.account, name)

    # ------------------------------------------------------------ workspace: alert rules

    async def alert_rules(self) -> list[BoardRow]:
        """Alert rules made in /alerts: (name, rule JSON, who, when)."""
        return await self._named_rows("alert_rule")

    async def save_alert_rule(self, row: BoardRow) -> None:
        """Create or replace an alert rule made in /alerts."""
        await self._execute(_UPSERT_NAMED.format(table="alert_rule"), *self._named(row))

    async def delete_alert_rule(self, name: str) -> None:
        """Delete an alert rule made in /alerts."""
        await self._execute(
            "DELETE FROM alert_rule WHERE account=$1 AND name=$2", self.account, name
        )

    async def alert_acks(self) -> list[BoardRow]:
        """What leads did about open alerts: (alert id, what JSON, who, when)."""
        return await self._named_rows("alert_ack")

    async def save_alert_ack(self, row: BoardRow) -> None:
        """Record an acknowledgement or a snooze (it replaces the alert's last one)."""
        await self._execute(_UPSERT_NAMED.format(table="alert_ack"), *self._named(row))

    # ------------------------------------------------------------ what others wrote

    async def written_cursor(self) -> int:
        """The cursor of now: every transaction below it had ended."""
        found = await self._fetch("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        return int(found[0][0])

    async def cdrs_written(
        self, cursor: int, seen: Sequence[tuple[int, int]]
    ) -> Written[tuple[CdrRow, Stored]]:
        """CDR rows written at or after `cursor`, but `seen`; oldest write first."""
        columns = "parsed, received, source, encoding, replaced_time"
        found, nxt = await self._written("cdr", columns, cursor, seen)
        rows = []
        for r in found:
            row = CdrRow(r[1], Cdr.model_validate_json(r[3]), r[4], r[5], r[6])
            rows.append(((int(r[1]), int(r[2])), (row, Stored(True, r[7]))))
        self.cdr_rows_read += len(rows)
        return Written(nxt, rows)

    async def callbacks_written(
        self, cursor: int, seen: Sequence[tuple[int, int]]
    ) -> Written[CallbackRow]:
        """Callback presses written at or after `cursor`, but `seen`; oldest write first."""
        found, nxt = await self._written("callback", ", ".join(_CALLBACK_COLUMNS), cursor, seen)
        rows = [
            ((int(r[1]), int(r[2])), CallbackRow(r[3], r[4], r[5], r[6], r[7], bool(r[8]), r[9]))
            for r in found
        ]
        return Written(nxt, rows)

    async def _written(
        self, table: str, columns: str, cursor: int, seen: Sequence[tuple[int, int]]
    ) -> tuple[list[asyncpg.Record], int]:
        """The rows (xmin, id, written, *columns) of `_WRITTEN`, and the next cursor."""
        ids, writes = [k[0] for k in seen], [k[1] for k in seen]
        sql = _WRITTEN.format(table=table, columns=columns)
        found = await self._fetch(sql, self.account, cursor, ids, writes)
        # The LEFT JOIN keeps one row (of NULLs) when nothing was written: the xmin still comes.
        return [r for r in found if r[1] is not None], int(found[0][0])

    async def workspace_version(self) -> int:
        """Raised by every change of this account's boards, tokens, UI users, messages and
        alert rules."""
        found = await self._fetch(
            "SELECT version FROM workspace_version WHERE account=$1", self.account
        )
        return int(found[0][0]) if found else 0

    # ------------------------------------------------------------ helpers

    def _named(self, row: BoardRow) -> tuple[Any, ...]:
        """The arguments of `_UPSERT_NAMED` for one row: the account, then its fields."""
        return (self.account, *astuple(row))

    async def _named_rows(self, table: str) -> list[BoardRow]:
        """The rows of a (name, body, who, when) table (board_def, app_user, alert_rule)."""
        found = await self._fetch(
            f"SELECT name, body, updated_by, updated_at FROM {table} WHERE account=$1 {_BY_NAME}",
            self.account,
        )
        return [BoardRow(*r) for r in found]

    @contextlib.asynccontextmanager
    async def _transaction(self, operation: str = "commit") -> AsyncIterator[asyncpg.Connection]:
        """One pooled connection in one transaction; its failure told apart as `_failed` does."""
        try:
            async with self._p().acquire() as conn, conn.transaction():
                yield conn
        except Exception as e:
            raise self._failed(e, operation) from e
        self._worked()


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    """An INSERT of the account then `columns`, numbered $1, $2, … in that order."""
    marks = ",".join(f"${i}" for i in range(1, len(columns) + 2))
    return f"INSERT INTO {table} (account, {', '.join(columns)}) VALUES ({marks})"


def _text(s: str) -> str:
    """Text PostgreSQL can store: a lone surrogate or NUL from a hostile body escaped."""
    return s.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


async def migrate(pool: asyncpg.Pool) -> list[int]:
    """Apply the migrations this database has not seen, in order; the versions applied."""
    applied: list[int] = []
    try:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            done = {r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for m in MIGRATIONS:
                if m.version in done:
                    continue
                await conn.execute(m.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    m.version,
                    m.name,
                )
                applied.append(m.version)
    except asyncpg.PostgresError as e:
        raise StoreError(f"migration failed: {e}") from e
    return applied
