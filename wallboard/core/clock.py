"""The server clock domain (`docs/voicenter.md`, "Time") and day boundaries, as pure functions.

Every elapsed time the wallboard shows is `server_now − start`, where both are in the
telephony server's clock. `server_now` is the latest `servertime` plus the local time
elapsed since it arrived. The vendor may stamp `servertime` as UTC or as UTC shifted by
`servertimeoffset`; `detect_shift` decides which at login, and `shift` converts server
times to true UTC for calendar questions (when does today start?).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = ["DayBounds", "DayFinder", "ServerClock", "day_bounds", "detect_shift", "zone"]

# Re-anchor the clock backwards only when our estimate runs this far ahead of the server:
# smaller differences are the 1 s resolution of `servertime`, not a real disagreement.
_BACKWARD_TOLERANCE = 5.0


@dataclass(slots=True)
class ServerClock:
    """Tracks the server's now from its stamps plus local elapsed time."""

    anchor_server: float | None = None
    anchor_local: float | None = None
    offset_minutes: int = 0
    shift: int = 0  # server stamp − true UTC, in seconds (0 or offset × 60)

    def observe(self, server_time: float, received: float | None) -> None:
        """Take a new server stamp; never moves the clock back by a second or two."""
        if received is None:
            if self.anchor_server is None or server_time > self.anchor_server:
                self.anchor_server = server_time
                self.anchor_local = None
            return
        anchor_server, anchor_local = self.anchor_server, self.anchor_local
        if anchor_server is None or anchor_local is None:
            self.anchor_server, self.anchor_local = server_time, received
            return
        # Inlined `now()`: this runs for every event.
        estimate = anchor_server + (received - anchor_local if received > anchor_local else 0.0)
        if server_time > estimate or estimate - server_time > _BACKWARD_TOLERANCE:
            self.anchor_server, self.anchor_local = server_time, received

    def now(self, local_now: float | None) -> float | None:
        """The server's time now, in its own stamp domain (None before any stamp)."""
        if self.anchor_server is None:
            return None
        if self.anchor_local is None or local_now is None:
            return self.anchor_server
        return self.anchor_server + max(0.0, local_now - self.anchor_local)

    def skew(self) -> float:
        """Server stamp − local epoch; the browser adds it to its own clock to tick."""
        if self.anchor_server is None or self.anchor_local is None:
            return 0.0
        return self.anchor_server - self.anchor_local

    def to_utc(self, server_time: float) -> float:
        """A server stamp as true UTC epoch seconds."""
        return server_time - self.shift


def detect_shift(server_time: float, received: float | None, offset_minutes: int) -> int:
    """Which convention holds: `servertime` ≈ UTC now (0), or ≈ UTC now + offset (offset×60)."""
    if received is None or offset_minutes == 0:
        return 0
    shifted = offset_minutes * 60
    if abs(server_time - received - shifted) < abs(server_time - received):
        return shifted
    return 0


@dataclass(frozen=True, slots=True)
class DayBounds:
    """One wallboard day: [start, end) in true UTC epoch seconds, and its local date.

    Whole seconds (the reset time has no fraction): the fold compares every event's integer
    stamp with them, and int-to-int comparisons are several times cheaper than int-to-float.
    """

    key: str
    start: int
    end: int


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The time zone called `name`, cached: a lookup reads tzdata files, and every day
    boundary and displayed time asks for the same one or two zones."""
    return ZoneInfo(name)


# Remembered: a stored CDR's day is asked for by the history, the fold and the cache of
# closed days, each with the same start (the CDR's); worked out once per CDR.
@lru_cache(maxsize=1024)
def day_bounds(utc: float, timezone: str, reset_at: time) -> DayBounds:
    """The day containing `utc`, where a day starts at `reset_at` local time in `timezone`."""
    tz = zone(timezone)
    local = datetime.fromtimestamp(utc, tz)
    start_local = datetime.combine(local.date(), reset_at, tzinfo=tz)
    if start_local > local:
        start_local = datetime.combine(local.date() - timedelta(days=1), reset_at, tzinfo=tz)
    end_local = datetime.combine(start_local.date() + timedelta(days=1), reset_at, tzinfo=tz)
    return DayBounds(
        key=start_local.date().isoformat(),
        start=int(start_local.timestamp()),
        end=int(end_local.timestamp()),
    )


@dataclass(slots=True)
class DayFinder:
    """`day_bounds` for one zone and reset time, with the last day found remembered: nearly
    every CDR stored belongs to the day of the one before, and working a day out (zone
    look-ups, two datetimes) cost more than the rest of telling a listener about it."""

    timezone: str
    reset_at: time
    last: DayBounds | None = None

    def __call__(self, utc: float) -> DayBounds:
        """The day containing `utc` (as `day_bounds`)."""
        last = self.last
        if last is not None and last.start <= utc < last.end:
            return last
        found = self.last = day_bounds(utc, self.timezone, self.reset_at)
        return found
