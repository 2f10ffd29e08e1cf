"""Browser tests: the app as a subprocess fed by a growing recording, and Debian chromium."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.feed import Feed
from wallboard.web.auth import hash_password

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
PASSWORD = "correct horse battery"
KIOSK_TOKEN = "tv-lobby-7f3a9c"
STALE_AFTER = 3

QUEUES = {101: "Sales", 102: "Support"}
AGENTS = [
    (201, "Dana Levi", 1, 300),
    (202, "Avi Cohen", 3, 1900),  # lunch for 31+ minutes: over the alarm threshold
    (203, "Noa Mizrahi", 2, 100),
    (204, "Yossi Ben David", 1, 20),
    (205, "Maya Katz", 5, 600),
    (206, "Omer Friedman", 1, 45),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class App:
    """The running app and its source."""

    url: str
    feed: Feed
    port: int
    workdir: Path
    proc: subprocess.Popen[bytes]

    def start(self) -> None:
        # Without pytest's variables: NiceGUI would take the app for its own test harness.
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
            "WALLBOARD_WEB_PORT": str(self.port),
            "WALLBOARD_WEB_STORAGE_SECRET": "e2e-session-secret",
            "WALLBOARD_DATA_DIR": str(self.workdir / "data"),
        }
        log = (self.workdir / "app.log").open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "wallboard.cli",
                "replay",
                str(self.feed.path),
                "--follow",
                "--serve",
                "--config",
                str(self.workdir / "wallboard.toml"),
            ],
            cwd=self.workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app exited: {(self.workdir / 'app.log').read_text()}")
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # 503 while stale: the server is up
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("app did not start in 60 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def write_config(path: Path) -> None:
    path.write_text(
        f"""
[web]
stale_after_seconds = {STALE_AFTER}
publish_interval_seconds = 0.2

[auth.users.lead]
password_hash = "{hash_password(PASSWORD)}"
name = "Team Lead"

[kiosk.tokens.lobby]
token = "{KIOSK_TOKEN}"

[teams.sales]
name = "Sales"
extensions = [201, 202, 203, 204]
queues = [101]

[boards.floor]
title = "Support floor"

[boards.sales]
title = "Sales team"
teams = ["sales"]
queues = [101]

[boards.he]
title = "מוקד שירות"
language = "he"
""",
        encoding="utf-8",
    )


def launch(
    work: Path,
    waiting: dict[int, list[tuple[str, int]]],
    agents: list[tuple[int, str, int, int]],
    queues: dict[int, str] = QUEUES,
) -> App:
    """The app started on a free port, on `work`'s wallboard.toml, fed a floor of these
    queues, waiting callers and agents (stop it with `App.stop`)."""
    feed = Feed(work / "live.jsonl")
    feed.login(queues, waiting)
    feed.agents(agents)
    port = _free_port()
    app = App(f"http://127.0.0.1:{port}", feed, port, work, None)  # type: ignore[arg-type]
    app.start()
    return app


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    work = tmp_path_factory.mktemp("wallboard-e2e")
    write_config(work / "wallboard.toml")
    app = launch(work, {101: [("0501234567", 40)], 102: []}, AGENTS)
    yield app
    app.stop()


# Module scope: Playwright's sync API keeps an event loop running while it is open, which
# would break the asyncio tests that run after this module.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is required: `make browser` installs it")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
