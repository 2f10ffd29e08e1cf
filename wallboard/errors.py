"""One exception tree for the whole wallboard, translated into a clear message at the edge."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ActionDenied",
    "ActionUnconfirmed",
    "ConfigError",
    "PayloadError",
    "StoreContentError",
    "StoreError",
    "VendorApiError",
    "VendorAuthError",
    "VendorConnectionError",
    "VendorError",
    "VendorProtocolError",
    "WallboardError",
]


class WallboardError(Exception):
    """Base of every error the wallboard raises on purpose."""


class ConfigError(WallboardError):
    """The configuration is wrong: names the file, the key and what was expected.

    `more` holds further (file, key, problem) found in the same check: all are reported at
    once, one a line, so an operator fixes them in one go.
    """

    def __init__(
        self, file: str, key: str, problem: str, more: Sequence[tuple[str, str, str]] = ()
    ) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        self.problems = [(file, key, problem), *more]
        super().__init__("\n".join(f"{f}: {k}: {p}" for f, k, p in self.problems))


class PayloadError(WallboardError):
    """A wire payload (realtime event or CDR) could not be understood."""

    def __init__(self, event: str, field: str, problem: str) -> None:
        self.event = event
        self.field = field
        self.problem = problem
        super().__init__(f"malformed {event}: {field}: {problem}")


class VendorError(WallboardError):
    """Something went wrong between us and the vendor (the base of the four below)."""


class VendorAuthError(VendorError):
    """The vendor refused our credentials or token; retrying fast will not help."""


class VendorConnectionError(VendorError):
    """The vendor could not be reached or dropped us; retry with backoff."""


class VendorProtocolError(VendorConnectionError):
    """The server spoke something we do not understand (e.g. another Engine.IO version).

    A connection error too: the connector treats it like an unreachable server (fail over,
    back off) and may try the other protocol first.
    """


class VendorApiError(VendorError):
    """A vendor REST API answered with an error code (names the API and the code)."""

    def __init__(self, api: str, code: object, message: str) -> None:
        self.api = api
        self.code = code
        self.message = message
        super().__init__(f"{api}: error {code}: {message}")


class StoreError(WallboardError):
    """The database could not store or read something."""


class StoreContentError(StoreError):
    """A row could not be stored because of what it holds (not the disk): never retry it."""


class ActionDenied(WallboardError):
    """A supervisor action the actor is not allowed to take."""


class ActionUnconfirmed(WallboardError):
    """The vendor accepted an action, but its realtime events did not show it in time."""
