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


def warmed_up(config: ModelConfig, hours: float) -> tuple[CallCentre, list[Json]]:
    """The model as it stands at `config.start` after `hours` of running, and the CDRs made."""
    start = config.start
    # The scenario counts its minutes from the start the user asked for, not the warm-up's.
    model = CallCentre(replace(config, start=start - hours * 3600.0, scenario=Scenario()))
    cdrs: list[Json] = []
    t = model.now
    while t < start:
        t = min(start, t + _STEP_SECONDS)
        model.advance(t)  # the frames of the past: nobody was connected to see them
        cdrs.extend(model.take_cdrs())
    model.start_scenario(config.scenario, start)
    return model, cdrs
