"""Pure: staffing for the rest of the day — agents needed per half-hour against those in.

For each half-hour of today, the forecast's offered calls (scaled by how today is running,
`kpis.today_on_forecast`) and handle time give the agents needed for the queue's SL target
by Erlang C (`kpis.agents_needed`) and by Erlang A (`kpis.agents_needed_erlang_a`, callers
who give up at the patience estimated from today's and recent abandons; also as agent-time,
`kpis.agent_time_erlang_a`). Against the agents
logged in now, the hours ahead that are short or over ("short 2 agents 14:00–15:00").
"""

from __future__ import annotations

from dataclasses import dataclass

from wallboard.core.forecast import SLOT_SECONDS, SLOTS, QueueForecast, slot_label
from wallboard.core.kpis import agent_time_erlang_a, agents_needed, agents_needed_erlang_a

__all__ = ["Gap", "SlotPlan", "gaps", "plan_day"]


@dataclass(frozen=True, slots=True)
class SlotPlan:
    """One half-hour: forecast, expected (forecast × today's ratio), actual, agents needed."""

    slot: int
    forecast: float
    expected: float
    actual: int
    handle: float | None
    erlang_c: int | None
    erlang_a: int | None
    erlang_a_time: float | None = None  # Erlang A's agents as agent-time (16.4)

    @property
    def label(self) -> str:
        return slot_label(self.slot)


@dataclass(frozen=True, slots=True)
class Gap:
    """Consecutive half-hours ahead short of agents (`agents` > 0) or over (< 0)."""

    start: int  # first slot
    end: int  # slot after the last
    agents: int  # the largest shortage, or the smallest surplus (as a negative number)

    @property
    def short(self) -> bool:
        return self.agents > 0

    def span(self) -> str:
        """ "14:00–15:00"."""
        end = "24:00" if self.end >= SLOTS else slot_label(self.end)
        return f"{slot_label(self.start)}–{end}"


def plan_day(
    forecast: QueueForecast,
    actual: list[int],
    ratio: float | None,
    *,
    target: float | None,
    threshold: float,
    patience: float | None,
    extra_handle: float = 0.0,
) -> list[SlotPlan]:
    """Every half-hour of the day: the forecast, what is now expected, and agents needed.

    `extra_handle`: seconds of after-call work per call on top of the talk time the CDRs
    carry (`[kpi] wrap_seconds`).
    """
    out = []
    for s in range(SLOTS):
        expected = forecast.offered[s] * (ratio or 1.0)
        talk = forecast.handle[s]
        handle = None if talk is None else talk + extra_handle
        rate = expected / SLOT_SECONDS if expected > 0 else None
        need_c = need_a = time_a = None
        if target is not None and rate is not None and handle is not None:
            need_c = agents_needed(rate, handle, target, threshold)
            need_a = agents_needed_erlang_a(rate, handle, patience, target, threshold)
            time_a = agent_time_erlang_a(rate, handle, patience, target, threshold, need_a)
        out.append(
            SlotPlan(s, forecast.offered[s], expected, actual[s], handle, need_c, need_a, time_a)
        )
    return out


def gaps(plans: list[SlotPlan], logged_in: int, start: int, *, erlang_a: bool = True) -> list[Gap]:
    """From half-hour `start` on: runs of half-hours needing more agents than `logged_in`
    (short by the run's largest shortage) or fewer (over by its smallest surplus)."""
    out: list[Gap] = []
    run: list[int] = []
    run_start = start

    def close(end: int) -> None:
        if run:  # the largest shortage, or the surplus nearest to none: max either way
            out.append(Gap(run_start, end, max(run)))

    for p in plans[start:]:
        need = p.erlang_a if erlang_a else p.erlang_c
        delta = 0 if need is None else need - logged_in
        if run and (delta == 0 or (delta > 0) != (run[0] > 0)):
            close(p.slot)
            run = []
        if delta != 0:
            if not run:
                run_start = p.slot
            run.append(delta)
    close(SLOTS)
    return out
