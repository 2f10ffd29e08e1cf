"""The simulator's Call Log on disk keeps what the in-memory one keeps, and cleans up."""

from __future__ import annotations

import gc
from pathlib import Path

from wallboard.sim import calllog
from wallboard.sim.calllog import CallLogFile
from wallboard.sim.model.calllog import MemoryCallLog

DAY = 86400.0


def _rows(n: int, start: float = 1_790_000_000.0, step: float = 30.0) -> list[dict[str, object]]:
    return [
        {"ivruniqueid": f"c{i}", "time": int(start + i * step), "type": "IVR"} for i in range(n)
    ]


def test_the_file_answers_a_search_as_memory_does() -> None:
    rows = _rows(1234)  # more than one batch, and a batch left unwritten
    disk, memory = CallLogFile(), MemoryCallLog()
    for r in rows:
        disk.append(r)
        memory.append(r)
    assert len(disk) == len(memory) == 1234
    lo, hi = rows[100]["time"], rows[900]["time"]
    assert isinstance(lo, int) and isinstance(hi, int)
    assert list(disk.between(lo, hi)) == list(memory.between(lo, hi))
    assert len(list(disk.between(lo, hi))) == 801
    assert list(disk) == rows
    for r in rows:
        r["queueid"] = int(str(r["ivruniqueid"])[1:]) % 5
    disk, memory = CallLogFile(), MemoryCallLog()
    for r in rows:
        disk.append(r)
        memory.append(r)
    some = frozenset({1, 3})
    found = list(disk.between(lo, hi, some))
    assert found == list(memory.between(lo, hi, some))
    assert found and {r["queueid"] for r in found} == some
    disk.close()


def test_rows_older_than_the_kept_days_are_removed() -> None:
    log = CallLogFile()
    old = _rows(10, start=1_790_000_000.0)
    new = _rows(600, start=1_790_000_000.0 + (calllog.KEEP_DAYS + 1) * DAY)
    for r in old + new:
        log.append(r)
    kept = list(log)
    assert [r["ivruniqueid"] for r in kept] == [r["ivruniqueid"] for r in new]
    assert len(log) == len(new)
    log.close()


def test_the_temporary_folder_goes_with_the_log() -> None:
    log = CallLogFile()
    log.append(_rows(1)[0])
    folder = Path(log._conn.execute("PRAGMA database_list").fetchone()[2]).parent
    assert folder.is_dir()
    del log
    gc.collect()
    assert not folder.exists()


def test_a_big_floor_gets_less_past_unless_it_asks() -> None:
    from wallboard.sim.warmup import RECENT_HOURS, SETTLE_HOURS, plan

    default = plan(40, 7, asked=False)  # `make demo`: the whole week, settled first
    assert (default.history_days, default.recent_hours, default.settle_hours) == (
        7,
        RECENT_HOURS,
        SETTLE_HOURS,
    )
    big = plan(2000, 7, asked=False)  # no history; hours of today within the budget
    assert big.history_days == 0 and big.settle_hours == 0 and 2 <= big.recent_hours <= 5
    assert plan(2000, 7, asked=True).history_days == 7  # asked for: as asked
    assert plan(200, 7, asked=False).recent_hours == RECENT_HOURS
