"""The simulator's Call Log on disk: SQLite in a temporary directory, gone with the process
(however it stops: `runtime/cleanup.py`).

The vendor keeps months of calls; a demo floor of 2,000 agents ends 200,000 calls a
simulated day. As Python dicts that was 1.6 KB of memory per call (most of a long demo's
growth); here a row costs disk, and memory stays SQLite's small page cache plus a batch
waiting to be written. Durability does not matter (a restarted simulator runs a new
floor), so no journal and no fsync.
"""

from __future__ import annotations

import json
import sqlite3
import weakref
from collections.abc import Iterator
from pathlib import Path

from wallboard.runtime import cleanup
from wallboard.sim.model.entities import Json

__all__ = ["CALLLOG_PREFIX", "KEEP_DAYS", "CallLogFile"]

CALLLOG_PREFIX = "wallboard-sim-calllog-"  # its folders in the temp dir

KEEP_DAYS = 40  # simulated days kept: more than the longest demo history (31 days)
_BATCH = 500  # rows written in one transaction
_PRUNE_EVERY = 3600.0  # simulated seconds between removals of rows past KEEP_DAYS


def _cleanup(conn: sqlite3.Connection, folder: Path) -> None:
    conn.close()
    cleanup.forget(folder)


class CallLogFile:
    """Every CDR of the last `KEEP_DAYS` simulated days, in a temporary SQLite file."""

    def __init__(self) -> None:
        # Removed when the log is closed or garbage, and when the process stops, also by a
        # signal (`runtime/cleanup.py`).
        folder = cleanup.temp_folder(CALLLOG_PREFIX)
        # The ticker and the HTTP handlers share the event loop's thread; the warm-up may
        # run in another before the server starts, never at the same time.
        self._conn = sqlite3.connect(Path(folder) / "calllog.sqlite", check_same_thread=False)
        self._conn.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -4000;
            CREATE TABLE call (time REAL NOT NULL, queueid INTEGER, body TEXT NOT NULL);
            CREATE INDEX call_time ON call (time);
            CREATE INDEX call_queue_time ON call (queueid, time);
            """
        )
        self._batch: list[tuple[float, int | None, str]] = []
        self._pruned_at = float("-inf")
        self._finalizer = weakref.finalize(self, _cleanup, self._conn, folder)

    def append(self, row: Json) -> None:
        """Record one CDR (written with the next batch)."""
        queue = row.get("queueid")
        body = json.dumps(row, separators=(",", ":"))
        self._batch.append((float(row["time"]), queue if isinstance(queue, int) else None, body))
        if len(self._batch) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._batch:
            return
        newest = max(t for t, _, _ in self._batch)
        with self._conn:
            self._conn.executemany("INSERT INTO call VALUES (?, ?, ?)", self._batch)
            if newest - self._pruned_at >= _PRUNE_EVERY:
                cut = newest - KEEP_DAYS * 86400.0
                self._conn.execute("DELETE FROM call WHERE time < ?", (cut,))
                self._pruned_at = newest
        self._batch = []

    def between(
        self, start: float, end: float, queues: frozenset[int] = frozenset()
    ) -> Iterator[Json]:
        """The CDRs whose `time` is in [start, end] (and queue in `queues`, if any given),
        oldest first. The wallboard asks the Call Log once per queue: by index, not by
        decoding the whole day for each."""
        self._flush()
        if queues:
            marks = ",".join("?" * len(queues))
            rows = self._conn.execute(
                f"SELECT body FROM call WHERE queueid IN ({marks}) AND time BETWEEN ? AND ?"
                " ORDER BY time, rowid",
                (*sorted(queues), start, end),
            )
        else:
            rows = self._conn.execute(
                "SELECT body FROM call WHERE time BETWEEN ? AND ? ORDER BY time, rowid",
                (start, end),
            )
        return (json.loads(body) for (body,) in rows)

    def __len__(self) -> int:
        self._flush()
        return int(self._conn.execute("SELECT count(*) FROM call").fetchone()[0])

    def __iter__(self) -> Iterator[Json]:
        return self.between(float("-inf"), float("inf"))

    def close(self) -> None:
        """Remove the file (also done when the log is garbage)."""
        self._finalizer()
