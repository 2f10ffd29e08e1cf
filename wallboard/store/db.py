"""The SQLite store: one writer thread with group commit, one reader thread, WAL mode.

Why a writer thread of our own rather than `asyncio.to_thread` per insert: SQLite has one
writer at a time anyway, and a single thread that drains every waiting insert into one
transaction turns N fsyncs into one under load (group commit) while each caller still
gets its answer only after *its* row is committed. `synchronous=FULL`: a CDR is
acknowledged to the vendor only after it is on disk, so a power cut (not just a crash)
must not lose an acknowledged CDR; WAL keeps that to one fsync per commit.

The writer thread must never die: whatever one operation raises (an integer SQLite cannot
hold raises `OverflowError`, not `sqlite3.Error`) fails that operation alone, and whatever
a whole batch raises rolls the batch back and fails its callers; the thread goes on. A
failure of the database itself (disk full, read-only file) is kept in `health` until a
commit that writes a row succeeds again (a CDR, or readiness's probe), for `/readyz`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import queue
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from wallboard.core.calls import Cdr, stored_form
from wallboard.core.worklist import CallbackRow
from wallboard.errors import StoreContentError, StoreError
from wallboard.store.cdr_write import CdrBuffer, CdrWrite, settle, upsert_cdrs
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
)

__all__ = [
    "SCHEMA_VERSION",
    "AuditRow",
    "CallbackRow",
    "CdrRow",
    "FloorMessageRow",
    "QuarantineRow",
    "StatusChangeRow",
    "Store",
    "StoreHealth",
    "Stored",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cdr (
    id INTEGER PRIMARY KEY,
    ivruniqueid TEXT NOT NULL,
    received REAL NOT NULL,
    source TEXT NOT NULL,
    encoding TEXT NOT NULL,
    content_type TEXT NOT NULL,
    raw BLOB NOT NULL,
    parsed TEXT NOT NULL,
    time INTEGER NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    caller TEXT NOT NULL,
    target TEXT NOT NULL,
    queueid INTEGER,
    department TEXT NOT NULL,
    -- A retry repeats the whole CDR; the two legs of a click-to-call may share an id.
    UNIQUE (ivruniqueid, type)
);
CREATE INDEX IF NOT EXISTS cdr_time ON cdr(time);
CREATE TABLE IF NOT EXISTS callback (
    id INTEGER PRIMARY KEY,
    ivruniqueid TEXT NOT NULL,
    number TEXT NOT NULL,
    actor TEXT NOT NULL,
    from_extension INTEGER NOT NULL,
    at REAL NOT NULL,
    ok INTEGER NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS callback_call ON callback(ivruniqueid);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    ok INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
-- Bodies refused for their content (Err 1), kept raw for an operator to inspect and replay.
CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY,
    received REAL NOT NULL,
    reason TEXT NOT NULL,
    encoding TEXT NOT NULL,
    content_type TEXT NOT NULL,
    raw BLOB NOT NULL
);
-- ---- team leads' workspace (docs/access.md): status changes -------------------------
CREATE TABLE IF NOT EXISTS status_change (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    extension INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    previous_code INTEGER NOT NULL,
    actor TEXT
);
CREATE INDEX IF NOT EXISTS status_change_ext ON status_change(extension, at);
CREATE TABLE IF NOT EXISTS floor_message (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL,
    boards TEXT NOT NULL,
    until REAL NOT NULL,
    author TEXT NOT NULL,
    created REAL NOT NULL,
    removed REAL
);
CREATE TABLE IF NOT EXISTS alert_log (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    rule TEXT NOT NULL,
    subject INTEGER NOT NULL,
    label TEXT NOT NULL,
    value REAL,
    fired INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_log_at ON alert_log(at);
CREATE TABLE IF NOT EXISTS board_def (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS board_change (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    action TEXT NOT NULL,
    body TEXT,
    actor TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS kiosk_token (
    name TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL,
    boards TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at REAL NOT NULL,
    revoked_at REAL
);
CREATE TABLE IF NOT EXISTS app_user (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at REAL NOT NULL
);
-- Readiness writes a row here and removes it in the same commit (`check_writable`):
-- always empty, it proves a real write reaches the disk.
CREATE TABLE IF NOT EXISTS store_probe (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL
);
"""

# The quarantine keeps this many newest bodies: a sender that posts garbage for days must
# not fill the disk (each body is at most `[cdr] max_body_bytes`).
QUARANTINE_KEEP = 10_000


