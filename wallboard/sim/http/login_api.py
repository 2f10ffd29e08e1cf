"""The vendor's login APIs, as a server (docs/voicenter.md, login).

Legacy: `POST /monitorAPI/Login/User|Account|Token` with a JSON body → `Data.Socket`
(`Token`, `TokenExpiry`, `RefreshToken`, `URL`, `URLList`, `Version`); refresh with
`Authorization: Bearer <RefreshToken>` at `/monitorAPI/Login/Refresh`.
Identity (newer stack): `POST /identity/Login` with `{identityType, username, password}` or
`{identityType, token}` → `Data.AccessToken`; `GET /identity/Settings` with that Bearer →
`Data.MonitorList` (`Priority`, `Domain`, `Url`) and the socket token (`IdentityCode`).
A bad login is HTTP 401; a body that is not JSON is HTTP 500 "Unexpected token".
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from aiohttp import web

from wallboard.sim.http.common import SimulatorApp, sim_of
from wallboard.sim.http.session import TokenGrant

__all__ = ["LEGACY_PREFIX", "add_routes"]

LEGACY_PREFIX = "/monitorAPI/Login"


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _str(body: dict[str, Any], key: str) -> str:
    v = body.get(key)
    return v if isinstance(v, str) else ""


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


def authenticate(sim: SimulatorApp, kind: str, body: dict[str, Any]) -> TokenGrant | None:
    """Check one login (user / account / token); return the grant it earns, or None."""
    s = sim.settings
    kind = kind.lower()
    if kind == "account":
        if _same(_str(body, "username"), s.username) and _same(
            _str(body, "password"), s.password.get_secret_value()
        ):
            return sim.issue()
        return None
    if kind == "token":
        if _same(_str(body, "token"), s.token.get_secret_value()):
            return sim.issue()
        return None
    if kind == "user":
        email = (_str(body, "email") or _str(body, "username")).lower()
        secret = _str(body, "password") or _str(body, "pin")
        agent = next((a for a in sim.model.agents if a.email == email), None)
        if agent is None or not _same(secret, s.password.get_secret_value()):
            return None
        return sim.issue(frozenset({agent.extension}), frozenset(q.queue_id for q in agent.skills))
    return None


def _socket(sim: SimulatorApp, grant: TokenGrant) -> dict[str, Any]:
    url = sim.base_url
    return {
        "Token": grant.token,
        "TokenExpiry": int(grant.expires),
        "RefreshToken": grant.refresh_token,
        "URL": url,
        "Url": url,
        "URLList": [url],
        "Version": "v3",
    }


async def legacy_login(request: web.Request) -> web.Response:
    """`POST /monitorAPI/Login/User|Account|Token` → `Data.Socket`."""
    sim = sim_of(request)
    body = await _json(request)
    if isinstance(body, web.Response):
        return body
    grant = authenticate(sim, request.match_info["kind"], body)
    if grant is None:
        return _unauthorized()
    return web.json_response(
        {"Status": "OK", "ErrorCode": 0, "Data": {"Socket": _socket(sim, grant)}}
    )


def _bearer(request: web.Request) -> str:
    auth = request.headers.get("Authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else ""


async def legacy_refresh(request: web.Request) -> web.Response:
    """`POST /monitorAPI/Login/Refresh` with the refresh token as Bearer."""
    sim = sim_of(request)
    refresh = _bearer(request)
    old = next((g for g in sim.grants.values() if g.refresh_token == refresh), None)
    if not refresh or old is None:
        return _unauthorized()
    old.revoked = True
    grant = sim.issue(old.extensions, old.queues)
    return web.json_response(
        {"Status": "OK", "ErrorCode": 0, "Data": {"Socket": _socket(sim, grant)}}
    )


async def identity_login(request: web.Request) -> web.Response:
    """`POST /identity/Login` (newer stack) → an access token."""
    sim = sim_of(request)
    body = await _json(request)
    if isinstance(body, web.Response):
        return body
    grant = authenticate(sim, _str(body, "identityType") or "account", body)
    if grant is None:
        return _unauthorized()
    sim.access[grant.refresh_token] = grant
    return web.json_response(
        {
            "Status": "OK",
            "Data": {
                "AccessToken": grant.refresh_token,
                "RefreshToken": grant.refresh_token,
                "TokenExpiry": int(grant.expires),
            },
        }
    )


async def identity_settings(request: web.Request) -> web.Response:
    """`GET /identity/Settings` with the access token → `MonitorList`."""
    sim = sim_of(request)
    grant = sim.access.get(_bearer(request))
    if grant is None or not sim.token_valid(grant):
        return _unauthorized()
    return web.json_response(
        {
            "Status": "OK",
            "Data": {
                "IdentityCode": grant.token,
                "IdentityCodeExpiry": int(grant.expires),
                "Token": grant.token,
                "TokenExpiry": int(grant.expires),
                "RefreshToken": grant.refresh_token,
                "MonitorList": [{"Priority": 1, "Domain": sim.base_url, "Url": sim.base_url}],
            },
        }
    )


def add_routes(app: web.Application) -> None:
    """Mount the login routes."""
    app.router.add_post(f"{LEGACY_PREFIX}/Refresh", legacy_refresh)
    app.router.add_post(f"{LEGACY_PREFIX}/RefreshToken", legacy_refresh)
    app.router.add_post(
        LEGACY_PREFIX + "/{kind:User|Account|Token|user|account|token}", legacy_login
    )
    app.router.add_post("/identity/Login", identity_login)
    app.router.add_get("/identity/Settings", identity_settings)
