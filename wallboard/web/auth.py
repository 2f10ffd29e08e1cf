"""Who may see what: team-lead passwords (stdlib scrypt) and read-only kiosk tokens.

scrypt from `hashlib` is a memory-hard, well-reviewed KDF (RFC 7914) that needs no extra
dependency; the stored form names its parameters so they can be raised later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from wallboard.config import Settings, UserSettings
from wallboard.errors import ConfigError

__all__ = ["Access", "Kiosk", "hash_password", "load_users", "verify_password"]

_N, _R, _P = 2**14, 8, 1
_SCHEME = "scrypt"


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$salt$hash`, base64 parts; a fresh random salt by default."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"{_SCHEME}${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches `stored` (constant-time compare; bad hashes never match)."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != _SCHEME:
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=salt,
            n=n,
            r=r,
            p=p,
            dklen=len(expected),
            maxmem=2**27,
        )
    except ValueError:
        return False
    return hmac.compare_digest(got, expected)


def load_users(settings: Settings) -> dict[str, UserSettings]:
    """The users of the settings plus those of `auth.users_file` (an error names the file)."""
    users = dict(settings.auth.users)
    path = settings.auth.users_file
    if not path:
        return users
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "no such users file") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, "(syntax)", str(e)) from None
    table = data.get("users", {})
    if not isinstance(table, dict):
        raise ConfigError(path, "users", "expected [users.<name>] tables")
    for name, body in table.items():
        try:
            users[name] = UserSettings.model_validate(body)
        except ValidationError as e:
            err = e.errors()[0]
            key = ".".join(str(p) for p in ("users", name, *err["loc"]))
            raise ConfigError(path, key, err["msg"]) from None
    return users


@dataclass(frozen=True, slots=True)
class Kiosk:
    """What one kiosk token opens."""

    name: str
    boards: tuple[str, ...]


class Access:
    """Checks logins and kiosk tokens against the configuration."""

    def __init__(self, settings: Settings) -> None:
        self.users = load_users(settings)
        self._config_users = dict(self.users)
        self._tokens = {
            name: (k.token.get_secret_value(), tuple(k.boards))
            for name, k in settings.kiosk.tokens.items()
        }
        # Tokens made in the UI (`services/editor.py`): only their hashes are stored.
        self.more_tokens: Callable[[str], tuple[str, tuple[str, ...]] | None] | None = None

    def set_ui_users(self, users: dict[str, UserSettings]) -> None:
        """The users made in the UI, beside those of the configuration (which win a clash)."""
        self.users = {**users, **self._config_users}

    @property
    def open(self) -> bool:
        """No users configured: desk pages need no login (the UI says so)."""
        return not self.users

    def login(self, user: str, password: str) -> bool:
        """True when the user exists and the password matches (same work either way)."""
        u = self.users.get(user)
        # Hash even for an unknown user, so timing does not reveal which users exist.
        stored = u.password_hash.get_secret_value() if u is not None else _DUMMY
        ok = verify_password(password, stored)
        return ok and u is not None

    def kiosk(self, token: str | None) -> Kiosk | None:
        """The kiosk a token opens, or None (compared in constant time against each token)."""
        if not token:
            return None
        found: Kiosk | None = None
        for name, (secret, boards) in self._tokens.items():
            if hmac.compare_digest(token.encode("utf-8"), secret.encode("utf-8")):
                found = Kiosk(name, boards)
        if found is None and self.more_tokens is not None:
            made = self.more_tokens(token)
            found = None if made is None else Kiosk(*made)
        return found

    def may_see(self, user: str | None, board: str) -> bool:
        """May this logged-in user (or anyone, in open mode) see this board?"""
        if self.open:
            return True
        u = self.users.get(user or "")
        return u is not None and (not u.boards or board in u.boards)


_DUMMY = hash_password("not a password", salt=b"\0" * 16)
