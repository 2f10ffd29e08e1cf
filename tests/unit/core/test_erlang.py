"""Erlang C (agents needed, P(wait), service level) against published tables and closed forms."""

from __future__ import annotations

import pytest

from wallboard.core import kpis
from wallboard.core.kpis import AgentTally, QueueTally


@pytest.mark.parametrize(
    ("agents", "traffic", "published"),
    [
        (2, 1.0, 1 / 3),  # closed form: C(2, 1) = 1/3
        (3, 2.0, 4 / 9),  # closed form: C(3, 2) = 4/9
        # The textbook table: 100 calls per 30 min × 180 s handle time = 10 Erlangs.
        (11, 10.0, 0.6821),
        (12, 10.0, 0.4494),
        (13, 10.0, 0.2853),
        (14, 10.0, 0.1741),
    ],
)
def test_wait_probability_matches_published_values(
    agents: int, traffic: float, published: float
) -> None:
    assert kpis.wait_probability(agents, traffic) == pytest.approx(published, abs=5e-5)


def test_textbook_example_needs_fourteen_agents_for_80_in_20() -> None:
    rate = 100 / 1800  # calls per second
    assert kpis.agents_needed(rate, 180, 0.80, 20) == 14
    assert kpis.service_level_erlang(13, 10.0, 180, 20) == pytest.approx(0.7956, abs=5e-5)
    assert kpis.service_level_erlang(14, 10.0, 180, 20) == pytest.approx(0.8884, abs=5e-5)


def test_saturated_or_unknown_inputs() -> None:
    assert kpis.wait_probability(5, 5.0) == 1.0
    assert kpis.service_level_erlang(5, 6.0, 180, 20) == 0.0
    assert kpis.agents_needed(None, 180, 0.8, 20) is None
    assert kpis.agents_needed(0.1, None, 0.8, 20) is None
    # A huge load stops at the cap instead of looping.
    assert kpis.agents_needed(100.0, 600, 0.8, 20) == kpis.MAX_AGENTS


def test_rates_from_todays_tallies() -> None:
    assert kpis.arrival_rate(QueueTally(offered=36), 0.0, 3600.0) == pytest.approx(0.01)
    assert kpis.arrival_rate(QueueTally(), 0.0, 3600.0) is None
    assert kpis.answer_rate(QueueTally(answered=18), 0.0, 3600.0) == pytest.approx(0.005)
    a = AgentTally(talk_seconds=600, handled=3)
    assert kpis.average_handle_time([a, AgentTally()]) == pytest.approx(200)
    assert kpis.average_handle_time([AgentTally()]) is None


def test_sl_at_risk_from_the_line_and_the_answer_rate() -> None:
    # One call per 10 s answered; the 3rd caller in line has waited 5 s: 5 + 30 > 20.
    assert kpis.sl_at_risk([95.0, 96.0, 95.0], 0.1, 20, 100.0)
    # Two callers who just joined, one answer a second: 1 + 2 ≤ 20.
    assert not kpis.sl_at_risk([99.0, 99.0], 1.0, 20, 100.0)
    assert not kpis.sl_at_risk([], 0.1, 20, 100.0)
    # No answers yet: at risk once someone has waited half the threshold.
    assert kpis.sl_at_risk([85.0], None, 20, 100.0)
    assert not kpis.sl_at_risk([95.0], None, 20, 100.0)


def test_sl_sample_counts_the_calls_behind_service_level() -> None:
    assert kpis.sl_sample(QueueTally(answered=3, abandoned=2, short_abandoned=1)) == 4
