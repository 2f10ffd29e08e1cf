"""Finished calls: the typed CDR record and the rules that give it meaning.

A `Cdr` is what the vendor's after-call notification says about one call (decoded from
its three wire encodings in `wallboard.voicenter.cdr`); the rules here say which
direction it went, how a queue call ended, whose it was and when it happened, so the
intake, the history and the worklist read a CDR the same way. Pure: no I/O.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from wallboard.core.events import CallCompleted, CallDirection, QueueReason

__all__ = [
    "AiInsights",
    "Cdr",
    "TimeRule",
    "agent_sip",
    "ai_insights",
    "cdr_utc",
    "direction",
    "is_c2c_leg2",
    "queue_outcome",
    "stored_form",
    "to_call_completed",
]


def _blank_to_none(v: Any) -> Any:
    if v is None or (isinstance(v, str) and v.strip() == ""):
        return None
    return v


class Cdr(BaseModel):
    """One call detail record, as the vendor describes it (cdr-notification.txt)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    ivruniqueid: str = Field(min_length=1, max_length=200)
    time: int
    type: str = ""
    status: str = ""
    caller: str = ""
    target: str = ""
    duration: int = 0
    dialtime: int | None = None
    targetextension: str = ""
    callerextension: str = ""
    did: str = ""
    queueid: int | None = None
    queuename: str = ""
    seconds_waiting_in_queue: int | None = None
    record: str = ""
    price: float | None = None
    representative_name: str = ""
    representative_code: str = ""
    targetextension_name: str = ""
    callerextension_name: str = ""
    target_country: str = ""
    caller_country: str = ""
    leg1_status: str = Field("", alias="leg1DialStatusName")
    original_id: str = Field("", alias="OriginalIvrUniqueID")
    department_id: int | None = Field(None, alias="DepartmentID")
    department_name: str = Field("", alias="DepartmentName")
    ai_data: dict[str, Any] | None = Field(None, alias="aiData")

    @field_validator(
        "dialtime", "queueid", "seconds_waiting_in_queue", "price", "department_id", mode="before"
    )
    @classmethod
    def _optional_number(cls, v: Any) -> Any:
        return _blank_to_none(v)

    @field_validator("duration", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> Any:
        v = _blank_to_none(v)
        return 0 if v is None else v

    @field_validator(
        "type",
        "status",
        "caller",
        "target",
        "targetextension",
        "callerextension",
        "did",
        "queuename",
        "record",
        "representative_name",
        "representative_code",
        "targetextension_name",
        "callerextension_name",
        "target_country",
        "caller_country",
        "leg1_status",
        "original_id",
        "department_name",
        mode="before",
    )
    @classmethod
    def _text(cls, v: Any) -> Any:
        if v is None:
            return ""
        if isinstance(v, int | float) and not isinstance(v, bool):
            return str(v)
        return v

    @field_validator("ai_data", mode="before")
    @classmethod
    def _ai(cls, v: Any) -> Any:
        v = _blank_to_none(v)
        if isinstance(v, str):
            # Form and XML-RPC bodies carry nested data as JSON text.
            try:
                v = json.loads(v)
            except ValueError:
                return None
        return v if isinstance(v, dict) else None

    @property
    def queue_id(self) -> int | None:
        """The queue this call went through, if any (0 means none)."""
        return self.queueid or None


def _norm_type(cdr: Cdr) -> str:
    return cdr.type.lower().replace(" ", "").replace("_", "")


_INCOMING_TYPES = {
    "incomingcall",
    "queue",
    "click2ivrincoming",
    "click2queueincoming",
    "attendedcdrleg2",
    "xfercdr",
}
_OUTGOING_TYPES = {"extensionoutgoing", "productivecallleg2"}
# Queue statuses that mean the caller left the queue without an agent (cdr-notification.txt:
# ABANDONE covers hang-up, exit and timeout; the Call Log spells the last two out).
_QUEUE_GAVE_UP = {"ABANDONE", "ABANDON", "TIMEOUT", "EXIT", "CANCEL", "NOANSWER"}


def direction(cdr: Cdr) -> CallDirection:
    """The call's direction, from its CDR `type`."""
    return _direction(cdr.type)


# A handful of `type` strings, each CDR asked several times (fold, history, worklist).
@lru_cache(maxsize=256)
def _direction(kind: str) -> CallDirection:
    t = kind.lower().replace(" ", "").replace("_", "")
    if t in _INCOMING_TYPES:
        return CallDirection.INCOMING
    if t in _OUTGOING_TYPES:
        return CallDirection.OUTGOING
    if t.startswith(("click2call", "click2cal")):
        return CallDirection.CLICK2CALL
    return CallDirection.OTHER


def is_c2c_leg2(cdr: Cdr) -> bool:
    """A click-to-call's leg 2: the actual call to the destination."""
    t = _norm_type(cdr)
    return t.startswith("click2cal") and t.endswith("leg2")


def queue_outcome(cdr: Cdr) -> QueueReason | None:
    """EXIT (answered) or ABANDONED for a call that waited in a queue; None otherwise.

    FULL and JOINEMPTY never waited in the queue, so they are neither offered nor abandoned.
    """
    if cdr.queue_id is None:
        return None
    status = cdr.status.strip().upper()
    if status == "ANSWER":
        return QueueReason.EXIT
    if status in _QUEUE_GAVE_UP:
        return QueueReason.ABANDONED
    return None


def agent_sip(cdr: Cdr) -> str:
    """The SIP code of the agent whose call this was ("" when none, e.g. a c2c leg 1)."""
    d = direction(cdr)
    if d is CallDirection.INCOMING:
        return cdr.targetextension
    if d is CallDirection.OUTGOING:
        return cdr.callerextension
    if d is CallDirection.CLICK2CALL and is_c2c_leg2(cdr):
        # Leg 1 rings the agent's own phone; leg 2 is the actual call (counted once).
        return cdr.callerextension or cdr.targetextension
    return ""


def cdr_utc(time: int, zone: str | None) -> int:
    """A CDR `time` as true UTC epoch seconds.

    The vendor stamps CDRs with "epoch time (Israel time zone)": the local wall clock read as
    if it were UTC (the fixtures' `ivruniqueid`s, which start with the local time, agree).
    With `zone` set, undo that shift for the zone's offset at that moment (DST included);
    with None the stamp is taken as true UTC.
    """
    if zone is None:
        return time
    wall = datetime.fromtimestamp(time, UTC).replace(tzinfo=ZoneInfo(zone))
    return int(wall.timestamp())


_ID_STAMP = re.compile(r"^(\d{14}|\d{10})")


def _id_wall_clock(call_id: str) -> int | None:
    """The local wall clock an `ivruniqueid` starts with (YYYYMMDDHH[MMSS]), read as epoch."""
    m = _ID_STAMP.match(call_id)
    if m is None:
        return None
    digits = m.group(1)
    fmt = "%Y%m%d%H%M%S" if len(digits) == 14 else "%Y%m%d%H"
    try:
        wall = datetime.strptime(digits, fmt).replace(tzinfo=UTC)
    except ValueError:
        return None
    return int(wall.timestamp()) if 2000 <= wall.year <= 2100 else None


@dataclass(frozen=True, slots=True)
class TimeRule:
    """How to read a CDR's `time` as true UTC: "local", "utc" or "auto".

    The docs say "epoch time (Israel time zone)", and the fixtures' ids (which start with
    the local wall clock) agree with `time` being that wall clock read as epoch; a
    simulator or another account may send true UTC. "auto" decides per CDR by which
    reading puts `time` nearer the wall clock in its `ivruniqueid` ("local" if it has none).
    """

    zone: str
    mode: str = "auto"

    def utc(self, cdr: Cdr) -> int:
        """The CDR's start as true UTC epoch seconds."""
        if self.mode == "utc":
            return cdr.time
        return _start(self.zone, self.mode, cdr.time, cdr.ivruniqueid)


# Every stored CDR is read by the fold, today's history and the worklist, each asking for
# its start: remembered, so it is worked out once per CDR (a whole day's rebuild passes
# through without keeping more than this many).
@lru_cache(maxsize=4096)
def _start(zone: str, mode: str, time: int, call_id: str) -> int:
    local = cdr_utc(time, zone)
    if mode == "local":
        return local
    wall = _id_wall_clock(call_id)
    if wall is None:
        return local
    # If `time` is true UTC, the id's wall clock is `time` + offset; if it is local, ≈ time.
    offset = time - local
    if abs(wall - (time + offset)) < abs(wall - time):
        return time
    return local


def to_call_completed(
    cdr: Cdr, received: float | None, rule: TimeRule | None = None
) -> CallCompleted:
    """The domain event for the fold (`rule` None: `time` is taken as true UTC)."""
    outcome = queue_outcome(cdr)
    answered = cdr.status.strip().upper() == "ANSWER"
    return CallCompleted(
        received=received,
        # The live events' string for the same call (`voicenter.events`): one per call.
        call_id=sys.intern(cdr.ivruniqueid),
        started=rule.utc(cdr) if rule is not None else cdr.time,
        direction=direction(cdr),
        queue_id=cdr.queue_id if outcome is not None else None,
        outcome=outcome,
        wait=cdr.seconds_waiting_in_queue if outcome is not None else None,
        sip_user=agent_sip(cdr),
        answered=answered,
        talk_seconds=max(0, cdr.duration) if answered else 0,
    )


class AiInsights(BaseModel):
    """What the board shows of the vendor's AI analysis of a call."""

    model_config = ConfigDict(frozen=True)

    summary: str = ""
    category: str = ""
    emotions: dict[str, int] = {}


def _find(d: Any, key: str) -> Any:
    """The first value under `key` anywhere in nested dicts (the vendor nests variably)."""
    if isinstance(d, dict):
        if key in d:
            return d[key]
        for v in d.values():
            found = _find(v, key)
            if found is not None:
                return found
    return None


def ai_insights(cdr: Cdr) -> AiInsights | None:
    """Summary, category and emotion counts from `aiData`, when the CDR has it."""
    ai = cdr.ai_data
    if not ai:
        return None
    summary = _find(ai, "summary")
    category = ""
    questions = _find(ai.get("insights", ai), "questions")
    if isinstance(questions, list):
        for q in questions:
            if isinstance(q, dict) and q.get("key") == "category":
                category = str(q.get("answer") or "")
                break
    emotions: Counter[str] = Counter()
    sentences = _find(ai.get("emotions", {}), "sentences")
    if isinstance(sentences, list):
        for s in sentences:
            if isinstance(s, dict) and s.get("emotion"):
                emotions[str(s["emotion"])] += 1
    return AiInsights(
        summary=summary if isinstance(summary, str) else "",
        category=category,
        emotions=dict(emotions),
    )


def stored_form(cdr: Cdr) -> Cdr:
    """The CDR as its parsed copy is stored: `aiData` cut to what `ai_insights` reads.

    The raw body, stored beside it as received, keeps the whole `aiData` (transcript and
    all: 52 KB for a long call), so a second whole copy in the parsed fields doubled a
    CDR's size on disk. The cut keeps the summary, the category and one `emotion` per
    sentence, in the vendor's own shape, so `ai_insights` reads the same from either.
    """
    ai = ai_insights(cdr)
    if ai is None:
        return cdr
    digest: dict[str, Any] = {"summary": ai.summary}
    if ai.category:
        digest["insights"] = {"questions": [{"key": "category", "answer": ai.category}]}
    if ai.emotions:
        sentences = [{"emotion": e} for e, n in sorted(ai.emotions.items()) for _ in range(n)]
        digest["emotions"] = {"sentences": sentences}
    return cdr.model_copy(update={"ai_data": digest})
