""" "How often would this rule have fired today": a hand-built day replayed through the
live check's judge (`core.alert_preview.would_have_fired`)."""

from __future__ import annotations

from wallboard.core.alert_preview import BreakSpan, PreviewRule, QueueCall, would_have_fired

T = 1_800_000_000.0  # the day's start


def _at(firings: list, subject: int | None = None) -> list[tuple[float, float | None]]:  # type: ignore[type-arg]
    return [
        (f.at - T, None if f.cleared is None else f.cleared - T)
        for f in firings
        if subject is None or f.subject == subject
    ]


# Queue 101: three callers at once (100–170 s), then two more at once later (a quieter
# burst), then five at once. Queue 102 only matters when the rule names every queue.
DAY = [
    QueueCall(101, T + 100, 60, True),
    QueueCall(101, T + 110, 60, True),
    QueueCall(101, T + 120, 30, True),  # the third waiting: fires (> 2)
    QueueCall(101, T + 1000, 50, True),
    QueueCall(101, T + 1010, 50, False),  # two waiting: not past 2
    *(QueueCall(101, T + 2000 + i, 40, True) for i in range(5)),
    *(QueueCall(102, T + 3000 + i, 40, True) for i in range(4)),
]


def test_waiting_fires_once_per_burst_and_clears_when_the_queue_empties() -> None:
    rule = PreviewRule("waiting", fire=2, clear=0, queues=frozenset({101}))
    got = would_have_fired(rule, DAY, [], T, T + 4000)
    assert _at(got) == [(120.0, 170.0), (2002.0, 2044.0)]
    assert [f.value for f in got] == [3.0, 3.0]
    # Every queue: queue 102's four callers fire too.
    every = PreviewRule("waiting", fire=2, clear=0)
    assert _at(would_have_fired(every, DAY, [], T, T + 4000), 102) == [(3002.0, 3043.0)]


def test_only_what_happened_before_now_counts() -> None:
    rule = PreviewRule("waiting", fire=2, clear=0, queues=frozenset({101}))
    # At 150 s the first burst is still on: fired, not yet cleared; the rest not yet come.
    assert _at(would_have_fired(rule, DAY, [], T, T + 150)) == [(120.0, None)]


def test_hysteresis_keeps_a_hovering_figure_from_firing_again() -> None:
    # Waiting goes 3 → 2 → 3 → 0: it fired at 3; 2 is not back at the clear level (1).
    calls = [
        QueueCall(101, T + 10, 100, True),
        QueueCall(101, T + 20, 100, True),
        QueueCall(101, T + 30, 10, True),  # 3 waiting at 30, 2 at 40
        QueueCall(101, T + 50, 10, True),  # 3 again at 50, 2 at 60
    ]
    rule = PreviewRule("waiting", fire=2, clear=1)
    assert _at(would_have_fired(rule, calls, [], T, T + 500)) == [(30.0, 110.0)]


def test_longest_wait_is_looked_at_between_events() -> None:
    calls = [QueueCall(101, T + 100, 200, False)]
    rule = PreviewRule("longest_wait", fire=60, clear=10)
    # Past 60 s at the first look after 160 s (every 10 s), gone (0 s) when it left.
    got = would_have_fired(rule, calls, [], T, T + 1000, step=10)
    assert _at(got) == [(170.0, 300.0)]
    assert got[0].value == 70.0


def test_service_level_needs_its_sample_and_clears_above_its_clear_level() -> None:
    wait = [5, 5, 5, 30, 5, 5, 5]  # the fourth abandoned after 30 s
    calls = [QueueCall(101, T + 100 * i, w, i != 3) for i, w in enumerate(wait)]
    rule = PreviewRule("service_level", fire=80, clear=85, min_sample=4, sl_threshold=lambda _q: 20)
    got = would_have_fired(rule, calls, [], T, T + 1000)
    # 3 of 4 = 75 % (fires when the abandon ends at 330 s); 4/5 = 80, 5/6 = 83.3 stay under
    # the clear level; 6/7 = 85.7 at 605 s clears it.
    assert _at(got) == [(330.0, 605.0)]
    assert got[0].value == 75.0
    # Below the minimum sample nothing is judged.
    few = PreviewRule("service_level", fire=80, clear=85, min_sample=10)
    assert would_have_fired(few, calls, [], T, T + 1000) == []


def test_breaks_fire_per_agent_past_their_length() -> None:
    breaks = [
        BreakSpan(201, T + 100, T + 500),  # 400 s: past 300 at the look at 410 s
        BreakSpan(201, T + 900, T + 1100),  # 200 s: not
        BreakSpan(202, T + 1500, None),  # still on it: 500 s at now
    ]
    rule = PreviewRule("break_seconds", fire=300, clear=0)
    got = would_have_fired(rule, [], breaks, T, T + 2000, step=10)
    assert [(f.subject, f.at - T, f.cleared) for f in got] == [
        (201, 410.0, T + 500),
        (202, 1810.0, None),
    ]
