"""The reference bench/fold.py measures against: plain msgspec, the same conversion.

Issue 28 set the bar as "parse + fold at >= 90% of msgspec typed decode + the same
conversion + the same fold". This is that path written the obvious way, kept apart from
`wallboard/voicenter/events.py` so that tuning the project's schema cannot move the
reference with it: Structs with msgspec's default options, declared from
vendor-docs/realtime-api.txt (only the fields the conversion reads), one lax
`Decoder(tuple[str, T])` per event, the event's name taken from the frame's first string,
and no malformed-frame handling (every frame of the bench stream is good). The conversion
is the project's own functions, fed these Structs (they read the same wire names).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from wallboard.core.events import DomainEvent
from wallboard.voicenter.events import _DECODERS, _Decoder

__all__ = ["reference_decoder"]


class Recording(msgspec.Struct):
    IsMuted: int = 0


class Call(msgspec.Struct):
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
    recording: Recording | None = None


class CallRef(msgspec.Struct):
    ivrid: str


class Summery(msgspec.Struct):
    representative: str | None = None


class Extension(msgspec.Struct):
    number: int
    extenUser: str = ""
    userID: int | None = None
    userName: str = ""
    summery: Summery | None = None
    onlineUserID: int | None = None
    representative: int | None = None
    representativeStatus: int = 2
    representativeUpdated: int = 0
    lastHangupCallEpoch: int = 0
    peerStatus: str = ""
    calls: list[Call] = []
    # The common ExtensionEvent shape carries the event's fields inside `data`.
    reason: str | None = None
    cause: str | None = None
    servertime: int | None = None
    ivruniqueid: str | None = None
    currentCall: CallRef | None = None


class ExtensionEvent(msgspec.Struct):
    data: Extension
    reason: str | None = None
    cause: str | None = None
    servertime: int | None = None
    ivruniqueid: str | None = None
    currentCall: CallRef | None = None


class Waiting(msgspec.Struct):
    IvrUniqueID: str | None = None
    ivrid: str | None = None
    CallerID: str = ""
    CallerName: str = ""
    JoinTimeStamp: int = 0


class Queue(msgspec.Struct):
    QueueID: int
    QueueName: str = ""
    Calls: list[Waiting] = []


class QueueEvent(msgspec.Struct):
    data: Queue
    reason: str
    servertime: int
    ivruniqueid: str = ""


class LoginSuccess(msgspec.Struct):
    servertime: int
    errorCode: int = 0
    servertimeoffset: int = 0


class LoginStatus(msgspec.Struct):
    servertime: int
    queues: list[Queue] = []


class AllExtensions(msgspec.Struct):
    servertime: int
    extensions: list[Extension] = []


_TYPES: dict[str, type[msgspec.Struct]] = {
    "loginSuccess": LoginSuccess,
    "loginStatus": LoginStatus,
    "AllExtensionsStatus": AllExtensions,
    "QueueEvent": QueueEvent,
    "ExtensionEvent": ExtensionEvent,
}


def reference_decoder() -> Callable[[str, float | None], DomainEvent]:
    """frame text → domain event: plain msgspec decode, then the project's conversion."""
    plans: dict[str, tuple[Callable[[str], Any], Callable[[Any, float | None], DomainEvent]]] = {}
    for name, model in _TYPES.items():
        known = _DECODERS[name]
        assert isinstance(known, _Decoder)
        plans[name] = (msgspec.json.Decoder(tuple[str, model], strict=False).decode, known.convert)

    def decode(text: str, received: float | None = None) -> DomainEvent:
        decode_text, convert = plans[text[2 : text.index('"', 2)]]
        return convert(decode_text(text)[1], received)

    return decode
