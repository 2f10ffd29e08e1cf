"""Wire models of every realtime event, converted at the edge into domain events.

The wire's quirks end here: the two `ExtensionEvent` shapes (most events carry
everything inside `data`, `userStatusUpdate` carries `reason`/`servertime` at the top),
`summery` (sic), milliseconds in `representativeUpdated`, integers sent as strings.
Frames are validated straight from their text in one step (DESIGN.md: ~3× faster than
`json.loads` followed by `model_validate`). Unknown fields are ignored; unknown events
are reported to the caller to count; a malformed event raises one `PayloadError`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from typing import Any, Generic, NotRequired, TypeVar

from pydantic import ConfigDict, TypeAdapter, ValidationError
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


class WireRecording(TypedDict):
    IsMuted: NotRequired[int]


class WireCall(TypedDict):
    ivrid: str
    direction: NotRequired[str]
    callstatus: NotRequired[str]
    callStarted: NotRequired[int]
    callAnswered: NotRequired[int]
    answered: NotRequired[int]
    callerphone: NotRequired[str]
    callername: NotRequired[str]
    did: NotRequired[str | None]
    queueID: NotRequired[int | None]
    campaignID: NotRequired[int | None]
    c2cdirection: NotRequired[int | None]
    recording: NotRequired[WireRecording | None]


class WireSummery(TypedDict):
    representative: NotRequired[str | None]


class WireExtension(TypedDict):
    number: int
    extenUser: NotRequired[str]
    userID: NotRequired[int | None]
    userName: NotRequired[str]
    summery: NotRequired[WireSummery | None]
    onlineUserID: NotRequired[int | None]
    representative: NotRequired[int | None]
    representativeStatus: NotRequired[int]
    representativeUpdated: NotRequired[int]
    lastHangupCallEpoch: NotRequired[int]
    peerStatus: NotRequired[str]
    calls: NotRequired[list[WireCall]]


class WireExtensionData(WireExtension):
    """`data` of an ExtensionEvent: the record, plus the event fields in the common shape."""

    reason: NotRequired[str | None]
    cause: NotRequired[str | None]
    servertime: NotRequired[int | None]
    ivruniqueid: NotRequired[str | None]
    currentCall: NotRequired[WireCall | None]


class WireExtensionEvent(TypedDict):
    """An ExtensionEvent in either shape: event fields at the top level or inside `data`."""

    data: WireExtensionData
    reason: NotRequired[str | None]
    cause: NotRequired[str | None]
    servertime: NotRequired[int | None]
    ivruniqueid: NotRequired[str | None]
    currentCall: NotRequired[WireCall | None]


class WireWaitingCall(TypedDict):
    IvrUniqueID: NotRequired[str | None]
    ivrid: NotRequired[str | None]
    CallerID: NotRequired[str]
    CallerName: NotRequired[str]
    JoinTimeStamp: NotRequired[int]


class WireQueue(TypedDict):
    QueueID: int
    QueueName: NotRequired[str]
    Calls: NotRequired[list[WireWaitingCall]]


class WireQueueEvent(TypedDict):
    data: WireQueue
    reason: str
    servertime: int
    ivruniqueid: NotRequired[str]


class WireLoginSuccess(TypedDict):
    errorCode: NotRequired[int]
    servertime: int
    servertimeoffset: NotRequired[int]


class WireLoginStatus(TypedDict):
    servertime: int
    queues: NotRequired[list[WireQueue]]


class WireAllExtensions(TypedDict):
    servertime: int
    extensions: NotRequired[list[WireExtension]]


class WireKeepalive(TypedDict):
    errorCode: NotRequired[int]
    errorDesc: NotRequired[str]


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


def _call(w: WireCall) -> CallInfo:
    started = w.get("callStarted", 0)
    answered_at = w.get("callAnswered", 0) or (started if w.get("answered") else 0)
    rec = w.get("recording")
    info: CallInfo = _new(
        CallInfo,
        (
            w["ivrid"],
            _DIRECTIONS[w.get("direction", "")],
            _STATUSES[w.get("callstatus", "")],
            started,
            answered_at or None,
            w.get("callerphone", ""),
            w.get("callername", ""),
            w.get("did") or "",
            w.get("queueID") or None,
            w.get("campaignID") or None,
            w.get("c2cdirection"),
            bool(rec.get("IsMuted")) if rec else False,
        ),
    )
    return info


def _record(w: WireExtension) -> ExtensionRecord:
    updated = w.get("representativeUpdated", 0)
    if updated >= _MS_THRESHOLD:
        updated //= 1000
    summery = w.get("summery")
    user_name = w.get("userName", "")
    shown = (summery.get("representative") if summery else None) or user_name
    calls = w.get("calls")
    record: ExtensionRecord = _new(
        ExtensionRecord,
        (
            w["number"],
            w.get("extenUser", ""),
            w.get("userID"),
            user_name,
            shown or str(w["number"]),
            w.get("onlineUserID") or w.get("representative") or None,
            w.get("representativeStatus", 2),
            updated or None,
            w.get("lastHangupCallEpoch") or None,
            w.get("peerStatus", ""),
            tuple([_call(c) for c in calls]) if calls else (),
        ),
    )
    return record


def _waiting(w: WireWaitingCall) -> WaitingCallInfo | None:
    cid = w.get("IvrUniqueID") or w.get("ivrid")
    if not cid:
        return None
    info: WaitingCallInfo = _new(
        WaitingCallInfo,
        (cid, w.get("CallerID", ""), w.get("CallerName", ""), w.get("JoinTimeStamp", 0)),
    )
    return info


def _queue(w: WireQueue, event: str, where: str) -> QueueSnapshot:
    calls: list[WaitingCallInfo] = []
    for c in w.get("Calls", ()):
        info = _waiting(c)
        if info is None:
            raise PayloadError(event, f"{where}.Calls[{len(calls)}].IvrUniqueID", "missing call id")
        calls.append(info)
    snap: QueueSnapshot = _new(QueueSnapshot, (w["QueueID"], w.get("QueueName", ""), tuple(calls)))
    return snap


def _login_success(p: WireLoginSuccess, received: float | None) -> DomainEvent:
    code = p.get("errorCode", 0)
    if code != 0:
        raise PayloadError("loginSuccess", "errorCode", f"login refused ({code})")
    return LoggedIn(received, p["servertime"], p.get("servertimeoffset", 0))


def _login_status(p: WireLoginStatus, received: float | None) -> DomainEvent:
    queues = tuple(
        _queue(q, "loginStatus", f"queues[{i}]") for i, q in enumerate(p.get("queues", ()))
    )
    return QueuesSnapshot(received, p["servertime"], queues)


def _all_extensions(p: WireAllExtensions, received: float | None) -> DomainEvent:
    records = tuple(_record(e) for e in p.get("extensions", ()))
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
            p.get("ivruniqueid", ""),
            _queue(p["data"], "QueueEvent", "data"),
        ),
    )
    return event


def _extension_event(p: WireExtensionEvent, received: float | None) -> DomainEvent:
    d = p["data"]
    reason = p.get("reason") or d.get("reason")
    if not reason:
        raise PayloadError("ExtensionEvent", "reason", "missing (neither top level nor data)")
    servertime = p.get("servertime") or d.get("servertime")
    if not servertime:
        raise PayloadError("ExtensionEvent", "servertime", "missing (neither top level nor data)")
    current = p.get("currentCall") or d.get("currentCall")
    call_id = p.get("ivruniqueid") or d.get("ivruniqueid") or (current["ivrid"] if current else "")
    record = _record(d)
    current_call = None
    if current:
        # `currentCall` is usually the same call as one in `calls`: reuse its conversion.
        for wire, info in zip(d.get("calls", ()), record.calls, strict=True):
            if wire == current:
                current_call = info
                break
        else:
            current_call = _call(current)
    event: ExtensionChanged = _new(
        ExtensionChanged,
        (
            received,
            servertime,
            reason,
            p.get("cause") or d.get("cause") or "",
            call_id,
            record,
            current_call,
        ),
    )
    return event


def _keepalive(p: WireKeepalive, received: float | None) -> DomainEvent:
    return KeepaliveAnswered(received, p.get("errorCode", 0), p.get("errorDesc", ""))


M = TypeVar("M")


class _Decoder(Generic[M]):
    """Validates `[name, payload]` from text or Python data, then converts to a domain event."""

    def __init__(self, model: Any, convert: Callable[[M, float | None], DomainEvent]) -> None:
        # Caching only keys measured 8% faster than caching every string (values vary).
        adapter: TypeAdapter[tuple[str, M]] = TypeAdapter(
            tuple[str, model], config=ConfigDict(cache_strings="keys")
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
