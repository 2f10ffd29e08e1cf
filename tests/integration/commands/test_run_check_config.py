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
    keys = {"login_url": f'"{server.legacy_login}"', "username": '"acme"', **extra}
    lines = ['source = "vendor"', "[vendor]", *(f"{k} = {v}" for k, v in keys.items())]
    path = tmp_path / "wallboard.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


async def _cli(*args: str, password: str = PASSWORD, **env_extra: str) -> tuple[int, str, str]:
    env = {**os.environ, "WALLBOARD_VENDOR_PASSWORD": password, **env_extra}
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
    assert "cannot reach 127.0.0.1:" in out and ": connection refused" in out
    assert "expires in 3600 s" in out or "expires in 3599 s" in out  # the ISO date, read
    assert PASSWORD not in out + err and "sock-" not in out + err


# The identities, as a user writes them (secrets in the environment).
_IDENTITIES = {
    "user": ({"login_type": '"user"', "email": '"lead@acme.test"'}, {}),
    "account": ({}, {}),
    "token": ({"login_type": '"token"'}, {"WALLBOARD_VENDOR_TOKEN": "vendor-issued-token"}),
}


@pytest.mark.parametrize("api", ["legacy", "identity"])
@pytest.mark.parametrize("identity", ["user", "account", "token"])
async def test_check_config_passes_for_each_identity(
    make_server, tmp_path: Path, api: str, identity: str
) -> None:
    """Against a server that accepts only the SDKs' request shapes: exit 0."""
    server: NodeServer = await make_server(2)
    keys, env = _IDENTITIES[identity]
    if api == "identity":
        keys = {
            **keys,
            "login_api": '"identity"',
            "login_url": f'"{server.url}/identity/login"',
            "settings_url": f'"{server.url}/identity/settings"',
        }
    code, out, err = await _cli(
        "check-config", "--config", str(_config(tmp_path, server, **keys)), **env
    )
    assert code == 0, err
    assert f"{identity} identity" in out and out.rstrip().endswith("ok")
    assert (await server.stats())["badShapes"] == 0


@pytest.mark.parametrize("identity", ["user", "account", "token"])
async def test_check_config_exit_3_when_the_credentials_are_refused(
    make_server, tmp_path: Path, identity: str
) -> None:
    server: NodeServer = await make_server(2)
    keys, env = _IDENTITIES[identity]
    env = {k: "not-it" for k in env}
    cfg = _config(tmp_path, server, **keys)
    code, out, err = await _cli("check-config", "--config", str(cfg), password="not-it", **env)
    assert code == 3, err
    assert "credentials refused" in err and "HTTP 401" in err
    assert "not-it" not in out + err


async def test_check_config_exit_2_for_a_configuration_error(make_server, tmp_path: Path) -> None:
    server: NodeServer = await make_server(2)
    bad = _config(tmp_path, server, keepalive_seconds='"soon"')
    code, _, err = await _cli("check-config", "--config", str(bad))
    assert code == 2 and "configuration error" in err
    assert "vendor.keepalive_seconds" in err and str(bad) in err
    missing = _config(tmp_path, server, login_type='"user"')  # no email
    code, _, err = await _cli("check-config", "--config", str(missing))
    assert code == 2 and "vendor.email" in err


async def test_check_config_exit_1_when_no_server_answers(make_server, tmp_path: Path) -> None:
    server: NodeServer = await make_server(2)
    port = free_port()
    cfg = tmp_path / "down.toml"
    cfg.write_text(
        f'[vendor]\nlogin_url = "http://127.0.0.1:{port}/monitorAPI/Login"\nusername = "acme"\n'
    )
    code, out, err = await _cli("check-config", "--config", str(cfg))
    assert code == 1, err
    assert f"cannot reach 127.0.0.1:{port}: connection refused" in err
    for library_word in ("Error", "ssl:default", "aiohttp", "errno"):
        assert library_word not in out + err
    # The login answers, but none of the monitor servers does.
    dead = [f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"]
    await server.configure(servers=dead)
    code, out, err = await _cli("check-config", "--config", str(_config(tmp_path, server)))
    assert code == 1, err
    assert "no monitor server answered" in err
    assert out.count("connection refused") == 2 and "Error" not in out + err


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


async def test_recording_reaches_the_disk_within_a_second_of_a_quiet_link(
    make_server, tmp_path: Path
) -> None:
    """The last frames before a silence are on disk within a second, while still running."""
    server: NodeServer = await make_server(2)
    hub = Hub()
    rec = tmp_path / "rec"
    async with running(fast_settings(server.legacy_login, record_dir=str(rec)), hub) as conn:
        await wait_for(connected(hub))
        await asyncio.sleep(1.2)  # past the write-side flush of the snapshots
        await server.control("call", {"ext": 102, "ivrid": "quiet-1"})
        await wait_for(lambda: "quiet-1" in hub.state.agents[102].calls)
        assert conn.recorder is not None

        def on_disk() -> bool:
            return any("quiet-1" in f.read_text() for f in rec.glob("events-*.jsonl"))

        took = await wait_for(on_disk, 1.5)
        assert took <= 1.1
        assert connected(hub)()  # nothing else arrived, and the connector still runs
