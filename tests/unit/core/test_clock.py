"""The server clock domain and day boundaries."""

from __future__ import annotations

from datetime import time

from wallboard.core.clock import DayFinder, ServerClock, day_bounds, detect_shift


def test_detects_utc_and_shifted_conventions():
    now = 1_700_000_000.0
    assert detect_shift(1_700_000_001, now, 120) == 0
    assert detect_shift(1_700_000_000 + 7200, now, 120) == 7200
    assert detect_shift(1_700_000_000, None, 180) == 0  # no receive time: assume UTC


def test_clock_runs_from_the_last_stamp_and_never_steps_back_a_little():
    c = ServerClock()
    assert c.now(10.0) is None
    c.observe(1000, 10.0)
    assert c.now(12.5) == 1002.5
    c.observe(1002, 13.0)  # stamp is 1 s behind our estimate (1003): keep running
    assert c.now(13.0) == 1003.0
    c.observe(1010, 14.0)  # the server is ahead: move forward
    assert c.now(14.0) == 1010.0
    c.observe(900, 15.0)  # far behind (server restarted its clock): follow it
    assert c.now(15.0) == 900.0
    assert c.now(14.0) == 900.0  # a local time before the anchor never goes negative


def test_skew_converts_browser_clock_to_server_clock():
    c = ServerClock()
    c.observe(5000, 4000.0)
    assert c.skew() == 1000.0


def test_day_bounds_in_israel_across_dst():
    # 2026-03-27 is the first day of summer time in Israel (UTC+3 from 02:00).
    b = day_bounds(1_774_630_000, "Asia/Jerusalem", time(0, 0))
    assert b.key == "2026-03-27"
    assert b.end - b.start == 23 * 3600
    b2 = day_bounds(b.end, "Asia/Jerusalem", time(0, 0))
    assert b2.key == "2026-03-28" and b2.start == b.end


def test_day_reset_at_six_in_the_morning():
    # 2026-11-23 04:00 UTC = 06:00 in Israel (UTC+2): a new day starts exactly then.
    at_reset = 1_795_406_400
    assert day_bounds(at_reset - 1, "Asia/Jerusalem", time(6, 0)).key == "2026-11-22"
    assert day_bounds(at_reset, "Asia/Jerusalem", time(6, 0)).key == "2026-11-23"


def test_day_finder_agrees_with_day_bounds_across_days_and_dst():
    """The remembered day is reused only inside it: every moment, in any order, gets the
    day `day_bounds` gives, also around Israel's spring change (2026-03-27, 02:00)."""
    find = DayFinder("Asia/Jerusalem", time(6, 0))
    start = 1_774_400_000  # 2026-03-25, two days before the change
    moments = [start + k * 1_799 for k in range(300)]  # every ~30 min over ~6 days
    moments += moments[::-7]  # and back in time, jumping between days
    for t in moments:
        assert find(t) == day_bounds(t, "Asia/Jerusalem", time(6, 0)), t
    day = find(start)
    assert find(day.end - 1) is day  # the same day: not worked out again
    assert find(day.end) != day
