"""A status change confirmed by the phone system: `wallboard demo` (the simulator reached
through the real connector), an admin on an agent's page, Chromium."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import SHOTS, _free_port
from wallboard.web.auth import hash_password

pytestmark = pytest.mark.e2e

PASSWORD = "demo-admin-pass"
TRAINING = 11  # the vendor's status code (docs/voicenter.md, "Fields")
SLOW = 20_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("wallboard-demo")
    (work / "wallboard.toml").write_text(
        f"""
[simulator]
agents = 12
queues = 2
speed = 1
seed = 5
flat_curve = true
history_days = 0

[api]
allowed_actors = ["boss"]

[auth.users.boss]
password_hash = "{hash_password(PASSWORD)}"
admin = true
""",
        encoding="utf-8",
    )
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
        "WALLBOARD_WEB_PORT": str(port),
        "WALLBOARD_WEB_STORAGE_SECRET": "demo-e2e-secret",
    }
    log = (work / "app.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "wallboard.cli", "demo", "--config", str(work / "wallboard.toml")],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (work / "app.log").read_text()
            assert time.monotonic() < deadline, "the demo did not start in 60 s"
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # up, still connecting
            except OSError:
                time.sleep(0.3)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_a_status_change_is_pending_until_the_phone_system_confirms_it(
    browser: Any, demo: str
) -> None:
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = ctx.new_page()
        page.goto(f"{demo}/login?next=/healthz")
        page.get_by_label("User").fill("boss")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/healthz", timeout=SLOW)
        # An agent off the phone: available, or on a break other than Training (a floor at
        # its peak may have nobody available for a while; a break can be changed too).
        deadline = time.monotonic() + 60
        ext = None
        while ext is None and time.monotonic() < deadline:
            agents = ctx.request.get(f"{demo}/api/state").json()["agents"]
            free = [a for a in agents if a["state"] == "available" and not a["calls"]]
            free += [
                a
                for a in agents
                if a["state"] == "break" and a["break_code"] != TRAINING and not a["calls"]
            ]
            ext = free[0]["extension"] if free else None
            time.sleep(0.5)
        assert ext is not None, "nobody off the phone on the simulated floor for 60 s"
        page.goto(f"{demo}/agent/{ext}")
        control = page.locator(".wb-status-control")
        control.get_by_label("Change status").click()
        page.get_by_role("option", name="Training").click()
        control.get_by_role("button", name="Change status").click()
        state = page.locator(".wb-action-state")
        # Confirmed by the simulator's status event through the real connector.
        expect(state).to_have_attribute("data-state", "done", timeout=SLOW)
        expect(state).to_contain_text("Training")
        expect(page.locator(".wb-changes tbody tr").first).to_contain_text("boss", timeout=SLOW)
        page.screenshot(path=str(SHOTS / "agent-status-confirmed.png"))
    finally:
        ctx.close()
