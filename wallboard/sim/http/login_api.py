"""The vendor's login APIs, as a server, just as strict as the SDKs make the vendor look.

It accepts only what the vendor's SDKs send and answers as the vendor does
(docs/voicenter.md, "Login"), so the demo and every test take the production path:

Legacy: `POST /monitorAPI/Login/User` `{"email", "pin"}`, `/Account` `{"username",
"password"}`, `/Token` `{"token"}` → `Data.Socket` (`Token`, ISO-8601 `TokenExpiry`,
`RefreshToken`, `RefreshTokenExpiry`, `Url`, `URLList` = both monitor servers, `Version`);
refresh: `GET /monitorAPI/Login/Refresh` with `Authorization: Bearer <RefreshToken>`.
Identity (newer stack): `POST /identity/Login` `{"identityType", "username", "password"}` or
`{"identityType", "token"}` → `Data.AccessToken` + `RefreshToken`; `GET /identity/Settings`
with the access token as Bearer → `IdentityCode` (the socket token), `IdentityCodeExpiry`
and `MonitorList` (the main server with the higher `Priority`); refresh:
`GET /identity/Refresh` with the refresh token as Bearer.
A body of another shape or wrong credentials is HTTP 401; a body that is not JSON is HTTP
500 "Unexpected token"; a refresh by any method but GET is HTTP 405.
"""

from __future__ import annotations

import hmac
import json
import secrets
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from wallboard.sim.http.common import SimulatorApp, sim_of
from wallboard.sim.http.session import TokenGrant

__all__ = ["LEGACY_PREFIX", "add_routes", "authenticate", "iso_date"]

LEGACY_PREFIX = "/monitorAPI/Login"

# The bodies the SDKs send, by login path (sorted keys); nothing else is let in.
_LEGACY_SHAPES = {
    "user": ("email", "pin"),
    "account": ("password", "username"),
    "token": ("token",),
}
# `identityType` as the events SDK spells it (its `LoginType` enum) → our identity.
_IDENTITY_TYPES = {"User": "user", "Account": "account", "Token": "token"}
_IDENTITY_SHAPES = (("identityType", "password", "username"), ("identityType", "token"))


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _str(body: dict[str, Any], key: str) -> str:
    v = body.get(key)
    return v if isinstance(v, str) else ""


def _shaped(body: dict[str, Any], keys: tuple[str, ...]) -> bool:
    return tuple(sorted(body)) == keys


