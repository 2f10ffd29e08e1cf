"""How often a rule would have fired today: today's queue calls and breaks replayed through
the same judge as the live check (`core.alerts.judge`: hysteresis, one open alert per
subject), so a lead sees what a level means before she saves it.

Each subject (a queue, or an agent for break length) is judged on its own timeline: at
every moment its figure changes (a call joins or leaves, a break starts or ends); a figure
that grows by itself between them (the longest wait, a break's length) is looked at as if
every `step` seconds (the live check's `[alerts] every_seconds`), which needs only the
first look after it passes the level: it cannot fall back before the next change.
Pure: no I/O, no clock.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from wallboard.core.alerts import Reading, Rule, judge
from wallboard.core.kpis import QueueTally, record_abandon, record_answer, service_level

__all__ = ["BreakSpan", "Firing", "PreviewRule", "QueueCall", "would_have_fired"]

STEP = 2.0  # seconds between looks: `[alerts] every_seconds`' default, as the live check


@dataclass(frozen=True, slots=True)
class QueueCall:
    """One call that waited in a queue today: when it joined, how long it waited (None:
    unknown, counted at its join), and whether an agent answered it."""

    queue: int
    joined: float
    wait: int | None
    answered: bool


@dataclass(frozen=True, slots=True)
class BreakSpan:
    """One agent's break today (end None: still on it)."""

    extension: int
    start: float
    end: float | None


@dataclass(frozen=True, slots=True)
class PreviewRule:
    """The rule as the preview needs it, and the day's counting rules."""

    metric: str
    fire: float
    clear: float
    min_sample: int = 10
    queues: frozenset[int] = frozenset()  # empty: every queue
    sl_threshold: Callable[[int], int] = lambda _q: 20
    short_abandon: int = 5


@dataclass(frozen=True, slots=True)
class Firing:
    """The rule fired about `subject` at `at` (and `cleared` then, None: still open now)."""

    subject: int
    at: float
    value: float
    cleared: float | None


def _first_look_after(at: float, start: float, step: float) -> float:
    """The first look (every `step` from `start`) strictly after `at`."""
    return start + (math.floor((at - start) / step) + 1) * step


def _queue_values(
    rule: PreviewRule, calls: list[QueueCall], start: float, now: float, step: float
) -> Iterator[tuple[float, float | None]]:
    """(time, figure) of one queue through the day: a sweep over its joins and leaves.

    Between two of them only the longest wait moves, upward: the one look that matters
    there is the first after it passes the level (it cannot fall back before a leave).
    """
    calls = sorted(calls, key=lambda c: c.joined)
    leaves = sorted(range(len(calls)), key=lambda i: calls[i].joined + (calls[i].wait or 0))
    moments = {c.joined for c in calls} | {c.joined + (c.wait or 0) for c in calls}
    joined_n = left_n = 0
    waiting: list[tuple[float, int]] = []  # a heap of (joined, index); gone ones skipped
    gone: set[int] = set()
    tally = QueueTally()
    ordered = sorted(m for m in moments if start <= m <= now)
    for i, t in enumerate(ordered):
        while joined_n < len(calls) and calls[joined_n].joined <= t:
            heapq.heappush(waiting, (calls[joined_n].joined, joined_n))
            joined_n += 1
        while left_n < len(leaves):
            c = calls[leaves[left_n]]
            if c.joined + (c.wait or 0) > t:
                break
            gone.add(leaves[left_n])
            if c.answered:
                record_answer(tally, c.wait, rule.sl_threshold(c.queue))
            else:
                record_abandon(tally, c.wait, rule.short_abandon)
            left_n += 1
        while waiting and waiting[0][1] in gone:
            heapq.heappop(waiting)
        yield t, _queue_figure(rule, tally, waiting, joined_n - left_n, t)
        if rule.metric == "longest_wait" and waiting:
            look = _first_look_after(max(t, waiting[0][0] + rule.fire), start, step)
            nxt = ordered[i + 1] if i + 1 < len(ordered) else now + step
            if look < nxt and look <= now:
                yield look, look - waiting[0][0]


def _queue_figure(
    rule: PreviewRule, tally: QueueTally, waiting: list[tuple[float, int]], n: int, t: float
) -> float | None:
    """The figure as `services.alerts` reads it live (the same minimum sample for SL)."""
    if rule.metric == "waiting":
        return float(n)
    if rule.metric == "longest_wait":
        return max(0.0, t - waiting[0][0]) if waiting else 0.0
    if tally.answered + tally.abandoned - tally.short_abandoned < rule.min_sample:
        return None
    sl = service_level(tally)
    return None if sl is None else round(sl * 100, 1)


def _break_values(
    rule: PreviewRule, spans: list[BreakSpan], start: float, now: float, step: float
) -> Iterator[tuple[float, float | None]]:
    """(time, seconds on break) of one agent: each break's start, the first look after
    its length passes the level (it only grows until the break ends), and its end."""
    for s in sorted(spans, key=lambda s: s.start):
        end = now if s.end is None else min(s.end, now)
        if end < start or s.start > now:
            continue
        yield max(s.start, start), 0.0
        look = max(_first_look_after(s.start + rule.fire, start, step), start + step)
        if look < end or (s.end is None and look <= now):
            yield look, look - s.start
        if s.end is not None and s.end <= now:
            yield s.end, 0.0


def _judge(
    rule: PreviewRule, subject: int, values: Iterable[tuple[float, float | None]]
) -> list[Firing]:
    rules = {"r": Rule("r", rule.metric == "service_level", rule.fire, rule.clear)}
    open_: set[tuple[str, int]] = set()
    out: list[Firing] = []
    for t, v in values:
        for ev in judge(rules, [Reading("r", subject, v, "")], open_):
            if ev.fired:
                out.append(Firing(subject, t, ev.value or 0.0, None))
            elif out:
                last = out[-1]
                out[-1] = Firing(last.subject, last.at, last.value, t)
    return out


def would_have_fired(
    rule: PreviewRule,
    calls: Iterable[QueueCall],
    breaks: Iterable[BreakSpan],
    start: float,
    now: float,
    step: float = STEP,
) -> list[Firing]:
    """Every time the rule would have fired between `start` (the day's) and `now`, in
    order of time, each with when it would have cleared."""
    out: list[Firing] = []
    if rule.metric == "break_seconds":
        by_agent: dict[int, list[BreakSpan]] = {}
        for s in breaks:
            by_agent.setdefault(s.extension, []).append(s)
        for ext, spans in by_agent.items():
            out += _judge(rule, ext, _break_values(rule, spans, start, now, step))
    else:
        by_queue: dict[int, list[QueueCall]] = {}
        for c in calls:
            if not rule.queues or c.queue in rule.queues:
                by_queue.setdefault(c.queue, []).append(c)
        for qid, qcalls in by_queue.items():
            out += _judge(rule, qid, _queue_values(rule, qcalls, start, now, step))
    return sorted(out, key=lambda f: (f.at, f.subject))