# Schema changes after `_SCHEMA`, in order; `PRAGMA user_version` says how many a database
# has had. Each runs once, in one transaction, when `open()` finds it missing.
_MIGRATIONS: tuple[str, ...] = (
    # 1: /history's closed days, summarised (`services/history_days.py`). A summary is
    # claimed (`fresh`, no text) before its day's CDRs are read; any CDR stored, replaced
    # or removed afterwards with a `time` in [lo, hi) clears `fresh` in the same
    # transaction (the triggers), so a summary missing a late CDR is never read back.
    # `lo > time - 3 days` bounds the index range: a day's window is never that long.
    """
    CREATE TABLE IF NOT EXISTS day_summary (
        day TEXT PRIMARY KEY,
        lo INTEGER NOT NULL,
        hi INTEGER NOT NULL,
        format TEXT NOT NULL,
        fresh INTEGER NOT NULL,
        summary TEXT
    );
    CREATE INDEX IF NOT EXISTS day_summary_lo ON day_summary(lo);
    CREATE TRIGGER IF NOT EXISTS cdr_insert_stales_day AFTER INSERT ON cdr BEGIN
        UPDATE day_summary SET fresh = 0
        WHERE lo <= NEW.time AND hi > NEW.time AND lo > NEW.time - 259200;
    END;
    CREATE TRIGGER IF NOT EXISTS cdr_update_stales_day AFTER UPDATE ON cdr BEGIN
        UPDATE day_summary SET fresh = 0
        WHERE (lo <= NEW.time AND hi > NEW.time AND lo > NEW.time - 259200)
           OR (lo <= OLD.time AND hi > OLD.time AND lo > OLD.time - 259200);
    END;
    CREATE TRIGGER IF NOT EXISTS cdr_delete_stales_day AFTER DELETE ON cdr BEGIN
        UPDATE day_summary SET fresh = 0
        WHERE lo <= OLD.time AND hi > OLD.time AND lo > OLD.time - 259200;
    END;
    """,
    # 2: alert rules made in /alerts (services/alert_rules.py), as board_def keeps boards;
    # what leads did about open alerts (services/alert_acks.py), one row per rule and subject.
    """
    CREATE TABLE IF NOT EXISTS alert_rule (
        name TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE IF NOT EXISTS alert_ack (
        name TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)


def _migrate(conn: sqlite3.Connection) -> None:
    """Apply the migrations this database has not had yet, each in its own transaction."""
    have = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if have > SCHEMA_VERSION:
        log.warning("database schema %d is newer than this code's %d", have, SCHEMA_VERSION)
    for version, script in enumerate(_MIGRATIONS, start=1):
        if have < version:
            conn.executescript(f"BEGIN; {script} PRAGMA user_version = {version}; COMMIT;")
            log.info("database schema migrated to version %d", version)


# The (name, body, who, when) tables of the workspace (app_user, alert_rule, alert_ack): one way to
# read, replace and delete a row of each. `table` is one of ours, never a caller's text.
def _named_rows(conn: sqlite3.Connection, table: str) -> list[BoardRow]:
    cur = conn.execute(f"SELECT name, body, updated_by, updated_at FROM {table} ORDER BY name")
    return [BoardRow(*r) for r in cur]


def _save_named(conn: sqlite3.Connection, table: str, row: BoardRow) -> None:
    conn.execute(
        f"INSERT OR REPLACE INTO {table} (name, body, updated_by, updated_at) VALUES (?,?,?,?)",
        (row.name, row.body, row.updated_by, row.updated_at),
    )


def _delete_named(conn: sqlite3.Connection, table: str, name: str) -> None:
    conn.execute(f"DELETE FROM {table} WHERE name = ?", (name,))


def _incremental_vacuum(conn: sqlite3.Connection, path: str) -> None:
    """Convert a database made without `auto_vacuum = INCREMENTAL`, once (a VACUUM
    rewrites the whole file: it needs its size free on the disk, and time). Without it a
    pruned database never shrinks; a conversion that fails is retried at the next start."""
    if int(conn.execute("PRAGMA auto_vacuum").fetchone()[0]) == 2:
        return
    size = _file_size(path)
    t0 = time.monotonic()
    try:
        conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
        conn.execute("VACUUM")
    except sqlite3.Error as e:
        log.warning("database %s not converted to incremental vacuum: %s", path, e)
        return
    log.info(
        "database %s converted to incremental vacuum (once): %.1f MB in %.1f s",
        path,
        size / 1e6,
        time.monotonic() - t0,
    )


def _text(s: str) -> str:
    """Text SQLite can store: a lone surrogate (from a hostile body) escaped, not raised."""
    return s.encode("utf-8", "backslashreplace").decode("utf-8")


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    # Before WAL, which writes the header: a new database frees pages for retention's
    # `compact` (an existing one is converted once, `_incremental_vacuum`).
    conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


_Op = Callable[[sqlite3.Connection], Any]
_STOP = object()
# One item of a batch: an operation and its caller's future, or a CDR (`cdr_write.py`).
_Item = tuple[_Op, Future[Any]] | CdrWrite


class Store:
    """The wallboard's database; call `open()` before use and `close()` at shutdown."""

    def __init__(self, path: str | Path, batch_max: int = 500) -> None:
        self.path = str(path)
        self.batch_max = batch_max
        self._queue: queue.Queue[Any] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._reader: ThreadPoolExecutor | None = None
        self._read_conn: sqlite3.Connection | None = None
        self.commits = 0
        self.health = StoreHealth()
        # Told how long each commit took, in seconds (the /metrics histogram); writer thread.
        self.on_commit: list[Callable[[float], None]] = []
        self.cdr_rows_read = 0  # CDRs parsed by `cdrs_between`: what a history load costs
        self._cdrs: CdrBuffer | None = None  # CDRs of this turn of the loop, not handed over

    # ------------------------------------------------------------ lifecycle

    def open(self) -> None:
        """Create the schema and start the writer and reader threads.

        A database that cannot be opened raises `StoreError` naming the file and why (the
        server then stops: app.py), never a half-open store.
        """
        conn: sqlite3.Connection | None = None
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = _connect(self.path)
            conn.executescript(_SCHEMA)
            _migrate(conn)
            _incremental_vacuum(conn, self.path)
            # A file we may read but not write (a read-only mount, a copy owned by another
            # user) passes everything above when its schema is current: write once now.
            conn.execute("BEGIN IMMEDIATE")
            _probe(conn)
            conn.execute("COMMIT")
        except (sqlite3.Error, OSError) as e:
            if conn is not None:
                conn.close()
            raise StoreError(f"cannot open database {self.path}: {unopenable(self.path, e)}") from e
        self._writer = threading.Thread(
            target=self._write_loop, args=(conn,), name="store-writer", daemon=True
        )
        self._writer.start()
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="store-reader")
        self._read_conn = _connect(self.path)

    @property
    def healthy(self) -> bool:
        """False while the database itself fails (disk, permissions), not for bad content."""
        return self.health.healthy

    def close(self, timeout: float = 5.0) -> None:
        """Finish pending writes and stop the threads (waits at most `timeout` for the writer)."""
        if self._writer is not None:
            if self._cdrs is not None:
                self._send_cdrs(self._cdrs)  # asked for before the close: written first
            self._queue.put(_STOP)
            self._writer.join(timeout=timeout)
            if self._writer.is_alive():
                log.error("store writer still busy after %.0f s; closing anyway", timeout)
            self._writer = None
        if self._reader is not None:
            self._reader.shutdown(wait=True)
            self._reader = None
        if self._read_conn is not None:
            self._read_conn.close()
            self._read_conn = None

    async def start(self) -> None:
        """`open()` for callers that hold any store (store/base.py `CdrStore`)."""
        self.open()

    async def stop(self) -> None:
        """`close()` for callers that hold any store."""
        self.close()

    # ------------------------------------------------------------ threads

    def _write_loop(self, conn: sqlite3.Connection) -> None:
        stop = False
        while not stop:
            item = self._queue.get()
            batch: list[_Item] = []
            if item is _STOP:
                break
            _add(batch, item)
            while len(batch) < self.batch_max:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                _add(batch, nxt)
            try:
                self._commit_batch(conn, batch)
            except BaseException as e:  # the thread must live on: fail this batch only
                log.exception("store writer: batch failed")
                with contextlib.suppress(sqlite3.Error):
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")  # never keep the write lock
                _fail(batch, StoreError(f"writer error: {type(e).__name__}"))
        with contextlib.suppress(sqlite3.Error):
            conn.close()

    def _commit_batch(self, conn: sqlite3.Connection, batch: list[_Item]) -> None:
        results: list[tuple[Future[Any], Any, BaseException | None]] = []
        answers = []  # the CDRs'
        started = time.perf_counter()
        changes = conn.total_changes
        try:
            conn.execute("BEGIN IMMEDIATE")
            i = 0
            while i < len(batch):
                item = batch[i]
                if isinstance(item, CdrWrite):
                    # A run of CDRs: one lookup and one executemany (`cdr_write.py`).
                    j = i + 1
                    while j < len(batch) and isinstance(batch[j], CdrWrite):
                        j += 1
                    run = [w for w in batch[i:j] if isinstance(w, CdrWrite)]
                    answers.extend(upsert_cdrs(conn, run))
                    i = j
                    continue
                i += 1
                op, fut = item
                conn.execute("SAVEPOINT op")
                try:
                    value = op(conn)
                except (sqlite3.OperationalError, sqlite3.InternalError):
                    raise  # the database itself: the whole batch fails below
                except Exception as e:
                    # What this row holds (too large an integer, a constraint): this one only.
                    conn.execute("ROLLBACK TO op")
                    results.append((fut, None, StoreContentError(f"{type(e).__name__}: {e}")))
                else:
                    results.append((fut, value, None))
                conn.execute("RELEASE op")
            conn.execute("COMMIT")
            self.commits += 1
        except Exception as e:
            log.error("store commit failed: %s", e)
            with contextlib.suppress(sqlite3.Error):
                if conn.in_transaction:
                    conn.execute("ROLLBACK")  # releases the write lock
            probe = all(not isinstance(w, CdrWrite) and w[0] is _probe for w in batch)
            self.health.failed(
                "probe" if probe else "commit", f"{type(e).__name__}: {e}", time.time()
            )
            _fail(batch, StoreError(f"commit failed: {e}"))
            return
        # Only a commit that wrote a row proves the disk takes writes: an empty one (or one
        # whose UPDATE matched nothing) succeeds on a full disk too.
        if conn.total_changes != changes and self.health.worked():
            log.info("store commits again after %d failures", self.health.failures)
        for observe in self.on_commit:  # after the commit: a metric must never fail a batch
            with contextlib.suppress(Exception):
                observe(time.perf_counter() - started)
        # Only now, after COMMIT (fsync), does any caller learn its row is stored.
        settle(answers)
        for fut, value, exc in results:
            if fut.done():
                continue
            if exc is not None:
                fut.set_exception(exc)
            else:
                fut.set_result(value)

    async def _write(self, op: _Op) -> Any:
        if self._writer is None:
            raise StoreError("store is not open")
        fut: Future[Any] = Future()
        self._queue.put((op, fut))
        return await asyncio.wrap_future(fut)

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._reader is None or self._read_conn is None:
            raise StoreError("store is not open")
        conn = self._read_conn
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._reader, fn, conn)
        except sqlite3.Error as e:
            self.health.failed("read", str(e), time.time(), writes=False)
            raise StoreError(str(e)) from e

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
        type). A webhook CDR for a call only known from the Call Log replaces that row (new)
        and tells the `time` of the row it replaced."""
        # `aiData` once: whole in `raw`, only what the wallboard reads in `parsed`.
        parsed = stored_form(cdr).model_dump_json(by_alias=True)
        row = (
            cdr.ivruniqueid,
            received,
            source,
            encoding,
            content_type,
            raw,
            parsed,
            cdr.time,
            cdr.type,
            cdr.status,
            cdr.caller,
            cdr.target,
            cdr.queue_id,
            cdr.department_name,
        )

        if self._writer is None:
            raise StoreError("store is not open")
        loop = asyncio.get_running_loop()
        write = CdrWrite(row, loop.create_future(), loop)
        # The CDRs of this turn of the loop go to the writer together (`cdr_write.py`).
        buffer = self._cdrs
        if buffer is None or buffer.loop is not loop:
            buffer = self._cdrs = CdrBuffer(loop)
            loop.call_soon(self._send_cdrs, buffer)
        buffer.writes.append(write)
        return await write.fut

    def _send_cdrs(self, buffer: CdrBuffer) -> None:
        if buffer.sent:
            return
        buffer.sent = True
        if self._cdrs is buffer:
            self._cdrs = None
        self._queue.put(buffer.writes)

    async def cdrs_between(self, start: int, end: int) -> list[CdrRow]:
        """CDRs whose `time` is in [start, end), oldest first."""

        def fn(conn: sqlite3.Connection) -> list[CdrRow]:
            cur = conn.execute(
                "SELECT id, parsed, received, source, encoding FROM cdr"
                " WHERE time >= ? AND time < ? ORDER BY time, id",
                (start, end),
            )
            rows = [
                CdrRow(i, Cdr.model_validate_json(p), r, s, e) for i, p, r, s, e in cur.fetchall()
            ]
            self.cdr_rows_read += len(rows)  # one reader thread: no lost updates
            return rows

        return await self._read(fn)

    async def cdr(self, call_id: str) -> tuple[CdrRow, bytes] | None:
        """One CDR with its raw body, by `ivruniqueid`."""

        def fn(conn: sqlite3.Connection) -> tuple[CdrRow, bytes] | None:
            r = conn.execute(
                "SELECT id, parsed, received, source, encoding, raw FROM cdr WHERE ivruniqueid=?"
                " ORDER BY type LIKE '%leg1', id LIMIT 1",
                (call_id,),
            ).fetchone()
            if r is None:
                return None
            return CdrRow(r[0], Cdr.model_validate_json(r[1]), r[2], r[3], r[4]), bytes(r[5])

        return await self._read(fn)

    async def cdr_count(self) -> int:
        """How many CDRs are stored."""
        return await self._read(lambda c: int(c.execute("SELECT count(*) FROM cdr").fetchone()[0]))

    # ------------------------------------------------------------ quarantine

    async def quarantine(
        self, raw: bytes, *, received: float, reason: str, encoding: str, content_type: str
    ) -> int:
        """Keep a refused body as received; returns its quarantine id."""

        def op(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO quarantine (received, reason, encoding, content_type, raw)"
                " VALUES (?,?,?,?,?)",
                (received, _text(reason), encoding, _text(content_type), raw),
            )
            new_id = int(cur.lastrowid or 0)
            conn.execute("DELETE FROM quarantine WHERE id <= ?", (new_id - QUARANTINE_KEEP,))
            return new_id

        found: int = await self._write(op)
        return found

    async def quarantined(self, limit: int = 100) -> list[QuarantineRow]:
        """The newest quarantined bodies, newest first."""

        def fn(conn: sqlite3.Connection) -> list[QuarantineRow]:
            cur = conn.execute(
                "SELECT id, received, reason, encoding, content_type, raw FROM quarantine"
                " ORDER BY id DESC LIMIT ?",
                (limit,),
            )
            return [QuarantineRow(a, b, c, d, e, bytes(f)) for a, b, c, d, e, f in cur]

        return await self._read(fn)

    async def release(self, qid: int) -> None:
        """Forget a quarantined body (after it was replayed)."""
        await self._write(lambda c: c.execute("DELETE FROM quarantine WHERE id=?", (qid,)))

    # ------------------------------------------------------------ day summaries

    async def day_summaries(self, days: Sequence[str], fmt: str) -> dict[str, str]:
        """The fresh summaries in format `fmt` of these days (a day without one: absent)."""

        def fn(conn: sqlite3.Connection) -> dict[str, str]:
            marks = ",".join("?" * len(days))
            cur = conn.execute(
                f"SELECT day, summary FROM day_summary WHERE day IN ({marks})"
                " AND fresh = 1 AND format = ? AND summary IS NOT NULL",
                (*days, fmt),
            )
            return {day: text for day, text in cur}

        return await self._read(fn)

    async def claim_day_summaries(self, days: Sequence[tuple[str, int, int]], fmt: str) -> None:
        """Before reading these (day, lo, hi) days' CDRs: summaries to come, fresh so far."""

        def op(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT OR REPLACE INTO day_summary (day, lo, hi, format, fresh, summary)"
                " VALUES (?, ?, ?, ?, 1, NULL)",
                [(day, lo, hi, fmt) for day, lo, hi in days],
            )

        await self._write(op)

    async def put_day_summary(self, day: str, summary: str) -> bool:
        """Write a claimed day's summary; False when a CDR of that day came since the claim."""

        def op(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE day_summary SET summary = ? WHERE day = ? AND fresh = 1", (summary, day)
            )
            return cur.rowcount == 1

        written: bool = await self._write(op)
        return written

    # ------------------------------------------------------------ callbacks and audit

    async def add_callback(self, row: CallbackRow) -> None:
        """Record a "call back" press on the worklist."""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO callback (ivruniqueid, number, actor, from_extension, at, ok,"
                " detail) VALUES (?,?,?,?,?,?,?)",
                (
                    row.call_id,
                    row.number,
                    row.actor,
                    row.from_extension,
                    row.at,
                    int(row.ok),
                    row.detail,
                ),
            )

        await self._write(op)

    async def callbacks_since(self, since: float) -> list[CallbackRow]:
        """Callback presses at or after `since`, oldest first."""

        def fn(conn: sqlite3.Connection) -> list[CallbackRow]:
            cur = conn.execute(
                "SELECT ivruniqueid, number, actor, from_extension, at, ok, detail FROM callback"
                " WHERE at >= ? ORDER BY at, id",
                (since,),
            )
            return [CallbackRow(a, b, c, d, e, bool(f), g) for a, b, c, d, e, f, g in cur]

        return await self._read(fn)

    async def add_audit(self, row: AuditRow) -> None:
        """Write one audit log row."""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO audit (at, actor, action, target, detail, ok) VALUES (?,?,?,?,?,?)",
                (row.at, row.actor, row.action, row.target, row.detail, int(row.ok)),
            )

        await self._write(op)

    async def audit_rows(self, limit: int = 200) -> list[AuditRow]:
        """The newest audit rows, newest first."""

        def fn(conn: sqlite3.Connection) -> list[AuditRow]:
            cur = conn.execute(
                "SELECT at, actor, action, target, detail, ok FROM audit ORDER BY id DESC LIMIT ?",
                (limit,),
            )
            return [AuditRow(a, b, c, d, e, bool(f)) for a, b, c, d, e, f in cur]

        return await self._read(fn)

    # ---- team leads' workspace: status changes ---------------------------------------

    async def add_status_changes(self, rows: list[StatusChangeRow]) -> None:
        """Write agent status changes (one transaction)."""

        def op(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT INTO status_change (at, extension, status_code, previous_code, actor)"
                " VALUES (?,?,?,?,?)",
                [(r.at, r.extension, r.status_code, r.previous_code, r.actor) for r in rows],
            )

        await self._write(op)

    async def status_changes(
        self, extension: int, since: float, limit: int
    ) -> list[StatusChangeRow]:
        """One agent's status changes at or after `since`, newest first."""

        def fn(conn: sqlite3.Connection) -> list[StatusChangeRow]:
            cur = conn.execute(
                "SELECT at, extension, status_code, previous_code, actor FROM status_change"
                " WHERE extension = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?",
                (extension, since, limit),
            )
            return [StatusChangeRow(*r) for r in cur]

        return await self._read(fn)

    # ---- team leads' workspace: messages to the floor --------------------------------

    async def add_message(
        self, text: str, boards: tuple[str, ...], until: float, author: str, created: float
    ) -> int:
        """Store a message to the floor; its id."""

        def op(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO floor_message (text, boards, until, author, created)"
                " VALUES (?,?,?,?,?)",
                (text, json.dumps(list(boards)), until, author, created),
            )
            return int(cur.lastrowid or 0)

        result: int = await self._write(op)
        return result

    async def remove_message(self, message_id: int, at: float) -> None:
        """Take a message off the floor (kept, marked removed, for the record)."""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE floor_message SET removed = ? WHERE id = ?", (at, message_id))

        await self._write(op)

    async def messages_until(self, now: float) -> list[FloorMessageRow]:
        """Messages not removed and still running at `now`, oldest first."""

        def fn(conn: sqlite3.Connection) -> list[FloorMessageRow]:
            cur = conn.execute(
                "SELECT id, text, boards, until, author, created FROM floor_message"
                " WHERE removed IS NULL AND until > ? ORDER BY id",
                (now,),
            )
            return [
                FloorMessageRow(i, t, tuple(json.loads(b)), u, a, c) for i, t, b, u, a, c in cur
            ]

        return await self._read(fn)

    # ---- team leads' workspace: the alert log ----------------------------------------

    async def add_alert(self, row: AlertRow) -> None:
        """Write one fired or cleared alert."""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO alert_log (at, rule, subject, label, value, fired, text)"
                " VALUES (?,?,?,?,?,?,?)",
                (row.at, row.rule, row.subject, row.label, row.value, int(row.fired), row.text),
            )

        await self._write(op)

    async def alerts_since(self, since: float, limit: int = 500) -> list[AlertRow]:
        """Alerts at or after `since`, newest first."""

        def fn(conn: sqlite3.Connection) -> list[AlertRow]:
            cur = conn.execute(
                "SELECT at, rule, subject, label, value, fired, text FROM alert_log"
                " WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?",
                (since, limit),
            )
            return [AlertRow(a, r, s, lb, v, bool(f), t) for a, r, s, lb, v, f, t in cur]

        return await self._read(fn)

    # ---- team leads' workspace: boards and kiosk tokens made in the UI ---------------

    async def boards(self) -> list[BoardRow]:
        """Every board of the editor, by name."""

        def fn(conn: sqlite3.Connection) -> list[BoardRow]:
            cur = conn.execute(
                "SELECT name, body, updated_by, updated_at FROM board_def ORDER BY name"
            )
            return [BoardRow(*r) for r in cur]

        return await self._read(fn)

    async def save_board(self, row: BoardRow, action: str) -> None:
        """Create or replace a board, and record the change (who, what, when)."""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO board_def (name, body, updated_by, updated_at)"
                " VALUES (?,?,?,?)",
                (row.name, row.body, row.updated_by, row.updated_at),
            )
            conn.execute(
                "INSERT INTO board_change (name, action, body, actor, at) VALUES (?,?,?,?,?)",
                (row.name, action, row.body, row.updated_by, row.updated_at),
            )

        await self._write(op)

    async def delete_board(self, name: str, actor: str, at: float) -> None:
        """Delete a board, and record who did it."""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM board_def WHERE name = ?", (name,))
            conn.execute(
                "INSERT INTO board_change (name, action, body, actor, at) VALUES (?,?,?,?,?)",
                (name, "delete", None, actor, at),
            )

        await self._write(op)

    async def board_changes(self, limit: int = 50) -> list[tuple[str, str, str, float]]:
        """The newest board changes: (board, action, who, when), newest first."""

        def fn(conn: sqlite3.Connection) -> list[tuple[str, str, str, float]]:
            cur = conn.execute(
                "SELECT name, action, actor, at FROM board_change ORDER BY id DESC LIMIT ?",
                (limit,),
            )
            return [(n, a, w, t) for n, a, w, t in cur]

        return await self._read(fn)

    async def kiosk_tokens(self) -> list[KioskTokenRow]:
        """Every kiosk token made in the UI, revoked ones too."""

        def fn(conn: sqlite3.Connection) -> list[KioskTokenRow]:
            cur = conn.execute(
                "SELECT name, token_hash, boards, created_by, created_at, revoked_at"
                " FROM kiosk_token ORDER BY name"
            )
            return [KioskTokenRow(n, h, tuple(json.loads(b)), c, a, r) for n, h, b, c, a, r in cur]

        return await self._read(fn)

    async def add_kiosk_token(self, row: KioskTokenRow) -> None:
        """Store a new token's hash (a name already used is an error)."""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO kiosk_token (name, token_hash, boards, created_by, created_at)"
                " VALUES (?,?,?,?,?)",
                (
                    row.name,
                    row.token_hash,
                    json.dumps(list(row.boards)),
                    row.created_by,
                    row.created_at,
                ),
            )

        await self._write(op)

    async def revoke_kiosk_token(self, name: str, at: float) -> None:
        """Revoke a token: it opens nothing from now on."""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE kiosk_token SET revoked_at = ? WHERE name = ?", (at, name))

        await self._write(op)

    async def users(self) -> list[BoardRow]:
        """Users made in the UI: (name, settings JSON with the password hash, who, when)."""
        return await self._read(functools.partial(_named_rows, table="app_user"))

    async def save_user(self, row: BoardRow) -> None:
        """Create or replace a user made in the UI."""
        await self._write(functools.partial(_save_named, table="app_user", row=row))

    async def delete_user(self, name: str) -> None:
        """Delete a user made in the UI: she cannot sign in any more."""
        await self._write(functools.partial(_delete_named, table="app_user", name=name))

    async def alert_rules(self) -> list[BoardRow]:
        """Alert rules made in /alerts: (name, rule JSON, who, when)."""
        return await self._read(functools.partial(_named_rows, table="alert_rule"))

    async def save_alert_rule(self, row: BoardRow) -> None:
        """Create or replace an alert rule made in /alerts."""
        await self._write(functools.partial(_save_named, table="alert_rule", row=row))

    async def delete_alert_rule(self, name: str) -> None:
        """Delete an alert rule made in /alerts."""
        await self._write(functools.partial(_delete_named, table="alert_rule", name=name))

    async def alert_acks(self) -> list[BoardRow]:
        """What leads did about open alerts: (alert id, what JSON, who, when)."""
        return await self._read(functools.partial(_named_rows, table="alert_ack"))

    async def save_alert_ack(self, row: BoardRow) -> None:
        """Record an acknowledgement or a snooze (it replaces the alert's last one)."""
        await self._write(functools.partial(_save_named, table="alert_ack", row=row))

    # ------------------------------------------------------------ upkeep

    async def check_writable(self, timeout: float = 5.0) -> None:
        """Raise `StoreError` unless a real write commits within `timeout` (readiness).

        The probe writes a row and removes it, committed (fsync) through the writer like
        any CDR: on a full disk or a read-only file it fails as a CDR would, and its
        success is what marks the store healthy again once space is back.
        """
        try:
            await asyncio.wait_for(self._write(_probe), timeout)
        except TimeoutError:
            error = f"the writer did not commit within {timeout:g} s"
            self.health.failed("probe", error, time.time())
            raise StoreError(error) from None

    async def prune(self, before: PruneBefore, batch: int = 5000) -> Pruned:
        """Erase the personal data older than retention's cut-offs (docs/operations.md).

        A CDR keeps its figures (times, queue, agent, outcome: the history and its daily
        summaries) and loses its caller and target numbers, its AI summary and the vendor's
        raw body, which holds them all. Callbacks, status changes, alerts, audit rows and
        quarantined bodies older than theirs are deleted. In batches, so no commit holds
        the writer for long; `compact` then gives the space back.
        """

        def calls(conn: sqlite3.Connection) -> int:
            # Rewritten (deleted and inserted again, same id), not updated in place: a row
            # that shrinks in place leaves its page as it was, where a delete lets the
            # B-tree merge the pages it emptied, which `compact` then gives back.
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS erasing AS SELECT * FROM cdr WHERE 0")
            conn.execute("DELETE FROM temp.erasing")
            n = conn.execute(
                "INSERT INTO temp.erasing SELECT * FROM cdr WHERE id IN (SELECT id FROM cdr"
                " WHERE time < ? AND (caller != '' OR target != '' OR length(raw) > 0) LIMIT ?)",
                (int(before.calls), batch),
            ).rowcount
            conn.execute(
                "UPDATE temp.erasing SET caller = '', target = '', raw = x'', parsed ="
                " json_remove(json_set(parsed, '$.caller', '', '$.target', ''),"
                " '$.aiData.summary')"
            )
            conn.execute("DELETE FROM cdr WHERE id IN (SELECT id FROM temp.erasing)")
            conn.execute("INSERT INTO cdr SELECT * FROM temp.erasing")
            conn.execute("DELETE FROM temp.erasing")
            return n

        counts = {"calls": await self._batches(calls)}
        for field, table, column in PRUNED_TABLES:
            sql = (
                f"DELETE FROM {table} WHERE id IN"
                f" (SELECT id FROM {table} WHERE {column} < ? LIMIT ?)"
            )
            cut = getattr(before, field)

            def delete(conn: sqlite3.Connection, sql: str = sql, cut: float = cut) -> int:
                return conn.execute(sql, (cut, batch)).rowcount

            counts[field] = await self._batches(delete)
        return Pruned(**counts)

    async def _batches(self, op: Callable[[sqlite3.Connection], int]) -> int:
        """Run `op` (one batch, its row count) through the writer until a batch is short."""
        total = 0
        while True:
            n: int = await self._write(op)
            total += n
            if n == 0:
                return total

    async def compact(self, pages_per_commit: int = 2000) -> int:
        """Give the pages freed by pruning back to the file system; bytes the file shrank.

        Incremental vacuum (the database is created, or converted once at open, with
        `auto_vacuum = INCREMENTAL`) moves free pages to the end and cuts them off, a few
        thousand per commit so CDRs never wait long; the checkpoint then truncates the
        file (in WAL mode the database file shrinks only when the log is copied back).
        """

        def vacuum(conn: sqlite3.Connection) -> int:
            free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
            n = min(free, pages_per_commit)
            for _ in range(n):  # one page per step: Python's sqlite3 steps a PRAGMA once
                conn.execute("PRAGMA incremental_vacuum(1)")
            return n

        size = _file_size(self.path)
        await self._batches(vacuum)
        await self._read(lambda c: c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall())
        return max(0, size - _file_size(self.path))


