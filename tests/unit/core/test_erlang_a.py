"""Erlang A (M/M/N+M): the Erlang C limit's published table, and an independent simulation."""

from __future__ import annotations

import heapq
import math
import random

import pytest

from wallboard.core import kpis
from wallboard.core.kpis import (
    QueueTally,
    agents_needed,
    agents_needed_erlang_a,
    erlang_a,
    patience_rate,
    service_level_erlang,
)

# The textbook example (docs/metrics.md): 100 calls in 30 minutes, 3-minute handle time.
RATE = 100 / 1800
HANDLE = 180.0


@pytest.mark.parametrize(
    ("agents", "p_wait", "sl"),
    [(11, 0.6821, 0.3896), (12, 0.4494, 0.6402), (13, 0.2853, 0.7956), (14, 0.1741, 0.8884)],
)
def test_callers_who_never_give_up_are_erlang_c(agents: int, p_wait: float, sl: float) -> None:
    got = erlang_a(agents, RATE, HANDLE, 1e-9, 20)
    assert got.wait_probability == pytest.approx(p_wait, abs=5e-5)
    assert got.service_level == pytest.approx(sl, abs=5e-5)
    assert got.service_level == pytest.approx(service_level_erlang(agents, 10, 180, 20), abs=1e-6)
    assert got.abandon_probability < 1e-5


def _simulate(
    agents: int, rate: float, handle: float, theta: float, threshold: float
) -> tuple[float, float]:
    """M/M/N+M first come, first served, by each caller's virtual wait: a caller is answered
    when the earliest agent is free, unless their patience ran out first (then they leave
    and take no agent's time). Returns (answered within threshold, abandoned) shares."""
    rng = random.Random(20261206)
    free = [0.0] * agents
    t = 0.0
    within = abandoned = 0
    n = 100_000
    for _ in range(n):
        t += rng.expovariate(rate)
        start = max(t, free[0])
        if start - t > rng.expovariate(theta):
            abandoned += 1
            continue
        if start - t <= threshold:
            within += 1
        heapq.heapreplace(free, start + rng.expovariate(1 / handle))
    return within / n, abandoned / n


@pytest.mark.parametrize(
    ("agents", "rate", "handle", "patience"),
    [(12, RATE, HANDLE, 150.0), (10, RATE, HANDLE, 60.0), (28, 0.12, 200.0, 300.0)],
)
def test_erlang_a_agrees_with_a_simulation(
    agents: int, rate: float, handle: float, patience: float
) -> None:
    got = erlang_a(agents, rate, handle, 1 / patience, 20)
    sl, ab = _simulate(agents, rate, handle, 1 / patience, 20)
    assert got.service_level == pytest.approx(sl, abs=0.012)
    assert got.abandon_probability == pytest.approx(ab, abs=0.006)


def test_erlang_a_needs_no_more_agents_than_erlang_c() -> None:
    c = agents_needed(RATE, HANDLE, 0.8, 20)
    a = agents_needed_erlang_a(RATE, HANDLE, 1 / 150, 0.8, 20)
    assert (c, a) == (14, 12)
    assert erlang_a(12, RATE, HANDLE, 1 / 150, 20).service_level >= 0.8
    assert erlang_a(11, RATE, HANDLE, 1 / 150, 20).service_level < 0.8
    # No abandons seen: no patience to go by, so Erlang C.
    assert agents_needed_erlang_a(RATE, HANDLE, None, 0.8, 20) == 14
    assert agents_needed_erlang_a(None, HANDLE, 1 / 150, 0.8, 20) is None


def test_a_large_floor_does_not_overflow() -> None:
    got = erlang_a(420, 2.0, 200.0, 1 / 150, 20)  # 400 Erlangs
    assert 0.8 < got.service_level <= 1.0
    assert math.isfinite(got.wait_probability)


def test_patience_rate_counts_answered_waits_as_patience_at_least_that_long() -> None:
    t = QueueTally(
        answered_wait_total=300,
        answered_wait_known=10,
        abandoned=3,
        abandoned_wait_total=90,
        abandoned_wait_known=2,  # one abandon's wait unknown: not a patience observed
    )
    assert patience_rate([t]) == pytest.approx(2 / 390)
    assert patience_rate([QueueTally(answered_wait_total=50, answered_wait_known=5)]) is None


def test_agent_time_puts_the_time_weighted_service_level_on_the_target():
    rate, handle, theta = 150 / 1800, 212.0, 1 / 387
    n = kpis.agents_needed_erlang_a(rate, handle, theta, 0.8, 20)
    time_a = kpis.agent_time_erlang_a(rate, handle, theta, 0.8, 20)
    assert n is not None and time_a is not None and n - 1 < time_a <= n
    share = time_a - (n - 1)
    high = kpis.service_level_erlang_a(n, rate, handle, theta, 20)
    low = kpis.service_level_erlang_a(n - 1, rate, handle, theta, 20)
    assert low < 0.8 <= high  # whole agents: over the target
    assert share * high + (1 - share) * low == pytest.approx(0.8, abs=1e-9)
    # N already known: the same, without the search.
    assert kpis.agent_time_erlang_a(rate, handle, theta, 0.8, 20, n) == time_a
    # No patience known: Erlang C's agents, interpolated the same way.
    c = kpis.agents_needed(rate, handle, 0.8, 20)
    time_c = kpis.agent_time_erlang_a(rate, handle, None, 0.8, 20)
    assert c is not None and time_c is not None and c - 1 < time_c <= c
    assert kpis.agent_time_erlang_a(None, handle, theta, 0.8, 20) is None
    assert kpis.agent_time_erlang_a(rate, None, theta, 0.8, 20) is None
