"""The in-memory model of the floor: agents, queues, waiting calls, clock, connection, today.

The fold owns these objects and mutates them in place (copying 2,000 agents per event
would cost more than the whole event budget); nothing else writes to them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from types import MappingProxyType
from typing import Final, Literal, NamedTuple

from wallboard.core.clock import DayBounds, ServerClock
from wallboard.core.events import (
    CallCompleted,
    CallInfo,
    ConnectionState,
    ExtensionRecord,
    WaitingCallInfo,
)
from wallboard.core.kpis import AgentTally, QueueTally

__all__ = [
    "DEFAULT_STATUS_NAMES",
    "OFFERED",
    "REJOINED",
    "RESOLVED",
    "UNMATCHED_MAX",
    "Agent",
    "AgentCall",
    "AgentState",
    "Changes",
    "Connection",
    "Day",
    "FoldSettings",
    "Queue",
    "State",
    "status_key",
]


class AgentState(enum.StrEnum):
    """What an agent is doing, derived from their status code and calls."""

    AVAILABLE = "available"
    RINGING = "ringing"
    DIALING = "dialing"
    TALKING = "talking"
    HOLD = "hold"
    BREAK = "break"
    LOGGED_OUT = "logged_out"


# The vendor's default names for `representativeStatus` (the account may rename them).
DEFAULT_STATUS_NAMES: Mapping[int, tuple[str, str]] = MappingProxyType(
    {
        1: ("Available", "זמין"),
        2: ("Logged out", "מנותק"),
        3: ("Lunch", "הפסקת צהריים"),
        5: ("Administrative", "מנהלה"),
        7: ("Private", "פרטי"),
        9: ("Other", "אחר"),
        11: ("Training", "הדרכה"),
        12: ("Team meeting", "ישיבת צוות"),
        13: ("Brief", "תדריך"),
    }
)


@dataclass(frozen=True, slots=True)
class FoldSettings:
    """What the fold needs to know from configuration."""

    sl_threshold: int = 20
    sl_threshold_by_queue: Mapping[int, int] = field(default_factory=dict)
    short_abandon: int = 5
    timezone: str = "Asia/Jerusalem"
    reset_at: time = time(0, 0)
    available_code: int = 1
    logout_code: int = 2

    def sl_for(self, queue_id: int) -> int:
        """The service-level threshold of one queue, in seconds."""
        return self.sl_threshold_by_queue.get(queue_id, self.sl_threshold)


class AgentCall(NamedTuple):
    """A live call on an agent, with when its current status began (server time).

    A NamedTuple: a new one is made for every live call on every event (hot path).
    """

    info: CallInfo
    status_since: int


@dataclass(slots=True)
class Agent:
    """One extension and the person on it."""

    record: ExtensionRecord
    calls: dict[str, AgentCall]
    state: AgentState
    break_code: int | None
    state_since: float
    since_known: bool

    @property
    def extension(self) -> int:
        return self.record.extension


@dataclass(slots=True)
class Queue:
    """One queue and the calls waiting in it now, in join order."""

    queue_id: int
    name: str
    waiting: dict[str, WaitingCallInfo]


@dataclass(slots=True)
class Connection:
    """Health of the link to the vendor (local epoch times)."""

    state: ConnectionState = ConnectionState.STARTING
    server: str | None = None
    since: float | None = None
    last_event: float | None = None
    last_alive: float | None = None
    detail: str = ""
    # Which link the state is about: the phone system's ("vendor", here or at a cluster's
    # ingest worker), or a cluster web node's own link to the cluster ("cluster": NATS or
    # the ingest worker out of reach), so the board names what was lost.
    link: Literal["vendor", "cluster"] = "vendor"


UNMATCHED_MAX: Final = 50_000
# Minutes of each queue's calls kept for the rolling windows: the longest (60) and the one
# before it, against which its trend is judged.
RECENT_MINUTES: Final = 120

# What became of a call in a queue today (`Day.calls`). Plain ints, not an enum: they are
# read on every queue event.
OFFERED: Final = 0  # counted as offered; waiting, or left without our seeing how
RESOLVED: Final = 1  # counted as answered or abandoned: gone from the queue
REJOINED: Final = 2  # back in the same queue after that (an IVR loop): waiting, never recounted


@dataclass(slots=True)
class Day:
    """Today's tallies, reset at the configured local time."""

    bounds: DayBounds
    queues: dict[int, QueueTally] = field(default_factory=dict)
    agents: dict[int, AgentTally] = field(default_factory=dict)
    # Each queue's calls seen today, by call id, and what became of them (OFFERED,
    # RESOLVED, REJOINED). One map with string keys rather than three sets of (queue, call)
    # pairs: a queue event makes one lookup instead of three, with no key tuple to build,
    # and the map is most of what grows over a busy day (bench/fold.py).
    calls: dict[int, dict[str, int]] = field(default_factory=dict)
    # Today's CDRs of SIP users the fold does not know yet (CDRs arrive before the first
    # extension snapshot, or name an agent outside it), counted when that agent appears.
    # At most UNMATCHED_MAX: a floor's CDRs of users it never sees must not grow all day.
    unmatched: dict[str, list[CallCompleted]] = field(default_factory=dict)
    unmatched_count: int = 0
    # Each queue's calls by the minute they joined or left it (server time // 60), the last
    # RECENT_MINUTES only: the rolling windows (`kpis.window`).
    recent: dict[int, dict[int, QueueTally]] = field(default_factory=dict)

    def minute(self, queue_id: int, server_time: float) -> QueueTally:
        """The tally of one queue's minute; a new minute drops those too old to matter."""
        m = int(server_time // 60)
        minutes = self.recent.get(queue_id)
        if minutes is None:
            minutes = self.recent[queue_id] = {}
        t = minutes.get(m)
        if t is None:
            t = minutes[m] = QueueTally()
            for old in [k for k in minutes if k <= m - RECENT_MINUTES]:
                del minutes[old]
        return t

    def queue(self, queue_id: int) -> QueueTally:
        t = self.queues.get(queue_id)
        if t is None:
            t = self.queues[queue_id] = QueueTally()
        return t

    def queue_calls(self, queue_id: int) -> dict[str, int]:
        c = self.calls.get(queue_id)
        if c is None:
            c = self.calls[queue_id] = {}
        return c

    def agent(self, extension: int) -> AgentTally:
        t = self.agents.get(extension)
        if t is None:
            t = self.agents[extension] = AgentTally()
        return t


class Changes:
    """What one or more events changed: what the UI publisher must send."""

    # A plain slotted class, not a dataclass: one is made per event (hot path).
    __slots__ = ("agents", "connection", "day_reset", "queues", "snapshot")

    def __init__(self) -> None:
        self.agents: set[int] = set()
        self.queues: set[int] = set()
        self.connection = False
        self.snapshot = False
        self.day_reset = False

    def merge(self, other: Changes) -> None:
        """Fold another event's changes into this pending batch."""
        self.agents |= other.agents
        self.queues |= other.queues
        self.connection |= other.connection
        self.snapshot |= other.snapshot
        self.day_reset |= other.day_reset

    def __bool__(self) -> bool:
        return bool(
            self.agents or self.queues or self.connection or self.snapshot or self.day_reset
        )

    def __repr__(self) -> str:
        return (
            f"Changes(agents={self.agents}, queues={self.queues}, connection={self.connection}, "
            f"snapshot={self.snapshot}, day_reset={self.day_reset})"
        )


@dataclass(slots=True)
class State:
    """Everything the wallboard knows about the floor right now."""

    settings: FoldSettings = field(default_factory=FoldSettings)
    agents: dict[int, Agent] = field(default_factory=dict)
    queues: dict[int, Queue] = field(default_factory=dict)
    clock: ServerClock = field(default_factory=ServerClock)
    connection: Connection = field(default_factory=Connection)
    day: Day | None = None
    events_applied: int = 0
    # SIP user → extension of the agents known now: a CDR names its agent by SIP user.
    by_sip: dict[str, int] = field(default_factory=dict)


# `.value` of an enum member is a Python-level descriptor in 3.11: look the keys up instead.
_STATE_KEYS: dict[AgentState, str] = {s: s.value for s in AgentState}
_BREAK_KEYS: dict[int | None, str] = {}


def status_key(state: AgentState, break_code: int | None) -> str:
    """The key under which time in a status is tallied: 'talking', 'break:3', ..."""
    if state is AgentState.BREAK:
        key = _BREAK_KEYS.get(break_code)
        if key is None:
            key = f"break:{break_code}"
            if len(_BREAK_KEYS) < 1024:  # codes are a short list; junk must not grow it
                _BREAK_KEYS[break_code] = key
        return key
    return _STATE_KEYS[state]
