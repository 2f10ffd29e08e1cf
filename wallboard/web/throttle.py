"""Failed-login throttle: at most N failures a minute per user name and per address."""

from __future__ import annotations

from collections import deque

__all__ = ["LoginThrottle"]


class LoginThrottle:
    """Counts failed logins per key ("user:…", "addr:…") in a sliding window.

    Checked before the password is hashed, so a guesser who is throttled costs no scrypt.
    Memory is bounded: at most `max_keys` keys, the stalest forgotten first.
    """

    def __init__(self, limit: int = 5, window: float = 60.0, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._fails: dict[str, deque[float]] = {}

    def wait(self, keys: tuple[str, ...], now: float) -> float:
        """Seconds until any of `keys` may try again (0: now)."""
        longest = 0.0
        for key in keys:
            q = self._fails.get(key)
            if q is None:
                continue
            while q and q[0] <= now - self.window:
                q.popleft()
            if not q:
                del self._fails[key]
            elif len(q) >= self.limit:
                longest = max(longest, q[0] + self.window - now)
        return longest

    def failed(self, keys: tuple[str, ...], now: float) -> None:
        """Record one failure for each key."""
        for key in keys:
            q = self._fails.pop(key, None) or deque(maxlen=self.limit)
            q.append(now)
            self._fails[key] = q  # re-inserted: dict order is staleness order
        while len(self._fails) > self.max_keys:
            del self._fails[next(iter(self._fails))]

    def undo(self, keys: tuple[str, ...], at: float) -> None:
        """Take back the failure recorded at `at` (the attempt succeeded after all)."""
        for key in keys:
            q = self._fails.get(key)
            if q is not None and at in q:
                q.remove(at)

    def forget(self, key: str) -> None:
        """A successful login clears that user's failures (not the address's)."""
        self._fails.pop(key, None)
