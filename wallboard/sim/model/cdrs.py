"""Call detail records of ended calls, shaped like the vendor's CDR posts (docs/voicenter.md).

`build_cdrs` returns the records one ended call produces, in the order the vendor posts
them: a click-to-call gives two (leg 1, then leg 2); every other call gives one.
"""

from __future__ import annotations

import random
from typing import Any

from wallboard.sim.model.entities import Json, SimAgent, SimCall, SimQueue

__all__ = ["ACCOUNT_DID", "SUMMARIES", "ai_data", "build_cdrs"]

# The account's own number: the caller of its outgoing calls.
ACCOUNT_DID = "0722776772"
RECORD_URL = "https://recordings.sim.example/CallsHistory/PlayRecord/{ivrid}.mp3"

SUMMARIES = (
    ("billing issue", "The caller asked about an unexpected charge; the agent explained it."),
    ("technical issue", "The caller's line dropped calls; the agent reset the device remotely."),
    ("sales", "The caller asked for a new number; the agent opened the order."),
    ("general support", "The caller asked about opening hours and got them."),
)

_TRANSCRIPT = (
    ("Speaker0", "thank you for calling, how can i help"),
    ("Speaker1", "hi, i have a question about my account"),
    ("Speaker0", "let me pull up your account"),
    ("Speaker1", "thank you"),
)


def build_cdrs(
    call: SimCall,
    a: SimAgent | None,
    status: str,
    st: int,
    queue_index: int,
    rng: random.Random,
    ai_share: float,
) -> list[Json]:
    """The CDRs of one ended call; `queue_index` is its queue's place on the floor."""
    answered = call.answered_at if status == "ANSWER" else 0
    body = _body(call, a, status, st, answered)
    if call.queue is not None:
        body.update(_queue_fields(call, call.queue, st, answered, queue_index))
    if a is not None:
        body.update(_department_fields(a))
    out: list[Json] = []
    if call.direction == "Click2Call":
        body["leg1DialStatusName"] = "ANSWER" if call.leg1_answered_at else status
        out.append(_c2c_leg1(body, call, a, st))
    # The random draw only for answered calls with an agent: the seed's stream depends on it.
    if answered and a is not None and rng.random() < ai_share:
        body["aiData"] = ai_data(rng, a)
    out.append(body)
    return out


def _parties(call: SimCall, a: SimAgent | None) -> tuple[str, str, str]:
    """The CDR `type`, caller and target of a call."""
    q = call.queue
    if call.direction == "Incoming":
        kind = "Queue" if q is not None else "Incoming Call"
        return kind, call.caller_phone, a.sip if a is not None else ""
    if call.direction == "Click2Call":
        return "Click2Call leg2", q.did if q is not None else ACCOUNT_DID, call.target
    return "Extension Outgoing", ACCOUNT_DID, call.target


def _body(call: SimCall, a: SimAgent | None, status: str, st: int, answered: int) -> Json:
    """The fields every CDR has."""
    kind, caller, target = _parties(call, a)
    incoming = call.direction == "Incoming"
    sip_in, sip_out, name_in, name_out = _extensions(a, incoming)
    rep_name, rep_code = (a.name, str(a.user_id)) if a is not None else ("", "")
    queue_id, queue_name = (call.queue.queue_id, call.queue.name) if call.queue else (0, "")
    duration = max(0, st - answered) if answered else 0
    body: Json = {
        "caller": caller,
        "target": target,
        "time": call.started,
        "duration": duration,
        "ivruniqueid": call.ivrid,
        "type": kind,
        "status": status,
        "targetextension": sip_in,
        "callerextension": sip_out,
        "did": call.did,
        **({"caller_number": call.did} if incoming else {}),
        "queueid": queue_id,
        "queuename": queue_name,
        "record": RECORD_URL.format(ivrid=call.ivrid) if answered else "",
        "price": 0 if incoming else max(1, duration // 30),
        "dialtime": max(0, (answered or st) - (call.ring_started or call.started)),
        "representative_name": rep_name,
        "representative_code": rep_code,
        "targetextension_name": name_in,
        "callerextension_name": name_out,
        "target_country": "" if incoming else "Israel",
        "caller_country": "Israel" if incoming else "",
    }
    return body


def _extensions(a: SimAgent | None, incoming: bool) -> tuple[str, str, str, str]:
    """(target sip, caller sip, target name, caller name): the agent is on one side."""
    if a is None:
        return "", "", "", ""
    if incoming:
        return a.sip, "", a.name, ""
    return "", a.sip, "", a.name


def _queue_fields(call: SimCall, q: SimQueue, st: int, answered: int, queue_index: int) -> Json:
    """The wait in the queue and the IVR choice that led there."""
    ivr = {
        "layer_id": 1234,
        "layer_name": "Main IVR",
        "layer_number": 0,
        "Dtmf": 1 + queue_index % 9,
        "dtmf_order": 1,
    }
    return {"seconds_waiting_in_queue": max(0, (answered or st) - call.joined), "IVR": [ivr]}


def _department_fields(a: SimAgent) -> Json:
    """The agent's department and the account above it."""
    return {
        "DepartmentID": a.department_id,
        "DepartmentName": a.department,
        "TopDepartmentID": 5_000_000,
        "TopDepartmentName": "Simulated Account",
    }


def _c2c_leg1(body: Json, call: SimCall, a: SimAgent | None, st: int) -> Json:
    """Click-to-call leg 1 (the agent's own phone ringing): leg 2's record, re-aimed."""
    leg1 = dict(body)
    leg1.update(
        type="Click2Call leg1",
        status=body["leg1DialStatusName"],
        target=a.sip if a is not None else "",
        duration=max(0, st - call.leg1_answered_at) if call.leg1_answered_at else 0,
        record="",
    )
    return leg1


def ai_data(rng: random.Random, a: SimAgent) -> Json:
    """The `aiData` block: insights, emotions and a transcript (draw order is the stream's)."""
    category, summary = rng.choice(SUMMARIES)
    mood = rng.choice((("satisfied", 1), ("neutral", 0), ("frustrated", -1)))
    resolved = rng.choice(("true", "true", "false"))
    return {
        "insights": _insights(category, summary, resolved, a),
        "emotions": {"questions": [], "sentences": [_emotion(mood)]},
        "transcript": _transcript(),
    }


def _insights(category: str, summary: str, resolved: str, a: SimAgent) -> Json:
    return {
        "questions": [
            {
                "key": "category",
                "question": "Categorize the call to exactly one of the possible "
                'categories: "technical issue", "billing issue", "sales", '
                '"general support"',
                "data_type": "string",
                "answer": category,
            },
            {
                "key": "issue_resolved",
                "question": "was the issue resolved? (true/false)",
                "data_type": "boolean",
                "answer": resolved,
            },
        ],
        "participants": {
            "caller": {"name": None, "personality_traits": []},
            "callee": {"name": a.name.split()[0], "personality_traits": ["helpful"]},
        },
        "summary": summary,
    }


def _emotion(mood: tuple[str, int]) -> Json:
    return {
        "sentence_id": 1,
        "emotion": mood[0],
        "emotion_direction": mood[1],
        "confidence_emotion": 0.9,
        "intensity_emotion": 0.7,
        "personality_trait": None,
        "confidence_trait": 0,
    }


def _transcript() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    t = 1.0
    for i, (who, text) in enumerate(_TRANSCRIPT):
        out.append(
            {"speaker": who, "text": text, "startTime": t, "endTime": t + 2.5, "sentence_id": i}
        )
        t += 3.0
    return out
