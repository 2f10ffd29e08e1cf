"""The simulated floor's things: its configuration, queues, calls, agents and wire frames."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wallboard.sim.scenario import Scenario

__all__ = [
    "ANSWERED_ELSEWHERE",
    "BREAK_CODES",
    "LOGIN",
    "LOGOUT",
    "LUNCH",
    "NORMAL",
    "REJECTED",
    "Frame",
    "Json",
    "ModelConfig",
    "SimAgent",
    "SimCall",
    "SimQueue",
]

Json = dict[str, Any]

# The agent status codes the vendor reports as `representativeStatus` (docs/voicenter.md).
LOGIN, LOGOUT, LUNCH = 1, 2, 3
# The vendor's break codes (docs/voicenter.md, agent statuses), lunch aside.
BREAK_CODES = (5, 7, 9, 11, 12, 13)

# Hang-up causes as the vendor spells them in ExtensionEvent HANGUP.
ANSWERED_ELSEWHERE = "Answered elsewhere"
NORMAL = "Normal hangup"
REJECTED = "Call Rejected"


@dataclass(frozen=True, slots=True)
class ModelConfig:
    """Size and character of the simulated floor."""

    agents: int = 40
    queues: int = 5
    seed: int = 1
    start: float = 1_700_000_000.0  # simulated epoch seconds at t=0
    timezone: str = "Asia/Jerusalem"
    utilisation: float = 0.7  # target share of the staff's time on calls
    mean_talk: float = 180.0
    mean_wrap: float = 20.0
    mean_patience: float = 150.0
    ring_all_every: int = 4  # every Nth queue rings all its free agents at once
    logged_in_share: float = 0.85
    outgoing_per_hour: float = 1.5  # per available agent
    click2call_share: float = 0.25  # of agent-initiated calls
    hold_share: float = 0.15
    miss_share: float = 0.04  # rings on one agent and is not picked up
    ai_share: float = 0.3  # answered calls whose CDR carries aiData
    flat_curve: bool = False  # ignore the daily curve (constant peak-level traffic)
    language: str = "en"  # "he": agents and queues named in Hebrew
    # False: no shifts or breaks are planned; agents are logged in and out from outside
    # (the Login/Logout API, a staffing plan in bench/staffing.py).
    rostered: bool = True
    scenario: Scenario = field(default_factory=Scenario)


@dataclass(slots=True)
class Frame:
    """One wire event and who may see it (an extension, a queue, or everyone)."""

    name: str
    payload: Json
    extension: int | None = None
    queue: int | None = None


@dataclass(slots=True)
class SimQueue:
    """One queue: its members, its waiting calls and today's counts."""

    queue_id: int
    name: str
    did: str
    ring_all: bool
    members: list[SimAgent] = field(default_factory=list)
    weight: float = 0.0
    staffed: float = 0.0  # like weight, counting only the agents on shift now
    waiting: dict[str, SimCall] = field(default_factory=dict)
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    closed: bool = False  # nobody takes its calls (scenario)


@dataclass(slots=True)
class SimCall:
    """One call through the floor (both click-to-call legs are one call)."""

    ivrid: str
    direction: str  # Incoming / Outgoing / Click2Call
    caller_phone: str
    caller_name: str
    did: str
    started: int
    queue: SimQueue | None = None
    joined: int = 0
    answered_at: int = 0
    status: str = "Ringing"
    c2c: int | None = None
    agent: SimAgent | None = None
    ringing: list[SimAgent] = field(default_factory=list)
    ended: bool = False
    target: str = ""
    ring_started: int = 0
    hold_seconds: int = 0
    leg1_answered_at: int = 0
    customdata: Json = field(default_factory=dict)


@dataclass(slots=True)
class SimAgent:
    """One extension, the person on it, their calls, status and shift."""

    extension: int
    sip: str
    user_id: int
    name: str
    email: str
    department_id: int
    department: str
    speed_dial: str
    skills: list[SimQueue] = field(default_factory=list)
    status: int = LOGOUT
    status_updated_ms: int = 0
    calls: dict[str, SimCall] = field(default_factory=dict)
    # The agent's own view of each call: status on this extension.
    leg_status: dict[str, str] = field(default_factory=dict)
    last_call_event: int = 0
    last_answered: int = 0
    last_hangup: int = 0
    wrap_until: float = 0.0
    idle_since: float = 0.0
    pending_status: int | None = None
    on_shift: bool = False
    shift: tuple[float, float] = (8.0, 8.0)  # local start hour, hours
    answered: int = 0
    missed: int = 0
    outgoing: int = 0

    def free(self, now: float) -> bool:
        """Logged in, available, not on a call and not wrapping up."""
        return self.status == LOGIN and not self.calls and self.wrap_until <= now
