"""The publisher's schedule: the first change after a quiet spell at once, later ones
coalesced up to the interval (leading and trailing edge), checked with a made-up clock."""

from __future__ import annotations

import itertools

import pytest

from wallboard.runtime.pace import Pace

Send = tuple[float, list[float]]


def _run(changes: list[float], interval: float, gather: float = 0.0) -> list[Send]:
    """Drive a `Pace` as the publisher's loop does, on a clock that is just numbers: the
    first change with no send due yet asks when to send; later ones join it. Returns
    each send's time and the changes it carried."""
    pace = Pace(interval, gather)
    batches: list[Send] = []
    pending: list[float] = []
    due: float | None = None
    for t in [*changes, float("inf")]:
        while due is not None and due <= t:  # the send due before this change happens
            pace.sent(due)
            batches.append((due, pending))
            pending, due = [], None
        if t == float("inf"):
            break
        pending.append(t)
        if due is None:
            due = pace.due(t)
    return batches


def _sends(changes: list[float], interval: float) -> list[list[float]]:
    return [b for _, b in _run(changes, interval)]


def test_a_change_after_a_quiet_spell_goes_out_at_once() -> None:
    pace = Pace(0.1)
    assert pace.due(50.0) == 50.0  # never sent: no wait
    pace.sent(50.0)
    assert pace.due(50.1) == pytest.approx(50.1)  # an interval later: quiet again
    assert pace.due(61.0) == 61.0


def test_the_gather_is_the_only_wait_after_a_quiet_spell() -> None:
    pace = Pace(0.1, gather=0.005)
    assert pace.due(10.0) == pytest.approx(10.005)


def test_a_change_within_the_interval_waits_for_its_end() -> None:
    pace = Pace(0.1)
    pace.sent(10.0)
    assert pace.due(10.02) == pytest.approx(10.1)
    assert pace.due(10.099) == pytest.approx(10.1)


def test_a_burst_becomes_a_leading_send_and_one_trailing_send() -> None:
    burst = [0.0, 0.01, 0.02, 0.03, 0.04]
    assert _sends(burst, 0.1) == [[0.0], [0.01, 0.02, 0.03, 0.04]]


def test_a_busy_board_sends_once_per_interval_and_no_change_waits_longer() -> None:
    changes = [i * 0.01 for i in range(1, 301)]  # 100 a second for 3 s
    sends = _run(changes, 0.1, gather=0.005)
    # Every change was sent exactly once, in order.
    assert [t for _, b in sends for t in b] == changes
    # One send per interval (the first at once): 3 s → 30 sends, not 300.
    assert 29 <= len(sends) <= 31
    assert sends[0] == (pytest.approx(0.015), [0.01])
    times = [at for at, _ in sends]
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.1 - 1e-9
    # No change waits longer than an interval plus the gather.
    waits = [at - t for at, b in sends for t in b]
    assert min(waits) >= 0
    assert max(waits) <= 0.105 + 1e-9


def test_quiet_changes_each_go_out_at_once() -> None:
    changes = [0.0, 0.5, 1.2, 3.0]  # further apart than the interval
    assert _sends(changes, 0.1) == [[0.0], [0.5], [1.2], [3.0]]


def test_negative_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        Pace(-0.1)
    with pytest.raises(ValueError, match="negative"):
        Pace(0.1, gather=-1)
