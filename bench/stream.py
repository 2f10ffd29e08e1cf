"""A realistic recorded wire stream for benchmarks: a floor of N agents and M queues.

Frames are shaped exactly like the vendor's (tests/fixtures/realtime): snapshots first,
then a day of queue joins, rings, answers, holds, hangups, abandons and status changes.
Deterministic for a seed. Kept apart from the simulator on purpose: the benchmark must
measure the same stream on every run, whatever the simulator's model becomes.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

__all__ = ["generate"]

_BREAKS = (3, 5, 7, 9, 11, 12, 13)


def _call(
    cid: str,
    direction: str,
    status: str,
    started: int,
    answered: int,
    phone: str,
    queue: int | None,
) -> dict[str, Any]:
    c: dict[str, Any] = {
        "callStarted": started,
        "calldurationinterval": started,
        "callAnswered": answered,
        "answered": 1 if answered else 0,
        "callername": phone,
        "callerphone": phone,
        "callstatus": status,
        "customdata": {},
        "direction": direction,
        "ivrid": cid,
        "recording": {"Filename": f"{cid}.mp3", "IsMuted": 0},
        "did": "0722776772",
    }
    if queue is not None:
        c["queueID"] = queue
    return c


def _ext(
    n: int, status: int, updated: int, calls: list[dict[str, Any]], last: int
) -> dict[str, Any]:
    return {
        "calls": calls,
        "userID": 500000 + n,
        "userName": f"Agent {n}",
        "number": 1000 + n,
        "extenUser": f"SIP{n}",
        "summery": {"representative": f"Agent {n}"},
        "onlineUserID": 500000 + n,
        "representative": 500000 + n,
        "representativeStatus": status,
        "lastCallEventEpoch": last,
        "lastAnsweredCallEventEpoch": last,
        "lastHangupCallEpoch": last,
        "representativeUpdated": updated * 1000,
        "peerStatus": "OK",
    }


def _frame(name: str, payload: dict[str, Any]) -> str:
    return json.dumps([name, payload], separators=(",", ":"))


def generate(
    events: int, agents: int = 2000, queues: int = 200, seed: int = 1, start: int = 1_763_888_400
) -> Iterator[tuple[float, str]]:
    """Yield (received, frame text) pairs: `events` frames in all."""
    rng = random.Random(seed)
    t = start
    status = {a: 1 for a in range(agents)}
    busy: dict[int, tuple[str, int, int]] = {}  # agent -> (call id, queue, answered)
    waiting: dict[int, dict[str, tuple[str, int]]] = {q: {} for q in range(queues)}
    count = 0
    yield (
        float(t),
        _frame(
            "loginSuccess",
            {"errorCode": 0, "errorDesc": "OK", "servertime": t, "servertimeoffset": 120},
        ),
    )
    yield (
        float(t),
        _frame(
            "loginStatus",
            {
                "servertime": t,
                "errorCode": 0,
                "queues": [
                    {"QueueID": 9000 + q, "QueueName": f"Queue {q}", "Calls": []}
                    for q in range(queues)
                ],
            },
        ),
    )
    yield (
        float(t),
        _frame(
            "AllExtensionsStatus",
            {
                "servertime": t,
                "errorCode": 0,
                "extensions": [_ext(a, 1, t, [], t) for a in range(agents)],
            },
        ),
    )
    count = 3
    seq = 0

    def qcalls(q: int) -> list[dict[str, Any]]:
        return [
            {"CallerID": p, "CallerName": "", "IvrUniqueID": c, "JoinTimeStamp": j, "ivrid": c}
            for c, (p, j) in waiting[q].items()
        ]

    def queue_event(q: int, reason: str, cid: str) -> str:
        data = {"QueueID": 9000 + q, "QueueName": f"Queue {q}", "Calls": qcalls(q)}
        payload = {"data": data, "eventName": "queue", "reason": reason, "servertime": t}
        payload.update({"servertimeoffset": 120, "ivruniqueid": cid})
        return _frame("QueueEvent", payload)

    def ext_event(
        a: int,
        reason: str,
        calls: list[dict[str, Any]],
        current: dict[str, Any] | None,
        cause: str = "",
    ) -> str:
        data = _ext(a, status[a], t - 60, calls, t)
        data.update(
            {"eventName": "extension", "reason": reason, "servertime": t, "servertimeoffset": 120}
        )
        if current is not None:
            data["currentCall"] = current
        if cause:
            data["cause"] = cause
            data["ivruniqueid"] = current["ivrid"] if current else ""
        return _frame("ExtensionEvent", {"data": data})

    while count < events:
        t += 1 if rng.random() < 0.05 else 0
        roll = rng.random()
        q = rng.randrange(queues)
        if roll < 0.25:  # a call joins a queue
            seq += 1
            cid = f"c{seq:09d}"
            waiting[q][cid] = (f"05{rng.randrange(10**8):08d}", t)
            yield float(t), queue_event(q, "JOIN", cid)
        elif roll < 0.45 and waiting[q]:  # answered: exit + agent rings and answers
            free = [a for a in rng.sample(range(agents), 8) if a not in busy and status[a] == 1]
            cid, (phone, _joined) = next(iter(waiting[q].items()))
            if not free:
                del waiting[q][cid]
                yield float(t), queue_event(q, "ABANDONED", cid)
                count += 1
                continue
            a = free[0]
            ring = _call(cid, "Incoming", "Ringing", t, 0, phone, 9000 + q)
            yield float(t), ext_event(a, "NEWCALL", [ring], ring)
            del waiting[q][cid]
            yield float(t), queue_event(q, "EXIT", cid)
            talk = _call(cid, "Incoming", "Talking", t, t, phone, 9000 + q)
            yield float(t), ext_event(a, "ANSWER", [talk], talk)
            busy[a] = (cid, q, t)
            count += 2
        elif roll < 0.75 and busy:  # a call ends
            a = rng.choice(list(busy))
            cid, q2, answered = busy.pop(a)
            cur = _call(cid, "Incoming", "Talking", answered, answered, "0500000000", 9000 + q2)
            yield float(t), ext_event(a, "HANGUP", [], cur, "Normal hangup")
        elif roll < 0.85 and busy:  # hold / unhold
            a = rng.choice(list(busy))
            cid, q2, answered = busy[a]
            st = "Hold" if rng.random() < 0.5 else "Talking"
            cur = _call(cid, "Incoming", st, answered, answered, "0500000000", 9000 + q2)
            yield float(t), ext_event(a, "HOLD" if st == "Hold" else "UNHOLD", [cur], cur)
        elif roll < 0.9 and waiting[q]:  # abandon
            cid = next(iter(waiting[q]))
            del waiting[q][cid]
            yield float(t), queue_event(q, "ABANDONED", cid)
        else:  # status change
            a = rng.randrange(agents)
            if a in busy:
                continue
            status[a] = 1 if status[a] != 1 else rng.choice(_BREAKS)
            data = _ext(a, status[a], t, [], t)
            yield (
                float(t),
                _frame(
                    "ExtensionEvent",
                    {
                        "eventName": "extension",
                        "reason": "userStatusUpdate",
                        "servertime": t,
                        "servertimeoffset": 120,
                        "data": data,
                    },
                ),
            )
        count += 1
