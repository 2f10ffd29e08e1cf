"""Fixtures for the connector's integration tests: node socket.io servers, a connector."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.integration.vendor_env import NodeServer, ensure_node_modules
from wallboard.config import VendorSettings
from wallboard.core.events import ConnectionState
from wallboard.core.view import state_view
from wallboard.runtime.hub import Hub
from wallboard.runtime.tasks import TaskOwner
from wallboard.voicenter.connector import Connector
from wallboard.voicenter.ingest import FrameParser


@pytest.fixture(scope="session")
def node_modules() -> None:
    ensure_node_modules()


@pytest.fixture
async def make_server(node_modules: None) -> AsyncIterator[Callable[..., Any]]:
    started: list[NodeServer] = []

    async def make(version: int, **kw: Any) -> NodeServer:
        server = await NodeServer(version, **kw).start()
        await server.configure(servers=[server.url])
        started.append(server)
        return server

    yield make
    for s in started:
        await s.stop()


@contextlib.asynccontextmanager
async def running(settings: VendorSettings, hub: Hub | None = None) -> AsyncIterator[Connector]:
    """A connector running in a named task, cancelled on exit."""
    hub = hub or Hub()
    connector = Connector(settings, FrameParser(hub))
    owner = TaskOwner("test")
    owner.start("connector", connector.run())
    try:
        yield connector
    finally:
        await owner.close()
    assert hub.state.connection.state is ConnectionState.STOPPED


async def floor_matches(hub: Hub, server: NodeServer) -> bool:
    """The hub's agents' calls and queues' waiting calls equal the server's truth now."""
    floor = await server.control("floor")
    truth_calls = {e["number"]: sorted(c["ivrid"] for c in e["calls"]) for e in floor["extensions"]}
    truth_waiting = {
        q["QueueID"]: sorted(c["IvrUniqueID"] for c in q["Calls"]) for q in floor["queues"]
    }
    view = state_view(hub.state, None)
    ours_calls = {a["extension"]: sorted(c["call_id"] for c in a["calls"]) for a in view["agents"]}
    ours_waiting = {
        q["queue_id"]: sorted(w["call_id"] for w in q["waiting"]) for q in view["queues"]
    }
    return ours_calls == truth_calls and ours_waiting == truth_waiting


@pytest.fixture(scope="session")
def pg_server() -> Any:
    """One real PostgreSQL for the session (tests/pgserver.py); each test makes a database."""
    from tests.pgserver import PostgresServer

    server = PostgresServer().start()
    yield server
    server.remove()


@pytest.fixture
def pg_url(pg_server: Any) -> str:
    """The URL of a new, empty database on the session's PostgreSQL."""
    import asyncio
    import uuid

    import asyncpg

    name = f"t_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        conn = await asyncpg.connect(pg_server.url)
        try:
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()

    asyncio.run(create())  # a plain fixture: any test, async or not, may use it
    return str(pg_server.url.rsplit("/", 1)[0] + "/" + name)