def _file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:  # ":memory:"
        return 0


def _probe(conn: sqlite3.Connection) -> None:
    """Readiness: a row written and removed in one commit (see `check_writable`)."""
    conn.execute("INSERT INTO store_probe (at) VALUES (?)", (time.time(),))
    conn.execute("DELETE FROM store_probe")


def unopenable(path: str, e: BaseException) -> str:
    """Why the database at `path` cannot be opened, in words an operator can act on.

    SQLite says "unable to open database file" for a missing folder, a folder it may not
    write and a file it may not read alike; the file system tells them apart.
    """
    if isinstance(e, OSError):
        return e.strerror or str(e)
    file, folder = Path(path), Path(path).parent
    if folder.exists() and os.statvfs(folder).f_flag & os.ST_RDONLY:
        return f"the file system of {folder} is mounted read-only"
    if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
        return f"permission denied on its folder {folder} ({_owner(folder)})"
    if file.exists() and not os.access(file, os.R_OK | os.W_OK):
        return f"permission denied ({_owner(file)})"
    if file.is_dir():
        return "it is a folder"
    return str(e)


def _owner(p: Path) -> str:
    st = p.stat()
    mode = stat.S_IMODE(st.st_mode)
    return f"owned by uid {st.st_uid}, mode {mode:04o}; the wallboard runs as uid {os.getuid()}"


def _add(batch: list[_Item], item: Any) -> None:
    """One item from the writer's queue into the batch (a list: a turn's CDRs)."""
    if isinstance(item, list):
        batch.extend(item)
    else:
        batch.append(item)


def _fail(batch: list[_Item], exc: BaseException) -> None:
    """Fail every caller of a batch that has no answer yet."""
    settle([(w, None, exc) for w in batch if isinstance(w, CdrWrite)])
    for item in batch:
        if not isinstance(item, CdrWrite) and not item[1].done():
            item[1].set_exception(exc)


def dumps_detail(detail: dict[str, object]) -> str:
    """Audit details as compact JSON."""
    return json.dumps(detail, ensure_ascii=False, separators=(",", ":"))
