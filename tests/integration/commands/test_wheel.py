"""The wheel as an operator installs it: built, installed outside the repository, run from an
empty folder — the example config, the scenarios and the board's files come from the wheel,
and nothing is written to the folder it runs in.

Why the fresh venv reaches its dependencies through a `.pth` file instead of installing
them: installing NiceGUI, FastAPI, pydantic and the rest from an index takes minutes and
needs the network, which CI on this machine does not have; the wheel itself (`--no-deps`,
`--no-index`) is installed for real, and the test checks that `wallboard` is imported from
the fresh venv and not from the repository or the shared venv's editable install.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import aiohttp
import pytest

from tests.integration.procs import Output

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _build_and_install(tmp: Path) -> Path:
    """Build the wheel from a copy of the sources (no build/ in the repository), install it."""
    src = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "wallboard", src / "wallboard", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    # -v: the build backend's own output, where setuptools prints its deprecation notices
    # (a `license` table, an old setuptools): a clean build prints none.
    built = subprocess.run(
        [*pip[:3], "-v", *pip[4:], "wheel", "--no-deps", "-w", str(tmp / "dist"), str(src)],
        check=True,
        capture_output=True,
        text=True,
    )
    said = built.stdout + built.stderr
    assert "deprecat" not in said.lower() and "BuildBackendWarning" not in said, said[-3000:]
    (wheel,) = (tmp / "dist").glob("wallboard-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", str(wheel)], check=True)
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]  # the shared venv's packages, after the wheel's
    (Path(site) / "wallboard-test-deps.pth").write_text(deps + "\n", encoding="utf-8")
    return venv / "bin"


def _env(home: Path, **extra: str) -> dict[str, str]:
    drop = ("PYTHONPATH", "PYTEST_CURRENT_TEST", "VIRTUAL_ENV", "NICEGUI_STORAGE_PATH")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("XDG_")}
    env = {k: v for k, v in env.items() if not k.startswith("WALLBOARD_")}
    return {**env, "HOME": str(home), **extra}


async def _wait_for(url: str, proc: subprocess.Popen[str], ok: object) -> dict[str, object]:
    body: dict[str, object] = {}
    # Generous: the demo stores its week of CDRs first, which took 60 s on a busy machine.
    deadline = time.monotonic() + 240
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()[0]
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(url) as r:
                    body = await r.json()
                if callable(ok) and ok(body):
                    return body
            await asyncio.sleep(0.3)
    raise AssertionError(f"{url} never became ready: {body}")


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


async def test_the_wheel_runs_from_an_empty_folder_and_writes_nothing_there(tmp_path):
    bin_dir = _build_and_install(tmp_path)
    wallboard = str(bin_dir / "wallboard")
    empty, home = tmp_path / "empty", tmp_path / "home"
    empty.mkdir()
    home.mkdir()
    env = _env(home)
    where = subprocess.run(
        [bin_dir / "python", "-c", "import wallboard; print(wallboard.__file__)"],
        cwd=empty,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert where.startswith(str(tmp_path / "venv")), where

    example = subprocess.run(
        [wallboard, "init-config"], cwd=empty, env=env, check=True, capture_output=True, text=True
    ).stdout
    assert example == (ROOT / "wallboard" / "config.example.toml").read_text(encoding="utf-8")

    sim_port = _free_port()
    sim = subprocess.Popen(
        [wallboard, "simulate", "--scenario", "surge", "--port", str(sim_port), "--agents", "10"],
        cwd=empty,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status = await _wait_for(
            f"http://127.0.0.1:{sim_port}/sim/status", sim, lambda b: "speed" in b
        )
        assert status
    finally:
        out = _stop(sim)
    assert "no such scenario" not in out

    port = _free_port()
    demo = subprocess.Popen(
        [wallboard, "demo", "--agents", "12", "--flat", "--speed", "10"],
        cwd=empty,
        env=_env(home, WALLBOARD_WEB_PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(demo)
    try:
        state = await _wait_for(
            f"http://127.0.0.1:{port}/api/state",
            demo,
            lambda b: b.get("connection", {}).get("state") == "connected" and b.get("agents"),
        )
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/") as r:
                assert r.status == 200  # the board page, with its element from the wheel
            async with http.get(f"http://127.0.0.1:{port}/static/board.css") as r:
                assert r.status == 200
        deadline = time.monotonic() + 60  # the address comes once the start has settled
        while not output.has("open http") and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
    finally:
        out = output.stop()
    assert len(state["agents"]) == 12, out  # type: ignore[arg-type]
    assert f"open http://127.0.0.1:{port}/" in out
    assert "callback figures not refreshed" not in out
    assert list(empty.iterdir()) == []
    # The per-user data folder, not the working folder: the demo's store was there while it
    # ran, and went with it (a simulated floor is new each run).
    data = home / ".local" / "share" / "wallboard"
    assert data.is_dir() and not list(data.glob("demo-*")), sorted(data.iterdir())
