"""Logging in to the vendor's realtime service: both login stacks, three identities, refresh.

Everything here does what the vendor's own SDKs do (docs/voicenter.md, "Login"):

Legacy stack (`login_api = "legacy"`): `POST <login_url>/User|Account|Token` with
`{"email", "pin"}`, `{"username", "password"}` or `{"token"}`; the reply's `Data.Socket`
carries `Token`, `TokenExpiry` (a date), `RefreshToken`, `Url`/`URL` and `URLList` (servers
in order of preference).

Identity stack (`login_api = "identity"`): `POST <login_url>` answers `Data.AccessToken` and
`RefreshToken`; `GET <settings_url>` with `Authorization: Bearer <AccessToken>` answers
`IdentityCode` (the socket token), `IdentityCodeExpiry` (a date) and `MonitorList`
(`[{"Priority", "Domain", ...}]`, the highest `Priority` being the main server).

Expiries are ISO-8601 dates (no zone = UTC) or epochs in s or ms; one we cannot read is
logged once and replaced by `expiry_fallback_seconds`, after which the connector logs in
afresh (never "never expires").

Refresh (`user` sessions only, as the SDKs): `GET <refresh_url>` with
`Authorization: Bearer <RefreshToken>`, answered like the login. Any other session is
renewed by a fresh login (`renew`). Keys are matched without regard to case.

Secrets (passwords, tokens, refresh tokens) are held in `SecretStr` and never logged; every
error text that could contain one goes through `redact`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from pydantic import SecretStr

from wallboard.config import VendorSettings
from wallboard.errors import ConfigError, VendorAuthError, VendorConnectionError
from wallboard.voicenter.http import summarise_reply, vendor_errors

__all__ = [
    "LoginPacer",
    "Session",
    "can_refresh",
    "check_credentials",
    "login",
    "monitor_servers",
    "parse_expiry",
    "redact",
    "refresh",
    "renew",
    "settings_secrets",
]

log = logging.getLogger(__name__)

_LEGACY_PATHS = {"user": "User", "account": "Account", "token": "Token"}
# A number below this is no epoch date (before 2001): an expiry we cannot read.
_EPOCH_MIN = 1_000_000_000
# Above this an epoch is in milliseconds (seconds would be after the year 5138).
_EPOCH_MS = 100_000_000_000
# .NET's JSON date, "/Date(1764600000000)/" or with an offset "+0200" (always UTC millis).
_DOTNET_DATE = re.compile(r"^/?Date\((-?\d+)(?:[+-]\d{4})?\)/?$")
# The SDKs never log in twice within this many seconds (docs/voicenter.md, "Login").
LOGIN_SPACING_SECONDS = 1.0

_warned: set[str] = set()  # unreadable expiries already logged (each field once)


@dataclass(frozen=True)
class Session:
    """What a login gives: the socket token, when it expires, and the monitor servers."""

    token: SecretStr
    refresh_token: SecretStr | None
    expires_at: float | None  # epoch seconds (wall clock); a safe default when unreadable
    servers: tuple[str, ...]
    version: str = ""
    api: str = "legacy"
    login_type: str = "account"
    expiry_known: bool = True  # False: the vendor's expiry was unreadable (log in afresh)

    def secrets(self) -> list[str]:
        """The secret strings of this session, for `redact`."""
        out = [self.token.get_secret_value()]
        if self.refresh_token is not None:
            out.append(self.refresh_token.get_secret_value())
        return [s for s in out if s]

    def expires_in(self, wall_now: float | None = None) -> float | None:
        """Seconds until the token expires (None if unknown)."""
        if self.expires_at is None:
            return None
        return self.expires_at - (time.time() if wall_now is None else wall_now)


class LoginPacer:
    """Keeps logins at least `LOGIN_SPACING_SECONDS` apart, as the SDKs do."""

    def __init__(self, spacing: float = LOGIN_SPACING_SECONDS) -> None:
        self.spacing = spacing
        self._last: float | None = None

    async def wait(self) -> None:
        """Sleep until a login is allowed, and count this one."""
        if self._last is not None:
            left = self._last + self.spacing - time.monotonic()
            if left > 0:
                await asyncio.sleep(left)
        self._last = time.monotonic()


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced by `***` (error texts can carry URLs with tokens)."""
    for s in secrets:
        if s and len(s) >= 3:
            text = text.replace(s, "***")
    return text


