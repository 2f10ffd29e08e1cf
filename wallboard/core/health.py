"""Is the data on the screen current? One definition for the API, the board and kiosks."""

from __future__ import annotations

from wallboard.core.events import ConnectionState
from wallboard.core.models import Connection

__all__ = ["last_proof_of_life", "stale_since"]


def last_proof_of_life(conn: Connection) -> float | None:
    """The latest local time at which the vendor link was known to work (event or pong)."""
    stamps = [t for t in (conn.last_event, conn.last_alive) if t is not None]
    return max(stamps) if stamps else None


def stale_since(conn: Connection, local_now: float, stale_after: float) -> float | None:
    """None while the data is current; otherwise since when (local epoch) it is stale.

    Stale means: not connected to the vendor (since the link was lost), or connected but
    with no proof of life for longer than `stale_after` (since the last proof).
    """
    alive = last_proof_of_life(conn)
    if conn.state is not ConnectionState.CONNECTED:
        return conn.since if conn.since is not None else alive
    if alive is None:
        return conn.since
    if local_now - alive > stale_after:
        return alive
    return None
