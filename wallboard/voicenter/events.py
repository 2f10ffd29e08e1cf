"""Wire models of every realtime event, converted at the edge into domain events.

The wire's quirks end here: the two `ExtensionEvent` shapes (most events carry
everything inside `data`, `userStatusUpdate` carries `reason`/`servertime` at the top),
`summery` (sic), milliseconds in `representativeUpdated`, integers sent as strings.
Frames are decoded straight from their text into typed `msgspec` Structs, one decoder per
event name, then converted into `core.events` tuples. Unknown fields are ignored; unknown
events are reported to the caller to count; a malformed event raises one `PayloadError`
naming the event and the field.
"""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import msgspec
from msgspec import Struct

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


# The wire schema, decoded by msgspec straight from the frame text (docs/voicenter.md,
# "Fields"; the names are the vendor's, as in vendor-docs/realtime-api.txt). msgspec
# rather than pydantic: the same schema decodes ~2.1x faster, and parsing was a third of
# the whole parse + fold (docs/benchmarks.md, "Parsing"). Pydantic stays for the
# configuration, where messages for people matter more than microseconds.
#
# Only fields the conversion reads are declared: msgspec skips every other one unbuilt (a
# field we do not use must not get an event dropped, and costs time to build). Optional
# fields carry their default here, so the conversion reads plain attributes. Decoders are
# lax (`strict=False`): the vendor sends some integers as strings ("c2cdirection": "1").
#
# `gc=False`: these objects live for one conversion and hold no cycles (only strings,
# numbers, lists of other Structs), so the cyclic GC need not track the hundreds made per
# second — which also keeps its collections from being triggered by them.


class WireRecording(Struct, gc=False):
    """`recording` of a call: only whether it is muted."""

    IsMuted: int = 0


class WireCall(Struct, gc=False):
    """One call in `calls[]` (docs/voicenter.md, "Fields")."""

    ivrid: str
    direction: str = ""
    callstatus: str = ""
    callStarted: int = 0
    callAnswered: int = 0
    answered: int = 0
    callerphone: str = ""
    callername: str = ""
    did: str | None = None
    queueID: int | None = None
    campaignID: int | None = None
    c2cdirection: int | None = None
    recording: WireRecording | None = None


class WireCallId(Struct, gc=False):
    """`currentCall`: the fold needs only which call the event is about."""

    ivrid: str


class WireSummery(Struct, gc=False):
    """`summery` (sic): the name of the person working the extension."""

    representative: str | None = None


class WireExtension(Struct, gc=False):
    """One extension record, as in AllExtensionsStatus and ExtensionEvent."""

    number: int
    extenUser: str = ""
    userID: int | None = None
    userName: str = ""
    summery: WireSummery | None = None
    onlineUserID: int | None = None
    representative: int | None = None
    representativeStatus: int = 2
    representativeUpdated: int = 0
    lastHangupCallEpoch: int = 0
    peerStatus: str = ""
    calls: list[WireCall] = []


class WireExtensionData(WireExtension, gc=False):
    """`data` of an ExtensionEvent: the record, plus the event fields in the common shape."""

    reason: str | None = None
    cause: str | None = None
    servertime: int | None = None
    ivruniqueid: str | None = None
    currentCall: WireCallId | None = None


class WireExtensionEvent(Struct, gc=False):
    """An ExtensionEvent in either shape: event fields at the top level or inside `data`."""

    data: WireExtensionData
    reason: str | None = None
    cause: str | None = None
    servertime: int | None = None
    ivruniqueid: str | None = None
    currentCall: WireCallId | None = None


class WireWaitingCall(Struct, gc=False):
    """One waiting call in a queue's `Calls[]` (either id spelling)."""

    IvrUniqueID: str | None = None
    ivrid: str | None = None
    CallerID: str = ""
    CallerName: str = ""
    JoinTimeStamp: int = 0


class WireQueue(Struct, gc=False):
    """One queue with its waiting calls."""

    QueueID: int
    QueueName: str = ""
    Calls: list[WireWaitingCall] = []


class WireQueueEvent(Struct, gc=False):
    """A QueueEvent: the queue as it is now, and the call that moved."""

    data: WireQueue
    reason: str
    servertime: int
    ivruniqueid: str = ""


class WireLoginSuccess(Struct, gc=False):
    """loginSuccess: the server's clock and UTC offset."""

    servertime: int
    errorCode: int = 0
    servertimeoffset: int = 0


