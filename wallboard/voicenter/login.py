"""Logging in to the vendor's realtime service: both login APIs, three identities, refresh.

The vendor's side is described in docs/voicenter.md, "Login".

Legacy API (`login_api = "legacy"`): `POST <login_url>/User|Account|Token` with
`{"email","password"}`, `{"username","password"}` or `{"token"}`; the reply's
`Data.Socket` carries `Token`, `TokenExpiry` (epoch s), `RefreshToken`, `URL`/`Url`,
`URLList` (servers in order of preference) and `Version`.

Identity API (`login_api = "identity"`): `POST <login_url>` with
`{"identityType", "username", "password"}` or `{"identityType", "token"}`; the reply's
`Data` (or the top level) carries `AccessToken`, `RefreshToken`, `TokenExpiry` (epoch s) or
`ExpiresIn` (s). Then `GET <settings_url>` with `Authorization: Bearer <AccessToken>`
returns `Data.MonitorList` = `[{"Domain", "Priority"}, ...]` (lowest `Priority` first) and,
optionally, a separate socket `Token`. Keys are matched without regard to case.

Refresh: `POST <refresh_url>` with `Authorization: Bearer <RefreshToken>`, answered like the
login. Without a `refresh_url` the connector simply logs in again.

Secrets (passwords, tokens, refresh tokens) are held in `SecretStr` and never logged; every
error text that could contain one goes through `redact`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from pydantic import SecretStr

from wallboard.config import VendorSettings
from wallboard.errors import ConfigError, VendorAuthError, VendorConnectionError
from wallboard.voicenter.http import vendor_errors

__all__ = ["Session", "check_credentials", "login", "redact", "refresh", "settings_secrets"]

log = logging.getLogger(__name__)

_LEGACY_PATHS = {"user": "User", "account": "Account", "token": "Token"}


@dataclass(frozen=True)
class Session:
    """What a login gives: the socket token, when it expires, and the monitor servers."""

    token: SecretStr
    refresh_token: SecretStr | None
    expires_at: float | None  # epoch seconds (wall clock), None if the vendor did not say
    servers: tuple[str, ...]
    version: str = ""
    api: str = "legacy"

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


def _credentials(settings: VendorSettings) -> dict[str, str]:
    """The identity's login body (legacy field names), or a ConfigError naming the key."""
    where = "vendor settings"
    password = settings.password.get_secret_value() if settings.password else ""
    token = settings.token.get_secret_value() if settings.token else ""
    if settings.login_type == "user":
        if not settings.email:
            raise ConfigError(where, "vendor.email", "required for login_type 'user'")
        if not password:
            raise ConfigError(where, "vendor.password", "required for login_type 'user'")
        return {"email": settings.email, "password": password}
    if settings.login_type == "account":
        if not settings.username:
            raise ConfigError(where, "vendor.username", "required for login_type 'account'")
        if not password:
            raise ConfigError(where, "vendor.password", "required for login_type 'account'")
        return {"username": settings.username, "password": password}
    if not token:
        raise ConfigError(where, "vendor.token", "required for login_type 'token'")
    return {"token": token}


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
    snippet = redact(text[:200].strip(), secrets)
    if status in (401, 403) or (status == 500 and "unexpected token" in text.lower()):
        raise VendorAuthError(f"{what} refused by {url}: HTTP {status} {snippet}".rstrip())
    if status >= 400:
        raise VendorConnectionError(f"{what} at {url}: HTTP {status} {snippet}".rstrip())
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise VendorConnectionError(f"{what} at {url}: reply is not JSON: {snippet}") from None


def _data(reply: Any, what: str, url: str) -> Mapping[str, Any]:
    if not isinstance(reply, Mapping):
        raise VendorConnectionError(f"{what} at {url}: reply is not a JSON object")
    data = _get(reply, "Data", "data")
    return data if isinstance(data, Mapping) else reply


def _refused(reply: Mapping[str, Any], what: str, url: str) -> VendorAuthError:
    msg = _get(reply, "ErrorMessage", "errorDesc", "Message", "Description", "error") or ""
    return VendorAuthError(f"{what} refused by {url}: {str(msg)[:200] or 'no token in reply'}")


def _expiry(d: Mapping[str, Any]) -> float | None:
    exp = _get(d, "TokenExpiry", "ExpiresAt", "expiry")
    if isinstance(exp, int | float) and exp > 0:
        return float(exp / 1000 if exp > 100_000_000_000 else exp)
    if isinstance(exp, str) and exp.isdigit():
        return float(exp)
    ttl = _get(d, "ExpiresIn", "expires_in")
    if isinstance(ttl, int | float) and ttl > 0:
        return time.time() + float(ttl)
    return None


