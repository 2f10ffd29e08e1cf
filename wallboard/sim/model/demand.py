"""The floor's demand: calls per second into each queue, with a real week in it.

What a forecast has to learn and a naive method has to lose to: a daily curve (the
roster's: the floor is staffed to it), a weekly rhythm (Sunday, the first working day in
Israel, busiest; Friday a short morning; Saturday quiet until the Sabbath ends), noise
(each queue's day and hour a little off its usual level), a slow drift (the level rises
and falls over ten weeks), and now and then an unusual day (an outage somewhere: four
hours of calls at nearly twice the usual rate). All of it is a pure function of the seed
and the time: the same seed gives the same weeks, however the model is run or sliced.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime
from zoneinfo import ZoneInfo

from wallboard.sim.model.entities import ModelConfig, SimAgent, SimQueue

__all__ = [
    "UNUSUAL_EVERY",
    "WEEK",
    "Demand",
    "is_unusual",
    "shift_covers",
    "staffing_share",
    "weekday_shape",
]

# Relative level of each weekday (Monday = 0, as `date.weekday()`); the roster follows it
# (fewer people in on a Friday), so an agent's load is about the same each day.
WEEK = (0.96, 0.93, 0.93, 0.9, 0.45, 0.25, 1.0)
# One day in this many is unusual; a prime, so the unusual day moves through the weekdays.
UNUSUAL_EVERY = 23
UNUSUAL_HOURS = (10, 14)  # local hours of the surge on an unusual day
UNUSUAL_FACTOR = 1.8
DRIFT_DAYS = 70.0  # one rise and fall of the level
DRIFT_AMPLITUDE = 0.1
DAY_NOISE = 0.08  # lognormal sigma of a queue's day around its usual level
HOUR_NOISE = 0.06  # and of each hour around its day


def weekday_shape(weekday: int, hour: int) -> float:
    """How a weekday's hours differ from the roster's daily curve (a factor, 1 = usual)."""
    if weekday == 6:  # Sunday: the week's backlog in the morning
        return 1.15 if hour < 12 else 0.95
    if weekday == 4:  # Friday: a short morning
        return 1.15 if hour < 12 else (0.6 if hour < 14 else 0.25)
    if weekday == 5:  # Saturday: quiet until the Sabbath ends
        return 0.7 if hour < 18 else 1.4
    return 1.0


def staffing_share(config: ModelConfig, weekday: int) -> float:
    """The chance that an agent works on a day of this weekday (the roster's week)."""
    if config.flat_curve:
        return config.logged_in_share
    return config.logged_in_share * WEEK[weekday]


def is_unusual(seed: int, day: date) -> bool:
    """Whether `day` is one of the seed's unusual days (one in `UNUSUAL_EVERY`)."""
    return (day.toordinal() + seed) % UNUSUAL_EVERY == 0


def shift_covers(a: SimAgent, hour: int) -> bool:
    """Whether the agent's shift covers this local hour."""
    start, length = a.shift
    return (hour - start) % 24.0 < length


class Demand:
    """Calls per second into each queue at a time, the floor's real week (not flat)."""

    def __init__(self, config: ModelConfig, queues: list[SimQueue], zone: ZoneInfo) -> None:
        self.config = config
        self.zone = zone
        handle = config.mean_talk + config.mean_wrap + 8.0
        # The roster as planned: each queue's share of the agents whose shift covers each
        # hour (an agent in several queues counts a share in each), at the target
        # utilisation. The week's factor and the rest apply on top.
        self._planned: dict[int, list[float]] = {
            q.queue_id: [
                config.utilisation
                * config.logged_in_share
                * sum(1.0 / len(a.skills) for a in q.members if shift_covers(a, h))
                / handle
                for h in range(24)
            ]
            for q in queues
        }
        self._phase = random.Random(f"{config.seed}:drift").uniform(0, 2 * math.pi)
        self._days: dict[tuple[int, int], list[float]] = {}  # (queue, ordinal) → per hour

    def rate(self, queue_id: int, t: float) -> float:
        """Expected arrivals per second into the queue at time `t` (before any scenario)."""
        planned = self._planned.get(queue_id)
        if planned is None:
            return 0.0
        local = datetime.fromtimestamp(t, self.zone)
        day = local.date()
        hours = self._days.get((queue_id, day.toordinal()))
        if hours is None:
            hours = self._day(queue_id, day)
        return planned[local.hour] * hours[local.hour]

    def _day(self, queue_id: int, day: date) -> list[float]:
        """One queue's factors for each hour of a day (cached: drawn once per day)."""
        cfg = self.config
        # A generator of its own per queue and day: the model's stream is not touched,
        # and a day's noise is the same whenever it is asked for.
        rng = random.Random(f"{cfg.seed}:{queue_id}:{day.isoformat()}")
        weekday = day.weekday()
        level = WEEK[weekday] * math.exp(rng.gauss(-(DAY_NOISE**2) / 2, DAY_NOISE))
        drift = 1.0 + DRIFT_AMPLITUDE * math.sin(
            2 * math.pi * day.toordinal() / DRIFT_DAYS + self._phase
        )
        unusual = is_unusual(cfg.seed, day)
        out = []
        for h in range(24):
            f = level * drift * weekday_shape(weekday, h)
            f *= math.exp(rng.gauss(-(HOUR_NOISE**2) / 2, HOUR_NOISE))
            if unusual and UNUSUAL_HOURS[0] <= h < UNUSUAL_HOURS[1]:
                f *= UNUSUAL_FACTOR
            out.append(f)
        if len(self._days) > 4096:  # a long run: keep the cache small
            self._days.clear()
        self._days[(queue_id, day.toordinal())] = out
        return out
