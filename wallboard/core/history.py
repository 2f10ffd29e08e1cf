"""Pure: stored CDRs → per-day, per-hour, per-queue, per-agent and per-department tallies.

Every count goes through the `record_*` functions of `core/kpis.py`, the same ones the
live fold uses, so a number in history means exactly what it means on the live board.

A call's department is its queue's (`departments`): an abandoned call's CDR names no
agent and so no department, and counting it under its own CDR's department put every
abandon in "—". A queue's department is the configured one (`[teams]`) or else the one
whose agents answered most of its calls in the days shown (`queue_departments`); a call
in a queue with neither is counted in its agent's department, and only then in "—".
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, TypeVar

from wallboard.core.calls import Cdr, TimeRule, ai_insights, to_call_completed
from wallboard.core.clock import day_bounds, zone
from wallboard.core.events import QueueReason
from wallboard.core.kpis import (
    AgentTally,
    QueueTally,
    abandon_rate,
    average_speed_of_answer,
    average_wait,
    combine,
    count_agent_call,
    record_abandon,
    record_agent_call,
    record_answer,
    record_offer,
    service_level,
)
from wallboard.core.models import FoldSettings

__all__ = [
    "NO_DEPARTMENT",
    "SUMMARY_FORMAT",
    "DayHistory",
    "add_cdr",
    "build_history",
    "compact",
    "csv_export",
    "departments",
    "from_summary",
    "queue_departments",
    "queue_row",
    "restrict",
    "to_summary",
]

NO_DEPARTMENT = "—"  # a call whose queue and agent have no known department

K = TypeVar("K")
V = TypeVar("V")


@dataclass(slots=True)
class DayHistory:
    """One day's figures from its CDRs."""

    key: str
    total: QueueTally = field(default_factory=QueueTally)
    queues: dict[int, QueueTally] = field(default_factory=dict)
    queue_names: dict[int, str] = field(default_factory=dict)
    # Per (queue, the department its CDR names: the answering agent's, "" for none). Which
    # department a call counts in is decided when read (`departments`): an abandon comes
    # before the answered calls that tell its queue's department.
    queue_departments: dict[tuple[int, str], QueueTally] = field(default_factory=dict)
    hours: dict[int, QueueTally] = field(default_factory=dict)
    hour_queues: dict[tuple[int, int], QueueTally] = field(default_factory=dict)
    agents: dict[str, AgentTally] = field(default_factory=dict)
    agent_names: dict[str, str] = field(default_factory=dict)
    agent_departments: dict[str, str] = field(default_factory=dict)
    hour_agents: dict[tuple[int, str], AgentTally] = field(default_factory=dict)
    categories: Counter[str] = field(default_factory=Counter)
    # Per queue, the calls counted (a call id, not a (queue, call) pair: no tuple per call).
    _resolved: dict[int, set[str]] = field(default_factory=dict)


def _queue_call(
    tallies: Iterable[QueueTally], outcome: QueueReason, wait: int | None, s: FoldSettings, q: int
) -> None:
    for t in tallies:
        record_offer(t)
        if outcome is QueueReason.EXIT:
            record_answer(t, wait, s.sl_for(q))
        else:
            record_abandon(t, wait, s.short_abandon)


def build_history(
    cdrs: Iterable[Cdr], settings: FoldSettings, rule: TimeRule | None = None
) -> dict[str, DayHistory]:
    """Tally CDRs into days (keyed by local date of the day's start), oldest first."""
    days: dict[str, DayHistory] = {}
    for cdr in cdrs:
        add_cdr(days, cdr, settings, rule)
    return dict(sorted(days.items()))