class WireLoginStatus(Struct, gc=False):
    """loginStatus: the snapshot of every queue."""

    servertime: int
    queues: list[WireQueue] = []


class WireAllExtensions(Struct, gc=False):
    """AllExtensionsStatus: the snapshot of every extension."""

    servertime: int
    extensions: list[WireExtension] = []


class WireKeepalive(Struct, gc=False):
    """keepaliveResponse: a non-zero `errorCode` means the session is dead."""

    errorCode: int = 0
    errorDesc: str = ""


# ---------------------------------------------------------------- conversion
#
# This runs for every event, so it is written for speed (bench/fold.py): domain tuples are
# built with `tuple.__new__` (skipping the NamedTuple's Python-level `__new__`), and error
# locations are formatted only when raising.

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
    started = w.callStarted
    answered_at = w.callAnswered or (started if w.answered else 0)
    rec = w.recording
    info: CallInfo = _new(
        CallInfo,
        (
            _intern(w.ivrid),
            _DIRECTIONS[w.direction],
            _STATUSES[w.callstatus],
            started,
            answered_at or None,
            w.callerphone,
            w.callername,
            w.did or "",
            w.queueID or None,
            w.campaignID or None,
            w.c2cdirection,
            bool(rec.IsMuted) if rec else False,
        ),
    )
    return info


def _record(w: WireExtension) -> ExtensionRecord:
    number = w.number
    updated = w.representativeUpdated
    if updated >= _MS_THRESHOLD:
        updated //= 1000
    summery = w.summery
    user_name = w.userName
    shown = (summery.representative if summery else None) or user_name
    calls = w.calls
    record: ExtensionRecord = _new(
        ExtensionRecord,
        (
            number,
            w.extenUser,
            w.userID,
            user_name,
            shown or str(number),
            w.onlineUserID or w.representative or None,
            w.representativeStatus,
            updated or None,
            w.lastHangupCallEpoch or None,
            w.peerStatus,
            tuple([_call(c) for c in calls]) if calls else (),
        ),
    )
    return record


def _queue(w: WireQueue, event: str, where: str) -> QueueSnapshot:
    calls: list[WaitingCallInfo] = []
    for c in w.Calls:
        cid = c.IvrUniqueID or c.ivrid
        if not cid:
            raise PayloadError(event, f"{where}.Calls[{len(calls)}].IvrUniqueID", "missing call id")
        info: WaitingCallInfo = _new(
            WaitingCallInfo, (_intern(cid), c.CallerID, c.CallerName, c.JoinTimeStamp)
        )
        calls.append(info)
    snap: QueueSnapshot = _new(QueueSnapshot, (w.QueueID, w.QueueName, tuple(calls)))
    return snap


def _login_success(p: WireLoginSuccess, received: float | None) -> DomainEvent:
    code = p.errorCode
    if code != 0:
        raise PayloadError("loginSuccess", "errorCode", f"login refused ({code})")
    return LoggedIn(received, p.servertime, p.servertimeoffset)


def _login_status(p: WireLoginStatus, received: float | None) -> DomainEvent:
    queues = tuple(_queue(q, "loginStatus", f"queues[{i}]") for i, q in enumerate(p.queues))
    return QueuesSnapshot(received, p.servertime, queues)


def _all_extensions(p: WireAllExtensions, received: float | None) -> DomainEvent:
    return ExtensionsSnapshot(received, p.servertime, tuple([_record(e) for e in p.extensions]))


def _queue_event(p: WireQueueEvent, received: float | None) -> DomainEvent:
    reason = p.reason
    event: QueueChanged = _new(
        QueueChanged,
        (
            received,
            p.servertime,
            _QUEUE_REASONS[reason],
            reason,
            _intern(p.ivruniqueid),
            _queue(p.data, "QueueEvent", "data"),
        ),
    )
    return event


def _extension_event(p: WireExtensionEvent, received: float | None) -> DomainEvent:
    d = p.data
    # The two shapes (docs/voicenter.md): event fields at the top level win over `data`'s.
    reason = p.reason or d.reason
    if not reason:
        raise PayloadError("ExtensionEvent", "reason", "missing (neither top level nor data)")
    servertime = p.servertime or d.servertime
    if not servertime:
        raise PayloadError("ExtensionEvent", "servertime", "missing (neither top level nor data)")
    call_id = p.ivruniqueid or d.ivruniqueid
    if not call_id:
        current = p.currentCall or d.currentCall
        call_id = current.ivrid if current else ""
    event: ExtensionChanged = _new(
        ExtensionChanged,
        (received, servertime, reason, p.cause or d.cause or "", call_id, _record(d)),
    )
    return event


