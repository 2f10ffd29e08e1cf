"""A floor that has already been running: the same model started days earlier, run fast.

`wallboard demo` starts here so that its first page views look like a real floor: agents
in their states for plausible times (logged in at their shift's start, back from a break
minutes ago), and the last days' CDRs, by the same model and seed, for `/history`, its
7-day averages and the worklist.
"""

from __future__ import annotations

from dataclasses import replace

from wallboard.sim.model import CallCentre, ModelConfig
from wallboard.sim.model.entities import Json
from wallboard.sim.scenario import Scenario

__all__ = ["warmed_up"]

# Steps of the fast run: the agenda is the same whatever the step; an hour keeps the
# frames list (discarded) small.
_STEP_SECONDS = 3600.0
# Run this much longer and keep none of its calls: a fresh model's first full day has
# everyone on shift (who is "off today" at the start comes back the next day), about a
# third more calls than any other day, which would skew the 7-day averages.
SETTLE_HOURS = 48.0


def _time(cdr: Json) -> float:
    try:
        return float(cdr.get("time") or 0)
    except (TypeError, ValueError):
        return 0.0


def warmed_up(config: ModelConfig, hours: float) -> tuple[CallCentre, list[Json]]:
    """The model as it stands at `config.start` after running, and the last `hours`' CDRs."""
    start = config.start
    keep_from = start - hours * 3600.0
    # The scenario counts its minutes from the start the user asked for, not the warm-up's.
    begin = keep_from - SETTLE_HOURS * 3600.0
    model = CallCentre(replace(config, start=begin, scenario=Scenario()))
    cdrs: list[Json] = []
    t = model.now
    while t < start:
        t = min(start, t + _STEP_SECONDS)
        model.advance(t)  # the frames of the past: nobody was connected to see them
        cdrs.extend(c for c in model.take_cdrs() if _time(c) >= keep_from)
    model.start_scenario(config.scenario, start)
    return model, cdrs
