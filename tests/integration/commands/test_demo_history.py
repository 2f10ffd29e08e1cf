"""`wallboard demo` as a user starts it: the past week is there from the first page view."""

from __future__ import annotations

import argparse
import csv
import io
import json
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest

from bench.screens import start_demo, stop

pytestmark = pytest.mark.integration


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as r:
        return bytes(r.read())


def test_demo_starts_with_seven_days_of_cdrs_and_plausible_times(tmp_path: Path) -> None:
    args = argparse.Namespace(seed=5, agents=40, queues=5, scenario="", start="")
    # The demo prints its address once the past is stored: a user opens it then.
    proc, url = start_demo(args, "en", tmp_path)
    try:
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
        stop(proc)
