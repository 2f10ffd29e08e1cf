"""The simulator and the real connector: the wallboard's fold agrees with the simulator.

The agreement test: a simulated hour at high speed, through the login API and
the EIO3 socket exactly as against the vendor; then the folded state and today's numbers
must equal the simulator's own truth. Also `wallboard demo` as a person starts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.integration.procs import Output
from tests.integration.sim_env import running_simulator
from wallboard.commands.demo import vendor_settings_for
from wallboard.config import SimulatorSettings
from wallboard.core.events import ConnectionChanged, ConnectionState
from wallboard.runtime.hub import Hub
from wallboard.runtime.tasks import TaskOwner
from wallboard.voicenter.connector import Connector
from wallboard.voicenter.ingest import FrameParser

pytestmark = pytest.mark.integration

START = 1_763_888_400.0  # 11:00 in Israel on a weekday


def _disagreements(hub: Hub, truth: dict[str, Any]) -> list[str]:
    out: list[str] = []
    state = hub.state
    if state.day is None:
        return ["no day yet"]
    for qid, q in truth["queues"].items():
        tally = state.day.queues.get(int(qid))
        waiting = list(state.queues[int(qid)].waiting) if int(qid) in state.queues else None
        if waiting != q["waiting"]:
            out.append(f"queue {qid} waiting {waiting} != {q['waiting']}")
        got = (tally.offered, tally.answered, tally.abandoned) if tally else None
        if got != (q["offered"], q["answered"], q["abandoned"]):
            out.append(f"queue {qid} counts {got} != {q['offered'], q['answered'], q['abandoned']}")
    for ext, a in truth["agents"].items():
        agent = state.agents.get(int(ext))
        if agent is None:
            out.append(f"agent {ext} missing")
            continue
        if agent.record.status_code != a["status"]:
            out.append(f"agent {ext} status {agent.record.status_code} != {a['status']}")
        calls = {cid: c.info.status.value for cid, c in agent.calls.items()}
        if calls != {cid: s.lower() for cid, s in a["calls"].items()}:
            out.append(f"agent {ext} calls {calls} != {a['calls']}")
        t = state.day.agents.get(int(ext))
        got = (t.answered, t.missed, t.outgoing) if t else (0, 0, 0)
        if got != (a["answered"], a["missed"], a["outgoing"]):
            out.append(f"agent {ext} tallies {got} != {a['answered'], a['missed'], a['outgoing']}")
    return out


async def test_a_simulated_hour_agrees_through_the_connector() -> None:
    s = SimulatorSettings.model_validate(
        {"agents": 80, "queues": 8, "seed": 21, "port": 0, "speed": 450.0}
    )
    hub = Hub()
    owner = TaskOwner("test")
    # frozen until the wallboard is in: it must see everything
    async with running_simulator(s, START, speed=0.0) as sim:
        url = sim.base_url
        try:
            vendor = vendor_settings_for(url, "demo", "demo")
            owner.start("connector", Connector(vendor, FrameParser(hub)).run())
            for _ in range(200):
                if hub.state.connection.state is ConnectionState.CONNECTED and hub.state.agents:
                    break
                await asyncio.sleep(0.05)
            assert len(hub.state.agents) == 80
            sim.clock.set_speed(450.0)
            await asyncio.sleep(8.0)  # 8 s × 450 = an hour
            sim.clock.set_speed(0.0)  # freeze first, then take the truth at that instant
            sim.catch_up()
            truth = sim.model.truth()
            assert truth["servertime"] - START >= 3600
            problems: list[str] = ["not checked"]
            for _ in range(100):  # let the connector drain what is in flight
                problems = _disagreements(hub, truth)
                if not problems:
                    break
                await asyncio.sleep(0.1)
            assert problems == []
            assert sum(q["answered"] for q in truth["queues"].values()) > 500
            assert not hub.malformed_events
        finally:
            await owner.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_wallboard_demo_command_shows_a_live_floor(tmp_path: Path) -> None:
    """`wallboard demo` prints the URL, and the board there fills from the simulator."""
    port = _free_port()
    env = dict(os.environ, WALLBOARD_WEB_PORT=str(port), WALLBOARD_WEB_HOST="127.0.0.1")
    # Its own data folder (never the repository or the working directory, where other tests'
    # servers would replay its CDRs), and half a day of warm-up: the week is the history test's.
    env.update(WALLBOARD_DATA_DIR=str(tmp_path / "data"), WALLBOARD_SIMULATOR_HISTORY_DAYS="0")
    env.pop("PYTEST_CURRENT_TEST", None)  # NiceGUI changes its port under pytest
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wallboard.cli",
            "demo",
            "--sim-port",
            "0",
            "--speed",
            "20",
            "--agents",
            "30",
            "--flat",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(proc)
    url = f"wallboard demo: open http://127.0.0.1:{port}/"
    try:
        state: dict[str, Any] = {}
        deadline = time.monotonic() + 60
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                await asyncio.sleep(0.5)
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"http://127.0.0.1:{port}/api/state") as r:
                        state = await r.json()
                    live = state.get("connection", {}).get("state") == "connected"
                    if live and state.get("agents") and output.has(url):
                        break
    finally:
        out = output.stop()
    assert url in out, out[-3000:]
    # The address ends the start: no warning or error above it, the link's lines before it.
    before = out[: out.index(url)]
    assert " WARNING " not in before and " ERROR " not in before, before[-3000:]
    assert "snapshots in after" in before, out[-3000:]
    # The start order: the store is open before anything reads it.
    assert "store is not open" not in out, out[-3000:]
    assert list(tmp_path.iterdir()) == [tmp_path / "data"]
    # Its simulated calls were in a store of its own, gone with it (the next demo starts
    # empty instead of counting this one's calls again).
    assert not list((tmp_path / "data").glob("demo-*")), out[-3000:]
    assert state.get("connection", {}).get("state") == "connected", out[-3000:]
    assert len(state["agents"]) == 30


async def test_after_a_dropped_connection_the_board_matches_again() -> None:
    """Drop the socket mid-shift: the connector reconnects and no ghost call survives."""
    s = SimulatorSettings.model_validate({"agents": 40, "queues": 4, "seed": 5, "port": 0})
    hub = Hub()
    owner = TaskOwner("test")
    async with running_simulator(s, START, speed=200.0) as sim:
        url = sim.base_url
        try:
            connector = Connector(vendor_settings_for(url, "demo", "demo"), FrameParser(hub))
            owner.start("connector", connector.run())
            await asyncio.sleep(2.0)
            assert len(sim.sessions) == 1
            sim.clock.set_speed(0.0)  # nothing moves while the wallboard is away...
            from wallboard.sim.http.control import inject

            inject(sim, "drop")
            sim.clock.set_speed(200.0)  # ...then the floor carries on without it
            for _ in range(300):
                await asyncio.sleep(0.05)
                if (
                    connector.connects >= 2
                    and hub.state.connection.state is ConnectionState.CONNECTED
                ):
                    break
            assert connector.connects >= 2
            await asyncio.sleep(1.0)
            sim.clock.set_speed(0.0)
            sim.catch_up()
            truth = sim.model.truth()
            problems: list[str] = ["not checked"]
            for _ in range(100):
                # Today's tallies missed what happened while away; the live state must not.
                problems = [
                    p
                    for p in _disagreements(hub, truth)
                    if "counts" not in p and "tallies" not in p
                ]
                if not problems:
                    break
                await asyncio.sleep(0.1)
            assert problems == []
        finally:
            await owner.close()


async def test_wallboard_simulate_command_serves(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "wallboard.cli", "simulate", "--sim-port", str(port),
         "--agents", "12", "--queues", "2", "--scenario", "surge", "--seed", "3"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        status: dict[str, Any] = {}
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                await asyncio.sleep(0.2)
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"http://127.0.0.1:{port}/sim/status") as r:
                        status = await r.json()
                    break
        assert status["agents"] == 12 and status["queues"] == 2
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    assert "12 agents, 2 queues" in out


@pytest.mark.parametrize(
    ("login_type", "login_api", "extra"),
    [
        ("token", "legacy", {"token": "demo-token"}),
        ("user", "legacy", {"email": "", "password": "demo"}),
        ("account", "identity", {"username": "demo", "password": "demo"}),
        ("token", "identity", {"token": "demo-token"}),
    ],
)
async def test_every_login_style_reaches_the_floor(
    login_type: str, login_api: str, extra: dict[str, str]
) -> None:
    s = SimulatorSettings.model_validate({"agents": 10, "queues": 2, "port": 0})
    hub = Hub()
    owner = TaskOwner("test")
    async with running_simulator(s, START) as sim:
        url = sim.base_url
        try:
            if login_type == "user":
                extra = {**extra, "email": sim.model.agents[2].email}
            base = vendor_settings_for(url, "demo", "demo").model_dump()
            base.update(login_type=login_type, login_api=login_api, **extra)
            if login_api == "identity":
                base.update(
                    login_url=f"{url}/identity/Login", settings_url=f"{url}/identity/Settings"
                )
            vendor = type(vendor_settings_for(url, "demo", "demo")).model_validate(base)
            owner.start("connector", Connector(vendor, FrameParser(hub)).run())
            for _ in range(200):
                if hub.state.connection.state is ConnectionState.CONNECTED and hub.state.agents:
                    break
                await asyncio.sleep(0.05)
            assert hub.state.connection.state is ConnectionState.CONNECTED
            expected = 1 if login_type == "user" else 10
            assert len(hub.state.agents) == expected
        finally:
            await owner.close()


class _Board:
    """The board's connection states after it first went live (STOPPED aside)."""

    def __init__(self, hub: Hub) -> None:
        self.live = False
        self.left: list[str] = []
        hub.subscribe(self._on)

    def _on(self, event: object) -> None:
        if isinstance(event, ConnectionChanged):
            if event.state is ConnectionState.CONNECTED:
                self.live = True
            elif self.live and event.state is not ConnectionState.STOPPED:
                self.left.append(f"{event.state.value}: {event.detail}")


