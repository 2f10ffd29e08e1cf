"""Time per status seen: the agent page's status table from when the wallboard first saw
the agent, beside the whole day's calls (issue 25, "an agent page that adds up")."""

from __future__ import annotations

from wallboard.core.kpis import AgentTally, Spans, occupancy, time_in_status, time_in_status_seen

DAY = 1_000_000.0  # the day's reset (server clock)
SEEN = DAY + 9 * 3600  # the wallboard first saw the agent at 09:00
NOW = SEEN + 3600


def tally(spans: list[tuple[str, float, float]]) -> AgentTally:
    t = AgentTally(spans=Spans(spans))
    for key, start, end in spans:  # the fold's sums: every second of each closed span
        t.status_seconds[key] = t.status_seconds.get(key, 0) + int(end - start)
    return t


def test_a_status_found_at_first_sight_counts_from_then() -> None:
    # At lunch since 08:20 by the vendor's word; back at 09:10, talking since 09:40.
    t = tally([("break:3", SEEN - 2400, SEEN + 600), ("available", SEEN + 600, SEEN + 2400)])
    seen = time_in_status_seen(t, "talking", SEEN + 2400, SEEN, NOW)
    assert seen == {"break:3": 600, "available": 1800, "talking": 1200}
    assert sum(seen.values()) == NOW - SEEN  # adds up to the time since the connect
    whole = time_in_status(t, "talking", SEEN + 2400, DAY, NOW)
    assert whole["break:3"] == 3000  # the vendor's "since" counted in the day's figure
    assert occupancy(seen) == 1200 / 3600


def test_a_status_open_since_before_the_connect() -> None:
    seen = time_in_status_seen(AgentTally(), "break:3", SEEN - 1900, SEEN, NOW)
    assert seen == {"break:3": 3600}


def test_seen_from_the_days_start_is_the_days_figure() -> None:
    t = tally([("available", DAY + 100, DAY + 700), ("talking", DAY + 700, DAY + 800)])
    assert time_in_status_seen(t, "available", DAY + 800, DAY, NOW) == time_in_status(
        t, "available", DAY + 800, DAY, NOW
    )


def test_a_span_wholly_before_the_connect_leaves_nothing() -> None:
    t = tally([("logged_out", SEEN - 600, SEEN - 60), ("available", SEEN - 60, SEEN + 60)])
    seen = time_in_status_seen(t, "talking", SEEN + 60, SEEN, NOW)
    assert seen == {"available": 60, "talking": 3540}
