"""The SQLite store: one writer thread with group commit, one reader thread, WAL mode.

Why a writer thread of our own rather than `asyncio.to_thread` per insert: SQLite has one
writer at a time anyway, and a single thread that drains every waiting insert into one
transaction turns N fsyncs into one under load (group commit) while each caller still
gets its answer only after *its* row is committed. `synchronous=FULL`: a CDR is
acknowledged to the vendor only after it is on disk, so a power cut (not just a crash)
must not lose an acknowledged CDR; WAL keeps that to one fsync per commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from wallboard.core.calls import Cdr, stored_form
from wallboard.core.worklist import CallbackRow
from wallboard.errors import StoreError

__all__ = ["SCHEMA_VERSION", "AuditRow", "CallbackRow", "CdrRow", "Store", "Stored"]

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
"""


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


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


_Op = Callable[[sqlite3.Connection], Any]
_STOP = object()


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
        self.cdr_rows_read = 0  # CDRs parsed by `cdrs_between`: what a history load costs

    # ------------------------------------------------------------ lifecycle

    def open(self) -> None:
        """Create the schema and start the writer and reader threads."""
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = _connect(self.path)
            conn.executescript(_SCHEMA)
            _migrate(conn)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open database {self.path}: {e}") from e
        self._writer = threading.Thread(
            target=self._write_loop, args=(conn,), name="store-writer", daemon=True
        )
        self._writer.start()
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="store-reader")
        self._read_conn = _connect(self.path)

    def close(self) -> None:
        """Finish pending writes and stop the threads."""
        if self._writer is not None:
            self._queue.put(_STOP)
            self._writer.join(timeout=30)
            self._writer = None
        if self._reader is not None:
            self._reader.shutdown(wait=True)
            self._reader = None
        if self._read_conn is not None:
            self._read_conn.close()
            self._read_conn = None

    # ------------------------------------------------------------ threads

    def _write_loop(self, conn: sqlite3.Connection) -> None:
        stop = False
        while not stop:
            item = self._queue.get()
            batch: list[tuple[_Op, Future[Any]]] = []
            if item is _STOP:
                break
            batch.append(item)
            while len(batch) < self.batch_max:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                batch.append(nxt)
            self._commit_batch(conn, batch)
        conn.close()

    def _commit_batch(self, conn: sqlite3.Connection, batch: list[tuple[_Op, Future[Any]]]) -> None:
        results: list[tuple[Future[Any], Any, BaseException | None]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for op, fut in batch:
                conn.execute("SAVEPOINT op")
                try:
                    value = op(conn)
                except sqlite3.Error as e:
                    conn.execute("ROLLBACK TO op")
                    results.append((fut, None, StoreError(str(e))))
                else:
                    results.append((fut, value, None))
                conn.execute("RELEASE op")
            conn.execute("COMMIT")
            self.commits += 1
        except sqlite3.Error as e:
            log.error("store commit failed: %s", e)
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            for _, fut in batch:
                fut.set_exception(StoreError(f"commit failed: {e}"))
            return
        # Only now, after COMMIT (fsync), does any caller learn its row is stored.
        for fut, value, exc in results:
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

        def op(conn: sqlite3.Connection) -> Stored:
            previous: int | None = None
            if source != "calllog":
                # The Call Log may stamp the call differently (another day near midnight):
                # whoever caches a day's figures must forget that day too. One lookup in the
                # unique index, inside the same transaction.
                found = conn.execute(
                    "SELECT time FROM cdr WHERE ivruniqueid=? AND type=? AND source='calllog'",
                    (cdr.ivruniqueid, cdr.type),
                ).fetchone()
                previous = None if found is None else int(found[0])
            cur = conn.execute(
                "INSERT INTO cdr (ivruniqueid, received, source, encoding,"
                " content_type, raw, parsed, time, type, status, caller, target, queueid,"
                " department) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                # A webhook CDR replaces a Call Log backfill row of the same call: it has
                # more (queue id, wait, aiData). Anything else already stored is a repeat.
                " ON CONFLICT (ivruniqueid, type) DO UPDATE SET received=excluded.received,"
                " source=excluded.source, encoding=excluded.encoding,"
                " content_type=excluded.content_type, raw=excluded.raw, parsed=excluded.parsed,"
                " time=excluded.time, status=excluded.status, caller=excluded.caller,"
                " target=excluded.target, queueid=excluded.queueid,"
                " department=excluded.department"
                " WHERE cdr.source = 'calllog' AND excluded.source != 'calllog'",
                row,
            )
            new = cur.rowcount == 1
            return Stored(new, previous if new else None)

        stored: Stored = await self._write(op)
        return stored

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


def dumps_detail(detail: dict[str, object]) -> str:
    """Audit details as compact JSON."""
    return json.dumps(detail, ensure_ascii=False, separators=(",", ":"))