def settings_secrets(settings: VendorSettings) -> list[str]:
    """The secrets in the settings, for `redact`."""
    out: list[str] = []
    for s in (settings.password, settings.token):
        if s is not None and s.get_secret_value():
            out.append(s.get_secret_value())
    return out


def _get(d: Mapping[str, Any], *names: str) -> Any:
    """A key of `d`, matched without regard to case, trying `names` in order."""
    lower = {k.lower(): v for k, v in d.items() if isinstance(k, str)}
    for n in names:
        if n.lower() in lower:
            return lower[n.lower()]
    return None


def _required(value: str, key: str, login_type: str) -> str:
    if not value:
        raise ConfigError("vendor settings", key, f"required for login_type '{login_type}'")
    return value


def _credentials(settings: VendorSettings) -> dict[str, str]:
    """The identity's legacy login body, exactly as the SDKs send it, or a ConfigError."""
    password = settings.password.get_secret_value() if settings.password else ""
    token = settings.token.get_secret_value() if settings.token else ""
    kind = settings.login_type
    if kind == "user":
        # The SDKs send a user's password as `pin` (docs/voicenter.md, "Login").
        email = _required(settings.email, "vendor.email", kind)
        return {"email": email, "pin": _required(password, "vendor.password", kind)}
    if kind == "account":
        username = _required(settings.username, "vendor.username", kind)
        return {"username": username, "password": _required(password, "vendor.password", kind)}
    return {"token": _required(token, "vendor.token", kind)}


def check_credentials(settings: VendorSettings) -> None:
    """Raise ConfigError naming the missing key when the identity lacks a credential."""
    _credentials(settings)
    if settings.login_api == "identity" and not settings.settings_url:
        raise ConfigError(
            "vendor settings", "vendor.settings_url", "required for login_api 'identity'"
        )


async def _request(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    settings: VendorSettings,
    *,
    body: Mapping[str, Any] | None = None,
    bearer: str | None = None,
    what: str,
) -> Any:
    """One JSON request; 401/403 (and 500 'Unexpected token') are VendorAuthError."""
    headers = {"Accept": "application/json"}
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    secrets = [*settings_secrets(settings), *([bearer] if bearer else [])]
    timeout = aiohttp.ClientTimeout(total=settings.login_timeout_seconds)
    with vendor_errors(what, url, timeout=settings.login_timeout_seconds):
        async with http.request(method, url, json=body, headers=headers, timeout=timeout) as resp:
            text = await resp.text()
            status = resp.status
            content_type = resp.headers.get("Content-Type", "")
    summary = redact(summarise_reply(status, content_type, text), secrets)
    if status in (401, 403) or (status == 500 and "unexpected token" in text.lower()):
        raise VendorAuthError(f"{what} refused by {url}: {summary}")
    if status >= 400:
        raise VendorConnectionError(f"{what} at {url}: {summary}")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise VendorConnectionError(f"{what} at {url}: reply is not JSON: {summary}") from None


def _data(reply: Any, what: str, url: str) -> Mapping[str, Any]:
    if not isinstance(reply, Mapping):
        raise VendorConnectionError(f"{what} at {url}: reply is not a JSON object")
    if _get(reply, "error"):
        raise _refused(reply, what, url)  # the SDKs treat a body with `error` as refused
    data = _get(reply, "Data", "data")
    return data if isinstance(data, Mapping) else reply


def _refused(reply: Mapping[str, Any], what: str, url: str) -> VendorAuthError:
    msg = _get(reply, "ErrorMessage", "errorDesc", "Message", "Description", "error") or ""
    said = " ".join(str(msg).split())
    said = said if len(said) <= 80 else said[:79].rstrip() + "…"  # the vendor's words, short
    return VendorAuthError(f"{what} refused by {url}: {said or 'no token in reply'}")


def _epoch(n: float) -> float | None:
    if n < _EPOCH_MIN:
        return None
    return n / 1000 if n > _EPOCH_MS else n


