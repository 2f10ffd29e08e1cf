"""The one owner of the live state: domain events in, pending changes out.

The vendor edge (`voicenter.ingest.FrameParser`, for the connector or a replay) parses
frames and feeds domain events; the fold runs synchronously; the publisher, woken by a
change, takes the coalesced changes at most every 100 ms. A malformed event is logged
with its type and dropped, an unknown event is counted and logged once: the board keeps
running.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from time import perf_counter_ns

from wallboard.core.events import DomainEvent, ExtensionChanged, QueueChanged
from wallboard.core.fold import apply, apply_into
from wallboard.core.models import Changes, FoldSettings, State
from wallboard.errors import PayloadError

__all__ = ["ChangeTap", "FirstChange", "Hub"]

log = logging.getLogger(__name__)

Listener = Callable[[DomainEvent], None]

# Nearly all of the traffic, and each always changes its agent or queue: these are folded
# straight into the pending batch, without a `Changes` per event to test and merge.
_LIVE = (ExtensionChanged, QueueChanged)


class ChangeTap:
    """Changes collected for one more consumer, batch by batch, until it takes them."""

    def __init__(self) -> None:
        self.pending = Changes()

    def take(self) -> Changes:
        """What changed since the last take."""
        out, self.pending = self.pending, Changes()
        return out


class FirstChange:
    """When the oldest event that changed something since the last `take` was received.

    What dates a batch of changes (its end-to-end latency): an event that changed nothing
    (a keepalive folded before a quiet spell) must not make the next change look late.
    """

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.first: float | None = None
        self._seen = hub.version  # the hub's version at the last event: did the next change it?
        hub.subscribe(self._on_event)

    def _on_event(self, event: DomainEvent) -> None:
        if self.first is None and event.received is not None and self.hub.version != self._seen:
            self.first = event.received
        self._seen = self.hub.version

    def take(self) -> float | None:
        """The receive time of the batch's oldest changing event (None: none), then forget it."""
        out, self.first = self.first, None
        return out


class Hub:
    """Holds the state and everything that was folded into it."""

    def __init__(self, settings: FoldSettings | None = None) -> None:
        self.state = State(settings=settings or FoldSettings())
        self.pending = Changes()
        self.version = 0
        self.unknown_events: Counter[str] = Counter()
        self.malformed_events: Counter[str] = Counter()
        # For /metrics: events folded per kind, and the fold's total time (bench/fold.py).
        self.events_by_type: Counter[type[DomainEvent]] = Counter()
        self.fold_count = 0
        self.fold_ns = 0
        self._listeners: list[Listener] = []
        self._taps: list[ChangeTap] = []
        self._wakers: list[Callable[[], None]] = []
        self._main = Changes()  # the publisher's share of batches already spread to taps

    def subscribe(self, listener: Listener) -> None:
        """Call `listener` with every domain event after it is folded (e.g. the connector)."""
        self._listeners.append(listener)

    def on_change(self, wake: Callable[[], None]) -> None:
        """Call `wake` (cheap, synchronous: an `asyncio.Event.set`) whenever the pending
        batch grows, so a consumer can send soon after a change instead of on a timer."""
        self._wakers.append(wake)

    def feed(self, event: DomainEvent) -> None:
        """Fold one domain event and remember what it changed."""
        kind = type(event)
        started = perf_counter_ns()
        if kind in _LIVE:
            apply_into(self.state, event, self.pending)
            self.version += 1
            changed = True
        else:
            _, changes = apply(self.state, event)
            changed = bool(changes)
            if changed:
                self.pending.merge(changes)
                self.version += 1
        self.fold_ns += perf_counter_ns() - started
        self.fold_count += 1
        self.events_by_type[kind] += 1
        for listener in self._listeners:
            listener(event)
        if changed:
            self._wake()

    def changed(self, changes: Changes) -> None:
        """Add changes made to the state without a fold (a cluster web node's mirror)."""
        if changes:
            self.pending.merge(changes)
            self.version += 1
            self._wake()

    def _wake(self) -> None:
        for wake in self._wakers:
            wake()

    def events_by_kind(self) -> dict[str, int]:
        """Events folded so far, by kind (the domain event's class name)."""
        return {k.__name__: n for k, n in self.events_by_type.items()}

    def take_changes(self) -> Changes:
        """Hand the pending changes to the publisher and start a new batch."""
        self.spread()
        out, self._main = self._main, Changes()
        return out

    def spread(self) -> None:
        """Hand the pending batch to every tap now, keeping the publisher's share: a tap's
        consumer (the NATS writer) need not wait for the publisher's next tick."""
        out, self.pending = self.pending, Changes()
        if self._main:
            self._main.merge(out)
        else:
            self._main = out  # the common case: no copy
        for tap in self._taps:
            tap.pending.merge(out)

    def tap(self) -> ChangeTap:
        """A second reader of every batch the publisher takes (the NATS writer of a cluster)."""
        tap = ChangeTap()
        self._taps.append(tap)
        return tap

    def malformed(self, error: PayloadError) -> None:
        """Count and log an event that could not be understood (it is dropped)."""
        self.malformed_events[error.event] += 1
        log.warning("dropped malformed %s event: %s: %s", error.event, error.field, error.problem)

    def unknown(self, name: str) -> None:
        """Count an event we do not know; log it the first time only."""
        self.unknown_events[name] += 1
        if self.unknown_events[name] == 1:
            log.warning("unknown realtime event %r ignored (counted, logged once)", name)
