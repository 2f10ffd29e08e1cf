"""Weeks of past queue calls, fast: the floor's demand through a plain queue per queue.

A forecast learns from the same weekday over the last weeks, so a demo needs weeks of
past calls; the full floor (agents, skills, breaks, rings, outgoing calls) runs about a
day in three seconds here, five weeks in minutes. These weeks (before the days the full
floor runs) come from a coarser model of the same floor instead: each queue's arrivals
from the same `Demand` (so the week, noise, drift and unusual days are the same), served
first come, first served by the queue's agents whose shift covers the hour (each in with
the roster's chance for that weekday), with the same talk, hold, wrap-up, ring and
patience draws; a caller whose patience runs out before an agent is free abandons. No
breaks, outgoing calls or shared agents: queue calls only, which is what a forecast and
the history's queue figures read. Pure and deterministic given the seed.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import replace
from datetime import datetime

from wallboard.sim.model.cdrs import build_cdrs
from wallboard.sim.model.demand import shift_covers, staffing_share
from wallboard.sim.model.entities import Json, SimAgent, SimCall, SimQueue
from wallboard.sim.model.floor import CallCentre

__all__ = ["archive_cdrs"]

_LOOK_AGAIN = 60.0


def archive_cdrs(model: CallCentre, start: float, end: float) -> list[Json]:
    """The queue calls' CDRs of [start, end) by the coarse model, oldest call first."""
    rng = random.Random(f"{model.config.seed}:archive:{int(start)}")
    out: list[Json] = []
    for index, q in enumerate(model.queues):
        out.extend(_queue(model, q, index, rng, start, end))
    out.sort(key=lambda c: (c["time"], c["ivruniqueid"]))
    return out


def _servers(
    model: CallCentre, q: SimQueue, rng: random.Random, day: datetime
) -> list[list[SimAgent]]:
    """For each hour of the day, the queue's agents in (its own members only)."""
    # The roster's week even when the live floor runs daytime traffic all day (flat):
    # the past is the real curve, as the demo's history days are.
    share = staffing_share(replace(model.config, flat_curve=False), day.weekday())
    present = [a for a in q.members if rng.random() < share]
    return [[a for a in present if shift_covers(a, h)] for h in range(24)]


def _queue(
    model: CallCentre, q: SimQueue, index: int, rng: random.Random, start: float, end: float
) -> list[Json]:
    out: list[Json] = []
    # Each server: (free at, tie-break, agent). Rebuilt at each hour from who is in.
    free: list[tuple[float, int, SimAgent]] = []
    day_agents: list[list[SimAgent]] = []
    day_ordinal = -1
    t = start
    hour_end = start  # the demand is constant within a local hour: read once per hour
    rate = 0.0
    prefix = ""
    number = 0
    while t < end:
        if t >= hour_end:
            local = datetime.fromtimestamp(t, model.zone)
            hour_start = local.replace(minute=0, second=0, microsecond=0).timestamp()
            hour_end = hour_start + 3600.0
            if local.date().toordinal() != day_ordinal:
                day_ordinal = local.date().toordinal()
                day_agents = _servers(model, q, rng, local)
            free = _restaff(free, day_agents[local.hour], t)
            rate = model.demand.rate(q.queue_id, t)
            prefix = f"{local:%Y%m%d%H}"
        gap = rng.expovariate(rate) if rate > 0 else _LOOK_AGAIN + 1
        if gap > _LOOK_AGAIN:
            t = min(t + _LOOK_AGAIN, hour_end)
            continue
        t += gap
        if t >= end:
            break
        if t >= hour_end:  # the next hour's rate applies from its start (memoryless)
            t = hour_end
            continue
        number += 1
        seconds = int(t - hour_start)
        ivrid = f"{prefix}{seconds // 60:02d}{seconds % 60:02d}{number:06d}{q.queue_id % 1000:03d}"
        out.extend(_call(model, q, index, rng, free, t, ivrid))
    return out


def _restaff(
    free: list[tuple[float, int, SimAgent]], agents: list[SimAgent], now: float
) -> list[tuple[float, int, SimAgent]]:
    """The servers for a new hour: those still in keep their calls, newcomers are free."""
    busy = {a.extension: f for f, _, a in free}
    out = [(max(now, busy.get(a.extension, now)), a.extension, a) for a in agents]
    heapq.heapify(out)
    return out


def _call(
    model: CallCentre,
    q: SimQueue,
    index: int,
    rng: random.Random,
    free: list[tuple[float, int, SimAgent]],
    t: float,
    ivrid: str,
) -> list[Json]:
    cfg = model.config
    joined = int(t)
    call = SimCall(
        ivrid=ivrid,
        direction="Incoming",
        caller_phone=f"05{rng.choice('0234578')}{rng.randrange(10**7):07d}",
        caller_name="",
        did=q.did,
        started=joined - rng.randrange(3, 15),
        queue=q,
        joined=joined,
    )
    patience = rng.lognormvariate(math.log(cfg.mean_patience) - 0.5, 1.0)
    if not free:
        return build_cdrs(call, None, "ABANDONE", int(t + patience), index, rng, 0.0)
    at, tie, agent = free[0]
    begin = max(t, at)
    if begin - t > patience:
        return build_cdrs(call, None, "ABANDONE", int(t + patience), index, rng, 0.0)
    ring = rng.uniform(2.0, 9.0)
    answered = begin + ring
    talk = max(8.0, rng.lognormvariate(math.log(cfg.mean_talk) - 0.32, 0.8))
    if rng.random() < cfg.hold_share:
        talk += rng.uniform(10, 90)
    hangup = answered + talk
    wrap = rng.expovariate(1.0 / cfg.mean_wrap)
    heapq.heapreplace(free, (hangup + wrap, tie, agent))
    call.agent = agent
    call.answered_at = int(answered)
    call.ring_started = int(begin)
    return build_cdrs(call, agent, "ANSWER", int(hangup), index, rng, 0.0)
