"""Faults between the connector and a real socket.io@2 server, through a TCP proxy.

For each fault: the connector recovers by itself, the time it took is printed, and the
state afterwards equals the server's truth (a call that ended while we were away is gone).
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tests.integration.conftest import floor_matches, running
from tests.integration.vendor_env import (
    FaultProxy,
    NodeServer,
    connected,
    fast_settings,
    free_port,
    wait_for,
)
from wallboard.core.events import ConnectionChanged, ConnectionState, DomainEvent, ExtensionChanged
from wallboard.runtime.hub import Hub

pytestmark = pytest.mark.integration


@pytest.fixture
async def server(make_server) -> NodeServer:  # type: ignore[no-untyped-def]
    s: NodeServer = await make_server(2)
    return s


@pytest.fixture
async def proxy(server: NodeServer) -> AsyncIterator[FaultProxy]:
    p = await FaultProxy(server.port).start()
    yield p
    await p.stop()


async def _matches(hub: Hub, server: NodeServer, timeout: float = 10.0) -> None:
    t0 = time.monotonic()
    while not (connected(hub)() and await floor_matches(hub, server)):
        assert time.monotonic() - t0 < timeout, "state never matched the server"
        await asyncio.sleep(0.05)


def _report(what: str, seconds: float) -> None:
    print(f"\n[recovery] {what}: {seconds:.2f} s")


async def _ghost(server: NodeServer, hub: Hub, ext: int = 101) -> None:
    await server.control("call", {"ext": ext, "ivrid": f"ghost-{ext}"})
    await wait_for(lambda: f"ghost-{ext}" in hub.state.agents[ext].calls)


async def test_connection_cut_mid_event(server: NodeServer, proxy: FaultProxy) -> None:
    await server.configure(servers=[proxy.url])
    hub = Hub()
    async with running(fast_settings(server.legacy_login), hub) as conn:
        await wait_for(connected(hub))
        await _ghost(server, hub)
        proxy.refuse = True  # keep us away while the call ends
        proxy.cut_after(300)
        big = {"servertime": 1, "extensions": [{"number": 900 + i} for i in range(400)]}
        await server.control("emit", {"name": "AllExtensionsStatus", "payload": big})
        await wait_for(lambda: not connected(hub)())
        await server.control("hangup", {"ext": 101, "ivrid": "ghost-101", "silent": True})
        t0 = time.monotonic()
        proxy.heal()
        await _matches(hub, server)
        _report("cut mid-event (from link back)", time.monotonic() - t0)
        assert "ghost-101" not in hub.state.agents[101].calls
        assert 900 not in hub.state.agents  # the half-received snapshot never applied
        assert conn.connects >= 2


@pytest.mark.parametrize("fault", ["silent", "half_open"])
async def test_dead_server_fails_over(server: NodeServer, proxy: FaultProxy, fault: str) -> None:
    await server.configure(servers=[proxy.url, server.url])
    hub = Hub()
    async with running(fast_settings(server.legacy_login), hub):
        await wait_for(connected(hub))
        assert hub.state.connection.server == proxy.url
        await _ghost(server, hub)
        setattr(proxy, fault, True)
        t0 = time.monotonic()
        await server.control("hangup", {"ext": 101, "ivrid": "ghost-101"})  # lost in the proxy
        await wait_for(lambda: hub.state.connection.server == server.url and connected(hub)())
        _report(f"{fault} server → failover", time.monotonic() - t0)
        await _matches(hub, server)


async def test_slow_server_still_works(server: NodeServer, proxy: FaultProxy) -> None:
    await server.configure(servers=[proxy.url])
    proxy.delay = 0.3
    hub = Hub()
    async with running(fast_settings(server.legacy_login, pong_timeout_seconds=3.0), hub) as conn:
        await wait_for(connected(hub), 20)
        await _ghost(server, hub)
        await server.control("hangup", {"ext": 101, "ivrid": "ghost-101"})
        await _matches(hub, server)
        assert conn.connects == 1


@pytest.mark.parametrize("fault", ["401", "500", "hang"])
async def test_login_faults_recover(server: NodeServer, fault: str) -> None:
    await server.configure(loginFault=fault)
    hub = Hub()
    settings = fast_settings(server.legacy_login, login_timeout_seconds=0.5)
    async with running(settings, hub):
        want = ConnectionState.AUTH_FAILED if fault == "401" else ConnectionState.CONNECTING
        await wait_for(
            lambda: (
                hub.state.connection.state is want
                and "logging in" not in hub.state.connection.detail
            )
        )
        detail = hub.state.connection.detail
        assert {"401": "401", "500": "500", "hang": "did not answer"}[fault] in detail
        await asyncio.sleep(0.5)
        assert (await server.stats())["logins"] == 0
        await server.configure(loginFault=None)
        t0 = time.monotonic()
        await _matches(hub, server)
        _report(f"login {fault} (from fixed)", time.monotonic() - t0)


async def test_first_server_down_fails_over_to_second(server: NodeServer) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    await server.configure(servers=[dead, server.url])
    hub = Hub()
    t0 = time.monotonic()
    async with running(fast_settings(server.legacy_login), hub):
        await wait_for(connected(hub))
        _report("first server down → second (from start)", time.monotonic() - t0)
        assert hub.state.connection.server == server.url


USER = {"login_type": "user", "email": "lead@acme.test", "username": ""}


async def test_failover_then_failback_to_the_main_server(
    server: NodeServer, proxy: FaultProxy
) -> None:
    """After a failover, back to the main server after six keepalive periods on the
    backup (as the .NET SDK), the new socket open before the old one closes: the board
    never leaves CONNECTED and its state is the server's truth throughout."""
    keepalive = 0.5
    await server.configure(servers=[proxy.url, server.url])
    hub = Hub()
    async with running(fast_settings(server.legacy_login, keepalive_seconds=keepalive), hub):
        await wait_for(connected(hub))
        assert hub.state.connection.server == proxy.url
        proxy.refuse = True
        proxy.cut()
        await wait_for(lambda: hub.state.connection.server == server.url and connected(hub)())
        on_backup = time.monotonic()
        _report("main server cut → backup", 0.0)
        proxy.heal()
        watch = _Watch(hub)
        await _ghost(server, hub)
        await wait_for(lambda: hub.state.connection.server == proxy.url, 7 * keepalive + 2)
        took = time.monotonic() - on_backup
        _report("backup → main server (failback)", took)
        assert 6 * keepalive - 0.3 <= took <= 7 * keepalive
        assert connected(hub)() and watch.left == []
        assert "ghost-101" in hub.state.agents[101].calls
        await server.control("hangup", {"ext": 101, "ivrid": "ghost-101"})
        await _matches(hub, server)
        assert hub.state.connection.server == proxy.url  # and it stays there


