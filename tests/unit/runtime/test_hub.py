"""The hub hands each batch of changes to the board publisher and to its taps (a cluster's
NATS writer) without one waiting for the other, and wakes whoever waits for a change."""

from __future__ import annotations

import time

from tests.floor import floor_events
from wallboard.core.events import ConnectionChanged, ConnectionState, KeepaliveAnswered
from wallboard.core.models import Changes
from wallboard.runtime.hub import FirstChange, Hub


def _floor() -> Hub:
    hub = Hub()
    hub.feed(ConnectionChanged(time.time(), ConnectionState.CONNECTED, "vendor", "eio3"))
    for e in floor_events({7: ["a1"]}, {101: "c9"}):
        hub.feed(e)
    return hub


def test_a_tap_takes_changes_before_the_publisher_and_both_get_every_change() -> None:
    hub = _floor()
    tap = hub.tap()
    hub.spread()  # the NATS writer's round, before any publisher tick
    first = tap.take()
    assert first.snapshot and 101 in first.agents and 7 in first.queues
    assert not tap.take()  # taken once
    # More changes after the tap took its share: the publisher gets all of them at once.
    hub.feed(ConnectionChanged(time.time(), ConnectionState.RECONNECTING, "vendor", "eio3"))
    published = hub.take_changes()
    assert published.snapshot and 101 in published.agents and published.connection
    assert not hub.take_changes()
    assert tap.take().connection  # …and the tap the later one too
    assert not tap.take()


def test_without_taps_the_publisher_gets_the_batch_itself() -> None:
    hub = _floor()
    hub.spread()
    hub.feed(ConnectionChanged(time.time(), ConnectionState.RECONNECTING, "vendor", "eio3"))
    out = hub.take_changes()
    assert out.snapshot and out.connection and 101 in out.agents
    assert not hub.take_changes()


def test_a_change_wakes_the_waiters_and_no_change_does_not() -> None:
    hub = Hub()
    woken: list[int] = []
    hub.on_change(lambda: woken.append(hub.version))
    hub.changed(Changes())  # nothing changed
    assert woken == []
    ch = Changes()
    ch.connection = True
    hub.changed(ch)  # a cluster web node's mirror
    assert woken == [1] and hub.take_changes().connection
    for e in floor_events({7: []}, {}):
        hub.feed(e)
    assert len(woken) == 1 + len(floor_events({7: []}, {}))


def test_a_batch_is_dated_by_its_oldest_event_that_changed_something() -> None:
    hub = _floor()
    first = FirstChange(hub)
    assert first.take() is None  # the floor came before it: nothing of its own yet
    version = hub.version
    hub.feed(KeepaliveAnswered(100.0, 0, "ok"))  # answered before a quiet spell: no change
    assert hub.version == version and first.take() is None
    hub.feed(ConnectionChanged(200.0, ConnectionState.RECONNECTING, "vendor", "eio3"))
    hub.feed(ConnectionChanged(300.0, ConnectionState.CONNECTED, "vendor", "eio3"))
    assert first.take() == 200.0  # the oldest change of the batch, not the latest
    assert first.take() is None  # taken once
