"""The roster: queues, agents and their skills, shifts, breaks and who is on shift.

Plain functions over the floor's things; every random draw happens in the same order as
the floor always drew them, so a seed gives the same floor.
"""

from __future__ import annotations

import random
from datetime import datetime
from zoneinfo import ZoneInfo

from wallboard.sim.model.demand import staffing_share
from wallboard.sim.model.entities import (
    BREAK_CODES,
    LOGOUT,
    LUNCH,
    ModelConfig,
    SimAgent,
    SimQueue,
)
from wallboard.sim.model.names import FIRST, LAST, first_names, last_names, queue_name

__all__ = [
    "PEAK_COVERAGE",
    "SHIFTS",
    "build_agents",
    "build_queues",
    "coverage",
    "first_shift",
    "forced_status",
    "mark_on_shift",
    "next_shift",
    "planned_status",
    "shift_breaks",
]

# Shifts as (local start hour, hours, share of agents): the floor is staffed to the
# forecast, so the staffing is the daily curve — a ramp from 07:00, the busiest hours
# from late morning to mid-afternoon, a long evening tail and a skeleton night shift.
SHIFTS = (
    (7.0, 8.0, 0.30),
    (8.0, 8.0, 0.25),
    (10.0, 8.0, 0.20),
    (13.0, 8.0, 0.12),
    (16.0, 7.0, 0.08),
    (23.0, 8.0, 0.05),
)

_SIP_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def coverage(hour: float) -> float:
    """Share of agents whose shift covers this local hour of the day."""
    total = 0.0
    for start, length, share in SHIFTS:
        if (hour - start) % 24.0 < length:
            total += share
    return total


PEAK_COVERAGE = max(coverage(h / 4.0) for h in range(96))


def build_queues(cfg: ModelConfig) -> list[SimQueue]:
    """The floor's queues; every `ring_all_every`-th one rings all its free agents."""
    every = cfg.ring_all_every
    return [
        SimQueue(
            queue_id=12_345_600 + i,
            name=queue_name(cfg.language == "he", i),
            did=f"07227{76_000 + i:05d}",
            ring_all=every > 0 and i % every == every - 1,
        )
        for i in range(cfg.queues)
    ]


def build_agents(cfg: ModelConfig, rng: random.Random, queues: list[SimQueue]) -> list[SimAgent]:
    """The floor's agents, each with a primary queue and maybe a skill or two more."""
    agents = []
    for i in range(cfg.agents):
        a = _agent(cfg, rng, i, queues[i % len(queues)] if queues else None)
        if queues:
            _give_skills(rng, a, queues[i % len(queues)], queues)
        agents.append(a)
    return agents


def _agent(cfg: ModelConfig, rng: random.Random, i: int, primary: SimQueue | None) -> SimAgent:
    hebrew = cfg.language == "he"
    pick_first, pick_last = rng.randrange(len(FIRST)), rng.randrange(len(LAST))
    first, last = first_names(hebrew)[pick_first], last_names(hebrew)[pick_last]
    # E-mail addresses stay Latin whatever the display language (they are logins).
    mail = f"{FIRST[pick_first].lower()}.{LAST[pick_last].lower()}.{i}@sim.example"
    if primary is None:
        department = "Floor"
    else:
        department = f"מחלקת {primary.name}" if hebrew else f"{primary.name} Department"
    return SimAgent(
        extension=9_000_000 + i,
        sip="".join(rng.choice(_SIP_LETTERS) for _ in range(6)) + str(i),
        user_id=7_000_000 + i,
        name=f"{first} {last}",
        email=mail.replace("'", ""),
        department_id=5_000_000 + (primary.queue_id % 1000 if primary else 0),
        department=department,
        speed_dial=str(100 + i),
    )


def _give_skills(
    rng: random.Random, a: SimAgent, primary: SimQueue, queues: list[SimQueue]
) -> None:
    """The primary queue plus up to two others; each queue counts the agent's share."""
    skills = [primary]
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        other = rng.choice(queues)
        if other not in skills:
            skills.append(other)
    a.skills = skills
    for q in skills:
        q.members.append(a)
        q.weight += 1.0 / len(skills)


