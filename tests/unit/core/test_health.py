"""Staleness: one definition for /healthz, the board and kiosks."""

from __future__ import annotations

from wallboard.core.events import ConnectionChanged, ConnectionState, LinkAlive
from wallboard.core.health import stale_since
from wallboard.runtime.hub import Hub


def test_quiet_but_alive_link_is_not_stale():
    hub = Hub()
    hub.feed(ConnectionChanged(100.0, ConnectionState.CONNECTED, "wss://a"))
    hub.feed(LinkAlive(200.0))
    conn = hub.state.connection
    assert stale_since(conn, 220.0, stale_after=30) is None
    # No proof of life for longer than stale_after: stale since the last proof.
    assert stale_since(conn, 231.0, stale_after=30) == 200.0


def test_lost_link_is_stale_since_it_was_lost():
    hub = Hub()
    hub.feed(ConnectionChanged(100.0, ConnectionState.CONNECTED, "wss://a"))
    hub.feed(LinkAlive(150.0))
    hub.feed(ConnectionChanged(160.0, ConnectionState.RECONNECTING, None, "wss://b"))
    hub.feed(ConnectionChanged(170.0, ConnectionState.RECONNECTING, None, "wss://a"))
    assert stale_since(hub.state.connection, 171.0, stale_after=30) == 160.0


def test_never_connected_is_stale():
    hub = Hub()
    hub.feed(ConnectionChanged(5.0, ConnectionState.CONNECTING, None))
    assert stale_since(hub.state.connection, 6.0, stale_after=30) == 5.0
