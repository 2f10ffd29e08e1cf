"""A floor that has already been running: the same model started days earlier, run fast.

`wallboard demo` starts here so that its first page views look like a real floor: agents
in their states for plausible times (logged in at their shift's start, back from a break
minutes ago), and the last days' CDRs, by the same model and seed, for `/history`, its
7-day averages and the worklist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from wallboard.sim.calllog import CallLogFile
from wallboard.sim.model import CallCentre, ModelConfig
from wallboard.sim.model.archive import archive_cdrs
from wallboard.sim.model.entities import Json
from wallboard.sim.scenario import Scenario

__all__ = ["Plan", "archive", "plan", "warmed_up"]

# Steps of the fast run: the agenda is the same whatever the step; an hour keeps the
# frames list (discarded) small.
_STEP_SECONDS = 3600.0
# Run this much longer and keep none of its calls: a fresh model's first full day has
# everyone on shift (who is "off today" at the start comes back the next day), about a
# third more calls than any other day, which would skew the 7-day averages.
SETTLE_HOURS = 48.0
# What a default demo runs fast before it opens, in agent-hours of simulated floor: 40
# agents × (7 days + 12 h + the settling 48 h), about 10 s here. A floor 50 times larger
# would take 50 times as long (2,000 agents: 7 minutes, 1.5 million CDRs to store), so
# unless the user asked for history days, a big floor gets less past (`plan`).
BUDGET_AGENT_HOURS = 10_000.0
RECENT_HOURS = 12.0  # the day so far: today's numbers, and agents some hours into a shift
MIN_RECENT_HOURS = 2.0


@dataclass(frozen=True, slots=True)
class Plan:
    """How much past a demo floor runs before it opens."""

    history_days: int  # whole days of CDRs for /history (0: none)
    recent_hours: float  # the last hours, run at the demo's own pace
    settle_hours: float  # run and thrown away first (only needed under history)
    archive_days: int = 0  # before the history days: queue calls by the coarse model


def plan(agents: int, history_days: int, asked: bool, archive_weeks: int = 0) -> Plan:
    """The past to run for a floor of `agents`: `history_days` as asked, else within budget.

    Without history days there is nothing for the settling run to protect (it keeps a fresh
    model's first, busier day out of the 7-day averages), so it is skipped. The archive
    weeks (for the forecast) come with the history days: a floor too big for a week of
    history gets none unless the history days were asked for.
    """
    archive = archive_weeks * 7
    if asked:
        settle = SETTLE_HOURS if history_days else 0.0
        return Plan(history_days, RECENT_HOURS, settle, archive if history_days else 0)
    hours = BUDGET_AGENT_HOURS / max(1, agents)
    spare = hours - RECENT_HOURS - SETTLE_HOURS
    days = min(history_days, max(0, int(spare // 24.0)))
    if days:
        return Plan(days, RECENT_HOURS, SETTLE_HOURS, archive if days == history_days else 0)
    recent = min(RECENT_HOURS, max(MIN_RECENT_HOURS, hours))
    return Plan(0, recent, 0.0)


def _time(cdr: Json) -> float:
    try:
        return float(cdr.get("time") or 0)
    except (TypeError, ValueError):
        return 0.0


def warmed_up(
    config: ModelConfig, hours: float, settle_hours: float = SETTLE_HOURS
) -> tuple[CallCentre, list[Json]]:
    """The model as it stands at `config.start` after running, and the last `hours`' CDRs.

    Its Call Log is on disk (`CallLogFile`): a big floor's past would not fit in memory.
    """
    start = config.start
    keep_from = start - hours * 3600.0
    # The scenario counts its minutes from the start the user asked for, not the warm-up's.
    begin = keep_from - settle_hours * 3600.0
    model = CallCentre(replace(config, start=begin, scenario=Scenario()), CallLogFile())
    cdrs: list[Json] = []
    t = model.now
    model.quiet = True  # the frames of the past: nobody was connected to see them
    while t < start:
        t = min(start, t + _STEP_SECONDS)
        model.advance(t)
        cdrs.extend(c for c in model.take_cdrs() if _time(c) >= keep_from)
    model.quiet = False
    model.start_scenario(config.scenario, start)
    return model, cdrs


def archive(model: CallCentre, days: int, before: float) -> list[Callable[[], list[Json]]]:
    """The `days` days of queue calls before `before` (the first CDR kept by `warmed_up`),
    by the coarse model (`model/archive.py`): the weeks a forecast learns from. One maker
    per day, oldest first.

    The demo runs these after the board has opened (they read only the model's roster and
    demand, which the running simulator does not change), a day at a time in a thread,
    storing each: three weeks took 20 s to make and 40 s to store on a loaded machine,
    which the board's first page should not wait for, and a demo stopped meanwhile waits
    for one day's making at most.
    """
    return [
        partial(archive_cdrs, model, before - (d + 1) * 86400.0, before - d * 86400.0)
        for d in reversed(range(max(0, days)))
    ]
