"""The one owner of the live state: wire frames and domain events in, pending changes out.

The connector (or a replay) feeds frames; the fold runs synchronously; the publisher
takes the coalesced changes every 100–250 ms. A malformed event is logged with its type
and dropped, an unknown event is counted and logged once: the board keeps running.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable

from wallboard.core.events import DomainEvent, ExtensionChanged, QueueChanged
from wallboard.core.fold import apply, apply_into
from wallboard.core.models import Changes, FoldSettings, State
from wallboard.errors import PayloadError
from wallboard.voicenter.events import parse_event, parse_frame

__all__ = ["Hub"]

log = logging.getLogger(__name__)

Listener = Callable[[DomainEvent], None]

# Nearly all of the traffic, and each always changes its agent or queue: these are folded
# straight into the pending batch, without a `Changes` per event to test and merge.
_LIVE = (ExtensionChanged, QueueChanged)


class Hub:
    """Holds the state and everything that was folded into it."""

    def __init__(self, settings: FoldSettings | None = None) -> None:
        self.state = State(settings=settings or FoldSettings())
        self.pending = Changes()
        self.version = 0
        self.unknown_events: Counter[str] = Counter()
        self.malformed_events: Counter[str] = Counter()
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """Call `listener` with every domain event after it is folded (e.g. the connector)."""
        self._listeners.append(listener)

    def feed(self, event: DomainEvent) -> None:
        """Fold one domain event and remember what it changed."""
        if type(event) in _LIVE:
            apply_into(self.state, event, self.pending)
            self.version += 1
        else:
            _, changes = apply(self.state, event)
            if changes:
                self.pending.merge(changes)
                self.version += 1
        for listener in self._listeners:
            listener(event)

    def feed_frame(self, text: str | bytes, received: float | None) -> DomainEvent | None:
        """Parse and fold one `["name", payload]` frame; bad or unknown ones are dropped."""
        try:
            name, event = parse_frame(text, received)
        except PayloadError as e:
            self._malformed(e)
            return None
        if event is None:
            return self._known(name, event)
        self.feed(event)
        return event

    def feed_message(
        self, name: str, payload: object, received: float | None
    ) -> DomainEvent | None:
        """Parse and fold an event already split by a socket.io library (the EIO4 path)."""
        try:
            event = parse_event(name, payload, received)
        except PayloadError as e:
            self._malformed(e)
            return None
        return self._known(name, event)

    def take_changes(self) -> Changes:
        """Hand the pending changes to the publisher and start a new batch."""
        out, self.pending = self.pending, Changes()
        return out

    def _known(self, name: str, event: DomainEvent | None) -> DomainEvent | None:
        if event is None:
            self.unknown_events[name] += 1
            if self.unknown_events[name] == 1:
                log.warning("unknown realtime event %r ignored (counted, logged once)", name)
            return None
        self.feed(event)
        return event

    def _malformed(self, e: PayloadError) -> None:
        self.malformed_events[e.event] += 1
        log.warning("dropped malformed %s event: %s: %s", e.event, e.field, e.problem)
