"""History loads with closed days summarised and today kept up to date: the same figures as
a build from scratch, and a second load parses no CDR (counted by the real store), late
CDRs included; after a restart the closed days come from their stored summaries."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import CDR
from wallboard.config import load_settings
from wallboard.core.history import DayHistory, build_history, csv_export
from wallboard.runtime.hub import Hub
from wallboard.services.history_days import HistoryDays
from wallboard.services.intake import CdrIntake
from wallboard.store.db import Store
from wallboard.voicenter.cdr import parse_cdr

pytestmark = pytest.mark.integration

BASE = json.loads((CDR / "incoming-queue-answer.json").read_text())
TODAY = date(2026, 3, 30)  # the window holds Israel's move to summer time (27 March)
# 15:00 in Israel (UTC+3 then), as true UTC.
NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC).timestamp()
PER_DAY = 30


def _wall(day: date, hour: int, minute: int = 0, second: int = 0) -> int:
    """Israel's wall clock read as epoch: how the vendor stamps a CDR's `time`."""
    return int(datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC).timestamp())


def _body(cid: str, t: int, i: int) -> bytes:
    answered = i % 4 != 0
    d: dict[str, Any] = dict(
        BASE,
        ivruniqueid=cid,
        time=t,
        status="ANSWER" if answered else "ABANDONE",
        seconds_waiting_in_queue=(i * 7) % 60,
        queueid=100 + i % 3,
        queuename=f"Queue {i % 3}",
        targetextension=f"SIP{i % 5}" if answered else "",
        duration=30 + i,
    )
    return json.dumps(d).encode()


@pytest.fixture
async def intake(tmp_path: Path):
    settings = load_settings(None, {"WALLBOARD_STORE_PATH": str(tmp_path / "db.sqlite")})
    assert settings.day.timezone == "Asia/Jerusalem"  # the default: real offsets and DST
    store = Store(settings.store.path)
    store.open()
    yield CdrIntake(settings, store, Hub(settings.fold_settings()))
    store.close()


async def _post(intake: CdrIntake, bodies: list[bytes]) -> None:
    replies = await asyncio.gather(*(intake.receive(b, "application/json") for b in bodies))
    assert all(status == 200 for status, _, _ in replies)


def _figures(days: dict[str, DayHistory]) -> dict[str, Any]:
    """Every number of every day; not the call-id sets a fold uses to count a call once."""
    out: dict[str, Any] = {}
    for key, d in days.items():
        f = dataclasses.asdict(d)
        del f["_resolved"]
        for tallies in (f["agents"], f["hour_agents"]):
            for a in tallies.values():
                del a["seen_calls"], a["answered_calls"]
        out[key] = f
    return out


async def _from_scratch(intake: CdrIntake, hist: HistoryDays, now: float) -> dict[str, Any]:
    window = hist.window(now)
    rows = await intake.rows_between(window[0].start, window[-1].end)
    days = build_history((r.cdr for r in rows), intake.settings.fold_settings(), intake.rule)
    return _figures(days)


def _stored_in(intake: CdrIntake, start: int, end: int) -> int:
    """How many rows a read of [start, end) true UTC parses (a count outside the store)."""
    lo, hi = intake.stored_window(start, end)
    conn = sqlite3.connect(intake.store.path)
    try:
        return int(
            conn.execute("SELECT count(*) FROM cdr WHERE time>=? AND time<?", (lo, hi)).fetchone()[
                0
            ]
        )
    finally:
        conn.close()


async def test_cached_days_equal_a_build_from_scratch_and_only_today_is_read_again(intake):
    hist = HistoryDays(intake)
    window = hist.window(NOW)
    assert [b.key for b in window] == [
        (TODAY - timedelta(days=7 - i)).isoformat() for i in range(8)
    ]
    bodies = []
    for back in range(8):
        day = TODAY - timedelta(days=back)
        for i in range(PER_DAY):
            # 08:00–13:50 local: far from midnight, so reading today touches no closed day.
            bodies.append(_body(f"d{back}-{i}", _wall(day, 8 + i // 6, (i % 6) * 10), i))
    # Either side of the midnight between 25 and 26 March: each counts on its own day.
    bodies.append(_body("late-night", _wall(TODAY - timedelta(days=5), 23, 59, 30), 1))
    bodies.append(_body("early-morning", _wall(TODAY - timedelta(days=4), 0, 0, 30), 2))
    await _post(intake, bodies)
    # A Call Log row from an earlier run (stored then, not through this intake) on 24 March.
    moved, _ = parse_cdr(_body("moved", _wall(TODAY - timedelta(days=6), 11), 1))
    await intake.store.store_cdr(
        moved, b"{}", received=0.0, source="calllog", encoding="json", content_type="x"
    )

    first, today = await hist.load(NOW)
    assert today == TODAY.isoformat()
    assert list(first) == [b.key for b in window]
    assert _figures(first) == await _from_scratch(intake, hist, NOW)
    assert first[today].total.offered == PER_DAY
    assert first[window[2].key].total.offered == PER_DAY + 1  # 25 March with "late-night"
    assert first[window[3].key].total.offered == PER_DAY + 1  # 26 March with "early-morning"
    assert first[window[1].key].total.offered == PER_DAY + 1  # 24 March with "moved"

    # The second load parses nothing: closed days come from memory, today is kept.
    read = intake.store.cdr_rows_read
    second, _ = await hist.load(NOW)
    assert intake.store.cdr_rows_read - read == 0
    assert _figures(second) == _figures(first)
    assert csv_export(second) == csv_export(first)

    # A late CDR for 27 March: that day is read again, and counts it.
    late_day = window[4]
    await _post(intake, [_body("late", _wall(TODAY - timedelta(days=3), 12, 30), 5)])
    read = intake.store.cdr_rows_read
    third, _ = await hist.load(NOW)
    expected = _stored_in(intake, late_day.start, late_day.end)
    assert intake.store.cdr_rows_read - read == expected
    assert third[late_day.key].total.offered == PER_DAY + 1
    assert _figures(third) == await _from_scratch(intake, hist, NOW)

    # The webhook's CDR of the Call Log call, stamped on 25 March: both days change.
    await _post(intake, [_body("moved", _wall(TODAY - timedelta(days=5), 11), 1)])
    fourth, _ = await hist.load(NOW)
    assert fourth[window[1].key].total.offered == PER_DAY
    assert fourth[window[2].key].total.offered == PER_DAY + 2
    assert _figures(fourth) == await _from_scratch(intake, hist, NOW)

    # A repeat changes nothing stored, so nothing is read again.
    await _post(intake, [_body("late", _wall(TODAY - timedelta(days=3), 12, 30), 5)])
    read = intake.store.cdr_rows_read
    await hist.load(NOW)
    assert intake.store.cdr_rows_read - read == 0

    # Today's CDRs arriving after the first load are folded in as they come.
    await _post(intake, [_body("now", _wall(TODAY, 14, 0), 3)])
    fifth, _ = await hist.load(NOW)
    assert intake.store.cdr_rows_read - read == 0
    assert fifth[today].total.offered == PER_DAY + 1
    assert _figures(fifth) == await _from_scratch(intake, hist, NOW)

    # After a restart: every closed day from its summary (the late ones rebuilt), not a CDR
    # of them parsed; only today is read.
    again = HistoryDays(intake)
    read = intake.store.cdr_rows_read
    restarted, _ = await again.load(NOW)
    assert (again.summaries_read, again.closed_built) == (7, 0)
    assert intake.store.cdr_rows_read - read == PER_DAY + 1
    assert _figures(restarted) == _figures(fifth)


async def test_the_next_day_keeps_yesterday_and_drops_the_oldest(intake):
    hist = HistoryDays(intake)
    bodies = [
        _body(f"d{back}-{i}", _wall(TODAY - timedelta(days=back), 10, i), i)
        for back in range(8)
        for i in range(5)
    ]
    await _post(intake, bodies)
    await hist.load(NOW)
    assert hist.days_built == 8
    tomorrow = NOW + 86400
    days, today = await hist.load(tomorrow)
    # Built again: the day that closed (yesterday now) and the new today, nothing else.
    assert hist.days_built == 8 + 2
    assert today == (TODAY + timedelta(days=1)).isoformat()
    assert (TODAY - timedelta(days=7)).isoformat() not in days  # out of the window now
    assert len(days) == 7 and today not in days  # no CDRs today yet: no row, as before
    assert _figures(days) == await _from_scratch(intake, hist, tomorrow)
    # Kept to the days the page shows.
    assert len(hist._closed) == 7


async def test_the_service_builds_the_closed_days_soon_after_start_up(tmp_path, monkeypatch):
    """After a restart the first /history load does not fold 7 days: the service already
    built them (and wrote their summaries) in the background, today at start-up; a late
    CDR for a closed day is folded in the background too."""
    from wallboard.runtime import timebase
    from wallboard.services import aftercall as cdr_service

    env = {"WALLBOARD_STORE_PATH": str(tmp_path / "db.sqlite"), "WALLBOARD_CDR_BACKFILL": "false"}
    settings = load_settings(None, env)
    yesterday = datetime.fromtimestamp(timebase.now(), ZoneInfo("Asia/Jerusalem")).date()
    yesterday -= timedelta(days=1)
    # Stored by an earlier run of the wallboard.
    store = Store(settings.store.path)
    store.open()
    try:
        earlier = CdrIntake(settings, store, Hub(settings.fold_settings()))
        await _post(earlier, [_body(f"y{i}", _wall(yesterday, 10, i), i) for i in range(5)])
    finally:
        store.close()
    monkeypatch.setattr(cdr_service, "HISTORY_WARM_UP_AFTER", 0.0)
    monkeypatch.setattr(cdr_service, "REBUILD_AFTER_LATE_CDR", 0.0)
    service = cdr_service.CdrService(settings, Hub(settings.fold_settings()))
    await service.start()
    try:
        for _ in range(200):
            if service.history.days_built >= 8:  # 7 closed days, then today
                break
            await asyncio.sleep(0.05)
        assert service.history.days_built == 8  # the 7 closed days and today
        days, _ = await service.history.load(timebase.now())
        assert service.history.days_built == 8  # a page load now folds nothing
        assert days[yesterday.isoformat()].total.offered == 5
        # A late CDR for yesterday: rebuilt in the background, not by the next page load.
        await _post(service.intake, [_body("y-late", _wall(yesterday, 11), 1)])
        for _ in range(200):
            if service.history.days_built >= 9:
                break
            await asyncio.sleep(0.05)
        read = service.store.cdr_rows_read
        days, _ = await service.history.load(timebase.now())
        assert service.store.cdr_rows_read == read
        assert days[yesterday.isoformat()].total.offered == 6
    finally:
        await service.stop()


async def test_a_summary_missing_a_late_cdr_is_never_read_back(intake):
    """A CDR of a closed day stored while its summary is being built: the store's trigger
    clears the claim, so the summary is not written and the next load (even after a
    restart) builds that day from its CDRs."""
    day = TODAY - timedelta(days=2)
    await _post(intake, [_body(f"x{i}", _wall(day, 10, i), i) for i in range(4)])
    hist = HistoryDays(intake)
    real = hist._build

    async def build_then_late(start: int, end: int) -> dict[str, DayHistory]:
        got = await real(start, end)  # read before the late CDR came
        if start <= _wall(day, 12) - 3 * 3600 < end:
            await _post(intake, [_body("late", _wall(day, 12), 9)])
        return got

    hist._build = build_then_late  # type: ignore[method-assign]
    first, _ = await hist.load(NOW)
    assert first[day.isoformat()].total.offered == 4  # what was read
    restarted = HistoryDays(intake)
    days, _ = await restarted.load(NOW)
    assert days[day.isoformat()].total.offered == 5
    assert restarted.closed_built == 1 and restarted.summaries_read == 6
    assert _figures(days) == await _from_scratch(intake, restarted, NOW)


async def test_summaries_of_another_format_are_built_again(intake, monkeypatch):
    await _post(intake, [_body("y", _wall(TODAY - timedelta(days=1), 10), 1)])
    await HistoryDays(intake).load(NOW)
    from wallboard.services import history_days

    monkeypatch.setattr(history_days, "SUMMARY_FORMAT", "a-later-tally")
    hist = HistoryDays(intake)
    days, _ = await hist.load(NOW)
    assert (hist.summaries_read, hist.closed_built) == (0, 7)
    assert days[(TODAY - timedelta(days=1)).isoformat()].total.offered == 1