@pytest.mark.parametrize(
    ("identity", "with_refresh_url"), [("user", True), ("user", False), ("account", True)]
)
async def test_token_expiry_refreshes_and_reconnects(
    server: NodeServer, identity: str, with_refresh_url: bool
) -> None:
    await server.configure(tokenTtl=3)
    refresh_url = f"{server.url}/monitorAPI/Refresh" if with_refresh_url else ""
    who = USER if identity == "user" else {}
    settings = fast_settings(server.legacy_login, refresh_url=refresh_url, **who)
    hub = Hub()
    async with running(settings, hub) as conn:
        await wait_for(lambda: conn.connects >= 3 and connected(hub)(), 20)
        stats = await server.stats()
        if with_refresh_url and identity == "user":
            assert stats["refreshes"] >= 2 and stats["logins"] == 1
        else:  # only user sessions are refreshed (as the SDKs); others log in again
            assert stats["logins"] >= 3 and stats["refreshes"] == 0
        assert stats["rejected"] == 0  # never connected with an expired token
        await _ghost(server, hub)
        await _matches(hub, server)


@pytest.mark.parametrize("how", ["closeme", "keepalive_error"])
async def test_session_end_logs_in_again(server: NodeServer, how: str) -> None:
    hub = Hub()
    settings = fast_settings(server.legacy_login, keepalive_seconds=0.5)
    async with running(settings, hub) as conn:
        await wait_for(connected(hub))
        if how == "closeme":
            await server.control("emit", {"name": "closeme", "payload": {}})
        else:
            await server.configure(keepaliveError=1)
        await wait_for(lambda: conn.connects >= 2)
        await server.configure(keepaliveError=0)
        await _matches(hub, server)
        times = (await server.stats())["loginTimes"]
        assert len(times) >= 2
        # The session ended at once, but the SDKs never log in twice within a second.
        assert all(b - a >= 990 for a, b in itertools.pairwise(times))


