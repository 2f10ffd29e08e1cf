"""Pure: today's CDRs and callback presses → the abandoned-caller worklist.

An entry is a caller who abandoned a queue today. It is closed once that number was
reached later today: an answered call with it, either way (they called again and got
through, or someone called them back and they answered).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wallboard.core.calls import Cdr, TimeRule, direction, is_c2c_leg2, queue_outcome
from wallboard.core.events import CallDirection, QueueReason
from wallboard.core.kpis import time_to_callback as kpi_time_to_callback

__all__ = [
    "CallbackRow",
    "WorkItem",
    "build_worklist",
    "callback_figures",
    "normalize_number",
    "time_to_callback",
]

_NON_DIGITS = re.compile(r"\D")


@dataclass(frozen=True, slots=True)
class CallbackRow:
    """One press of "call back" on the worklist."""

    call_id: str
    number: str
    actor: str
    from_extension: int
    at: float
    ok: bool
    detail: str


def normalize_number(number: str, country_prefix: str = "972") -> str:
    """Digits only, national form: '+972-50-1234567' and '0501234567' are the same caller."""
    d = _NON_DIGITS.sub("", number)
    if country_prefix and d.startswith(country_prefix) and len(d) > len(country_prefix) + 6:
        d = "0" + d[len(country_prefix) :]
    return d


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One abandoned caller of today."""

    call_id: str  # the latest abandoned call of this number
    number: str  # as the vendor sent it (what Click2Call dials)
    queue_id: int | None
    queue_name: str
    abandoned_at: float  # true UTC epoch seconds
    wait: int | None
    abandons: int  # how many times this number abandoned today
    callbacks: tuple[CallbackRow, ...]  # presses of "call back" since the abandon
    reached_at: float | None  # when a later answered call with this number started

    @property
    def closed(self) -> bool:
        """Reached since the abandon: nothing left to do."""
        return self.reached_at is not None

    @property
    def first_callback_at(self) -> float | None:
        """When a team lead first pressed "call back" for it."""
        ok = [c.at for c in self.callbacks if c.ok]
        return min(ok) if ok else None


def _reached_number(cdr: Cdr) -> str | None:
    """The outside number an answered call connected with, if it was answered."""
    if cdr.status.strip().upper() != "ANSWER":
        return None
    d = direction(cdr)
    if d is CallDirection.INCOMING:
        return cdr.caller
    if d is CallDirection.OUTGOING or (d is CallDirection.CLICK2CALL and is_c2c_leg2(cdr)):
        return cdr.target
    return None


def build_worklist(
    cdrs: Iterable[Cdr], callbacks: Sequence[CallbackRow], rule: TimeRule | None = None
) -> list[WorkItem]:
    """Every number that abandoned today, newest abandon first (open and closed)."""

    def start(cdr: Cdr) -> float:
        return float(rule.utc(cdr) if rule is not None else cdr.time)

    ordered = sorted(cdrs, key=start)
    latest: dict[str, Cdr] = {}
    count: dict[str, int] = {}
    reached: dict[str, float] = {}  # number → start of the last answered call
    for cdr in ordered:
        if queue_outcome(cdr) is QueueReason.ABANDONED and cdr.caller:
            n = normalize_number(cdr.caller)
            latest[n] = cdr
            count[n] = count.get(n, 0) + 1
        other = _reached_number(cdr)
        if other:
            reached[normalize_number(other)] = float(
                rule.utc(cdr) if rule is not None else cdr.time
            )
    items = []
    for n, cdr in latest.items():
        at = start(cdr)
        got = reached.get(n)
        # Presses for this abandon, or for this number since it (a later abandon needs a
        # new call back). The id match does not depend on the two clocks agreeing.
        presses = tuple(
            c
            for c in callbacks
            if c.call_id == cdr.ivruniqueid or (normalize_number(c.number) == n and c.at >= at)
        )
        items.append(
            WorkItem(
                call_id=cdr.ivruniqueid,
                number=cdr.caller,
                queue_id=cdr.queue_id,
                queue_name=cdr.queuename,
                abandoned_at=at,
                wait=cdr.seconds_waiting_in_queue,
                abandons=count[n],
                callbacks=presses,
                reached_at=got if got is not None and got > at else None,
            )
        )
    items.sort(key=lambda i: -i.abandoned_at)
    return items


def time_to_callback(items: Iterable[WorkItem]) -> float | None:
    """Today's time to callback over the worklist (definition: `core.kpis.time_to_callback`)."""
    return kpi_time_to_callback(
        i.first_callback_at - i.abandoned_at for i in items if i.first_callback_at is not None
    )


def callback_figures(items: Iterable[WorkItem]) -> dict[str, int | None]:
    """A board head's figures: callers still open, time to callback (whole seconds)."""
    items = list(items)
    ttc = time_to_callback(items)
    return {
        "open": sum(1 for i in items if not i.closed),
        "ttc": None if ttc is None else round(ttc),
    }
