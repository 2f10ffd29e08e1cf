"""The call-centre model: pure and deterministic given a seed and simulated time."""

from __future__ import annotations

from wallboard.sim.model.entities import (
    ANSWERED_ELSEWHERE,
    BREAK_CODES,
    LOGIN,
    LOGOUT,
    LUNCH,
    NORMAL,
    REJECTED,
    Frame,
    Json,
    ModelConfig,
    SimAgent,
    SimCall,
    SimQueue,
)
from wallboard.sim.model.floor import CallCentre
from wallboard.sim.model.roster import SHIFTS

__all__ = [
    "ANSWERED_ELSEWHERE",
    "BREAK_CODES",
    "LOGIN",
    "LOGOUT",
    "LUNCH",
    "NORMAL",
    "REJECTED",
    "SHIFTS",
    "CallCentre",
    "Frame",
    "Json",
    "ModelConfig",
    "SimAgent",
    "SimCall",
    "SimQueue",
]