async def test_missing_snapshots_are_asked_for(server: NodeServer) -> None:
    await server.configure(snapshots=False)
    hub = Hub()
    async with running(fast_settings(server.legacy_login, snapshot_timeout_seconds=0.3), hub):
        await wait_for(connected(hub))
        assert (await server.stats())["resyncs"] == 1
        await _matches(hub, server)


@pytest.mark.parametrize("version", [2, 4])
async def test_socket_refusing_fresh_tokens_is_auth_failed_not_a_loop(make_server, version: int):
    server: NodeServer = await make_server(version)
    await server.configure(refuseAll=True, reject="disconnect" if version == 2 else "error")
    hub = Hub()
    async with running(fast_settings(server.legacy_login, auth_retry_seconds=30), hub):
        await wait_for(lambda: hub.state.connection.state is ConnectionState.AUTH_FAILED)
        assert "refused" in hub.state.connection.detail
        await asyncio.sleep(1.0)
        stats = await server.stats()
        assert stats["logins"] == 2 and stats["rejected"] == 2  # then waits auth_retry_seconds


async def test_reconnecting_since_is_when_the_link_was_lost(server: NodeServer) -> None:
    hub = Hub()
    async with running(fast_settings(server.legacy_login), hub):
        await wait_for(connected(hub))
        await server.stop()
        conn = hub.state.connection
        await wait_for(lambda: conn.state is ConnectionState.RECONNECTING)
        since = conn.since
        details = set()
        for _ in range(30):  # several failed attempts, to the server and to the login
            details.add(conn.detail)
            assert conn.state is ConnectionState.RECONNECTING and conn.since == since
            await asyncio.sleep(0.05)
        assert len(details) >= 2 and all(PASSWORD_HINT not in d for d in details)
        await server.restart()
        await server.configure(servers=[server.url])
        await _matches(hub, server, timeout=15)
        assert conn.since is not None and since is not None and conn.since > since


PASSWORD_HINT = "s3cret"


class _BuggyHub(Hub):
    """A hub whose fold fails once on a call event (a bug), to test the supervisor."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    def feed(self, event: DomainEvent) -> None:
        if not self.failed and isinstance(event, ExtensionChanged) and "bug-call" in str(event):
            self.failed = True
            raise RuntimeError("a bug in the fold")
        super().feed(event)


async def test_an_internal_error_reconnects_instead_of_dying(server: NodeServer) -> None:
    hub = _BuggyHub()
    async with running(fast_settings(server.legacy_login), hub) as conn:
        await wait_for(connected(hub))
        await server.control("call", {"ext": 102, "ivrid": "bug-call"})
        await wait_for(lambda: hub.failed and conn.connects >= 2)
        await _matches(hub, server)  # the snapshot after the reconnect has the call
        assert "bug-call" in hub.state.agents[102].calls


# ---------------------------------------------------------------- Engine.IO 4 (socket.io@4)
#
# In EIO4 the server pings and the client answers; python-engineio drops the link when
# nothing at all arrives for pingInterval + pingTimeout. The test server pings every 0.3 s
# and allows 0.6 s, so a dead server must be noticed within ~0.9 s — well before the
# connector's own rule (no event for two keepalive periods, 2 × 30 s here), which would
# otherwise be what catches it.

EIO4_PING_MS = (300, 600)


class _Watch:
    """When the board left CONNECTED, and whether the ghost call was gone at CONNECTED."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.left: list[float] = []
        self.ghost_at_connected: list[bool] = []
        hub.subscribe(self._on)

    def _on(self, event: object) -> None:
        if not isinstance(event, ConnectionChanged):
            return
        if event.state is ConnectionState.CONNECTED:
            agent = self.hub.state.agents.get(101)
            self.ghost_at_connected.append(agent is not None and "ghost-101" in agent.calls)
        else:
            self.left.append(time.monotonic())


@pytest.fixture
async def server4(make_server) -> NodeServer:  # type: ignore[no-untyped-def]
    s: NodeServer = await make_server(4, ping_ms=EIO4_PING_MS)
    return s