def add_cdr(
    days: dict[str, DayHistory], cdr: Cdr, settings: FoldSettings, rule: TimeRule | None = None
) -> None:
    """Tally one CDR into its day in `days` (a day is added when it has its first CDR)."""
    ev = to_call_completed(cdr, None, rule)
    bounds = day_bounds(ev.started, settings.timezone, settings.reset_at)
    day = days.get(bounds.key)
    if day is None:
        day = days[bounds.key] = DayHistory(bounds.key)
    hour = datetime.fromtimestamp(ev.started, zone(settings.timezone)).hour
    dept = cdr.department_name
    ai = ai_insights(cdr)
    if ai is not None and ai.category:
        day.categories[ai.category] += 1
    if ev.queue_id is not None and ev.outcome is not None:
        qid = ev.queue_id
        counted = day._resolved.setdefault(qid, set())
        if ev.call_id not in counted:
            counted.add(ev.call_id)
            if cdr.queuename:
                day.queue_names[qid] = cdr.queuename
            tallies = (
                day.total,
                day.queues.setdefault(qid, QueueTally()),
                day.queue_departments.setdefault((qid, dept), QueueTally()),
                day.hours.setdefault(hour, QueueTally()),
                day.hour_queues.setdefault((hour, qid), QueueTally()),
            )
            _queue_call(tallies, ev.outcome, ev.wait, settings, qid)
    if ev.sip_user:
        sip = ev.sip_user
        name = cdr.representative_name or cdr.targetextension_name or cdr.callerextension_name
        if name:
            day.agent_names[sip] = name
        day.agent_departments.setdefault(sip, dept or NO_DEPARTMENT)
        incoming = ev.direction.value == "incoming"
        outgoing = ev.direction.value in ("outgoing", "click2call")
        answered, talk = ev.answered, ev.talk_seconds
        # The day's tally knows each call id; the hour's counts what the day found new
        # (one set of ids per agent, not one per agent and hour).
        if record_agent_call(
            day.agents.setdefault(sip, AgentTally()),
            ev.call_id,
            incoming=incoming,
            outgoing=outgoing,
            answered=answered,
            talk=talk,
        ):
            count_agent_call(
                day.hour_agents.setdefault((hour, sip), AgentTally()),
                incoming=incoming,
                outgoing=outgoing,
                answered=answered,
                talk=talk,
            )


def compact(day: DayHistory) -> DayHistory:
    """The day without the call ids that only make a fold count each call once.

    For a day that is folded no further (a closed day kept in memory: a late CDR rebuilds
    it from the store); no figure reads them, and at 20,000 calls a day they are most of
    its size.
    """
    day._resolved.clear()
    for tallies in (day.agents, day.hour_agents):
        for a in tallies.values():
            a.seen_calls.clear()
            a.answered_calls.clear()
    return day


# The tallies' fields a summary keeps: all but the call-id sets `compact` empties and the
# status spans (from live events only: a CDR has none).
_QUEUE_FIELDS = [f.name for f in fields(QueueTally)]
_AGENT_FIELDS = [
    f.name for f in fields(AgentTally) if f.name not in ("seen_calls", "answered_calls", "spans")
]
# Changes with any field of the tallies or the day: a summary written by other code is
# not read back but built again from the day's CDRs.
SUMMARY_FORMAT = hashlib.sha256(
    repr((_QUEUE_FIELDS, _AGENT_FIELDS, [f.name for f in fields(DayHistory)])).encode()
).hexdigest()[:16]


def _q(t: QueueTally) -> list[int]:
    return [getattr(t, n) for n in _QUEUE_FIELDS]


def _a(t: AgentTally) -> list[Any]:
    return [getattr(t, n) for n in _AGENT_FIELDS]


