"""The app as a user runs it: a subprocess serving `/api/state` and `/healthz` on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import REALTIME, subprocess_env

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def replay_server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = subprocess_env(
        WALLBOARD_WEB_PORT=str(port),
        WALLBOARD_WEB_HOST="127.0.0.1",
        WALLBOARD_DATA_DIR=str(tmp_path / "data"),
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wallboard.cli",
            "replay",
            str(REALTIME),
            "--speed",
            "50",
            "--serve",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "server.log", "w"),  # noqa: SIM115
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert proc.poll() is None, (tmp_path / "server.log").read_text()
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()  # wallboard shuts down cleanly on SIGTERM
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


async def test_state_and_health_over_http(replay_server: str) -> None:
    async with aiohttp.ClientSession() as http:
        deadline = time.monotonic() + 30
        state: dict = {}
        while time.monotonic() < deadline:
            async with http.get(f"{replay_server}/api/state") as r:
                assert r.status == 200
                state = await r.json()
            if state["events_applied"] >= len(list(REALTIME.glob("*.json"))):
                break
            await asyncio.sleep(0.2)
        assert {a["name"] for a in state["agents"]} == {"Clark Kent", "Lois Lane"}
        assert state["connection"]["state"] == "connected"
        async with http.get(f"{replay_server}/healthz") as r:
            body = await r.json()
            assert r.status == 200 and body["alive"] is True  # liveness: it answers
            assert body["connection"] == "connected"
            # The same count or more: the link's proofs of life keep folding between reads.
            assert body["events_applied"] >= state["events_applied"]
        async with http.get(f"{replay_server}/") as r:
            assert r.status == 200
            assert "wallboard" in (await r.text()).lower()
