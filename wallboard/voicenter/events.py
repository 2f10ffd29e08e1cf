"""Wire models of every realtime event, converted at the edge into domain events.

The wire's quirks end here: the two `ExtensionEvent` shapes (most events carry
everything inside `data`, `userStatusUpdate` carries `reason`/`servertime` at the top),
`summery` (sic), milliseconds in `representativeUpdated`, integers sent as strings.
Frames are validated straight from their text in one step (measured ~3× faster than
`json.loads` followed by `model_validate`). Unknown fields are ignored; unknown events
are reported to the caller to count; a malformed event raises one `PayloadError`.
"""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Callable
from typing import Annotated, Any, Generic, NotRequired, TypeVar

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError
from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12

from wallboard.core.events import (
    CallDirection,
    CallInfo,
    CallStatus,
    ConfigChanged,
    DomainEvent,
    ExtensionChanged,
    ExtensionRecord,
    ExtensionsSnapshot,
    KeepaliveAnswered,
    LoggedIn,
    QueueChanged,
    QueueReason,
    QueueSnapshot,
    QueuesSnapshot,
    ServerClosing,
    WaitingCallInfo,
)
from wallboard.errors import PayloadError

__all__ = ["KNOWN_EVENTS", "event_name", "parse_event", "parse_frame"]


# The wire schema, validated by pydantic straight from the frame text. TypedDicts rather
# than BaseModels: validation makes plain dicts instead of model instances, measured at
# 109k against 72k ExtensionEvents/s, and parsing is the larger half of the event budget.
# Unknown keys are ignored; strings holding numbers ("c2cdirection": "1") are coerced.
# Only fields the conversion reads are declared: every other one is skipped unbuilt (a
# field we do not use must not get an event dropped, and costs time to build).
#
# Optional fields carry their default here, so every declared key is present after
# validation and the conversion reads `w["key"]`: a subscript costs a third of a
# `w.get("key", default)` call, and the conversion makes ~40 reads per call event.

_T = TypeVar("_T")
Default = Annotated[_T, Field(default=None)]  # an optional field that may be null or absent
Zero = Annotated[int, Field(default=0)]
Empty = Annotated[str, Field(default="")]


class WireRecording(TypedDict):
    """`recording` of a call: only whether it is muted."""

    IsMuted: NotRequired[Zero]


class WireCall(TypedDict):
    """One call in `calls[]` (docs/voicenter.md, "Fields")."""

    ivrid: str
    direction: NotRequired[Empty]
    callstatus: NotRequired[Empty]
    callStarted: NotRequired[Zero]
    callAnswered: NotRequired[Zero]
    answered: NotRequired[Zero]
    callerphone: NotRequired[Empty]
    callername: NotRequired[Empty]
    did: NotRequired[Default[str | None]]
    queueID: NotRequired[Default[int | None]]
    campaignID: NotRequired[Default[int | None]]
    c2cdirection: NotRequired[Default[int | None]]
    recording: NotRequired[Default[WireRecording | None]]


class WireCallId(TypedDict):
    """`currentCall`: the fold needs only which call the event is about."""

    ivrid: str


class WireSummery(TypedDict):
    """`summery` (sic): the name of the person working the extension."""

    representative: NotRequired[Default[str | None]]


class WireExtension(TypedDict):
    """One extension record, as in AllExtensionsStatus and ExtensionEvent."""

    number: int
    extenUser: NotRequired[Empty]
    userID: NotRequired[Default[int | None]]
    userName: NotRequired[Empty]
    summery: NotRequired[Default[WireSummery | None]]
    onlineUserID: NotRequired[Default[int | None]]
    representative: NotRequired[Default[int | None]]
    representativeStatus: NotRequired[Annotated[int, Field(default=2)]]
    representativeUpdated: NotRequired[Zero]
    lastHangupCallEpoch: NotRequired[Zero]
    peerStatus: NotRequired[Empty]
    calls: NotRequired[Annotated[list[WireCall], Field(default=())]]


class WireExtensionData(WireExtension):
    """`data` of an ExtensionEvent: the record, plus the event fields in the common shape."""

    reason: NotRequired[Default[str | None]]
    cause: NotRequired[Default[str | None]]
    servertime: NotRequired[Default[int | None]]
    ivruniqueid: NotRequired[Default[str | None]]
    currentCall: NotRequired[Default[WireCallId | None]]


