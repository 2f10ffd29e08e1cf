"""A web node's REST client for a simulator account: nowhere until the bucket says where
the account's simulator is, then there; a vendor account's client is never moved."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from wallboard.cluster.roles import follow_simulator
from wallboard.config import Settings
from wallboard.errors import VendorApiError
from wallboard.runtime.hub import Hub
from wallboard.services import aftercall

# A reader needs the shared store; nothing here opens it.
PG = {"store": {"url": SecretStr("postgresql://wallboard@127.0.0.1:1/none")}}


def _web_node(source: str) -> tuple[Settings, aftercall.CdrService]:
    settings = Settings.model_validate(
        {
            **PG,
            "source": source,
            "simulator": {"api_code": "sim-code"},
            "api": {"code": "real-vendor-code", "login_logout_url": "https://vendor/ll"},
        }
    )
    service = aftercall.create(Hub(), settings, "acme", writer=False)
    assert service is not None
    return settings, service


async def test_a_simulator_accounts_web_node_follows_the_published_address():
    settings, service = _web_node("simulator")
    follow = follow_simulator(service, settings)
    assert follow is not None
    api = service.api
    # Not told yet: every action says why, and the vendor's real URLs are not used.
    with pytest.raises(VendorApiError, match="simulator's address is not known yet"):
        await api.set_status("1", "sip1", 5)
    with pytest.raises(VendorApiError, match="simulator's address is not known yet"):
        await api.click2call("201", "0501234567")
    assert "vendor" not in api.settings.login_logout_url
    follow("http://127.0.0.1:8301")
    s = api.settings
    assert s.login_logout_url == "http://127.0.0.1:8301/Agents/LoginLogout"
    assert s.click2call_url == "http://127.0.0.1:8301/ForwardDialer/click2call.aspx"
    assert s.code is not None and s.code.get_secret_value() == "sim-code"
    follow(None)  # the bucket no longer names one (a new bucket, a vendor account now)
    with pytest.raises(VendorApiError, match="simulator's address is not known yet"):
        await api.set_status("1", "sip1", 5)
    await service.stop()


def test_a_vendor_accounts_web_node_keeps_its_api_settings():
    settings, service = _web_node("vendor")
    before = service.api.settings
    assert follow_simulator(service, settings) is None
    assert service.api.settings == before
    assert follow_simulator(None, settings) is None
