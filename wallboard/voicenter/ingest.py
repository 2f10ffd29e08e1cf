"""Wire frames in, domain events out: the parser at the vendor edge, in front of a consumer.

The connector, a replay and the benchmarks hand frames to a `FrameParser`; it parses them
(docs/voicenter.md, "Events") and passes each domain event, each malformed event and each
unknown event name on to its consumer (the hub), which only ever sees domain events.
"""

from __future__ import annotations

from typing import Any, Protocol

from wallboard.core.events import DomainEvent
from wallboard.errors import PayloadError
from wallboard.voicenter.events import parse_event, parse_frame

__all__ = ["EventConsumer", "EventSink", "FrameParser"]


class EventConsumer(Protocol):
    """Where parsed events go (the hub): folds events, counts the bad and the unknown."""

    def feed(self, event: DomainEvent) -> None:
        """Fold one domain event."""
        ...

    def malformed(self, error: PayloadError) -> None:
        """Count and log an event that could not be understood."""
        ...

    def unknown(self, name: str) -> None:
        """Count an event of a name we do not know."""
        ...


class EventSink(Protocol):
    """What the connector feeds: wire events to parse, and its own link-state events."""

    def feed(self, event: DomainEvent) -> None:
        """Feed an event that needs no parsing (ConnectionChanged, LinkAlive)."""
        ...

    def feed_frame(self, text: str | bytes, received: float | None) -> DomainEvent | None:
        """Parse and feed one `["name", payload]` frame (EIO3); its event, if any."""
        ...

    def feed_message(self, name: str, payload: Any, received: float | None) -> DomainEvent | None:
        """Parse and feed an event already split by a socket.io library (EIO4)."""
        ...


class FrameParser:
    """Parses frames and messages and hands the results to one consumer (an `EventSink`)."""

    __slots__ = ("_feed", "consumer")

    def __init__(self, consumer: EventConsumer) -> None:
        self.consumer = consumer
        # Bound once: `feed_frame` is the hot path of every event (bench/fold.py).
        self._feed = consumer.feed

    def feed(self, event: DomainEvent) -> None:
        """Pass an event that needs no parsing (link state) straight to the consumer."""
        self._feed(event)

    def feed_frame(self, text: str | bytes, received: float | None) -> DomainEvent | None:
        """Parse one `["name", payload]` frame and feed its event; bad or unknown: None."""
        try:
            name, event = parse_frame(text, received)
        except PayloadError as e:
            self.consumer.malformed(e)
            return None
        if event is None:
            return self._known(name, None)
        # Nearly every frame: fed inline, not through `_known` (one call less per event
        # on the EIO3 path measured ~3 % of bench/fold.py).
        self._feed(event)
        return event

    def feed_message(self, name: str, payload: Any, received: float | None) -> DomainEvent | None:
        """Parse and feed an event already split by a socket.io library (the EIO4 path)."""
        try:
            event = parse_event(name, payload, received)
        except PayloadError as e:
            self.consumer.malformed(e)
            return None
        return self._known(name, event)

    def _known(self, name: str, event: DomainEvent | None) -> DomainEvent | None:
        """Feed a parsed event; an event we do not know (None) is counted by its name."""
        if event is None:
            self.consumer.unknown(name)
            return None
        self._feed(event)
        return event