class WireExtensionEvent(TypedDict):
    """An ExtensionEvent in either shape: event fields at the top level or inside `data`."""

    data: WireExtensionData
    reason: NotRequired[Default[str | None]]
    cause: NotRequired[Default[str | None]]
    servertime: NotRequired[Default[int | None]]
    ivruniqueid: NotRequired[Default[str | None]]
    currentCall: NotRequired[Default[WireCallId | None]]


class WireWaitingCall(TypedDict):
    """One waiting call in a queue's `Calls[]` (either id spelling)."""

    IvrUniqueID: NotRequired[Default[str | None]]
    ivrid: NotRequired[Default[str | None]]
    CallerID: NotRequired[Empty]
    CallerName: NotRequired[Empty]
    JoinTimeStamp: NotRequired[Zero]


class WireQueue(TypedDict):
    """One queue with its waiting calls."""

    QueueID: int
    QueueName: NotRequired[Empty]
    Calls: NotRequired[Annotated[list[WireWaitingCall], Field(default=())]]


class WireQueueEvent(TypedDict):
    """A QueueEvent: the queue as it is now, and the call that moved."""

    data: WireQueue
    reason: str
    servertime: int
    ivruniqueid: NotRequired[Empty]


class WireLoginSuccess(TypedDict):
    """loginSuccess: the server's clock and UTC offset."""

    errorCode: NotRequired[Zero]
    servertime: int
    servertimeoffset: NotRequired[Zero]


class WireLoginStatus(TypedDict):
    """loginStatus: the snapshot of every queue."""

    servertime: int
    queues: NotRequired[Annotated[list[WireQueue], Field(default=())]]


class WireAllExtensions(TypedDict):
    """AllExtensionsStatus: the snapshot of every extension."""

    servertime: int
    extensions: NotRequired[Annotated[list[WireExtension], Field(default=())]]


class WireKeepalive(TypedDict):
    """keepaliveResponse: a non-zero `errorCode` means the session is dead."""

    errorCode: NotRequired[Zero]
    errorDesc: NotRequired[Empty]


# ---------------------------------------------------------------- conversion
#
# This runs for every event, so it is written for speed (bench/fold.py): domain tuples are
# built with `tuple.__new__` (skipping the NamedTuple's Python-level `__new__`), each
# `dict.get` is bound once, and error locations are formatted only when raising.

_new = tuple.__new__
_E = TypeVar("_E", bound=enum.Enum)


class _Caseless(dict[str, _E]):
    """Wire word → enum, case-insensitive: each spelling seen is lowered once, then a hit."""

    def __init__(self, words: dict[str, _E], other: _E) -> None:
        super().__init__(words)
        self._words = words
        self._other = other

    def __missing__(self, key: str) -> _E:
        value = self._words.get(key.lower(), self._other)
        if len(self) < 256:  # junk spellings must not grow it without bound
            self[key] = value
        return value


_DIRECTIONS = _Caseless(
    {
        "incoming": CallDirection.INCOMING,
        "outgoing": CallDirection.OUTGOING,
        "click2call": CallDirection.CLICK2CALL,
        "spy": CallDirection.SPY,
    },
    CallDirection.OTHER,
)
_STATUSES = _Caseless(
    {
        "ringing": CallStatus.RINGING,
        "dialing": CallStatus.DIALING,
        "talking": CallStatus.TALKING,
        "hold": CallStatus.HOLD,
        "spying": CallStatus.SPYING,
    },
    CallStatus.OTHER,
)
_QUEUE_REASONS = _Caseless(
    {
        "join": QueueReason.JOIN,
        "exit": QueueReason.EXIT,
        "abandoned": QueueReason.ABANDONED,
    },
    QueueReason.OTHER,
)
# `representativeUpdated` is documented in ms; anything below this is already seconds.
_MS_THRESHOLD = 100_000_000_000


# A call's id arrives on every event about it, each time a new string: the fold keeps it
# for the day (calls seen, answered, each queue's fates) and so does today's history. One
# shared string per call instead of one per structure: fewer objects alive all day.
_intern = sys.intern


