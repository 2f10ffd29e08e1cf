"""The one duration format of the pages (the board's JavaScript writes the same)."""

from __future__ import annotations

from wallboard.web.fmt import duration


def test_minutes_and_seconds_under_an_hour_then_hours():
    assert duration(0) == "0:00"
    assert duration(65) == "1:05"
    assert duration(3599.9) == "59:59"  # whole seconds down, as board.js
    assert duration(3600) == "1:00:00"
    assert duration(3 * 3600 + 61) == "3:01:01"


def test_nothing_is_a_dash_and_negative_is_zero():
    assert duration(None) == "—"
    assert duration(-5) == "0:00"
