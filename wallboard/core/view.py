"""Projections of the state into plain JSON-able data: the API, replay output, the board.

Times are in the server's clock domain (`server_now`), so a reader subtracts like the
fold does; the browser ticks clocks from `server_now` and its own clock (the skew).
"""

from __future__ import annotations

from typing import Any

from wallboard.core import kpis
from wallboard.core.kpis import AgentTally, QueueTally
from wallboard.core.models import Agent, Queue, State, status_key

__all__ = ["agent_view", "queue_view", "state_view"]

JSON = dict[str, Any]


def _round(v: float | None, digits: int = 4) -> float | None:
    return None if v is None else round(v, digits)


def queue_numbers(t: QueueTally, q: Queue | None, server_now: float) -> JSON:
    """One queue's numbers for today, each from its single definition in `kpis`."""
    joined = [c.joined for c in q.waiting.values()] if q is not None else []
    return {
        "offered": t.offered,
        "answered": t.answered,
        "answered_within_sl": t.answered_within_sl,
        "abandoned": t.abandoned,
        "short_abandoned": t.short_abandoned,
        "service_level": _round(kpis.service_level(t)),
        "abandon_rate": _round(kpis.abandon_rate(t)),
        "asa": _round(kpis.average_speed_of_answer(t), 1),
        "average_wait": _round(kpis.average_wait(t), 1),
        "longest_wait": t.longest_wait,
        "waiting_now": len(joined),
        "longest_waiting_now": _round(kpis.longest_waiting_now(joined, server_now), 1),
    }


def agent_numbers(t: AgentTally, a: Agent | None, day_start: float, server_now: float) -> JSON:
    """One agent's numbers for today."""
    open_answered = (
        [c.info.answered_at for c in a.calls.values() if c.info.answered_at] if a else []
    )
    statuses: dict[str, float] = {}
    if a is not None:
        current = status_key(a.state, a.break_code)
        statuses = dict(kpis.time_in_status(t, current, a.state_since, day_start, server_now))
    else:
        statuses = {k: float(v) for k, v in t.status_seconds.items()}
    first = None
    if a is not None:
        first = kpis.first_login(t.spans, current, a.state_since, day_start)
    occupancy = kpis.occupancy(statuses)
    aht = kpis.agent_handle_time(t)
    return {
        "answered": t.answered,
        "missed": t.missed,
        "outgoing": t.outgoing,
        "handled": t.handled,
        "handle_time": None if aht is None else round(aht, 1),
        "talk_time": round(kpis.talk_time(t, open_answered, server_now), 1),
        "time_in_status": {k: round(v, 1) for k, v in sorted(statuses.items())},
        "occupancy": None if occupancy is None else round(occupancy, 4),
        "first_login": first,
    }


def agent_view(a: Agent) -> JSON:
    """What an agent is doing now (times are server-domain epoch seconds)."""
    r = a.record
    return {
        "extension": r.extension,
        "name": r.display_name,
        "sip_user": r.sip_user,
        "user_id": r.user_id,
        "online_user_id": r.online_user_id,
        "state": a.state.value,
        "status_code": r.status_code,
        "break_code": a.break_code,
        "state_since": a.state_since,
        "since_known": a.since_known,
        "calls": [
            {
                "call_id": c.info.call_id,
                "direction": c.info.direction.value,
                "status": c.info.status.value,
                "started": c.info.started,
                "answered_at": c.info.answered_at,
                "status_since": c.status_since,
                "caller_number": c.info.caller_number,
                "caller_name": c.info.caller_name,
                "did": c.info.did,
                "queue_id": c.info.queue_id,
                "campaign_id": c.info.campaign_id,
                "c2c_leg": c.info.c2c_leg,
            }
            for c in a.calls.values()
        ],
    }


def queue_view(q: Queue) -> JSON:
    """A queue and who is waiting in it."""
    return {
        "queue_id": q.queue_id,
        "name": q.name,
        "waiting": [
            {
                "call_id": c.call_id,
                "caller_number": c.caller_number,
                "caller_name": c.caller_name,
                "joined": c.joined,
            }
            for c in q.waiting.values()
        ],
    }


def state_view(state: State, local_now: float | None) -> JSON:
    """The whole state, with today's numbers, as of `local_now`."""
    clock = state.clock
    server_now = clock.now(local_now)
    sn = server_now if server_now is not None else 0.0
    day = state.day
    day_start = (day.bounds.start + clock.shift) if day is not None else 0.0
    conn = state.connection
    queues: list[JSON] = []
    for q in state.queues.values():
        t = day.queues.get(q.queue_id, QueueTally()) if day else QueueTally()
        queues.append({**queue_view(q), "today": queue_numbers(t, q, sn)})
    agents: list[JSON] = []
    for a in state.agents.values():
        t2 = day.agents.get(a.extension, AgentTally()) if day else AgentTally()
        agents.append({**agent_view(a), "today": agent_numbers(t2, a, day_start, sn)})
    return {
        "server_now": server_now,
        "server_offset_minutes": clock.offset_minutes,
        "server_shift_seconds": clock.shift,
        "skew": clock.skew(),
        "connection": {
            "state": conn.state.value,
            "server": conn.server,
            "since": conn.since,
            "last_event": conn.last_event,
            "last_alive": conn.last_alive,
            "detail": conn.detail,
            "link": conn.link,
        },
        "day": {"date": day.bounds.key, "start": day_start} if day is not None else None,
        "events_applied": state.events_applied,
        "queues": queues,
        "agents": agents,
    }
