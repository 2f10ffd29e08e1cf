"""`/metrics`, `/healthz` and `/readyz` of `wallboard demo` as an operator scrapes them.

Each metric of docs/operations.md must be in the scrape, parsed by prometheus_client's own
parser, and move when its cause happens: events flow, CDRs are posted and stored, a tab
opens, the simulator drops the link or sends a malformed or unknown event.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import subprocess_env

pytestmark = pytest.mark.integration

TOKEN = "scrape-token-4f1c"
CDR_SECRET = "metrics-test-cdr-secret"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def parse(text: str) -> Samples:
    """Every sample of a scrape, by (sample name, sorted labels)."""
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


class Demo:
    def __init__(
        self, base: str, sim: str, http: aiohttp.ClientSession, systemd: socket.socket
    ) -> None:
        self.base, self.sim, self.http, self.systemd = base, sim, http, systemd

    async def scrape(self) -> Samples:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with self.http.get(f"{self.base}/metrics", headers=headers) as r:
            assert r.status == 200, await r.text()
            assert r.content_type == "text/plain"
            return parse(await r.text())

    async def until(self, check: Callable[[Samples], bool], seconds: float = 30) -> Samples:
        deadline = time.monotonic() + seconds
        got = await self.scrape()
        while not check(got) and time.monotonic() < deadline:
            await asyncio.sleep(0.3)
            got = await self.scrape()
        assert check(got), {k: v for k, v in got.items() if k[0].startswith("wallboard_")}
        return got

    async def server_down(self, n: int) -> None:
        async with self.http.post(f"{self.sim}/sim/server/{n}/down") as r:
            assert r.status == 200, await r.text()

    async def fault(self, kind: str) -> None:
        async with self.http.post(f"{self.sim}/sim/fault/{kind}") as r:
            assert r.status == 200, await r.text()


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    port, sim_port = _free_port(), _free_port()
    # Where systemd would listen for READY=1 and the watchdog's pings (Type=notify).
    systemd = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    systemd.bind(str(tmp_path / "notify.sock"))
    systemd.setblocking(False)
    env = subprocess_env(
        WALLBOARD_WEB_PORT=str(port),
        WALLBOARD_METRICS_TOKEN=TOKEN,
        WALLBOARD_CDR_SECRET=CDR_SECRET,
        WALLBOARD_DATA_DIR=str(tmp_path / "data"),
        NOTIFY_SOCKET=str(tmp_path / "notify.sock"),
        # No week of history to warm up: the metrics, not the demo's past, are under test.
        WALLBOARD_SIMULATOR_HISTORY_DAYS="0",
        WATCHDOG_USEC="1000000",
    )
    log = (tmp_path / "demo.log").open("w")
    demo_args = ["--agents", "20", "--speed", "30", "--flat", "--sim-port", str(sim_port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "wallboard.cli", "demo", *demo_args],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                assert proc.poll() is None, (tmp_path / "demo.log").read_text()
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{base}/readyz") as r:
                        if r.status == 200:
                            break
                await asyncio.sleep(0.3)
            else:
                raise AssertionError("never ready: " + (tmp_path / "demo.log").read_text()[-3000:])
            yield Demo(base, f"http://127.0.0.1:{sim_port}", http, systemd)
    finally:
        systemd.close()
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def v(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), float("nan"))


async def test_every_metric_is_there_and_moves_with_its_cause(demo: Demo) -> None:
    first = await demo.until(lambda s: v(s, "wallboard_vendor_link_up") == 1)
    now = time.time()
    # Present from the start, each in its base unit and `_total` for counters.
    for name, labels in [
        ("wallboard_vendor_reconnects_total", {"reason": "connection_lost"}),
        ("wallboard_malformed_events_total", None),
        ("wallboard_unknown_events_total", None),
        ("wallboard_browser_clients", {"view": "board"}),
        ("wallboard_publisher_latency_seconds_count", {}),
        ("wallboard_cdrs_received_total", {"result": "stored"}),
        ("wallboard_cdrs_received_total", {"result": "parse_error"}),
        ("wallboard_store_commit_seconds_count", {}),
        ("wallboard_alerts_fired_total", {"level": "alarm"}),
        ("wallboard_fold_seconds_count", {}),
    ]:
        if labels is not None:
            assert v(first, name, **labels) == v(first, name, **labels), (name, labels)
    assert now - 60 < v(first, "wallboard_last_event_timestamp_seconds") <= now + 1
    assert v(first, "wallboard_python_heap_blocks") > 10_000  # the app's own objects at least
    assert v(first, "wallboard_vendor_token_expiry_timestamp_seconds") > now + 600
    assert v(first, "wallboard_events_total", event="ConnectionChanged") >= 1
    # The snapshots are in; live agent events may not have come yet (none: no sample).
    events0 = first.get(("wallboard_events_total", (("event", "ExtensionChanged"),)), 0.0)
    fold0 = v(first, "wallboard_fold_seconds_count")
    assert fold0 >= 1

    # Calls end on the simulated floor: CDRs posted to our webhook, stored, committed.
    async with demo.http.post(
        f"{demo.base}/vendor/cdr",
        data=b"not a cdr",
        headers={"Content-Type": "text/plain", "X-Wallboard-Secret": CDR_SECRET},
    ) as r:
        assert r.status == 200
    got = await demo.until(
        lambda s: (
            v(s, "wallboard_cdrs_received_total", result="stored") > 0
            and v(s, "wallboard_store_commit_seconds_count") > 0
            and v(s, "wallboard_cdrs_received_total", result="parse_error") == 1
            and v(s, "wallboard_events_total", event="ExtensionChanged") > events0
            and v(s, "wallboard_fold_seconds_count") > fold0
        )
    )
    assert v(got, "wallboard_fold_seconds_sum") > 0
    assert v(got, "wallboard_store_commit_seconds_sum") > 0

    # A tab opens a board: counted by view, and deltas to it are timed.
    async with demo.http.get(f"{demo.base}/") as r:
        assert r.status == 200
    await demo.until(
        lambda s: (
            v(s, "wallboard_browser_clients", view="board") >= 1
            and v(s, "wallboard_publisher_latency_seconds_count") > 0
        )
    )

    # The vendor side misbehaves: each is counted under its own name.
    await demo.fault("malformed")
    await demo.fault("unknown")
    await demo.until(
        lambda s: (
            v(s, "wallboard_malformed_events_total", event="ExtensionEvent") == 1
            and v(s, "wallboard_unknown_events_total", event="SimulatorNewEvent") == 1
        )
    )
    await demo.fault("drop")
    await demo.until(
        lambda s: (
            v(s, "wallboard_vendor_reconnects_total", reason="connection_lost") >= 1
            and v(s, "wallboard_vendor_link_up") == 1
        )
    )


async def test_metrics_need_the_token_and_health_says_alive_and_ready(demo: Demo) -> None:
    # Pings come every WATCHDOG_USEC / 2; wait for two of them, however slow the machine.
    told: list[bytes] = []
    deadline = time.monotonic() + 30
    while len(told) < 3 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        with contextlib.suppress(BlockingIOError):
            while True:
                told.append(demo.systemd.recv(64))
    assert told[0] == b"READY=1" and told[1:3] == [b"WATCHDOG=1"] * 2, told
    async with demo.http.get(f"{demo.base}/metrics") as r:
        assert r.status == 401
        assert TOKEN not in await r.text()
    async with demo.http.get(
        f"{demo.base}/metrics", headers={"Authorization": "Bearer wrong"}
    ) as r:
        assert r.status == 401
    async with demo.http.get(f"{demo.base}/healthz") as r:
        body = await r.json()
        assert r.status == 200 and body["alive"] is True
    async with demo.http.get(f"{demo.base}/readyz") as r:
        body = await r.json()
        assert r.status == 200, body
        assert body["link_ok"] and body["store_ok"] and body["store"] == "writable"
    # Both of the simulator's servers stop answering (a single silent one is failed over to
    # the other within seconds): the link goes stale, alive but not ready.
    await demo.server_down(0)
    await demo.server_down(1)
    deadline = time.monotonic() + 60
    status = 200
    while status == 200 and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        async with demo.http.get(f"{demo.base}/readyz") as r:
            status = r.status
            body = await r.json()
        async with demo.http.get(f"{demo.base}/healthz") as r:
            assert r.status == 200
    assert status == 503 and body["link_ok"] is False, body