def iso_date(epoch: float) -> str:
    """An expiry as the vendor writes it: an ISO-8601 date in UTC."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


async def _json(request: web.Request) -> dict[str, Any] | web.Response:
    try:
        body = json.loads(await request.text())
    except ValueError:
        return web.json_response({"Status": "Error", "Message": "Unexpected token"}, status=500)
    if not isinstance(body, dict):
        return web.json_response({"Status": "Error", "Message": "Unexpected token"}, status=500)
    return body


def _unauthorized() -> web.Response:
    return web.json_response({"Status": "Unauthorized", "ErrorCode": 401}, status=401)


def authenticate(sim: SimulatorApp, kind: str, login: str, secret: str) -> TokenGrant | None:
    """Check one login (user: e-mail + PIN, account: username + password, token: token)."""
    s = sim.settings
    if kind == "account":
        ok = _same(login, s.username) and _same(secret, s.password.get_secret_value())
        return sim.issue() if ok else None
    if kind == "token":
        return sim.issue() if _same(secret, s.token.get_secret_value()) else None
    if kind == "user":
        agent = next((a for a in sim.model.agents if a.email == login.lower()), None)
        if agent is None or not _same(secret, s.password.get_secret_value()):
            return None
        return sim.issue(frozenset({agent.extension}), frozenset(q.queue_id for q in agent.skills))
    return None


def _socket(sim: SimulatorApp, grant: TokenGrant) -> dict[str, Any]:
    urls = sim.server_urls
    return {
        "Token": grant.token,
        "TokenExpiry": iso_date(grant.expires),
        "RefreshToken": grant.refresh_token,
        "RefreshTokenExpiry": iso_date(grant.expires + 86400),
        "Url": urls[0],
        "URLList": list(urls),
        "Version": "v3",
        "PersonId": 1,
        "Client": "v=1.3.7",
    }


def _legacy_reply(sim: SimulatorApp, grant: TokenGrant) -> web.Response:
    return web.json_response(
        {"Status": "OK", "StatusCode": 0, "Data": {"Socket": _socket(sim, grant)}}
    )


async def legacy_login(request: web.Request) -> web.Response:
    """`POST /monitorAPI/Login/User|Account|Token` → `Data.Socket`."""
    sim = sim_of(request)
    body = await _json(request)
    if isinstance(body, web.Response):
        return body
    kind = request.match_info["kind"].lower()
    if not _shaped(body, _LEGACY_SHAPES[kind]):
        return _unauthorized()
    login = _str(body, "email") or _str(body, "username")
    secret = _str(body, "pin") or _str(body, "password") or _str(body, "token")
    grant = authenticate(sim, kind, login, secret)
    return _unauthorized() if grant is None else _legacy_reply(sim, grant)


def _bearer(request: web.Request) -> str:
    auth = request.headers.get("Authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else ""


def _renewed(request: web.Request) -> TokenGrant | None:
    """The grant a refresh token earns (the old one stays valid until it expires)."""
    sim = sim_of(request)
    refresh = _bearer(request)
    old = next((g for g in sim.grants.values() if g.refresh_token == refresh), None)
    if not refresh or old is None or old.revoked:
        return None
    old.refresh_token = ""  # a refresh token is used once
    return sim.issue(old.extensions, old.queues)


async def legacy_refresh(request: web.Request) -> web.Response:
    """`GET /monitorAPI/Login/Refresh` with the refresh token as Bearer."""
    grant = _renewed(request)
    return _unauthorized() if grant is None else _legacy_reply(sim_of(request), grant)


def _access_reply(sim: SimulatorApp, grant: TokenGrant) -> web.Response:
    access = secrets.token_urlsafe(24)
    sim.access[access] = grant
    return web.json_response(
        {
            "Status": "OK",
            "StatusCode": 0,
            "Data": {"AccessToken": access, "RefreshToken": grant.refresh_token},
        }
    )


async def identity_login(request: web.Request) -> web.Response:
    """`POST /identity/Login` (newer stack) → an access token and a refresh token."""
    sim = sim_of(request)
    body = await _json(request)
    if isinstance(body, web.Response):
        return body
    if not any(_shaped(body, keys) for keys in _IDENTITY_SHAPES):
        return _unauthorized()
    kind = _IDENTITY_TYPES.get(_str(body, "identityType"))
    if kind is None:  # as the vendor answers an identity type it does not know (the SDK's 400)
        return web.json_response({"ErrorMessage": "Bad body request: identityType"}, status=400)
    secret = _str(body, "password") or _str(body, "token")
    grant = authenticate(sim, kind, _str(body, "username"), secret)
    return _unauthorized() if grant is None else _access_reply(sim, grant)


async def identity_refresh(request: web.Request) -> web.Response:
    """`GET /identity/Refresh` with the refresh token as Bearer → a new access token."""
    grant = _renewed(request)
    return _unauthorized() if grant is None else _access_reply(sim_of(request), grant)


async def identity_settings(request: web.Request) -> web.Response:
    """`GET /identity/Settings` with the access token → `IdentityCode` and `MonitorList`."""
    sim = sim_of(request)
    grant = sim.access.get(_bearer(request))
    if grant is None or not sim.token_valid(grant):
        return _unauthorized()
    urls = sim.server_urls
    # The highest Priority is the main server, the lowest the fallback.
    monitors = [
        {"Priority": len(urls) - 1 - i, "Domain": url, "URLID": i + 1, "Version": "v3"}
        for i, url in enumerate(urls)
    ]
    return web.json_response(
        {
            "Status": "OK",
            "StatusCode": 0,
            "Data": {
                "IdentityCode": grant.token,
                "IdentityCodeExpiry": iso_date(grant.expires),
                "PersonID": 1,
                "PersonType": 1,
                "ExtensionMonitorID": 1,
                "MonitorList": monitors,
            },
        }
    )


async def _get_only(_: web.Request) -> web.Response:
    return web.json_response({"Status": "Error", "Message": "refresh is a GET"}, status=405)


def add_routes(app: web.Application) -> None:
    """Mount the login routes."""
    for path in (f"{LEGACY_PREFIX}/Refresh", f"{LEGACY_PREFIX}/RefreshToken"):
        app.router.add_get(path, legacy_refresh)
        app.router.add_post(path, _get_only)
    app.router.add_post(
        LEGACY_PREFIX + "/{kind:User|Account|Token|user|account|token}", legacy_login
    )
    app.router.add_post("/identity/Login", identity_login)
    app.router.add_get("/identity/Settings", identity_settings)
    app.router.add_get("/identity/Refresh", identity_refresh)
    app.router.add_post("/identity/Refresh", _get_only)
