"""Normalised domain events: what the fold consumes, whatever the wire looked like.

`vendor/events.py` turns wire frames into these; the connector adds connection events.
Every event carries `received`, the local epoch time (from a monotonic-anchored clock) at
which it arrived, so the fold can track the server clock without reading a clock itself.

Events and records are NamedTuples: immutable like frozen dataclasses, but built 5× faster
(measured 1.4 µs against 6.9 µs for 11 fields), and they are built on the hot path.
"""

from __future__ import annotations

import enum
from typing import NamedTuple

__all__ = [
    "CallCompleted",
    "CallDirection",
    "CallInfo",
    "CallStatus",
    "ConfigChanged",
    "ConnectionChanged",
    "ConnectionState",
    "DomainEvent",
    "ExtensionChanged",
    "ExtensionRecord",
    "ExtensionsSnapshot",
    "KeepaliveAnswered",
    "LinkAlive",
    "LoggedIn",
    "QueueChanged",
    "QueueReason",
    "QueueSnapshot",
    "QueuesSnapshot",
    "ServerClosing",
    "WaitingCallInfo",
]


class CallDirection(enum.StrEnum):
    """Direction of a call on an extension."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"
    CLICK2CALL = "click2call"
    SPY = "spy"
    OTHER = "other"


class CallStatus(enum.StrEnum):
    """Status of one call on an extension, as the vendor reports it."""

    RINGING = "ringing"
    DIALING = "dialing"
    TALKING = "talking"
    HOLD = "hold"
    SPYING = "spying"
    OTHER = "other"


class QueueReason(enum.StrEnum):
    """Why a QueueEvent was sent."""

    JOIN = "join"
    EXIT = "exit"  # answered by an extension
    ABANDONED = "abandoned"
    OTHER = "other"


class ConnectionState(enum.StrEnum):
    """Lifecycle of the link to the vendor's realtime service."""

    STARTING = "starting"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    AUTH_FAILED = "auth_failed"
    STOPPED = "stopped"


class CallInfo(NamedTuple):
    """One call on an extension (`calls[]` / `currentCall`)."""

    call_id: str
    direction: CallDirection
    status: CallStatus
    started: int
    answered_at: int | None
    caller_number: str
    caller_name: str
    did: str
    queue_id: int | None
    campaign_id: int | None
    c2c_leg: int | None
    muted: bool


class ExtensionRecord(NamedTuple):
    """The full record of one extension (an agent's phone)."""

    extension: int
    sip_user: str
    user_id: int | None
    user_name: str
    display_name: str
    online_user_id: int | None
    status_code: int
    status_updated: int | None  # server epoch seconds; None when the vendor sent 0
    last_hangup: int | None
    peer_status: str
    calls: tuple[CallInfo, ...]


class WaitingCallInfo(NamedTuple):
    """A call waiting in a queue."""

    call_id: str
    caller_number: str
    caller_name: str
    joined: int


class QueueSnapshot(NamedTuple):
    """One queue with the calls waiting in it now."""

    queue_id: int
    name: str
    calls: tuple[WaitingCallInfo, ...]


class LoggedIn(NamedTuple):
    """`loginSuccess`: the server accepted us and told its time and UTC offset."""

    received: float | None
    server_time: int
    offset_minutes: int


class QueuesSnapshot(NamedTuple):
    """`loginStatus`: every monitored queue; replaces all queue state."""

    received: float | None
    server_time: int
    queues: tuple[QueueSnapshot, ...]


class ExtensionsSnapshot(NamedTuple):
    """`AllExtensionsStatus`: every monitored extension; replaces all agent state."""

    received: float | None
    server_time: int
    extensions: tuple[ExtensionRecord, ...]


class QueueChanged(NamedTuple):
    """`QueueEvent`: a call joined, was answered from, or abandoned a queue."""

    received: float | None
    server_time: int
    reason: QueueReason
    raw_reason: str
    call_id: str
    queue: QueueSnapshot


class ExtensionChanged(NamedTuple):
    """`ExtensionEvent` (both wire shapes): one extension's new full record."""

    received: float | None
    server_time: int
    reason: str  # NEWCALL, ANSWER, HOLD, UNHOLD, HANGUP, userStatusUpdate, ...
    cause: str  # HANGUP cause, "" otherwise
    call_id: str  # the call this event is about, "" if none
    record: ExtensionRecord


class KeepaliveAnswered(NamedTuple):
    """`keepaliveResponse`: error_code != 0 means the session is dead."""

    received: float | None
    error_code: int
    description: str


class ConfigChanged(NamedTuple):
    """`ExtensionsUpdated` / `QueuesUpdated` / `DialersUpdated`: ask for a resync."""

    received: float | None
    what: str


class ServerClosing(NamedTuple):
    """`closeme`: the server asks us to disconnect and log in again."""

    received: float | None


class ConnectionChanged(NamedTuple):
    """From the connector, not the wire: the link to the vendor changed state."""

    received: float
    state: ConnectionState
    server: str | None = None
    detail: str = ""


class LinkAlive(NamedTuple):
    """From the connector: the link was proven alive at `received` (a pong, any frame).

    A quiet floor at night sends no event for minutes; this keeps such a healthy link from
    looking stale, while a link that died stops proving itself within seconds.
    """

    received: float


class CallCompleted(NamedTuple):
    """A finished call from a CDR or the Call Log: fills in what the live stream missed.

    `started` is true UTC epoch seconds (CDR `time`). A queue call has `queue_id` and an
    `outcome` (EXIT = answered, ABANDONED) with its `wait`; an agent's call names the agent
    by `extension` (number) or `sip_user`. The fold counts it only if the live stream did
    not already count the same call, so a restart never resets the day and nothing is
    counted twice. `received` (the clock when it arrived) opens or rolls the day; the
    call's own `started` never does, but for a replay from the store (None).
    """

    received: float | None
    call_id: str
    started: int
    direction: CallDirection
    queue_id: int | None = None
    outcome: QueueReason | None = None
    wait: int | None = None
    extension: int | None = None
    sip_user: str = ""
    answered: bool = False
    talk_seconds: int = 0


DomainEvent = (
    LoggedIn
    | QueuesSnapshot
    | ExtensionsSnapshot
    | QueueChanged
    | ExtensionChanged
    | KeepaliveAnswered
    | ConfigChanged
    | ServerClosing
    | ConnectionChanged
    | LinkAlive
    | CallCompleted
)
