"""`wallboard run` and `wallboard check-config` as a user runs them, and the recording."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.integration.conftest import running
from tests.integration.vendor_env import NodeServer, connected, fast_settings, free_port, wait_for
from wallboard.commands.replay import replay_all
from wallboard.runtime.hub import Hub

pytestmark = pytest.mark.integration

PASSWORD = "s3cret-pass"


def _config(tmp_path: Path, server: NodeServer, **extra: str) -> Path:
    lines = [
        'source = "vendor"',
        "[vendor]",
        f'login_url = "{server.legacy_login}"',
        'username = "acme"',
        *(f"{k} = {v}" for k, v in extra.items()),
    ]
    path = tmp_path / "wallboard.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


async def _cli(*args: str, password: str = PASSWORD) -> tuple[int, str, str]:
    env = {**os.environ, "WALLBOARD_VENDOR_PASSWORD": password}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "wallboard.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_check_config_reports_what_it_sees(make_server, tmp_path: Path) -> None:
    server: NodeServer = await make_server(2)
    await server.configure(servers=[f"http://127.0.0.1:{free_port()}", server.url])
    cfg = _config(tmp_path, server)
    code, out, err = await _cli("check-config", "--config", str(cfg))
    assert code == 0, err
    assert "queues:     2: 501 Sales, 502 Support" in out
    assert "extensions: 3:" in out
    assert f"connected:  {server.url} (eio3)" in out
    assert "skipped:" in out  # the first server was down, and it says so
    assert PASSWORD not in out + err and "sock-" not in out + err


async def test_check_config_says_exactly_what_is_wrong(make_server, tmp_path: Path) -> None:
    server: NodeServer = await make_server(2)
    cfg = _config(tmp_path, server)
    code, out, err = await _cli("check-config", "--config", str(cfg), password="not-it")
    assert code == 2
    assert "credentials refused" in err and "HTTP 401" in err
    assert "not-it" not in out + err
    bad = _config(tmp_path, server, keepalive_seconds='"soon"')
    code, _, err = await _cli("check-config", "--config", str(bad))
    assert code == 2 and "vendor.keepalive_seconds" in err and str(bad) in err


async def test_run_serves_the_live_state(make_server, tmp_path: Path) -> None:
    server: NodeServer = await make_server(2)
    cfg = _config(tmp_path, server)
    port = free_port()
    # NiceGUI switches to its test mode when it sees pytest's variables: hide them.
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "WALLBOARD_VENDOR_PASSWORD": PASSWORD,
        "WALLBOARD_WEB_PORT": str(port),
        "WALLBOARD_WEB_HOST": "127.0.0.1",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "wallboard.cli",
        "run",
        "--config",
        str(cfg),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        state: dict[str, object] = {}
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/api/state") as r:
                        state = await r.json()
                    conn = state["connection"]
                    assert isinstance(conn, dict)
                    if conn["state"] == "connected":
                        break
                except aiohttp.ClientError:
                    if proc.returncode is not None:
                        break
                await asyncio.sleep(0.1)
        conn = state.get("connection")
        assert isinstance(conn, dict)
        assert isinstance(state["agents"], list) and len(state["agents"]) == 3
        assert conn["state"] == "connected" and conn["server"] == server.url
    finally:
        if proc.returncode is None:
            proc.terminate()
        _, err = await asyncio.wait_for(proc.communicate(), 20)
    assert PASSWORD not in err.decode() and "sock-" not in err.decode()


@pytest.mark.parametrize("version", [2, 4])
async def test_recording_replays_to_the_same_floor(make_server, tmp_path: Path, version: int):
    server: NodeServer = await make_server(version)
    hub = Hub()
    settings = fast_settings(server.legacy_login, record_dir=str(tmp_path / "rec"))
    async with running(settings, hub):
        await wait_for(connected(hub))
        await server.control("call", {"ext": 103, "ivrid": "rec-1"})
        await wait_for(lambda: "rec-1" in hub.state.agents[103].calls)
    replayed = Hub()
    assert replay_all(replayed, tmp_path / "rec") == 0
    assert sorted(replayed.state.agents) == sorted(hub.state.agents)
    assert list(replayed.state.agents[103].calls) == ["rec-1"]
