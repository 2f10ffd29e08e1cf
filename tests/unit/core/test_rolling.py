"""Rolling windows: the last 15 / 30 / 60 minutes of a queue, against calls counted by hand."""

from __future__ import annotations

from wallboard.core.events import QueueChanged, QueueReason, QueueSnapshot, WaitingCallInfo
from wallboard.core.forecast import TalkMinutes
from wallboard.core.kpis import abandon_rate, handle_time, service_level, trend, window
from wallboard.runtime.hub import Hub

Q = 7
T0 = 1_795_500_000  # a server time on a minute's start (divisible by 60)


def _event(at: int, reason: QueueReason, call: str, waiting: list[tuple[str, int]]) -> QueueChanged:
    calls = tuple(WaitingCallInfo(c, "0501234567", "", joined) for c, joined in waiting)
    return QueueChanged(
        float(at), at, reason, reason.value.upper(), call, QueueSnapshot(Q, "Sales", calls)
    )


def _call(hub: Hub, call: str, joined: int, left: int, answered: bool) -> None:
    hub.feed(_event(joined, QueueReason.JOIN, call, [(call, joined)]))
    hub.feed(_event(left, QueueReason.EXIT if answered else QueueReason.ABANDONED, call, []))


def test_windows_count_what_joined_and_left_in_them() -> None:
    hub = Hub()
    m = 60
    # (call, joined, left, answered), minutes before the minute "now" (T0 + 90 min)
    calls = [
        ("a", T0 + 5 * m, T0 + 5 * m + 10, True),  # 85 min ago: in no window of an hour
        ("b", T0 + 40 * m, T0 + 40 * m + 30, True),  # 50 min ago, 30 s: outside SL
        ("c", T0 + 62 * m, T0 + 62 * m + 8, True),  # 28 min ago
        ("d", T0 + 70 * m, T0 + 70 * m + 45, False),  # 20 min ago, gave up after 45 s
        ("e", T0 + 80 * m, T0 + 80 * m + 12, True),  # 10 min ago
        ("f", T0 + 86 * m, T0 + 86 * m + 3, False),  # 4 min ago: a short abandon
        ("g", T0 + 89 * m, T0 + 89 * m + 15, True),  # 1 min ago
    ]
    for c in calls:
        _call(hub, *c)
    hub.feed(_event(T0 + 90 * m + 20, QueueReason.JOIN, "h", [("h", T0 + 90 * m + 20)]))  # waiting
    assert hub.state.day is not None
    minutes = hub.state.day.recent[Q]
    now = T0 + 90 * m + 30
    w15, w30, w60 = (window(minutes, now, n) for n in (15, 30, 60))
    # 15 min: e, f, g and h joined; e and g answered within 20 s, f a short abandon.
    assert (w15.offered, w15.answered, w15.answered_within_sl, w15.abandoned) == (4, 2, 2, 1)
    assert w15.short_abandoned == 1
    assert service_level(w15) == 1.0  # 2 / (2 + 1 − 1)
    # 30 min: c, d, e, f, g, h; d gave up after 45 s.
    assert (w30.offered, w30.answered, w30.abandoned) == (6, 3, 2)
    assert service_level(w30) == 3 / 4
    assert abandon_rate(w30) == 1 / 4
    # 60 min: b too, answered after 30 s (outside SL); a is 85 minutes ago.
    assert (w60.offered, w60.answered, w60.answered_within_sl) == (7, 4, 3)
    # The 15 minutes before the last 15: c and d are 20 and 28 minutes ago.
    before = window(minutes, now, 15, ago=15)
    assert (before.offered, before.answered, before.abandoned) == (2, 1, 1)
    assert trend(service_level(w15), service_level(before), 0.02) == 1
    assert trend(0.8, 0.79, 0.02) == 0
    assert trend(None, 0.5, 0.02) == 0


def test_minutes_older_than_two_hours_are_dropped() -> None:
    hub = Hub()
    _call(hub, "old", T0, T0 + 5, True)
    _call(hub, "new", T0 + 3 * 3600, T0 + 3 * 3600 + 5, True)
    assert hub.state.day is not None
    assert sorted(hub.state.day.recent[Q]) == [(T0 + 3 * 3600) // 60]


def test_handle_time_of_calls_that_ended_in_the_window() -> None:
    talk = TalkMinutes()
    now = T0 + 3600
    talk.add(Q, now - 5 * 60, 200)
    talk.add(Q, now - 10 * 60, 100)
    talk.add(Q, now - 20 * 60, 400)
    assert handle_time(*talk.window(Q, now, 15)) == 150
    assert handle_time(*talk.window(Q, now, 30)) == (200 + 100 + 400) / 3
    assert handle_time(*talk.window(Q, now, 15, ago=30)) is None