def _secret(v: Any) -> SecretStr | None:
    return SecretStr(v) if isinstance(v, str) and v else None


def _legacy_session(reply: Any, url: str, what: str) -> Session:
    data = _data(reply, what, url)
    sock = _get(data, "Socket")
    if not isinstance(sock, Mapping):
        raise _refused(data if isinstance(data, Mapping) else {}, what, url)
    token = _secret(_get(sock, "Token"))
    if token is None:
        raise _refused(sock, what, url)
    servers: list[str] = []
    url_list = _get(sock, "URLList")
    if isinstance(url_list, list):
        servers = [u for u in url_list if isinstance(u, str) and u]
    main = _get(sock, "URL", "Url")
    if isinstance(main, str) and main and main not in servers:
        servers.insert(0, main)
    return Session(
        token=token,
        refresh_token=_secret(_get(sock, "RefreshToken")),
        expires_at=_expiry(sock),
        servers=tuple(servers),
        version=str(_get(sock, "Version") or ""),
        api="legacy",
    )


def _monitor_servers(data: Mapping[str, Any]) -> list[str]:
    items = _get(data, "MonitorList")
    if not isinstance(items, list):
        return []
    ranked: list[tuple[float, int, str]] = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            ranked.append((float(i), i, item))
            continue
        if not isinstance(item, Mapping):
            continue
        domain = _get(item, "Domain", "URL", "Url")
        if not isinstance(domain, str) or not domain:
            continue
        prio = _get(item, "Priority")
        ranked.append((float(prio) if isinstance(prio, int | float) else 1e9, i, domain))
    ranked.sort()
    return [d if "://" in d else f"https://{d}" for _, _, d in ranked]


async def _legacy_login(http: aiohttp.ClientSession, settings: VendorSettings) -> Session:
    url = f"{settings.login_url.rstrip('/')}/{_LEGACY_PATHS[settings.login_type]}"
    reply = await _request(http, "POST", url, settings, body=_credentials(settings), what="login")
    return _legacy_session(reply, url, "login")


def _identity_body(settings: VendorSettings) -> dict[str, str]:
    cred = _credentials(settings)
    if "token" in cred:
        return {"identityType": settings.login_type, "token": cred["token"]}
    username = cred.get("username") or cred.get("email", "")
    return {
        "identityType": settings.login_type,
        "username": username,
        "password": cred["password"],
    }


async def _identity_settings(
    http: aiohttp.ClientSession, settings: VendorSettings, data: Mapping[str, Any], url: str
) -> Session:
    access = _secret(_get(data, "AccessToken", "access_token", "Token"))
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
    servers = _monitor_servers(sdata)
    if not servers:
        raise VendorConnectionError(f"settings at {settings.settings_url}: empty MonitorList")
    socket_token = _secret(_get(sdata, "SocketToken", "Token")) or access
    return Session(
        token=socket_token,
        refresh_token=_secret(_get(data, "RefreshToken", "refresh_token")),
        expires_at=_expiry(data),
        servers=tuple(servers),
        version=str(_get(sdata, "Version") or ""),
        api="identity",
    )


async def _identity_login(http: aiohttp.ClientSession, settings: VendorSettings) -> Session:
    url = settings.login_url
    reply = await _request(http, "POST", url, settings, body=_identity_body(settings), what="login")
    return await _identity_settings(http, settings, _data(reply, "login", url), url)


async def login(http: aiohttp.ClientSession, settings: VendorSettings) -> Session:
    """Log in once with the configured API and identity; servers from settings override."""
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
        "?" if session.expires_in() is None else f"{session.expires_in():.0f} s",
    )
    return session


async def refresh(
    http: aiohttp.ClientSession, settings: VendorSettings, session: Session
) -> Session:
    """A new token via the refresh URL, or a fresh login when there is none to use."""
    if not settings.refresh_url or session.refresh_token is None:
        return await login(http, settings)
    bearer = session.refresh_token.get_secret_value()
    url = settings.refresh_url
    reply = await _request(http, "POST", url, settings, bearer=bearer, what="token refresh")
    if session.api == "identity":
        new = await _identity_settings(http, settings, _data(reply, "token refresh", url), url)
    else:
        new = _legacy_session(reply, url, "token refresh")
    if settings.servers or not new.servers:
        new = dataclasses.replace(new, servers=session.servers)
    log.info(
        "token refreshed; expires in %s",
        "?" if new.expires_in() is None else f"{new.expires_in():.0f} s",
    )
    return new
