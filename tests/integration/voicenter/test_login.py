"""Both login APIs, all three identities, and refresh, against the node server's HTTP API."""

from __future__ import annotations

import time

import aiohttp
import pytest
from pydantic import SecretStr

from tests.integration.conftest import running
from tests.integration.vendor_env import connected, fast_settings, free_port, wait_for
from wallboard.errors import ConfigError, VendorAuthError, VendorConnectionError
from wallboard.runtime.hub import Hub
from wallboard.voicenter.login import login, refresh

pytestmark = pytest.mark.integration

IDENTITIES = {
    "user": {"email": "lead@acme.test", "password": SecretStr("s3cret-pass")},
    "account": {"username": "acme", "password": SecretStr("s3cret-pass")},
    "token": {"token": SecretStr("vendor-issued-token")},
}


def _settings(server, api: str, identity: str, **kw):  # type: ignore[no-untyped-def]
    base = {"username": "", "password": None, **IDENTITIES[identity]}
    if api == "identity":
        return fast_settings(
            f"{server.url}/identity/login",
            login_api="identity",
            login_type=identity,
            settings_url=f"{server.url}/identity/settings",
            **base,
            **kw,
        )
    return fast_settings(server.legacy_login, login_type=identity, **base, **kw)


@pytest.mark.parametrize("api", ["legacy", "identity"])
@pytest.mark.parametrize("identity", ["user", "account", "token"])
async def test_login_each_identity(make_server, api: str, identity: str) -> None:
    server = await make_server(2)
    other = f"http://127.0.0.1:{free_port()}"
    await server.configure(servers=[server.url, other])
    settings = _settings(server, api, identity)
    async with aiohttp.ClientSession() as http:
        session = await login(http, settings)
    # Legacy keeps URLList order; identity sorts MonitorList by Priority (sent reversed).
    assert session.servers == (server.url, other)
    assert session.expires_at is not None and session.expires_at > time.time() + 3000
    assert session.refresh_token is not None
    assert "sock-" not in repr(session)  # the token is a SecretStr


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


async def test_refresh_gives_a_new_token(make_server) -> None:
    server = await make_server(2)
    settings = _settings(
        server, "legacy", "account", refresh_url=f"{server.url}/monitorAPI/Refresh"
    )
    async with aiohttp.ClientSession() as http:
        first = await login(http, settings)
        second = await refresh(http, settings, first)
    assert second.token.get_secret_value() != first.token.get_secret_value()
    assert (await server.stats())["refreshes"] == 1


@pytest.mark.parametrize("api", ["legacy", "identity"])
async def test_connector_runs_on_either_api(make_server, api: str) -> None:
    server = await make_server(2)
    hub = Hub()
    async with running(_settings(server, api, "token"), hub):
        await wait_for(connected(hub))
    assert sorted(hub.state.agents) == [101, 102, 103]


async def test_identity_api_refreshes_before_expiry(make_server) -> None:
    server = await make_server(2)
    await server.configure(tokenTtl=3)
    settings = _settings(
        server, "identity", "account", refresh_url=f"{server.url}/identity/refresh"
    )
    hub = Hub()
    async with running(settings, hub) as conn:
        await wait_for(lambda: conn.connects >= 2 and connected(hub)(), 15)
    stats = await server.stats()
    assert stats["refreshes"] >= 1 and stats["logins"] == 1 and stats["rejected"] == 0