def _call(w: WireCall) -> CallInfo:
    started = w["callStarted"]
    answered_at = w["callAnswered"] or (started if w["answered"] else 0)
    rec = w["recording"]
    info: CallInfo = _new(
        CallInfo,
        (
            _intern(w["ivrid"]),
            _DIRECTIONS[w["direction"]],
            _STATUSES[w["callstatus"]],
            started,
            answered_at or None,
            w["callerphone"],
            w["callername"],
            w["did"] or "",
            w["queueID"] or None,
            w["campaignID"] or None,
            w["c2cdirection"],
            bool(rec["IsMuted"]) if rec else False,
        ),
    )
    return info


def _record(w: WireExtension) -> ExtensionRecord:
    number = w["number"]
    updated = w["representativeUpdated"]
    if updated >= _MS_THRESHOLD:
        updated //= 1000
    summery = w["summery"]
    user_name = w["userName"]
    shown = (summery["representative"] if summery else None) or user_name
    calls = w["calls"]
    record: ExtensionRecord = _new(
        ExtensionRecord,
        (
            number,
            w["extenUser"],
            w["userID"],
            user_name,
            shown or str(number),
            w["onlineUserID"] or w["representative"] or None,
            w["representativeStatus"],
            updated or None,
            w["lastHangupCallEpoch"] or None,
            w["peerStatus"],
            tuple([_call(c) for c in calls]) if calls else (),
        ),
    )
    return record


def _waiting(w: WireWaitingCall) -> WaitingCallInfo | None:
    cid = w["IvrUniqueID"] or w["ivrid"]
    if not cid:
        return None
    cid = _intern(cid)
    info: WaitingCallInfo = _new(
        WaitingCallInfo, (cid, w["CallerID"], w["CallerName"], w["JoinTimeStamp"])
    )
    return info


def _queue(w: WireQueue, event: str, where: str) -> QueueSnapshot:
    calls: list[WaitingCallInfo] = []
    for c in w["Calls"]:
        info = _waiting(c)
        if info is None:
            raise PayloadError(event, f"{where}.Calls[{len(calls)}].IvrUniqueID", "missing call id")
        calls.append(info)
    snap: QueueSnapshot = _new(QueueSnapshot, (w["QueueID"], w["QueueName"], tuple(calls)))
    return snap


def _login_success(p: WireLoginSuccess, received: float | None) -> DomainEvent:
    code = p["errorCode"]
    if code != 0:
        raise PayloadError("loginSuccess", "errorCode", f"login refused ({code})")
    return LoggedIn(received, p["servertime"], p["servertimeoffset"])


def _login_status(p: WireLoginStatus, received: float | None) -> DomainEvent:
    queues = tuple(_queue(q, "loginStatus", f"queues[{i}]") for i, q in enumerate(p["queues"]))
    return QueuesSnapshot(received, p["servertime"], queues)


def _all_extensions(p: WireAllExtensions, received: float | None) -> DomainEvent:
    records = tuple(_record(e) for e in p["extensions"])
    return ExtensionsSnapshot(received, p["servertime"], records)


def _queue_event(p: WireQueueEvent, received: float | None) -> DomainEvent:
    reason = p["reason"]
    event: QueueChanged = _new(
        QueueChanged,
        (
            received,
            p["servertime"],
            _QUEUE_REASONS[reason],
            reason,
            _intern(p["ivruniqueid"]),
            _queue(p["data"], "QueueEvent", "data"),
        ),
    )
    return event


def _extension_event(p: WireExtensionEvent, received: float | None) -> DomainEvent:
    d = p["data"]
    reason = p["reason"] or d["reason"]
    if not reason:
        raise PayloadError("ExtensionEvent", "reason", "missing (neither top level nor data)")
    servertime = p["servertime"] or d["servertime"]
    if not servertime:
        raise PayloadError("ExtensionEvent", "servertime", "missing (neither top level nor data)")
    call_id = p["ivruniqueid"] or d["ivruniqueid"]
    if not call_id:
        current = p["currentCall"] or d["currentCall"]
        call_id = current["ivrid"] if current else ""
    event: ExtensionChanged = _new(
        ExtensionChanged,
        (received, servertime, reason, p["cause"] or d["cause"] or "", call_id, _record(d)),
    )
    return event


def _keepalive(p: WireKeepalive, received: float | None) -> DomainEvent:
    return KeepaliveAnswered(received, p["errorCode"], p["errorDesc"])


M = TypeVar("M")


