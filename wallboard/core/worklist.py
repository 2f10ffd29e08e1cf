"""Pure: today's CDRs and callback presses → the abandoned-caller worklist.

An entry is a caller who abandoned a queue today. It is closed once that number was
reached later today: an answered call with it, either way (they called again and got
through, or someone called them back and they answered).

`build_worklist` reads a whole day at once; `Worklist` folds one CDR or press at a time
into the same result (a property test holds them equal), so the service builds today once
from the store and then keeps it up to date as CDRs and presses arrive.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Generic, TypeVar

from wallboard.core.calls import Cdr, TimeRule, direction, is_c2c_leg2, queue_outcome
from wallboard.core.events import CallDirection, QueueReason
from wallboard.core.kpis import time_to_callback as kpi_time_to_callback

__all__ = [
    "CallbackRow",
    "Page",
    "WorkItem",
    "Worklist",
    "WorklistFilter",
    "build_worklist",
    "callback_figures",
    "normalize_number",
    "page_of",
    "time_to_callback",
    "waiting_by_queue",
]

T = TypeVar("T")
_ABANDONED_AT = attrgetter("abandoned_at")

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
    def waiting(self) -> bool:
        """Still to call back: not reached, and nobody placed a call back yet."""
        if self.reached_at is not None:
            return False
        # Asked of every caller on each redraw: most have no press, so no generator.
        return not self.callbacks or not any(c.ok for c in self.callbacks)

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


@dataclass(frozen=True, slots=True)
class WorklistFilter:
    """Which callers a worklist page lists, and in which order.

    `queues` is what the reader chose (a board's queues, one queue) already cut to her
    scope by the page (None: every queue, calls without a queue too).
    """

    queues: frozenset[int] | None = None
    newest_first: bool = True

    def keeps(self, item: WorkItem) -> bool:
        """Whether this caller is one the filter lists."""
        return self.queues is None or (item.queue_id is not None and item.queue_id in self.queues)

    def apply(self, items: Iterable[WorkItem]) -> list[WorkItem]:
        """The callers kept, by abandon time in the chosen order (a tie: as given)."""
        queues = self.queues
        if queues is None:
            kept = list(items)
        else:
            kept = [i for i in items if i.queue_id is not None and i.queue_id in queues]
        # Stable, also reversed; `Worklist.items` comes newest first, so this is one pass.
        kept.sort(key=_ABANDONED_AT, reverse=self.newest_first)
        return kept


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: its items, which page (1-based) of how many, and the total."""

    items: tuple[T, ...]
    number: int
    pages: int
    total: int


def page_of(items: Sequence[T], number: int, size: int) -> Page[T]:
    """Page `number` (1-based) of `items` in pages of `size`; a number out of range gives
    the nearest page (a list that shrank under an open page shows its last page)."""
    if size < 1:
        raise ValueError(f"a page holds at least one item, not {size}")
    pages = max(1, math.ceil(len(items) / size))
    number = min(max(1, number), pages)
    start = (number - 1) * size
    return Page(tuple(items[start : start + size]), number, pages, len(items))


def waiting_by_queue(items: Iterable[WorkItem]) -> dict[int | None, int]:
    """How many callers wait for a call back in each queue (None: calls without one)."""
    return dict(Counter(i.queue_id for i in items if i.waiting))


@dataclass(frozen=True, slots=True)
class _Abandon:
    """What the worklist keeps of a number's latest abandoned call (not the whole CDR)."""

    call_id: str
    number: str
    queue_id: int | None
    queue_name: str
    at: float
    wait: int | None


@dataclass(slots=True)
class Worklist:
    """Today's worklist folded one CDR and one press at a time: `build_worklist`'s result.

    Order-free where the batch sorts: the latest abandon per number is the one with the
    latest start (a tie: the one added last, as the batch's stable sort keeps input
    order), a number is reached at the latest start of an answered call with it, and
    presses are kept in the order of their time (a tie: in the order added, as the store
    returns them). `version` changes whenever the items may have, so readers can skip
    work when it did not.
    """

    rule: TimeRule | None = None
    version: int = 0
    _latest: dict[str, _Abandon] = field(default_factory=dict)
    _count: dict[str, int] = field(default_factory=dict)
    # Number → (start, arrival) of its first abandon: the batch lists numbers with the
    # same latest abandon time in the order they first abandoned.
    _first: dict[str, tuple[float, int]] = field(default_factory=dict)
    _reached: dict[str, float] = field(default_factory=dict)
    # Presses by number and by call id, each entry (at, arrival order, press).
    _by_number: dict[str, list[tuple[float, int, CallbackRow]]] = field(default_factory=dict)
    _by_call: dict[str, list[tuple[float, int, CallbackRow]]] = field(default_factory=dict)
    _seq: itertools.count[int] = field(default_factory=itertools.count)
    _items: list[WorkItem] | None = None

    def _start(self, cdr: Cdr) -> float:
        return float(self.rule.utc(cdr) if self.rule is not None else cdr.time)

    def add_cdr(self, cdr: Cdr) -> None:
        """Fold one of today's CDRs in (each stored CDR once)."""
        abandoned = queue_outcome(cdr) is QueueReason.ABANDONED and bool(cdr.caller)
        other = _reached_number(cdr)
        if not abandoned and not other:
            return
        at = self._start(cdr)
        if abandoned:
            n = normalize_number(cdr.caller)
            self._count[n] = self._count.get(n, 0) + 1
            first = (at, next(self._seq))
            if first < self._first.get(n, (float("inf"), 0)):
                self._first[n] = first
            old = self._latest.get(n)
            if old is None or at >= old.at:
                self._latest[n] = _Abandon(
                    cdr.ivruniqueid,
                    cdr.caller,
                    cdr.queue_id,
                    cdr.queuename,
                    at,
                    cdr.seconds_waiting_in_queue,
                )
        if other:
            n = normalize_number(other)
            if at > self._reached.get(n, float("-inf")):
                self._reached[n] = at
        self._changed()

    def add_press(self, press: CallbackRow) -> None:
        """Fold one "call back" press in."""
        entry = (press.at, next(self._seq), press)
        for index, key in (
            (self._by_number, normalize_number(press.number)),
            (self._by_call, press.call_id),
        ):
            bisect.insort(index.setdefault(key, []), entry, key=lambda e: e[:2])
        self._changed()

    def _changed(self) -> None:
        self.version += 1
        self._items = None

    def items(self) -> list[WorkItem]:
        """Every number that abandoned today, newest abandon first (built once per change)."""
        if self._items is None:
            order = sorted(self._latest, key=lambda n: (-self._latest[n].at, self._first[n]))
            self._items = [self._item(n, self._latest[n]) for n in order]
        return self._items

    def _item(self, n: str, a: _Abandon) -> WorkItem:
        # Presses for this abandon, or for this number since it (`build_worklist`'s rule).
        picked = {e[1]: e for e in self._by_call.get(a.call_id, ())}
        picked.update((e[1], e) for e in self._by_number.get(n, ()) if e[0] >= a.at)
        got = self._reached.get(n)
        return WorkItem(
            call_id=a.call_id,
            number=a.number,
            queue_id=a.queue_id,
            queue_name=a.queue_name,
            abandoned_at=a.at,
            wait=a.wait,
            abandons=self._count[n],
            callbacks=tuple(e[2] for e in sorted(picked.values(), key=lambda e: e[:2])),
            reached_at=got if got is not None and got > a.at else None,
        )
