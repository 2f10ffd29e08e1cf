"""Both login stacks, all three identities, expiries and token renewal, against the node
server, which accepts only the request shapes of the vendor's SDKs (docs/voicenter.md,
"Login") and answers with ISO-8601 expiries."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from tests.integration.conftest import running
from tests.integration.vendor_env import (
    NodeServer,
    connected,
    fast_settings,
    free_port,
    wait_for,
)
from wallboard.core.events import ConnectionChanged, ConnectionState, ExtensionChanged
from wallboard.errors import ConfigError, VendorAuthError, VendorConnectionError
from wallboard.runtime.hub import Hub
from wallboard.voicenter.login import login, refresh

pytestmark = pytest.mark.integration

IDENTITIES = {
    "user": {"email": "lead@acme.test", "password": SecretStr("s3cret-pass")},
    "account": {"username": "acme", "password": SecretStr("s3cret-pass")},
    "token": {"token": SecretStr("vendor-issued-token")},
}


def _settings(server: NodeServer, api: str, identity: str, **kw: Any):  # type: ignore[no-untyped-def]
    base = {"username": "", "password": None, **IDENTITIES[identity]}
    if api == "identity":
        return fast_settings(
            f"{server.url}/identity/login",
            login_api="identity",
            login_type=identity,
            settings_url=f"{server.url}/identity/settings",
            refresh_url=f"{server.url}/identity/refresh",
            **base,
            **kw,
        )
    refresh_url = f"{server.url}/monitorAPI/Refresh"
    return fast_settings(
        server.legacy_login, login_type=identity, refresh_url=refresh_url, **base, **kw
    )


class _Board:
    """What the board showed: every state change after it first went live, every call
    event seen (as "NEWCALL:<id>", "HANGUP:<id>")."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.live = False
        self.left: list[str] = []  # states after the first CONNECTED
        self.calls: set[str] = set()
        hub.subscribe(self._on)

    def _on(self, event: object) -> None:
        if isinstance(event, ConnectionChanged):
            if event.state is ConnectionState.CONNECTED:
                self.live = True
            elif self.live and event.state is not ConnectionState.STOPPED:
                self.left.append(f"{event.state.value}: {event.detail}")
        elif isinstance(event, ExtensionChanged) and event.call_id:
            self.calls.add(f"{event.reason}:{event.call_id}")


@pytest.mark.parametrize("api", ["legacy", "identity"])
@pytest.mark.parametrize("identity", ["user", "account", "token"])
async def test_login_each_identity(make_server, api: str, identity: str) -> None:
    server = await make_server(2)
    other = f"http://127.0.0.1:{free_port()}"
    await server.configure(servers=[server.url, other])
    settings = _settings(server, api, identity)
    async with aiohttp.ClientSession() as http:
        session = await login(http, settings)
    # Legacy starts on `Url`; identity on the highest Priority (listed last by the server).
    assert session.servers == (server.url, other)
    # The ISO-8601 expiry was read (no "never expires", no safe default).
    assert session.expiry_known and session.expires_at is not None
    assert 3590 < session.expires_at - time.time() <= 3600
    assert session.refresh_token is not None and session.login_type == identity
    assert "sock-" not in repr(session)  # the token is a SecretStr
    stats = await server.stats()
    assert stats["badShapes"] == 0 and stats["logins"] == 1


@pytest.mark.parametrize("api", ["legacy", "identity"])
@pytest.mark.parametrize("identity", ["user", "account", "token"])
async def test_connector_runs_on_each_identity_and_stack(
    make_server, api: str, identity: str
) -> None:
    server = await make_server(2)
    hub = Hub()
    async with running(_settings(server, api, identity), hub):
        await wait_for(connected(hub))
    assert sorted(hub.state.agents) == [101, 102, 103]


async def test_a_password_sent_as_password_is_refused_for_a_user(make_server) -> None:
    """The strict server refuses what we used to send; the SDKs send `pin`."""
    server = await make_server(2)
    async with aiohttp.ClientSession() as http:
        body = {"email": "lead@acme.test", "password": "s3cret-pass"}
        async with http.post(f"{server.legacy_login}/User", json=body) as r:
            assert r.status == 401
        async with http.post(f"{server.url}/monitorAPI/Refresh") as r:
            assert r.status == 405  # refresh is a GET


@pytest.mark.parametrize("fmt", ["iso", "iso-nozone", "epoch", "epoch-ms"])
async def test_every_expiry_form_is_read(make_server, fmt: str) -> None:
    server = await make_server(2)
    await server.configure(tokenTtl=600, expiryFormat=fmt)
    async with aiohttp.ClientSession() as http:
        session = await login(http, _settings(server, "legacy", "account"))
    assert session.expiry_known and session.expires_at is not None
    assert 598 < session.expires_at - time.time() <= 600


async def test_an_unreadable_expiry_is_logged_once_and_renewed_by_a_fresh_login(
    make_server, caplog: pytest.LogCaptureFixture
) -> None:
    server = await make_server(2)
    await server.configure(expiryFormat="garbage")
    settings = _settings(server, "legacy", "user", expiry_fallback_seconds=2.5)
    hub = Hub()
    board = _Board(hub)
    caplog.set_level(logging.INFO)
    async with running(settings, hub) as conn:
        await wait_for(connected(hub))
        await wait_for(lambda: conn.connects >= 3, 15)  # two renewals
        await wait_for(connected(hub))
    stats = await server.stats()
    # Never refreshed (the expiry is unknown), never "never expires": fresh logins.
    assert stats["logins"] >= 3 and stats["refreshes"] == 0 and stats["rejected"] == 0
    warnings = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
    assert len(warnings) <= 1  # once per process (another test may have logged it first)
    assert any("token expires in 2 s" in r.getMessage() for r in caplog.records)
    assert board.left == []  # the board stayed connected through each renewal


