"""Failed-login throttle: per (user name, address) and per address, with growing delays.

Never per user name alone: a limit on the name lets anyone who knows it keep its owner
out (five guesses a minute from anywhere would lock an admin out for good). A guesser
is slowed where the guesses come from: one name from one address after `limit`
failures, any name from one address after `limit × ADDRESS_FACTOR`. Each failure past
the limit doubles the wait, up to `cap`; a key is forgotten after a quiet spell as long
as its wait plus one `base` period. A correct password from an address that has not
been failing is therefore never refused, whatever happens elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ADDRESS_FACTOR", "LoginThrottle"]

# An address may fail this many times the per-name limit over all names (an office
# behind one NAT address mistypes more than one person does).
ADDRESS_FACTOR = 4

Key = tuple[str, int]  # (key, the failures it may have before it waits)


@dataclass(slots=True)
class _Count:
    failures: int
    last: float


class LoginThrottle:
    """Counts failed logins per key ("pair:name@addr", "addr:addr").

    Checked before the password is hashed, so a guesser who is throttled costs no scrypt.
    Memory is bounded: at most `max_keys` keys, the stalest forgotten first.
    """

    def __init__(
        self, limit: int = 5, base: float = 60.0, cap: float = 3600.0, max_keys: int = 10_000
    ) -> None:
        self.limit = limit
        self.base = base
        self.cap = cap
        self.max_keys = max_keys
        self._fails: dict[str, _Count] = {}

    def keys(self, user: str, addr: str) -> tuple[Key, ...]:
        """The keys a login attempt counts against: its (name, address) and its address."""
        return (f"pair:{user[:64]}@{addr}", self.limit), *self.address(addr)

    def address(self, addr: str) -> tuple[Key, ...]:
        """The address's own key (checked before the form is even read)."""
        return ((f"addr:{addr}", self.limit * ADDRESS_FACTOR),)

    def delay(self, failures: int, limit: int) -> float:
        """The wait after `failures`: none below `limit`, then base, 2×base, 4×base, … ≤ cap."""
        if failures < limit:
            return 0.0
        return min(self.cap, self.base * 2.0 ** min(failures - limit, 32))

    def wait(self, keys: tuple[Key, ...], now: float) -> float:
        """Seconds until all of `keys` may try again (0: now)."""
        longest = 0.0
        for key, limit in keys:
            c = self._fails.get(key)
            if c is None:
                continue
            d = self.delay(c.failures, limit)
            if now - c.last >= d + self.base:
                del self._fails[key]  # quiet long enough: a fresh start
            elif d > 0:
                longest = max(longest, c.last + d - now)
        return max(0.0, longest)

    def failed(self, keys: tuple[Key, ...], now: float) -> None:
        """Record one failure for each key."""
        for key, _limit in keys:
            c = self._fails.pop(key, None) or _Count(0, now)
            c.failures += 1
            c.last = now
            self._fails[key] = c  # re-inserted: dict order is staleness order
        while len(self._fails) > self.max_keys:
            del self._fails[next(iter(self._fails))]

    def undo(self, keys: tuple[Key, ...]) -> None:
        """Take back one failure (the attempt counted in advance succeeded after all)."""
        for key, _limit in keys:
            c = self._fails.get(key)
            if c is not None:
                c.failures -= 1
                if c.failures <= 0:
                    del self._fails[key]

    def forget(self, key: Key) -> None:
        """A successful login clears that name's failures from that address."""
        self._fails.pop(key[0], None)