class _Decoder(Generic[M]):
    """Validates `[name, payload]` from text or Python data, then converts to a domain event."""

    def __init__(self, model: Any, convert: Callable[[M, float | None], DomainEvent]) -> None:
        # Caching every string (not only keys): names, statuses and directions repeat on
        # every event, and reusing their objects measured 2% fewer instructions per event
        # for the whole parse+fold than building each anew (bench/fold.py stream).
        adapter: TypeAdapter[tuple[str, M]] = TypeAdapter(
            tuple[str, model], config=ConfigDict(cache_strings="all")
        )
        # The core validator itself: `TypeAdapter.validate_json` is a Python wrapper around it.
        self.validate_json: Callable[[str | bytes], tuple[str, M]] = adapter.validator.validate_json
        self.validate_python: Callable[[Any], tuple[str, M]] = adapter.validator.validate_python
        self.convert = convert

    def from_json(self, text: str | bytes, received: float | None) -> DomainEvent:
        return self.convert(self.validate_json(text)[1], received)

    def from_python(self, data: Any, received: float | None) -> DomainEvent:
        return self.convert(self.validate_python(data)[1], received)


class _NoPayload:
    """Events whose payload says nothing we use: only their arrival matters."""

    def __init__(self, make: Callable[[float | None], DomainEvent]) -> None:
        self.make = make

    def from_json(self, text: str | bytes, received: float | None) -> DomainEvent:
        return self.make(received)

    def from_python(self, data: Any, received: float | None) -> DomainEvent:
        return self.make(received)


_DECODERS: dict[str, _Decoder[Any] | _NoPayload] = {
    "loginSuccess": _Decoder(WireLoginSuccess, _login_success),
    "loginStatus": _Decoder(WireLoginStatus, _login_status),
    "AllExtensionsStatus": _Decoder(WireAllExtensions, _all_extensions),
    "QueueEvent": _Decoder(WireQueueEvent, _queue_event),
    "ExtensionEvent": _Decoder(WireExtensionEvent, _extension_event),
    "keepaliveResponse": _Decoder(WireKeepalive, _keepalive),
    "ExtensionsUpdated": _NoPayload(lambda r: ConfigChanged(r, "extensions")),
    "QueuesUpdated": _NoPayload(lambda r: ConfigChanged(r, "queues")),
    "DialersUpdated": _NoPayload(lambda r: ConfigChanged(r, "dialers")),
    "closeme": _NoPayload(ServerClosing),
}

KNOWN_EVENTS = frozenset(_DECODERS)

_NAME = re.compile(r'\s*\[\s*"((?:[^"\\]|\\.)*)"')


def event_name(text: str | bytes) -> str | None:
    """The event name of a `["name", payload]` frame, without decoding the payload."""
    if isinstance(text, bytes):
        text = text[:200].decode("utf-8", "replace")
    if text.startswith('["'):
        # Fast path for what socket.io sends (no blanks, no escapes): 10× cheaper than the regex.
        end = text.find('"', 2)
        if end > 2 and text[end - 1] != "\\":
            return text[2:end]
    m = _NAME.match(text)
    return m.group(1) if m else None


def _field(err: ValidationError) -> tuple[str, str]:
    first = err.errors()[0]
    loc = [str(p) for p in first["loc"]]
    if loc and loc[0] in ("0", "1"):
        loc = loc[1:] if loc[0] == "1" else ["name", *loc[1:]]
    path = ""
    for part in loc:
        path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
    return path or "payload", first["msg"]


def parse_frame(text: str | bytes, received: float | None) -> tuple[str, DomainEvent | None]:
    """Decode one `["name", payload]` frame: the name, and its domain event (None if unknown).

    Raises `PayloadError` naming the event and the field when a known event is malformed.
    """
    name = event_name(text)
    if name is None:
        raise PayloadError("frame", "name", "not a [name, payload] array")
    decoder = _DECODERS.get(name)
    if decoder is None:
        return name, None
    try:
        return name, decoder.from_json(text, received)
    except ValidationError as e:
        where, msg = _field(e)
        raise PayloadError(name, where, msg) from None


def parse_event(name: str, payload: Any, received: float | None) -> DomainEvent | None:
    """Decode an event already split by a socket.io library (the EIO4 path)."""
    decoder = _DECODERS.get(name)
    if decoder is None:
        return None
    try:
        return decoder.from_python((name, payload), received)
    except ValidationError as e:
        where, msg = _field(e)
        raise PayloadError(name, where, msg) from None