@pytest.fixture
async def proxy4(server4: NodeServer) -> AsyncIterator[FaultProxy]:
    p = await FaultProxy(server4.port).start()
    yield p
    await p.stop()


@pytest.mark.parametrize("fault", ["silent", "half_open", "cut"])
async def test_dead_eio4_server_fails_over(
    server4: NodeServer, proxy4: FaultProxy, fault: str, caplog: pytest.LogCaptureFixture
) -> None:
    server, proxy = server4, proxy4
    await server.configure(servers=[proxy.url, server.url])
    hub = Hub()
    watch = _Watch(hub)
    async with running(fast_settings(server.legacy_login, keepalive_seconds=30.0), hub):
        await wait_for(connected(hub))
        assert hub.state.connection.server == proxy.url
        assert hub.state.connection.detail == "eio4"
        await _ghost(server, hub)
        watch.left.clear()
        watch.ghost_at_connected.clear()
        t0 = time.monotonic()
        if fault == "cut":
            proxy.refuse = True
            proxy.cut()
        else:
            setattr(proxy, fault, True)
        await server.control("hangup", {"ext": 101, "ivrid": "ghost-101"})  # lost in the proxy
        await wait_for(lambda: hub.state.connection.server == server.url and connected(hub)(), 10)
        took = time.monotonic() - t0
        detected = watch.left[0] - t0
        _report(f"EIO4 {fault} server → detected", detected)
        _report(f"EIO4 {fault} server → failover", took)
        # pingInterval + pingTimeout (0.9 s) plus slack; a cut is seen at once.
        assert detected < (0.5 if fault == "cut" else 2.5)
        assert hub.state.connection.detail == "eio4"
        assert watch.ghost_at_connected == [False]  # fresh snapshots before CONNECTED
        await _matches(hub, server)
        # The dead link was closed by us, not left open for the garbage collector to find.
        await wait_for(lambda: proxy.clients_open == 0, 2)
    gc.collect()
    assert not [r for r in caplog.records if "Unclosed" in r.getMessage()]


@pytest.mark.parametrize("fault", ["silent", "half_open"])
async def test_eio4_dead_server_with_slow_pings_is_caught_by_our_probe(
    make_server: Callable[..., Awaitable[NodeServer]], fault: str
) -> None:
    """A server whose own ping timers are long (the vendor's 60 s / 180 s): our keepalive
    probe finds it dead on the EIO3 schedule (ping interval + pong timeout: 1.5 s here)."""
    server: NodeServer = await make_server(4, ping_ms=(60000, 180000))
    proxy = await FaultProxy(server.port).start()
    try:
        await server.configure(servers=[proxy.url, server.url])
        hub = Hub()
        watch = _Watch(hub)
        async with running(fast_settings(server.legacy_login, keepalive_seconds=30.0), hub):
            await wait_for(connected(hub))
            assert hub.state.connection.server == proxy.url
            watch.left.clear()
            t0 = time.monotonic()
            setattr(proxy, fault, True)
            await wait_for(lambda: hub.state.connection.server == server.url and connected(hub)())
            took = time.monotonic() - t0
            detected = watch.left[0] - t0
            _report(f"EIO4 {fault} server, slow pings → detected (keepalive probe)", detected)
            _report(f"EIO4 {fault} server, slow pings → failover", took)
            assert detected < 2.5  # 0.5 s silence + 1 s unanswered, plus the watchdog tick
            await _matches(hub, server)
    finally:
        await proxy.stop()


async def test_quiet_eio4_server_that_answers_the_probe_stays_connected(
    make_server: Callable[..., Awaitable[NodeServer]],
) -> None:
    """A quiet night: no events for many probe periods, but the server answers each one."""
    server: NodeServer = await make_server(4, ping_ms=(60000, 180000))
    await server.configure(servers=[server.url])
    hub = Hub()
    watch = _Watch(hub)
    async with running(fast_settings(server.legacy_login, keepalive_seconds=30.0), hub):
        await wait_for(connected(hub))
        watch.left.clear()
        before = (await server.stats())["keepalives"]
        await asyncio.sleep(4.0)  # eight probe periods of 0.5 s
        assert watch.left == [] and connected(hub)()
        assert (await server.stats())["keepalives"] - before >= 3  # probes went out
