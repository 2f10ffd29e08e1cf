"""The live day comes from the clock a CDR arrives by, never from the CDR's own time."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.unit.core.test_history import queue_cdr
from wallboard.core.calls import to_call_completed
from wallboard.core.models import FoldSettings
from wallboard.runtime.hub import Hub

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC).timestamp()
OLD = int(datetime(2020, 7, 21, 9, 0, tzinfo=UTC).timestamp())


def test_an_old_cdr_first_leaves_the_day_on_the_clock() -> None:
    hub = Hub(FoldSettings(timezone="UTC"))
    hub.feed(to_call_completed(queue_cdr("old", OLD, "ANSWER", 5), NOW))
    day = hub.state.day
    assert day is not None and day.bounds.start <= NOW < day.bounds.end
    assert not day.queues  # the 2020 call is history, not today's


def test_the_clock_rolls_the_day_at_midnight_without_a_live_stream() -> None:
    hub = Hub(FoldSettings(timezone="UTC"))
    hub.feed(to_call_completed(queue_cdr("a", int(NOW) - 60, "ANSWER", 5), NOW))
    tomorrow = NOW + 86400
    hub.feed(to_call_completed(queue_cdr("b", int(tomorrow) - 60, "ANSWER", 5), tomorrow))
    day = hub.state.day
    assert day is not None and day.bounds.start <= tomorrow < day.bounds.end
    assert day.queues[123456789].answered == 1  # only tomorrow's call