def first_shift(
    a: SimAgent, cfg: ModelConfig, rng: random.Random, zone: ZoneInfo, t0: float
) -> tuple[float, float]:
    """Pick the agent's shift and return (begin, end) of the one on or next at `t0`."""
    shares = [share for _, _, share in SHIFTS]
    start_hour, hours, _ = rng.choices(SHIFTS, weights=shares)[0]
    a.shift = (start_hour, hours)
    if cfg.flat_curve:
        # Rolling shifts: about the same number of people in at any hour.
        length = rng.uniform(6 * 3600, 9 * 3600)
        if rng.random() < cfg.logged_in_share:
            begin = t0 - rng.uniform(0, length - 3600)
        else:
            begin = t0 + rng.uniform(60, 45 * 60)
        return begin, begin + length
    local = datetime.fromtimestamp(t0, zone)
    day0 = local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    # Yesterday's night shift may still be on; otherwise the next one to come.
    for day in (-1, 0, 1):
        begin = day0 + day * 86400 + start_hour * 3600 + rng.uniform(-600, 600)
        end = begin + hours * 3600 + rng.uniform(-600, 900)
        if end > t0:
            break
    if begin <= t0 and rng.random() >= _share(cfg, zone, begin):
        begin += 86400  # off today (sick, holiday, fewer needed that day): back tomorrow
        end += 86400
    return begin, end


def _share(cfg: ModelConfig, zone: ZoneInfo, begin: float) -> float:
    """The chance to work the shift that begins at `begin` (by its weekday)."""
    return staffing_share(cfg, datetime.fromtimestamp(begin, zone).weekday())


def next_shift(
    a: SimAgent, cfg: ModelConfig, rng: random.Random, zone: ZoneInfo, begin: float, end: float
) -> tuple[float, float]:
    """(begin, end) of the agent's shift after the one from `begin` to `end`."""
    if cfg.flat_curve:
        nxt = end + rng.uniform(15 * 60, 60 * 60)
        return nxt, nxt + rng.uniform(6 * 3600, 9 * 3600)
    nxt = begin + 86400 + rng.uniform(-600, 600)
    nxt_end = nxt + a.shift[1] * 3600 + rng.uniform(-600, 900)
    # Days off (sick, holiday, fewer needed on that weekday): each day drawn for itself, so
    # a Friday skipped is not a Saturday worked.
    for _ in range(7):
        if rng.random() < _share(cfg, zone, nxt):
            break
        nxt, nxt_end = nxt + 86400, nxt_end + 86400
    return nxt, nxt_end


def shift_breaks(rng: random.Random, begin: float, end: float) -> list[tuple[float, float, int]]:
    """A shift's breaks as (start, minutes, status): a short break, lunch, another break."""
    length = end - begin
    plan = (
        (rng.uniform(0.2, 0.3), rng.uniform(5, 15), rng.choice(BREAK_CODES)),
        (rng.uniform(0.45, 0.55), rng.uniform(20, 40), LUNCH),
        (rng.uniform(0.7, 0.8), rng.uniform(5, 15), rng.choice(BREAK_CODES)),
    )
    return [(begin + at * length, back, code) for at, back, code in plan]


def mark_on_shift(a: SimAgent, value: bool) -> None:
    """Mark an agent on or off shift; queues size their traffic to who is on shift."""
    if a.on_shift == value:
        return
    a.on_shift = value
    for q in a.skills:
        q.staffed += (1.0 if value else -1.0) / len(a.skills)


def planned_status(a: SimAgent, code: int, now: float) -> bool:
    """Apply a planned status (shift, break, lunch); True if the status changed now."""
    if not a.on_shift and code != LOGOUT:
        return False  # plans of someone not working (yet, or any more)
    if a.calls or a.wrap_until > now:
        a.pending_status = code  # breaks wait for the call (and wrap-up) to end
        return False
    return _change(a, code, now)


def forced_status(a: SimAgent, code: int, now: float) -> bool:
    """Apply a status from the Login/Logout API: now, whatever the plan or the call."""
    a.pending_status = None
    mark_on_shift(a, code != LOGOUT)
    return _change(a, code, now)


def _change(a: SimAgent, code: int, now: float) -> bool:
    if code == a.status:
        return False
    a.status = code
    a.status_updated_ms = int(now * 1000)
    a.idle_since = now
    return True