async def test_wrong_credentials_for_each_identity_are_an_auth_error(make_server) -> None:
    server = await make_server(2)
    for identity, bad in (
        ("user", {"password": SecretStr("wrong-pass")}),
        ("account", {"password": SecretStr("wrong-pass")}),
        ("token", {"token": SecretStr("wrong-pass")}),
    ):
        settings = _settings(server, "legacy", identity).model_copy(update=bad)
        async with aiohttp.ClientSession() as http:
            with pytest.raises(VendorAuthError, match="401") as err:
                await login(http, settings)
        assert "wrong-pass" not in str(err.value)


@pytest.mark.parametrize("api", ["legacy", "identity"])
async def test_wrong_password_is_an_auth_error_naming_no_secret(make_server, api: str) -> None:
    server = await make_server(2)
    settings = _settings(server, api, "account").model_copy(
        update={"password": SecretStr("wrong-pass")}
    )
    async with aiohttp.ClientSession() as http:
        with pytest.raises(VendorAuthError, match="401") as err:
            await login(http, settings)
    assert "wrong-pass" not in str(err.value)


async def test_missing_credentials_name_the_key() -> None:
    settings = fast_settings("http://127.0.0.1:9/x", login_type="user", email="")
    async with aiohttp.ClientSession() as http:
        with pytest.raises(ConfigError, match=r"vendor\.email"):
            await login(http, settings)


async def test_login_server_down_is_a_connection_error() -> None:
    settings = fast_settings(f"http://127.0.0.1:{free_port()}/monitorAPI/Login")
    async with aiohttp.ClientSession() as http:
        with pytest.raises(VendorConnectionError, match="login"):
            await login(http, settings)


@pytest.mark.parametrize("api", ["legacy", "identity"])
async def test_refresh_is_a_get_with_the_refresh_token(make_server, api: str) -> None:
    server = await make_server(2)
    settings = _settings(server, api, "user")
    async with aiohttp.ClientSession() as http:
        first = await login(http, settings)
        second = await refresh(http, settings, first)
    assert second.token.get_secret_value() != first.token.get_secret_value()
    assert second.expiry_known and second.servers == first.servers
    assert (await server.stats())["refreshes"] == 1  # the server takes only a GET + Bearer


@pytest.mark.parametrize("version", [2, 4])
async def test_account_and_token_sessions_are_renewed_by_a_fresh_login(
    make_server, version: int
) -> None:
    """The SDKs refresh only user sessions: the others log in again before expiry (on
    socket.io@2 = EIO3, and @4 = EIO4 where python-socketio holds the socket)."""
    server = await make_server(version)
    await server.configure(tokenTtl=3)
    hub = Hub()
    board = _Board(hub)
    async with running(_settings(server, "identity", "token"), hub) as conn:
        await wait_for(lambda: conn.connects >= 2 and connected(hub)(), 15)
    stats = await server.stats()
    assert stats["refreshes"] == 0 and stats["logins"] >= 2 and stats["rejected"] == 0
    assert stats["expiredDrops"] == 0  # renewed before the server closed the socket
    times = stats["loginTimes"]
    assert all(b - a >= 990 for a, b in itertools.pairwise(times))
    assert board.left == []


async def _calls_during(server: NodeServer, seconds: float) -> list[str]:
    """Start and end a call on extension 101 every 0.2 s for `seconds`; their ids."""
    ids: list[str] = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        ivrid = f"c{len(ids)}"
        ids.append(ivrid)
        await server.control("call", {"ext": 101, "ivrid": ivrid})
        await asyncio.sleep(0.1)
        await server.control("hangup", {"ext": 101, "ivrid": ivrid})
        await asyncio.sleep(0.1)
    return ids


@pytest.mark.parametrize(("api", "ttl"), [("legacy", 25), ("identity", 20)])
async def test_a_user_token_is_refreshed_by_one_get_before_it_expires(
    make_server, api: str, ttl: int
) -> None:
    """The session lives `ttl` s; 5 s before that one GET with the Bearer refresh token
    renews it, the socket is re-opened with the new token before the old one closes, the
    board never leaves CONNECTED, and every call event is seen."""
    server = await make_server(2)
    await server.configure(tokenTtl=ttl)
    hub = Hub()
    board = _Board(hub)
    settings = _settings(server, api, "user")
    async with running(settings, hub) as conn:
        await wait_for(connected(hub))
        logged_in = time.time()
        ids = await _calls_during(server, ttl - 2)
        seen = {f"{why}:{i}" for i in ids for why in ("NEWCALL", "HANGUP")}
        await wait_for(lambda: seen <= board.calls, 5)  # no event lost
        assert connected(hub)() and conn.connects == 2
    stats = await server.stats()
    assert stats["logins"] == 1 and stats["refreshes"] == 1 and stats["rejected"] == 0
    assert stats["expiredDrops"] == 0  # the old socket was closed by us, not by expiry
    refreshed = stats["refreshTimes"][0] / 1000
    assert ttl - 6.5 < refreshed - logged_in < ttl - 4  # about 5 s before expiry
    assert board.left == []
