"""The CDR half of SQLite's writer thread: a group commit's CDRs in one `executemany`.

A CDR is the one write that arrives thousands of times a second, so it does not go
through the writer's general path (one Python callable, one savepoint and, for the Call
Log check, one `SELECT` per row). Instead:

* On the event loop, the CDRs asked for during one turn of the loop go to the writer
  thread together (`CdrBuffer`): one queue hand-over, one wake-up of the thread.
* In the writer's transaction, one `SELECT … WHERE ivruniqueid IN (…)` finds whatever
  the whole run already has stored; from it each CDR's answer is decided in order, exactly
  as one upsert after the other would decide it — new, a repeat, or replacing a Call Log
  row (and that row's `time`), a repeat within the same run included. Only the rows that
  change something go to one `executemany` of the upsert (a repeat never touches the
  table or its triggers). The writer holds the write lock (`BEGIN IMMEDIATE`), so nothing
  can change between the lookup and the upsert.
* A row the database refuses (too large an integer) makes the run go again one row at a
  time, each in its own savepoint, so it fails that CDR alone as before.
* The answers are handed back after `COMMIT`, with one `call_soon_threadsafe` per event
  loop per commit rather than one per CDR.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wallboard.errors import StoreContentError
from wallboard.store.rows import Stored

__all__ = ["CdrBuffer", "CdrWrite", "settle", "upsert_cdrs"]

# The row's columns, in the order `CdrWrite.row` holds them.
_COLUMNS = (
    "ivruniqueid, received, source, encoding, content_type, raw, parsed, time, type,"
    " status, caller, target, queueid, department"
)
_UPSERT = (
    f"INSERT INTO cdr ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
    # A webhook CDR replaces a Call Log backfill row of the same call: it has more (queue
    # id, wait, aiData). Anything else already stored is a repeat (decided before: a repeat
    # is not sent here at all; the clause keeps the table right whatever is sent).
    " ON CONFLICT (ivruniqueid, type) DO UPDATE SET received=excluded.received,"
    " source=excluded.source, encoding=excluded.encoding,"
    " content_type=excluded.content_type, raw=excluded.raw, parsed=excluded.parsed,"
    " time=excluded.time, status=excluded.status, caller=excluded.caller,"
    " target=excluded.target, queueid=excluded.queueid, department=excluded.department"
    " WHERE cdr.source = 'calllog' AND excluded.source != 'calllog'"
)
# Ids per lookup: far below SQLite's limit on bound parameters (32,766 since 3.32).
_LOOKUP_CHUNK = 500

# Where the key, the source and the time sit in `CdrWrite.row`.
_ID, _SOURCE, _TIME, _TYPE = 0, 2, 7, 8

Answer = tuple["CdrWrite", Stored | None, BaseException | None]


@dataclass(slots=True)
class CdrWrite:
    """One CDR to store: its row (the columns of `_COLUMNS`) and who waits for it."""

    row: tuple[Any, ...]
    fut: asyncio.Future[Stored]
    loop: asyncio.AbstractEventLoop


@dataclass(slots=True)
class CdrBuffer:
    """The CDRs asked for during one turn of one event loop, handed over together."""

    loop: asyncio.AbstractEventLoop
    writes: list[CdrWrite] = field(default_factory=list)
    sent: bool = False


def upsert_cdrs(conn: sqlite3.Connection, writes: Sequence[CdrWrite]) -> list[Answer]:
    """Store a run of CDRs inside the writer's open transaction; each one's answer.

    `sqlite3.OperationalError` and `InternalError` (the database itself) propagate: the
    whole batch fails. Anything else a row causes fails that row only.
    """
    conn.execute("SAVEPOINT cdrs")
    try:
        answers = _upsert(conn, writes)
    except (sqlite3.OperationalError, sqlite3.InternalError):
        raise
    except Exception:
        # Some row's content: undo the run and store it row by row, to fail that one only.
        conn.execute("ROLLBACK TO cdrs")
        conn.execute("RELEASE cdrs")
        return [_upsert_alone(conn, w) for w in writes]
    conn.execute("RELEASE cdrs")
    return answers


def _upsert_alone(conn: sqlite3.Connection, write: CdrWrite) -> Answer:
    conn.execute("SAVEPOINT cdr")
    try:
        (answer,) = _upsert(conn, (write,))
    except (sqlite3.OperationalError, sqlite3.InternalError):
        raise
    except Exception as e:
        conn.execute("ROLLBACK TO cdr")
        answer = (write, None, StoreContentError(f"{type(e).__name__}: {e}"))
    conn.execute("RELEASE cdr")
    return answer


def _upsert(conn: sqlite3.Connection, writes: Sequence[CdrWrite]) -> list[Answer]:
    # What the run's calls already have: (id, type) → (source, time).
    have: dict[tuple[str, str], tuple[str, int]] = {}
    ids = list({w.row[_ID] for w in writes})
    for i in range(0, len(ids), _LOOKUP_CHUNK):
        chunk = ids[i : i + _LOOKUP_CHUNK]
        marks = ",".join("?" * len(chunk))
        cur = conn.execute(
            f"SELECT ivruniqueid, type, source, time FROM cdr WHERE ivruniqueid IN ({marks})",
            chunk,
        )
        for cid, kind, source, time in cur:
            have[(cid, kind)] = (source, time)
    answers: list[Answer] = []
    rows: list[tuple[Any, ...]] = []
    for w in writes:
        row = w.row
        key = (row[_ID], row[_TYPE])
        source = row[_SOURCE]
        before = have.get(key)
        if before is None:
            stored = Stored(True)
        elif before[0] == "calllog" and source != "calllog":
            # The Call Log may stamp the call differently (another day near midnight):
            # whoever caches a day's figures must forget that day too.
            stored = Stored(True, int(before[1]))
        else:
            answers.append((w, _REPEAT, None))
            continue
        have[key] = (source, row[_TIME])
        rows.append(row)
        answers.append((w, stored, None))
    if rows:
        conn.executemany(_UPSERT, rows)
    return answers


_REPEAT = Stored(False)


def settle(answers: Sequence[Answer]) -> None:
    """Hand each answer to its waiting caller: one call into each event loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[Answer]] = {}
    for answer in answers:
        by_loop.setdefault(answer[0].loop, []).append(answer)
    for loop, mine in by_loop.items():
        # A loop closed meanwhile has nobody waiting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle_here, mine)


def _settle_here(answers: list[Answer]) -> None:
    for write, value, exc in answers:
        fut = write.fut
        if fut.done():  # the caller gave up (cancelled); the row is stored all the same
            continue
        if exc is not None:
            fut.set_exception(exc)
        elif value is not None:
            fut.set_result(value)
