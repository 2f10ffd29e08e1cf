"""Threshold levels decided once, with their hold and the time each began (core/levels.py)."""

from __future__ import annotations

from wallboard.core.levels import Line, Shown, began_count, began_wait, level_of, settle, worst

WAIT = Line(warn=60, alarm=120)
COUNT = Line(warn=3, alarm=6)
SL = Line(warn=80, alarm=70, low=True)
HOLD = 10.0


def test_level_of_both_directions_and_no_figure() -> None:
    assert [level_of(WAIT, v) for v in (59, 60, 119, 120)] == ["ok", "warn", "warn", "alarm"]
    assert [level_of(SL, v) for v in (85, 75, 69.9)] == ["ok", "warn", "alarm"]
    assert level_of(SL, None) == "ok"  # too few calls: "—", never a red tile
    assert worst(["ok", "alarm", "warn"]) == "alarm" and worst([]) == "ok"


def test_the_state_says_since_when() -> None:
    assert began_wait(WAIT, "alarm", 1000.0) == 1120.0
    assert began_wait(WAIT, "ok", 1000.0) is None
    joined = [1050.0, 1000.0, 1010.0, 1030.0, 1040.0, 1020.0]
    assert began_count(COUNT, "alarm", joined) == 1050.0  # the 6th caller still waiting
    assert began_count(COUNT, "warn", joined) == 1020.0
    assert began_count(COUNT, "alarm", joined[:5]) is None


def test_hold_up_and_down() -> None:
    s = settle(Shown(), "alarm", None, 100.0, HOLD)
    assert (s.level, s.next, s.next_since) == ("ok", "alarm", 100.0)
    s = settle(s, "alarm", None, 105.0, HOLD)
    assert s.level == "ok"
    s = settle(s, "alarm", None, 110.0, HOLD)
    assert (s.level, s.since) == ("alarm", 110.0)
    # A dip shorter than the hold changes nothing; a longer one clears, dated by its start.
    s = settle(s, "ok", None, 120.0, HOLD)
    s = settle(s, "alarm", None, 125.0, HOLD)
    assert (s.level, s.since) == ("alarm", 110.0)
    s = settle(s, "ok", None, 130.0, HOLD)
    s = settle(s, "ok", None, 140.0, HOLD)
    assert (s.level, s.since) == ("ok", 140.0)


def test_going_down_keeps_its_hold_whatever_the_state_says() -> None:
    s = Shown("alarm", 50.0, "alarm", None)
    # "3 waiting since 10" is no reason to leave the alarm at once.
    s = settle(s, "warn", 10.0, 100.0, HOLD)
    assert s.level == "alarm"
    assert settle(s, "warn", 10.0, 110.0, HOLD).level == "warn"


def test_first_judgement_is_what_a_running_server_would_show() -> None:
    """After a restart (or on a board first opened) the level is decided from the state:
    the same level, begun at the same time, as a server that ran all along."""
    first_joined = 1000.0
    began = began_wait(WAIT, "alarm", first_joined)
    running: Shown | None = None
    for now in range(1100, 1200, 1):  # judged every second since before the line
        raw = level_of(WAIT, now - first_joined)
        running = settle(running, raw, began_wait(WAIT, raw, first_joined), float(now), HOLD)
    cold = settle(None, "alarm", began, 1199.0, HOLD)
    assert running is not None
    assert (cold.level, cold.since) == (running.level, running.since) == ("alarm", 1130.0)
    # Within the hold: not shown yet, on both.
    assert settle(None, "alarm", began, 1125.0, HOLD).level == "ok"
    # A day figure has no such history: already so, with no start to flash for.
    day = settle(None, "alarm", None, 1199.0, HOLD)
    assert (day.level, day.since) == ("alarm", None)
