"""Conformance of the connector against real socket.io servers: @2 (EIO3, the vendor) and @4."""

from __future__ import annotations

import asyncio
import contextlib
import json

import aiohttp
import pytest
from pydantic import SecretStr

from tests.conftest import realtime
from tests.integration.conftest import floor_matches, running
from tests.integration.vendor_env import connected, fast_settings, wait_for
from wallboard.core.events import ConnectionState, ExtensionChanged
from wallboard.errors import VendorAuthError
from wallboard.runtime.hub import Hub
from wallboard.voicenter.connector import Connector, _Link
from wallboard.voicenter.eio3 import Eio3Socket, PacketKind
from wallboard.voicenter.ingest import FrameParser

pytestmark = pytest.mark.integration

VERSIONS = [pytest.param(2, id="socket.io@2-EIO3"), pytest.param(4, id="socket.io@4-EIO4")]


@pytest.mark.parametrize("version", VERSIONS)
async def test_connects_with_snapshots_and_the_right_protocol(make_server, version: int) -> None:
    server = await make_server(version)
    hub = Hub()
    async with running(fast_settings(server.legacy_login), hub) as conn:
        await wait_for(connected(hub))
        assert hub.state.connection.server == server.url
        assert hub.state.connection.detail == ("eio3" if version == 2 else "eio4")
        assert sorted(hub.state.agents) == [101, 102, 103]
        assert sorted(hub.state.queues) == [501, 502]
        assert conn.connects == 1


@pytest.mark.parametrize("version", VERSIONS)
async def test_both_extension_event_shapes_arrive_once(make_server, version: int) -> None:
    server = await make_server(version)
    hub = Hub()
    seen: list[ExtensionChanged] = []
    hub.subscribe(lambda e: seen.append(e) if isinstance(e, ExtensionChanged) else None)
    async with running(fast_settings(server.legacy_login), hub):
        await wait_for(connected(hub))
        for fixture in ("06", "14"):  # the common shape and userStatusUpdate's shape
            name, payload = json.loads(realtime(fixture))
            await server.control("emit", {"name": name, "payload": payload})
        await wait_for(lambda: len(seen) >= 2)
        await server.control("call", {"ext": 102, "ivrid": "call-a"})
        await wait_for(lambda: len(seen) >= 3)
        assert [e.reason for e in seen] == ["NEWCALL", "userStatusUpdate", "NEWCALL"]
        assert list(hub.state.agents[102].calls) == ["call-a"]
    # never doubled (the extra `40` trap of docs/voicenter.md, "The socket")
    assert len(seen) == 3


@pytest.mark.parametrize("version", VERSIONS)
async def test_keepalive_and_resync_are_emitted(make_server, version: int) -> None:
    server = await make_server(version)
    hub = Hub()
    settings = fast_settings(server.legacy_login, keepalive_seconds=0.6)
    async with running(settings, hub):
        await wait_for(connected(hub))
        await server.control("emit", {"name": "QueuesUpdated", "payload": {}})
        stats: dict[str, int] = {}
        for _ in range(200):  # bounded: about 10 s
            stats = await server.stats()
            if stats["keepalives"] >= 1 and stats["resyncs"] >= 1:
                break
            await asyncio.sleep(0.05)
        assert stats["keepalives"] >= 1, stats  # after keepalive_seconds without an event
        assert stats["keepalivesWithOwnToken"] == stats["keepalives"]  # payload: the token
        assert stats["resyncs"] >= 1, stats  # QueuesUpdated → resync
        assert stats["resyncsNoCache"] == stats["resyncs"]  # {"cache": false}
        assert hub.state.connection.state is ConnectionState.CONNECTED


async def test_stop_ends_run_promptly(make_server) -> None:
    server = await make_server(2)
    hub = Hub()
    conn = Connector(fast_settings(server.legacy_login), FrameParser(hub))
    task = asyncio.get_running_loop().create_task(conn.run(), name="test.connector")
    await wait_for(connected(hub))
    conn.stop()
    await asyncio.wait_for(task, 5)
    assert hub.state.connection.state is ConnectionState.STOPPED


