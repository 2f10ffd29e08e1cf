"""History page loads: N days × M stored CDRs, the first load before and after a restart.

Stores the CDRs (the shapes of `bench/cdr_intake.py`, spread over each local day) into a
temporary SQLite store, then times `HistoryDays.load` as `/history` and `/history.csv`
call it: the very first load on a database without summaries (every day read and folded,
the closed days' summaries written), the first load after a restart (closed days from
their summaries, today read once), the next loads (nothing read), and after a late CDR
for a closed day (that day read again). Also the longest event-loop stall during each
load, and what a refresh of the worklist and callback figures costs with 20,000 CDRs of
today: the old way (read and parse today from the store, `build_worklist`) against the
kept-up-to-date one.

    .venv/bin/python bench/history_load.py                 # 8 days × 20,000 CDRs
    .venv/bin/python bench/history_load.py --days 8 --per-day 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cdr_intake import make_cdr
from wallboard.config import load_settings
from wallboard.core.clock import day_bounds
from wallboard.core.worklist import Worklist, build_worklist
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.services import aftercall
from wallboard.services.history_days import HistoryDays
from wallboard.services.intake import CdrIntake
from wallboard.store.db import Store
from wallboard.voicenter.cdr import parse_cdr

ZONE = "Asia/Jerusalem"


def bodies(days: int, per_day: int, now: float) -> list[bytes]:
    """`per_day` CDRs on each of the last `days` local days, spread over the day."""
    today = day_bounds(now, ZONE, datetime.min.time()).key
    out = []
    for back in range(days):
        day = datetime.fromisoformat(today) - timedelta(days=back)
        # The vendor's `time`: the local wall clock read as epoch.
        midnight = int(day.replace(tzinfo=UTC).timestamp())
        for j in range(per_day):
            i = back * per_day + j
            cdr = make_cdr(i, 0)
            cdr["time"] = midnight + j * 86400 // per_day
            cdr["ivruniqueid"] = f"bench{i:09d}"
            out.append(json.dumps(cdr).encode())
    return out


async def store_all(store: Store, raw: list[bytes]) -> None:
    chunk = 5000
    for k in range(0, len(raw), chunk):
        part = raw[k : k + chunk]
        cdrs = [parse_cdr(b, "application/json")[0] for b in part]
        await asyncio.gather(
            *(
                store.store_cdr(
                    c, b, received=0.0, source="webhook", encoding="json", content_type="json"
                )
                for c, b in zip(cdrs, part, strict=True)
            )
        )


async def timed_load(hist: HistoryDays, now: float) -> tuple[float, float, int]:
    """(seconds, longest event-loop stall in seconds, CDRs parsed) of one load."""
    stall = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal stall
        while not done.is_set():
            t = time.perf_counter()
            await asyncio.sleep(0.005)
            stall = max(stall, time.perf_counter() - t - 0.005)

    tick = asyncio.create_task(ticker(), name="bench-ticker")
    read = hist.intake.store.cdr_rows_read
    t = time.perf_counter()
    await hist.load(now)
    took = time.perf_counter() - t
    done.set()
    await tick
    return took, stall, hist.intake.store.cdr_rows_read - read


async def worklist_refresh(intake: CdrIntake) -> tuple[float, float, int]:
    """(seconds of a refresh read from the store, seconds kept up to date, items)."""
    t = time.perf_counter()
    start, end = intake.today_bounds()
    rows = await intake.rows_between(start, end)
    batch = build_worklist((r.cdr for r in rows), [], intake.rule)
    old = time.perf_counter() - t
    state = Worklist(intake.rule)
    for r in rows:
        state.add_cdr(r.cdr)
    state.add_cdr(rows[-1].cdr.model_copy(update={"ivruniqueid": "one-more"}))
    t = time.perf_counter()
    items = state.items()  # what a refresh costs after a CDR arrived: the list rebuilt
    new = time.perf_counter() - t
    assert len(items) >= len(batch)
    return old, new, len(items)


def report(name: str, took: float, stall: float, parsed: int) -> None:
    print(f"{name}: {took:.2f} s, {parsed:,} CDRs parsed, longest loop stall {1000 * stall:.0f} ms")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=8)
    ap.add_argument("--per-day", type=int, default=20_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        settings = load_settings(
            None,
            {
                "WALLBOARD_STORE_PATH": str(Path(d) / "bench.sqlite"),
                "WALLBOARD_DAY_TIMEZONE": ZONE,
                "WALLBOARD_CDR_TIME_STAMPS": "local",
                "WALLBOARD_CDR_BACKFILL": "false",
            },
        )
        store = Store(settings.store.path)
        store.open()
        intake = CdrIntake(settings, store, Hub(settings.fold_settings()))
        now = timebase.now()
        raw = bodies(args.days, args.per_day, now)
        t = time.perf_counter()
        await store_all(store, raw)
        print(
            f"stored {len(raw):,} CDRs ({args.days} days × {args.per_day:,}) in"
            f" {time.perf_counter() - t:.1f} s"
        )
        hist = HistoryDays(intake)
        report(
            "very first load (no summaries yet: all days folded, summaries written)",
            *await timed_load(hist, now),
        )
        store.close()
        # A restart: the after-call service starts on the same database, as the app does
        # (today read once: fed to the board, its worklist and figures built).
        aftercall.HISTORY_WARM_UP_AFTER = 3600.0  # the page's own load, not the warm-up's
        service = aftercall.CdrService(settings, Hub(settings.fold_settings()))
        t = time.perf_counter()
        await service.start()
        print(
            f"restart: start-up read and folded today's {service.store.cdr_rows_read:,} CDRs"
            f" in {time.perf_counter() - t:.2f} s"
        )
        intake, hist = service.intake, service.history
        took, stall, parsed = await timed_load(hist, now)
        report(
            "first load after the restart (closed days from their summaries)", took, stall, parsed
        )
        print(f"FIGURE history_first_load_seconds {took:.2f}")
        for name in ("second load", "third load"):
            report(name, *await timed_load(hist, now))
        # A late CDR for the day before yesterday: that day is read and folded again.
        late = json.loads(raw[2 * args.per_day + 1])
        late["ivruniqueid"] = "bench-late"
        status, _, _ = await intake.receive(json.dumps(late).encode(), "application/json")
        assert status == 200
        report(
            "after a late CDR for a closed day (a page load before the service rebuilt it)",
            *await timed_load(hist, now),
        )
        old, new, n = await worklist_refresh(intake)
        print(
            f"worklist + callback figures refresh ({n:,} abandoned callers today):"
            f" read from the store {old:.2f} s, kept up to date {1000 * new:.1f} ms"
        )
        await service.stop()


if __name__ == "__main__":
    asyncio.run(main())
