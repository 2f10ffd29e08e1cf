"""Alert rules judged against readings: fire past `fire`, clear past `clear` (hysteresis),
at most one open alert per rule and subject (deduplication). Pure: no I/O, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["AlertEvent", "Reading", "Rule", "judge"]


@dataclass(frozen=True, slots=True)
class Rule:
    """What `judge` needs of a configured rule."""

    name: str
    low: bool  # True: fires when the figure falls below `fire` (service level)
    fire: float
    clear: float


@dataclass(frozen=True, slots=True)
class Reading:
    """One figure now: which rule, about what (a queue id or an extension), its value."""

    rule: str
    subject: int
    value: float | None  # None: nothing to judge now (e.g. too few calls for SL)
    label: str  # the subject's name, for people


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """An alert that fired or cleared."""

    rule: str
    subject: int
    label: str
    value: float | None
    fired: bool  # False: cleared


def _past(rule: Rule, value: float, line: float) -> bool:
    return value < line if rule.low else value > line


def _back(rule: Rule, value: float, line: float) -> bool:
    return value >= line if rule.low else value <= line


def judge(
    rules: Mapping[str, Rule], readings: Iterable[Reading], open_: set[tuple[str, int]]
) -> list[AlertEvent]:
    """Fired and cleared alerts; updates `open_` (the (rule, subject) pairs now firing).

    A subject that has no reading any more (the queue emptied, the agent left the break)
    clears: an alert must not stay up about something no longer there.
    """
    out: list[AlertEvent] = []
    seen: set[tuple[str, int]] = set()
    for r in readings:
        rule = rules.get(r.rule)
        if rule is None:
            continue
        key = (r.rule, r.subject)
        seen.add(key)
        if r.value is None:
            continue  # not judged now: neither fires nor clears
        if key not in open_ and _past(rule, r.value, rule.fire):
            open_.add(key)
            out.append(AlertEvent(r.rule, r.subject, r.label, r.value, True))
        elif key in open_ and _back(rule, r.value, rule.clear):
            open_.discard(key)
            out.append(AlertEvent(r.rule, r.subject, r.label, r.value, False))
    for key in sorted(open_ - seen):
        open_.discard(key)
        out.append(AlertEvent(key[0], key[1], "", None, False))
    return out