def _keepalive(p: WireKeepalive, received: float | None) -> DomainEvent:
    return KeepaliveAnswered(received, p.errorCode, p.errorDesc)


M = TypeVar("M", bound=Struct)
FromJson = Callable[[str | bytes, float | None], DomainEvent]
FromPython = Callable[[Any, float | None], DomainEvent]


class _Decoder(Generic[M]):
    """Decodes `[name, payload]` from text, or a payload from Python data, to a domain event."""

    __slots__ = ("convert", "from_json", "from_python", "model")

    def __init__(self, model: type[M], convert: Callable[[M, float | None], DomainEvent]) -> None:
        self.model = model
        self.convert = convert
        # One decoder per event, made once: it holds msgspec's compiled plan for the type.
        frame_type: Any = tuple[str, model]  # type: ignore[valid-type]  # made at run time
        decode: Callable[[str | bytes], tuple[str, M]] = msgspec.json.Decoder(
            frame_type, strict=False
        ).decode
        to_model = msgspec.convert

        # Closures, not methods: every event goes through `from_json`, and a closure's
        # free variables load faster than `self.` attributes (bench/fold.py).
        def from_json(text: str | bytes, received: float | None) -> DomainEvent:
            return convert(decode(text)[1], received)

        def from_python(data: Any, received: float | None) -> DomainEvent:
            return convert(to_model(data, model, strict=False), received)

        self.from_json: FromJson = from_json
        self.from_python: FromPython = from_python


class _NoPayload:
    """Events whose payload says nothing we use: only their arrival matters."""

    __slots__ = ("from_json", "from_python")

    def __init__(self, make: Callable[[float | None], DomainEvent]) -> None:
        def ignore_payload(_payload: Any, received: float | None) -> DomainEvent:
            return make(received)

        self.from_json: FromJson = ignore_payload
        self.from_python: FromPython = ignore_payload


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
# The hot lookups, bound once: event name → its decoder from text / from Python data.
_FROM_JSON: dict[str, FromJson] = {name: d.from_json for name, d in _DECODERS.items()}
_FROM_PYTHON: dict[str, FromPython] = {name: d.from_python for name, d in _DECODERS.items()}
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


# msgspec says where a value failed at the end of its message: "... - at `$[1].data.x`".
_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`$")


def _field(err: msgspec.DecodeError, from_text: bool) -> tuple[str, str]:
    """The field (`data.calls[0].ivrid`) and the problem, from msgspec's message."""
    m = _AT.match(str(err))
    msg, path = (m["msg"], m["path"] or "") if m else (str(err), "")
    if from_text:  # the text path decodes `[name, payload]`: `$[1]` is the payload
        if path.startswith("[0]"):
            return "name", msg
        path = path.removeprefix("[1]")
    missing = _MISSING.match(msg)
    if missing:  # name the missing field itself, as for a wrong one
        path += f".{missing['field']}"
    path = path.removeprefix(".")
    return path or "payload", msg


def parse_frame(text: str | bytes, received: float | None) -> tuple[str, DomainEvent | None]:
    """Decode one `["name", payload]` frame: the name, and its domain event (None if unknown).

    Raises `PayloadError` naming the event and the field when a known event is malformed.
    """
    name, from_json = "", None
    if isinstance(text, str) and text.startswith('["'):
        # `event_name`'s fast path inlined (a call less on every event, bench/fold.py): a
        # known name has no escapes, so a hit here is the name itself.
        name = text[2 : text.find('"', 2)]
        from_json = _FROM_JSON.get(name)
    if from_json is None:
        found = event_name(text)
        if found is None:
            raise PayloadError("frame", "name", "not a [name, payload] array")
        name, from_json = found, _FROM_JSON.get(found)
        if from_json is None:
            return name, None
    try:
        return name, from_json(text, received)
    except msgspec.DecodeError as e:  # ValidationError is a DecodeError too
        where, msg = _field(e, from_text=True)
        raise PayloadError(name, where, msg) from None


def parse_event(name: str, payload: Any, received: float | None) -> DomainEvent | None:
    """Decode an event already split by a socket.io library (the EIO4 path)."""
    from_python = _FROM_PYTHON.get(name)
    if from_python is None:
        return None
    try:
        return from_python(payload, received)
    except msgspec.ValidationError as e:
        where, msg = _field(e, from_text=False)
        raise PayloadError(name, where, msg) from None