async def _until(cond: Callable[[], bool], seconds: float) -> float:
    t0 = time.monotonic()
    while not cond():
        assert time.monotonic() - t0 < seconds, f"not within {seconds} s"
        await asyncio.sleep(0.02)
    return time.monotonic() - t0


def _on(hub: Hub, server: str) -> Callable[[], bool]:
    c = hub.state.connection
    return lambda: c.state is ConnectionState.CONNECTED and c.server == server


async def test_the_demo_fails_over_to_the_backup_and_back_to_the_main_server() -> None:
    """The simulator lists two monitor servers; the main one goes away and comes back."""
    keepalive = 0.5
    s = SimulatorSettings.model_validate({"agents": 10, "queues": 2, "port": 0, "speed": 5.0})
    hub = Hub()
    owner = TaskOwner("test")
    async with running_simulator(s, START) as sim:
        main, backup = sim.server_urls
        vendor = vendor_settings_for(sim.base_url, "demo", "demo").model_copy(
            update={"keepalive_seconds": keepalive, "backoff_min_seconds": 0.1}
        )
        try:
            owner.start("connector", Connector(vendor, FrameParser(hub)).run())
            await _until(_on(hub, main), 10)  # the main server first
            async with aiohttp.ClientSession() as http:
                async with http.post(f"{sim.base_url}/sim/server/0/down") as r:
                    assert (await r.json())["cut"] == 1
                await _until(_on(hub, backup), 10)
                board = _Board(hub)
                board.live = True
                async with http.post(f"{sim.base_url}/sim/server/0/up") as r:
                    assert r.status == 200
            took = await _until(_on(hub, main), 7 * keepalive + 1)
            assert took <= 7 * keepalive  # six keepalive periods on the backup, then back
            assert board.left == []  # the board stayed connected through the failback
            assert len(hub.state.agents) == 10
        finally:
            await owner.close()


async def test_a_demo_user_session_is_refreshed_before_its_token_expires() -> None:
    """A user login on the simulator: its 8 s token is refreshed by GET, board connected."""
    s = SimulatorSettings.model_validate(
        {"agents": 10, "queues": 2, "port": 0, "token_ttl_seconds": 8.0}
    )
    hub = Hub()
    owner = TaskOwner("test")
    async with running_simulator(s, START) as sim:
        email = sim.model.agents[2].email
        vendor = vendor_settings_for(sim.base_url, "demo", "demo").model_copy(
            update={"login_type": "user", "email": email, "username": ""}
        )
        grants = len(sim.grants)
        try:
            connector = Connector(vendor, FrameParser(hub))
            owner.start("connector", connector.run())
            await _until(_on(hub, sim.base_url), 10)
            board = _Board(hub)
            board.live = True
            await _until(lambda: connector.connects >= 2, 8)  # at 8 − 5 s
            await _until(_on(hub, sim.base_url), 5)
            assert board.left == [] and len(hub.state.agents) == 1
            assert len(sim.grants) == grants + 2  # the login and one refresh, no new login
            assert connector.session is not None and connector.session.expiry_known
        finally:
            await owner.close()
