"""The README's "Connect your Voicenter account", run as written, up to a live board.

The simulator stands in for Voicenter (the same login API and socket, reached through the
real connector); the commands are the README's own lines, run from a folder that has the
`.venv` they name. The wizard gets its answers from flags, as a script would give them
(there is no terminal here); the web port comes from the environment (`WALLBOARD_WEB_PORT`
wins over the file) so that the test never collides with a running wallboard.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import socket
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.integration.sim_env import running_simulator
from wallboard.config import SimulatorSettings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
ADMIN_PASSWORD = "first 'admin' pass"
VENDOR_PASSWORD = "vendor-s3cret"


def connect_section() -> tuple[int, list[str]]:
    """The line number of the README's heading and the section's lines up to the next one."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("## Connect your Voicenter account")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
    return start + 1, lines[start + 1 : end]


def commands(section: list[str]) -> list[list[str]]:
    """The shell commands of the section's code block, comments dropped."""
    fence = [i for i, line in enumerate(section) if line.startswith("```")]
    block = section[fence[0] + 1 : fence[1]]
    return [shlex.split(line, comments=True) for line in block if line.strip()]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp: Path, port: int) -> dict[str, str]:
    drop = ("PYTEST_CURRENT_TEST", "NICEGUI_STORAGE_PATH")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLBOARD_") and k not in drop}
    # As on a fresh clone: the venv's bin is not on PATH (an activated venv would make the
    # wizard name `wallboard` instead of the `.venv/bin/wallboard` the README types).
    venv_bin = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return {
        **env,
        "PATH": path,
        "HOME": str(tmp / "home"),
        "WALLBOARD_DATA_DIR": str(tmp / "data"),
        "WALLBOARD_WEB_PORT": str(port),
    }


async def _until_line(proc: asyncio.subprocess.Process, pattern: str, seen: list[str]) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        raw = await asyncio.wait_for(proc.stdout.readline(), deadline - time.monotonic())
        if not raw:
            break
        line = raw.decode(errors="replace").rstrip()
        seen.append(line)
        if re.search(pattern, line):
            return line
    raise AssertionError(f"no line like {pattern!r}:\n" + "\n".join(seen[-40:]))


async def _server(argv: list[str], cwd: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    out = asyncio.subprocess.PIPE
    return await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, env=env, stdout=out, stderr=asyncio.subprocess.STDOUT
    )


async def _stop(proc: asyncio.subprocess.Process) -> None:
    proc.terminate()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.wait(), 20)
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


async def _board(port: int) -> dict[str, object]:
    """Sign in as the admin the wizard made, and read the floor once it is live."""
    base = f"http://127.0.0.1:{port}"
    form = {"user": "admin", "password": ADMIN_PASSWORD, "next": "/"}
    state: dict[str, object] = {}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        async with s.post(f"{base}/login", data=form, allow_redirects=False) as r:
            assert r.status in (302, 303), await r.text()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            async with s.get(f"{base}/api/state") as r:
                assert r.status == 200
                state = await r.json()
            async with s.get(f"{base}/readyz") as r:
                ready = r.status == 200
            if ready and state["agents"]:
                return state
            await asyncio.sleep(0.3)
    raise AssertionError(f"the board never went live: {state.get('connection')}")


def test_the_readme_says_it_in_eight_lines_near_the_top() -> None:
    at, section = connect_section()
    assert at <= 80, f"'Connect your Voicenter account' is at line {at}"
    assert len([line for line in section if line.strip()]) <= 8, section
    assert (ROOT / "README.md").stat().st_size <= 15_000


async def test_the_readmes_connect_steps_reach_a_live_board(tmp_path: Path) -> None:
    _, section = connect_section()
    init, start = commands(section)
    assert init[:2] == [".venv/bin/wallboard", "init-config"], init
    assert start[:2] == [".venv/bin/wallboard", "run"], start
    site = tmp_path / "site"
    site.mkdir()
    (site / ".venv").symlink_to(Path(sys.executable).parent.parent)
    (tmp_path / "admin-password").write_text(ADMIN_PASSWORD + "\n", encoding="utf-8")
    port = _free_port()
    env = _env(tmp_path, port)
    sim_settings = SimulatorSettings(agents=8, queues=2, password=VENDOR_PASSWORD)
    async with running_simulator(sim_settings, time.time()) as sim:
        answers = [
            f"--login-url={sim.base_url}/monitorAPI/Login",
            "--username=demo",
            "--password-file=-",
            f"--admin-password-file={tmp_path / 'admin-password'}",
        ]
        wizard = await asyncio.create_subprocess_exec(
            *init,
            *answers,
            cwd=site,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(wizard.communicate(f"{VENDOR_PASSWORD}\n".encode()), 90)
        said = out.decode()
        assert wizard.returncode == 0, said
        assert said.rstrip().endswith(f"start it with: {shlex.join(start)}")  # as in the README
        assert "\nok\n" in said and "queues:     2:" in said  # check-config logged in
        assert VENDOR_PASSWORD not in (site / "wallboard.toml").read_text()  # not in the TOML
        assert (
            f"WALLBOARD_VENDOR_PASSWORD='{VENDOR_PASSWORD}'" in (site / "wallboard.env").read_text()
        )
        assert (site / "wallboard.env").stat().st_mode & 0o777 == 0o600

        run = await _server(start, site, env)
        seen: list[str] = []
        try:
            line = await _until_line(run, r"wallboard run: open http://", seen)
            assert line == f"wallboard run: open http://127.0.0.1:{port}/"
            state = await _board(port)
            assert len(state["agents"]) == 8  # type: ignore[arg-type]
            assert state["connection"]["state"] == "connected"  # type: ignore[index]
        finally:
            await _stop(run)
    log = "\n".join(seen)
    assert "WARNING" not in log and "ERROR" not in log, log


async def test_the_example_init_config_writes_starts_as_its_message_says(tmp_path: Path) -> None:
    """Without a terminal and without answers: the documented example, `source =
    "simulator"`; the command the message names shows the simulated floor, and says so."""
    port = _free_port()
    env = {
        **_env(tmp_path, port),
        "WALLBOARD_SIMULATOR_PORT": "0",  # environment wins over the example's 8090
        "WALLBOARD_SIMULATOR_HISTORY_DAYS": "0",
        "WALLBOARD_SIMULATOR_AGENTS": "6",
    }
    wallboard = str(Path(sys.executable).parent / "wallboard")
    init = await asyncio.create_subprocess_exec(
        wallboard,
        "init-config",
        "wb.toml",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
    )
    said = (await asyncio.wait_for(init.communicate(), 60))[0].decode()
    assert init.returncode == 0, said
    start = shlex.split(said.rsplit("then `", 1)[1].split("`")[0])
    assert start[1:] == ["run", "--config", "wb.toml"] and start[0].endswith("wallboard")
    run = await _server([wallboard, *start[1:]], tmp_path, env)
    seen: list[str] = []
    try:
        first = await _until_line(run, r"^wallboard run: ", seen)
        assert 'source = "simulator"' in first and "not a Voicenter account" in first
        await _until_line(run, rf"^wallboard run: open http://127.0.0.1:{port}/ ", seen)
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/api/state") as r,
        ):
            state = await r.json()
        assert state["connection"]["state"] == "connected" and len(state["agents"]) == 6
    finally:
        await _stop(run)
    assert " WARNING " not in "\n".join(seen) and " ERROR " not in "\n".join(seen), seen
