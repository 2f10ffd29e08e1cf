"""The realtime wire: calls, extensions and queues encoded as the vendor's socket sends them.

Shapes follow `tests/fixtures/realtime/` (both ExtensionEvent shapes) and docs/voicenter.md.
Every function here is pure: the simulated server time and offset come in as arguments.
"""

from __future__ import annotations

from collections.abc import Iterable

from wallboard.sim.model.entities import LOGOUT, Frame, Json, SimAgent, SimCall, SimQueue

__all__ = [
    "all_extensions",
    "ext_event",
    "login_status",
    "login_success",
    "queue_event",
    "status_event",
    "wire_call",
    "wire_extension",
    "wire_queue",
]


def wire_call(call: SimCall, leg_status: str) -> Json:
    """One call as it appears in `calls[]` / `currentCall` on an extension."""
    answered = call.answered_at if leg_status in ("Talking", "Hold") else 0
    if call.c2c == 2 and not call.answered_at:
        answered = 0
    rec_target = call.target or call.did
    out: Json = {
        "callStarted": call.started,
        "calldurationinterval": call.started,
        "callAnswered": answered,
        "answered": 1 if answered else 0,
        "callername": call.caller_name,
        "callerphone": call.caller_phone,
        "callstatus": leg_status,
        "customdata": call.customdata,
        "direction": call.direction,
        "ivrid": call.ivrid,
        "recording": {"Filename": f"{call.ivrid}-sim-{rec_target}.mp3", "IsMuted": 0},
        "did": call.did,
    }
    if call.queue is not None:
        out["queueID"] = call.queue.queue_id
    if call.c2c is not None:
        out["c2cdirection"] = str(call.c2c)
    return out


def wire_extension(a: SimAgent) -> Json:
    """An extension's full record, as in AllExtensionsStatus and ExtensionEvent."""
    logged = a.status != LOGOUT
    return {
        "calls": [wire_call(c, a.leg_status[i]) for i, c in a.calls.items()],
        "userID": a.user_id,
        "userName": a.name,
        "number": a.extension,
        "extenUser": a.sip,
        "summery": {"representative": a.name},
        "onlineUserID": a.user_id if logged else 0,
        "representative": a.user_id if logged else 0,
        "representativeStatus": a.status,
        "lastCallEventEpoch": a.last_call_event,
        "lastAnsweredCallEventEpoch": a.last_answered,
        "lastHangupCallEpoch": a.last_hangup,
        "representativeUpdated": a.status_updated_ms,
        "peerStatus": "OK",
    }


def wire_queue(q: SimQueue) -> Json:
    """A queue with its full current waiting list."""
    return {
        "QueueID": q.queue_id,
        "QueueName": q.name,
        "Calls": [
            {
                "CallerID": c.caller_phone,
                "CallerName": c.caller_name,
                "IvrUniqueID": c.ivrid,
                "JoinTimeStamp": c.joined,
                "calldurationinterval": c.joined,
                "ivrid": c.ivrid,
            }
            for c in q.waiting.values()
        ],
    }


def queue_event(q: SimQueue, reason: str, ivrid: str, st: int, offset: int) -> Frame:
    """A QueueEvent (JOIN / EXIT / ABANDONED) carrying the queue's whole waiting list."""
    payload = {
        "data": wire_queue(q),
        "eventName": "queue",
        "reason": reason,
        "servertime": st,
        "servertimeoffset": offset,
        "telephonyservertime": st,
        "ivruniqueid": ivrid,
    }
    return Frame("QueueEvent", payload, queue=q.queue_id)


def ext_event(
    a: SimAgent, reason: str, call: SimCall, st: int, offset: int, cause: str, leg: str | None
) -> Frame:
    """A call ExtensionEvent: the extension's record plus the call it is about."""
    data: Json = {
        "eventName": "extension",
        "reason": reason,
        "servertime": st,
        "servertimeoffset": offset,
    }
    if reason == "HANGUP":
        data["cause"] = cause
        data["callerID"] = call.caller_phone
        data["ivruniqueid"] = call.ivrid
    data.update(wire_extension(a))
    if leg is None:
        leg = a.leg_status.get(call.ivrid, call.status)
    data["currentCall"] = wire_call(call, leg)
    return Frame("ExtensionEvent", {"data": data}, extension=a.extension)


def status_event(a: SimAgent, st: int, offset: int) -> Frame:
    """A `userStatusUpdate` ExtensionEvent (the other ExtensionEvent shape: data nested)."""
    payload = {
        "eventName": "extension",
        "reason": "userStatusUpdate",
        "servertime": st,
        "servertimeoffset": offset,
        "data": wire_extension(a),
    }
    return Frame("ExtensionEvent", payload, extension=a.extension)


def login_success(st: int, offset: int) -> Json:
    """The `loginSuccess` payload."""
    return {"errorCode": 0, "errorDesc": "OK", "servertime": st, "servertimeoffset": offset}


def login_status(st: int, queues: Iterable[SimQueue]) -> Json:
    """The `loginStatus` payload: queues with their waiting calls."""
    return {"servertime": st, "queues": [wire_queue(q) for q in queues], "errorCode": 0}


def all_extensions(st: int, agents: Iterable[SimAgent]) -> Json:
    """The `AllExtensionsStatus` payload: every extension's record."""
    return {"servertime": st, "extensions": [wire_extension(a) for a in agents], "errorCode": 0}