def to_summary(day: DayHistory) -> str:
    """A closed day's figures as JSON text (what `compact` keeps), for the store."""
    doc = {
        "key": day.key,
        "total": _q(day.total),
        "queues": [[k, _q(t)] for k, t in day.queues.items()],
        "queue_names": [[k, v] for k, v in day.queue_names.items()],
        "queue_departments": [[q, d, _q(t)] for (q, d), t in day.queue_departments.items()],
        "hours": [[k, _q(t)] for k, t in day.hours.items()],
        "hour_queues": [[h, q, _q(t)] for (h, q), t in day.hour_queues.items()],
        "agents": [[k, _a(t)] for k, t in day.agents.items()],
        "agent_names": day.agent_names,
        "agent_departments": day.agent_departments,
        "hour_agents": [[h, sip, _a(t)] for (h, sip), t in day.hour_agents.items()],
        "categories": dict(day.categories),
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def from_summary(text: str) -> DayHistory:
    """`to_summary`'s text back into the day's figures (compacted, as it was written)."""
    d = json.loads(text)

    def q(v: list[int]) -> QueueTally:
        return QueueTally(**dict(zip(_QUEUE_FIELDS, v, strict=True)))

    def a(v: list[Any]) -> AgentTally:
        return AgentTally(**dict(zip(_AGENT_FIELDS, v, strict=True)))

    return DayHistory(
        key=d["key"],
        total=q(d["total"]),
        queues={k: q(v) for k, v in d["queues"]},
        queue_names={k: v for k, v in d["queue_names"]},
        queue_departments={(k, dept): q(v) for k, dept, v in d["queue_departments"]},
        hours={k: q(v) for k, v in d["hours"]},
        hour_queues={(h, k): q(v) for h, k, v in d["hour_queues"]},
        agents={k: a(v) for k, v in d["agents"]},
        agent_names=d["agent_names"],
        agent_departments=d["agent_departments"],
        hour_agents={(h, k): a(v) for h, k, v in d["hour_agents"]},
        categories=Counter(d["categories"]),
    )


def _pct(v: float | None) -> str:
    return "" if v is None else f"{100 * v:.1f}"


def _sec(v: float | None) -> str:
    return "" if v is None else f"{v:.1f}"


def queue_row(t: QueueTally) -> dict[str, str | int]:
    """The figures of one tally, as shown and exported (definitions from `core/kpis.py`)."""
    return {
        "offered": t.offered,
        "answered": t.answered,
        "abandoned": t.abandoned,
        "short_abandoned": t.short_abandoned,
        "service_level_pct": _pct(service_level(t)),
        "abandon_rate_pct": _pct(abandon_rate(t)),
        "asa_seconds": _sec(average_speed_of_answer(t)),
        "average_wait_seconds": _sec(average_wait(t)),
        "longest_wait_seconds": t.longest_wait,
    }


def queue_departments(
    days: Iterable[DayHistory], configured: Mapping[int, str] | None = None
) -> dict[int, str]:
    """Each queue's department: `configured` (from `[teams]`), else the department whose
    agents answered most of its calls over `days` (a tie: the first by name)."""
    answered: dict[int, Counter[str]] = {}
    for day in days:
        for (q, dept), t in day.queue_departments.items():
            if dept and t.answered:
                answered.setdefault(q, Counter())[dept] += t.answered
    out = {q: max(sorted(c), key=lambda d: c[d]) for q, c in answered.items()}
    out.update({q: d for q, d in (configured or {}).items() if d})
    return out


def departments(day: DayHistory, of_queue: Mapping[int, str]) -> dict[str, QueueTally]:
    """The day's queue calls by department: each in its queue's (`queue_departments`), else
    its agent's, else `NO_DEPARTMENT`; the sums of `kpis.combine`, so rates come from them."""
    parts: dict[str, list[QueueTally]] = {}
    for (q, dept), t in day.queue_departments.items():
        parts.setdefault(of_queue.get(q) or dept or NO_DEPARTMENT, []).append(t)
    return {d: combine(ts) for d, ts in sorted(parts.items())}


def csv_export(days: dict[str, DayHistory], of_queue: Mapping[int, str] | None = None) -> str:
    """All days as CSV: one row per day × (all | queue | department | agent); a queue's
    department from `of_queue` (`queue_departments`; None: learned from these days)."""
    if of_queue is None:
        of_queue = queue_departments(days.values())
    out = io.StringIO()
    w = csv.writer(out)
    qcols = list(queue_row(QueueTally()).keys())
    w.writerow(
        ["date", "kind", "id", "name", *qcols, "agent_answered", "agent_outgoing", "talk_seconds"]
    )
    for key, d in days.items():
        w.writerow([key, "all", "", "", *queue_row(d.total).values(), "", "", ""])
        for qid, t in sorted(d.queues.items()):
            name = d.queue_names.get(qid, "")
            w.writerow([key, "queue", qid, name, *queue_row(t).values(), "", "", ""])
        for dept, t in departments(d, of_queue).items():
            w.writerow([key, "department", "", dept, *queue_row(t).values(), "", "", ""])
        for sip, a in sorted(d.agents.items()):
            blanks = [""] * len(qcols)
            name = d.agent_names.get(sip, "")
            w.writerow([key, "agent", sip, name, *blanks, a.answered, a.outgoing, a.talk_seconds])
    return out.getvalue()


def _pick(d: Mapping[K, V], keep: Callable[[K], bool]) -> dict[K, V]:
    return {k: v for k, v in d.items() if keep(k)}


def restrict(
    day: DayHistory, queues: frozenset[int] | None, sips: frozenset[str] | None
) -> DayHistory:
    """The day as a team lead limited to some queues and agents sees it (None: all).

    The day's total, hours and departments become the sums of the allowed queues
    (`kpis.combine`); AI categories cut across queues, so a limited reader gets none.
    """
    if queues is None and sips is None:
        return day

    def ok_q(q: int) -> bool:
        return queues is None or q in queues

    def ok_a(sip: str) -> bool:
        return sips is None or sip in sips

    out = DayHistory(day.key)
    out.queues = _pick(day.queues, ok_q)
    out.queue_names = _pick(day.queue_names, ok_q)
    out.total = combine(out.queues.values())
    out.hour_queues = _pick(day.hour_queues, lambda k: ok_q(k[1]))
    out.queue_departments = _pick(day.queue_departments, lambda k: ok_q(k[0]))
    by_hour: dict[int, list[QueueTally]] = {}
    for (h, _q), t in out.hour_queues.items():
        by_hour.setdefault(h, []).append(t)
    out.hours = {h: combine(ts) for h, ts in by_hour.items()}
    out.agents = _pick(day.agents, ok_a)
    out.agent_names = _pick(day.agent_names, ok_a)
    out.agent_departments = _pick(day.agent_departments, ok_a)
    out.hour_agents = _pick(day.hour_agents, lambda k: ok_a(k[1]))
    return out