@pytest.mark.parametrize("version", VERSIONS)
async def test_survives_a_server_restart(make_server, version: int) -> None:
    server = await make_server(version)
    hub = Hub()
    async with running(fast_settings(server.legacy_login), hub) as conn:
        await wait_for(connected(hub))
        await server.control("call", {"ext": 101, "ivrid": "ghost"})
        await wait_for(lambda: bool(hub.state.agents[101].calls))
        await server.restart(down_for=0.3)  # the restarted server forgets the call and tokens
        await server.configure(servers=[server.url])
        await wait_for(lambda: conn.connects >= 2 and connected(hub)(), 20)
        assert await floor_matches(hub, server)
        assert not hub.state.agents[101].calls  # no ghost call after the reconnect


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("reject", ["disconnect", "error"])
async def test_a_refused_token_is_an_auth_error(make_server, version: int, reject: str) -> None:
    server = await make_server(version)
    await server.configure(reject=reject)
    hub = Hub()
    conn = Connector(fast_settings(server.legacy_login), FrameParser(hub))
    async with aiohttp.ClientSession() as http:
        with pytest.raises(VendorAuthError, match=r"refused|closed") as err:
            sock = await conn.open_socket(http, server.url, "not-a-token")
            try:
                await conn._serve(_Link(server=server.url, socket=sock, token="not-a-token"))
            finally:
                await sock.close()
    assert "not-a-token" not in str(err.value)


@pytest.mark.parametrize("version", VERSIONS)
async def test_bad_credentials_mean_auth_failed_without_fast_retry(
    make_server, version: int
) -> None:
    server = await make_server(version)
    hub = Hub()
    settings = fast_settings(
        server.legacy_login, password=SecretStr("wrong"), auth_retry_seconds=30
    )
    async with running(settings, hub) as conn:
        await wait_for(lambda: hub.state.connection.state is ConnectionState.AUTH_FAILED)
        assert "401" in hub.state.connection.detail
        assert "wrong" not in hub.state.connection.detail
        assert "s3cret" not in conn.last_error
        await asyncio.sleep(1.0)
        assert (await server.stats())["logins"] == 0
        assert hub.state.connection.state is ConnectionState.AUTH_FAILED


async def test_eio3_client_against_socketio2_directly(make_server) -> None:
    """Our client alone: open packet, pings answered, an event, and no `40` sent by us."""
    server = await make_server(2, ping_ms=(300, 1000))
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{server.legacy_login}/Token", json={"token": "vendor-issued-token"}
        ) as resp:
            token = (await resp.json())["Data"]["Socket"]["Token"]
        sock = await Eio3Socket.open(
            http, server.url, token, connect_timeout=5, ping_interval_max=0.2, pong_timeout_max=2
        )
        try:
            assert sock.handshake.ping_interval == pytest.approx(0.3)
            names = []
            while len(names) < 3:
                pkt = await sock.recv()
                if pkt.kind is PacketKind.EVENT:
                    assert pkt.frame is not None
                    names.append(json.loads(pkt.frame)[0])
            assert names == ["loginSuccess", "loginStatus", "AllExtensionsStatus"]
            t_end = asyncio.get_running_loop().time() + 1.5
            while asyncio.get_running_loop().time() < t_end:  # outlive the server's pingInterval
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(sock.recv(), 0.3)
            assert sock.pings_sent >= 3
            assert (await server.stats())["connected"] == 1
        finally:
            await sock.close()


async def test_socketio4_allowing_eio3_is_spoken_to_in_eio3(make_server) -> None:
    server = await make_server("4e3")
    hub = Hub()
    seen: list[ExtensionChanged] = []
    hub.subscribe(lambda e: seen.append(e) if isinstance(e, ExtensionChanged) else None)
    async with running(fast_settings(server.legacy_login), hub):
        await wait_for(connected(hub))
        assert hub.state.connection.detail == "eio3"
        await server.control("call", {"ext": 101, "ivrid": "c1"})
        await wait_for(lambda: len(seen) >= 1)
        await asyncio.sleep(0.3)
    assert len(seen) == 1
