"""`wallboard demo` as a user starts it: the past week is there from the first page view."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.integration.vendor_env import free_port

pytestmark = pytest.mark.integration


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as r:
        return bytes(r.read())


def test_demo_starts_with_seven_days_of_cdrs_and_plausible_times(tmp_path: Path) -> None:
    port = free_port()
    env = subprocess_env(
        WALLBOARD_WEB_PORT=str(port),
        WALLBOARD_STORE_PATH=str(tmp_path / "demo.sqlite3"),
        WALLBOARD_WEB_STORAGE_SECRET="demo-history",
    )
    log = (tmp_path / "demo.log").open("wb")
    cmd = [sys.executable, "-m", "wallboard.cli", "demo", "--seed", "5"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        # The demo prints its address once the past is stored: a user opens it then.
        deadline = time.monotonic() + 90
        while "wallboard demo: open" not in (tmp_path / "demo.log").read_text():
            assert proc.poll() is None, (tmp_path / "demo.log").read_text()
            assert time.monotonic() < deadline, "demo did not open in 90 s"
            time.sleep(0.3)
        # The first /history view: today and each of the 7 days before it have calls.
        rows = list(csv.DictReader(io.StringIO(_get(f"{url}/history.csv").decode())))
        days = {r["date"]: int(r["offered"]) for r in rows if r["kind"] == "all"}
        today = max(days)
        week = [str(date.fromisoformat(today) - timedelta(days=d)) for d in range(1, 8)]
        assert all(days.get(d, 0) > 100 for d in week), days
        print("offered per day:", days)

        state = json.loads(_get(f"{url}/api/state"))
        now = state["server_now"]
        on = [a for a in state["agents"] if a["state"] != "logged_out"]
        # The floor has been running for days: times in state differ from agent to agent
        # (not all "since the simulator started"), and none is longer than a shift.
        since = sorted(now - a["state_since"] for a in on)
        assert on and len({round(s) for s in since}) > len(on) // 2
        assert since[-1] < 12 * 3600, since[-5:]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