def _iso(text: str) -> float | None:
    try:
        d = datetime.fromisoformat(text)
    except ValueError:
        return None
    # No zone means UTC (docs/voicenter.md, "Login").
    return (d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp()


def parse_expiry(value: Any) -> float | None:
    """An expiry as epoch seconds: ISO-8601 (no zone = UTC), epoch s or ms; None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _epoch(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        return _epoch(float(text))
    except ValueError:
        pass
    dotnet = _DOTNET_DATE.match(text)
    if dotnet:
        return int(dotnet.group(1)) / 1000
    return _iso(text)


def _expiry(d: Mapping[str, Any], key: str, settings: VendorSettings) -> tuple[float, bool]:
    """The expiry at `key` and whether it was readable; else now + the safe default."""
    raw = _get(d, key)
    at = parse_expiry(raw)
    now = time.time()
    if at is not None and at > now:
        return at, True
    why = "is missing" if raw is None else f"{str(raw)[:40]!r} cannot be read as a date"
    if at is not None:
        why = f"{str(raw)[:40]!r} is already past (is a clock wrong?)"
    if key not in _warned:
        _warned.add(key)
        log.warning(
            "login reply: %s %s; logging in again within %g s instead",
            key,
            why,
            settings.expiry_fallback_seconds,
        )
    return now + settings.expiry_fallback_seconds, False


def _secret(v: Any) -> SecretStr | None:
    return SecretStr(v) if isinstance(v, str) and v else None


def _legacy_servers(sock: Mapping[str, Any]) -> list[str]:
    servers: list[str] = []
    url_list = _get(sock, "URLList")
    if isinstance(url_list, list):
        servers = [u for u in url_list if isinstance(u, str) and u]
    main = _get(sock, "Url", "URL")
    if isinstance(main, str) and main:
        # The SDK connects to `Url` first; `URLList` is the rest, in order.
        servers = [main, *(s for s in servers if s != main)]
    return [s if "://" in s else f"https://{s}" for s in servers]


def _legacy_session(reply: Any, url: str, what: str, settings: VendorSettings) -> Session:
    data = _data(reply, what, url)
    sock = _get(data, "Socket")
    if not isinstance(sock, Mapping):
        raise _refused(data, what, url)
    token = _secret(_get(sock, "Token"))
    if token is None:
        raise _refused(sock, what, url)
    expires_at, known = _expiry(sock, "TokenExpiry", settings)
    return Session(
        token=token,
        refresh_token=_secret(_get(sock, "RefreshToken")),
        expires_at=expires_at,
        servers=tuple(_legacy_servers(sock)),
        version=str(_get(sock, "Version") or ""),
        api="legacy",
        login_type=settings.login_type,
        expiry_known=known,
    )


def monitor_servers(data: Mapping[str, Any]) -> list[str]:
    """`MonitorList` by falling `Priority`: the highest is the main server, 0 the fallback."""
    items = _get(data, "MonitorList")
    if not isinstance(items, list):
        return []
    ranked: list[tuple[float, int, str]] = []
    for i, item in enumerate(items):
        domain = item if isinstance(item, str) else None
        prio = float("-inf")
        if isinstance(item, Mapping):
            domain = _get(item, "Domain", "URL", "Url")
            p = _get(item, "Priority")
            prio = float(p) if isinstance(p, int | float) and not isinstance(p, bool) else prio
        if isinstance(domain, str) and domain:
            ranked.append((-prio, i, domain))
    ranked.sort()  # falling priority; equal priorities keep the list's order
    return [d if "://" in d else f"https://{d}" for _, _, d in ranked]


async def _legacy_login(http: aiohttp.ClientSession, settings: VendorSettings) -> Session:
    url = f"{settings.login_url.rstrip('/')}/{_LEGACY_PATHS[settings.login_type]}"
    reply = await _request(http, "POST", url, settings, body=_credentials(settings), what="login")
    return _legacy_session(reply, url, "login", settings)


# The identity stack's `identityType`, as the vendor's events SDK sends it (its `LoginType`
# enum: "User", "Token"; docs/voicenter.md). The SDK has no account login on this stack:
# "Account" follows the enum's spelling and is the one value still to confirm.
IDENTITY_TYPES = {"user": "User", "account": "Account", "token": "Token"}


def _identity_body(settings: VendorSettings) -> dict[str, str]:
    """The identity stack's login body: the user's e-mail goes in `username`, as the SDK."""
    cred = _credentials(settings)
    kind = IDENTITY_TYPES[settings.login_type]
    if "token" in cred:
        return {"identityType": kind, "token": cred["token"]}
    return {
        "identityType": kind,
        "username": cred.get("username") or cred.get("email", ""),
        "password": cred.get("password") or cred.get("pin", ""),
    }


async def _identity_settings(
    http: aiohttp.ClientSession, settings: VendorSettings, data: Mapping[str, Any], url: str
) -> Session:
    access = _secret(_get(data, "AccessToken"))
    if access is None:
        raise _refused(data, "login", url)
    if not settings.settings_url:
        raise ConfigError(
            "vendor settings", "vendor.settings_url", "required for login_api 'identity'"
        )
    reply = await _request(
        http,
        "GET",
        settings.settings_url,
        settings,
        bearer=access.get_secret_value(),
        what="settings",
    )
    sdata = _data(reply, "settings", settings.settings_url)
    servers = monitor_servers(sdata)
    if not servers:
        raise VendorConnectionError(f"settings at {settings.settings_url}: empty MonitorList")
    # On this stack the socket token is `IdentityCode` (docs/voicenter.md, "Login").
    socket_token = _secret(_get(sdata, "IdentityCode"))
    if socket_token is None:
        raise VendorConnectionError(f"settings at {settings.settings_url}: no IdentityCode")
    expires_at, known = _expiry(sdata, "IdentityCodeExpiry", settings)
    return Session(
        token=socket_token,
        refresh_token=_secret(_get(data, "RefreshToken")),
        expires_at=expires_at,
        servers=tuple(servers),
        version=str(_get(sdata, "Version") or ""),
        api="identity",
        login_type=settings.login_type,
        expiry_known=known,
    )


async def _identity_login(http: aiohttp.ClientSession, settings: VendorSettings) -> Session:
    url = settings.login_url
    reply = await _request(http, "POST", url, settings, body=_identity_body(settings), what="login")
    return await _identity_settings(http, settings, _data(reply, "login", url), url)


def _expires_text(session: Session) -> str:
    left = session.expires_in()
    return "?" if left is None else f"{max(0.0, left):.0f} s"


async def login(
    http: aiohttp.ClientSession, settings: VendorSettings, pacer: LoginPacer | None = None
) -> Session:
    """Log in once with the configured stack and identity; servers from settings override."""
    if pacer is not None:
        await pacer.wait()
    if settings.login_api == "identity":
        session = await _identity_login(http, settings)
    else:
        session = await _legacy_login(http, settings)
    if settings.servers:
        session = dataclasses.replace(session, servers=tuple(settings.servers))
    if not session.servers:
        raise VendorConnectionError(f"login at {settings.login_url}: no monitor server in reply")
    log.info(
        "logged in (%s API, %s identity): %d server(s), token expires in %s",
        session.api,
        settings.login_type,
        len(session.servers),
        _expires_text(session),
    )
    return session


def can_refresh(settings: VendorSettings, session: Session) -> bool:
    """Whether a session is renewed by the refresh URL (else by a fresh login).

    The SDKs refresh only `user` sessions; an unreadable expiry gets a fresh login too.
    """
    return bool(
        settings.refresh_url
        and session.refresh_token is not None
        and session.login_type == "user"
        and session.expiry_known
    )


async def refresh(
    http: aiohttp.ClientSession, settings: VendorSettings, session: Session
) -> Session:
    """A new token: `GET <refresh_url>` with the refresh token as Bearer, as the SDK does."""
    if session.refresh_token is None or not settings.refresh_url:
        raise ConfigError("vendor settings", "vendor.refresh_url", "needed to refresh a token")
    bearer = session.refresh_token.get_secret_value()
    url = settings.refresh_url
    reply = await _request(http, "GET", url, settings, bearer=bearer, what="token refresh")
    data = _data(reply, "token refresh", url)
    if session.api == "identity" and _get(data, "Socket") is None:
        new = await _identity_settings(http, settings, data, url)
    else:
        new = _legacy_session(reply, url, "token refresh", settings)
    if settings.servers or not new.servers:
        new = dataclasses.replace(new, servers=session.servers)
    if new.refresh_token is None:
        new = dataclasses.replace(new, refresh_token=session.refresh_token)
    log.info("token refreshed; expires in %s", _expires_text(new))
    return new


async def renew(
    http: aiohttp.ClientSession,
    settings: VendorSettings,
    session: Session,
    pacer: LoginPacer | None = None,
) -> Session:
    """A fresh session before this one expires: refresh where the SDK would, else log in."""
    if can_refresh(settings, session):
        return await refresh(http, settings, session)
    return await login(http, settings, pacer)
