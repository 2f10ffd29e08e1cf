"""A simulator running on 127.0.0.1 for a test: built from settings, always stopped."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from wallboard.config import SimulatorSettings
from wallboard.sim.model import CallCentre
from wallboard.sim.server import Simulator, model_config


@contextlib.asynccontextmanager
async def running_simulator(
    settings: SimulatorSettings, start: float, speed: float | None = None
) -> AsyncIterator[Simulator]:
    """Start a simulator at simulated time `start` (at `speed`, if given) on a free port."""
    sim = Simulator(settings, CallCentre(model_config(settings, start)))
    if speed is not None:
        sim.clock.set_speed(speed)  # before start: a frozen floor lets a client see everything
    await sim.start("127.0.0.1", 0)
    try:
        yield sim
    finally:
        await sim.stop()
