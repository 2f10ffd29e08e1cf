"""Every role the units of deploy/ start, started as those units start it, under a socket
standing in for systemd's notify socket: each says READY=1 and pings the watchdog
(`Type=notify` + `WatchdogSec` in wallboard.service, wallboard-ingest@.service and
wallboard-web.service). Their `/metrics` scrapes, with the token, are what the alert
rules (deploy/prometheus/) and the Grafana dashboard (deploy/grafana/) may name: every
metric either names must be in them.

The roles: `wallboard run` against `wallboard simulate` (the single server), `wallboard
ingest` with the simulator in it (as `wallboard cluster` runs an account) and `wallboard
web`, both on a real NATS from the wheel.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import subprocess_env
from tests.integration.vendor_env import free_port
from wallboard.cluster.natsd import NatsServer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "deploy" / "prometheus" / "wallboard.rules.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "wallboard.json"
TOKEN = "deploy-roles-metrics-token"
# Made by Prometheus for every target, never by the target's /metrics.
PROMETHEUS_OWN = {"up"}
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring"}
_KEYWORDS |= {"group_left", "group_right", "inf", "nan"}


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (no parser of PromQL for Python is
    packaged in Debian or kept up on PyPI; this reads only what names a series: an
    identifier that is not a function, a keyword, a label in `by (...)`, a matcher, a
    string or a duration)."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    s = re.sub(r"\{[^}]*\}", " ", s)
    s = re.sub(r"\[[^\]]*\]", " ", s)
    s = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    found = re.finditer(r"(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?", s)
    return {m.group(1) for m in found if not m.group(2)} - _KEYWORDS


def test_metric_names_reads_what_names_a_series() -> None:
    expr = (
        'sum by (result) (increase(wallboard_cdrs_received_total{result="a b"}[5m])) > 0 '
        "and on (job) (wallboard_vendor_link_up == 1) unless time() - x_seconds > 1e9"
    )
    assert metric_names(expr) == {"wallboard_cdrs_received_total", "wallboard_vendor_link_up"} | {
        "x_seconds"
    }


def rule_expressions() -> list[str]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    """Each panel's query and each template variable's, with Grafana's variables as Grafana
    fills them in."""
    dash = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    out = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    for var in dash["templating"]["list"]:
        query = var.get("query")
        if isinstance(query, dict):  # label_values(metric, label)
            found = re.fullmatch(r"label_values\((\w+),\s*\w+\)", query["query"])
            assert found, query
            out.append(found.group(1))
    return [e.replace("$__rate_interval", "1m").replace("$instance", ".*") for e in out]


def exported(scrape: str) -> set[str]:
    """Every series name a scrape declares, each as a query names it (`_total`, `_bucket`…)."""
    suffixes = {
        "counter": ["_total"],
        "gauge": [""],
        "histogram": ["_bucket", "_sum", "_count"],
        "summary": ["", "_sum", "_count"],
    }
    names: set[str] = set()
    for family in text_string_to_metric_families(scrape):
        names.update(family.name + s for s in suffixes.get(family.type, [""]))
        names.update(sample.name for sample in family.samples)
    return names


# ------------------------------------------------------------ the processes


@dataclass
class Role:
    name: str
    port: int  # where its /metrics answers
    proc: subprocess.Popen[bytes]
    systemd: socket.socket  # its NOTIFY_SOCKET
    log: Path


def _notify_socket(path: Path) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(path))
    s.setblocking(False)
    return s


def _cluster_files(tmp: Path, nats_url: str, ingest_port: int, web_port: int) -> Path:
    (tmp / "acme.toml").write_text(
        'source = "simulator"\n'
        "[simulator]\nport = 0\nagents = 6\nqueues = 1\nseed = 4\nflat_curve = true\n"
        'api_code = "code-acme"\n'
        f'[store]\npath = "{tmp / "acme.db"}"\n'
        '[cdr]\nbackfill = false\nsecret = "s-acme"\n'
        '[web]\nstorage_secret = "s-cluster"\n'
    )
    cluster = tmp / "cluster.toml"
    cluster.write_text(
        f'nats_url = "{nats_url}"\n[accounts.acme]\nsettings = "acme.toml"\n'
        f"ingest_port = {ingest_port}\nweb_port = {web_port}\n"
    )
    return cluster


@pytest.fixture
def roles(tmp_path: Path) -> Iterator[list[Role]]:
    nats = NatsServer(store_dir=tmp_path / "nats").start()
    sim_port, run_port, ingest_port, web_port = (free_port() for _ in range(4))
    cluster = _cluster_files(tmp_path, nats.url, ingest_port, web_port)
    run_toml = tmp_path / "run.toml"
    sim = f"http://127.0.0.1:{sim_port}"
    run_toml.write_text(
        f'source = "vendor"\n[vendor]\nlogin_url = "{sim}/monitorAPI/Login"\n'
        f'refresh_url = "{sim}/monitorAPI/Login/Refresh"\n'
        'username = "demo"\npassword = "demo"\nprotocol = "eio3"\n'
        f'[store]\npath = "{tmp_path / "run.db"}"\n[cdr]\nbackfill = false\n'
        f"[web]\nport = {run_port}\n"
    )
    (tmp_path / "tmp").mkdir()
    started: list[subprocess.Popen[bytes]] = []
    out: list[Role] = []

    def spawn(name: str, args: list[str], systemd: bool) -> subprocess.Popen[bytes]:
        log = tmp_path / f"{name}.log"
        env = subprocess_env(
            WALLBOARD_DATA_DIR=str(tmp_path / f"data-{name}"),
            WALLBOARD_METRICS_TOKEN=TOKEN,
            TMPDIR=str(tmp_path / "tmp"),
        )
        if systemd:  # as systemd runs a Type=notify unit with WatchdogSec (here 1 s)
            env.update(NOTIFY_SOCKET=str(tmp_path / f"{name}.sock"), WATCHDOG_USEC="1000000")
        with log.open("wb") as f:
            proc = subprocess.Popen(
                [sys.executable, "-m", "wallboard.cli", *args],
                env=env, cwd=tmp_path, stdout=f, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        started.append(proc)
        return proc

    try:
        spawn("simulate", ["simulate", "--port", str(sim_port), "--agents", "6", "--flat"], False)
        for name, args, port in [
            ("run", ["run", "--config", str(run_toml)], run_port),
            ("ingest", ["ingest", "--config", str(cluster), "--account", "acme"], ingest_port),
            ("web", ["web", "--config", str(cluster), "--node", "0"], web_port),
        ]:
            systemd = _notify_socket(tmp_path / f"{name}.sock")
            out.append(Role(name, port, spawn(name, args, True), systemd, tmp_path / f"{name}.log"))
        yield out
    finally:
        for role in out:
            role.systemd.close()
        for proc in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in started:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        nats.remove()


def _after_ready(told: list[bytes]) -> list[bytes]:
    return told[told.index(b"READY=1") + 1 :] if b"READY=1" in told else []


async def _told(role: Role, deadline: float) -> list[bytes]:
    """What the role sent systemd, one assignment a line (a datagram may carry several,
    e.g. READY=1 with a STATUS=), until two watchdog pings came after READY=1."""
    told: list[bytes] = []
    while _after_ready(told).count(b"WATCHDOG=1") < 2 and time.monotonic() < deadline:
        assert role.proc.poll() is None, role.log.read_text()[-3000:]
        with contextlib.suppress(BlockingIOError):
            while True:
                told += role.systemd.recv(4096).split(b"\n")
        await asyncio.sleep(0.2)
    return told


async def _scrape(http: aiohttp.ClientSession, role: Role) -> str:
    url = f"http://127.0.0.1:{role.port}/metrics"
    async with http.get(url) as r:
        assert r.status == 401, (role.name, r.status)  # the token is asked for
    async with http.get(url, headers={"Authorization": f"Bearer {TOKEN}"}) as r:
        assert r.status == 200, (role.name, await r.text())
        return await r.text()


async def test_every_role_tells_systemd_and_exports_what_rules_and_dashboard_name(
    roles: list[Role],
) -> None:
    # Generous for a loaded machine: five processes start at once on two cores.
    deadline = time.monotonic() + 120
    names: dict[str, set[str]] = {}
    async with aiohttp.ClientSession() as http:
        for role in roles:
            told = await _told(role, deadline)
            assert b"READY=1" in told, (role.name, told, role.log.read_text()[-3000:])
            assert _after_ready(told).count(b"WATCHDOG=1") >= 2, (role.name, told)
            names[role.name] = exported(await _scrape(http, role))

    every = set().union(*names.values())
    for source, exprs in (("rules", rule_expressions()), ("dashboard", dashboard_expressions())):
        named = set().union(*(metric_names(e) for e in exprs))
        assert len(named) >= 8, (source, named)  # the reading found the names
        assert named - PROMETHEUS_OWN - every == set(), source
    # Each role exports the metrics its own alerts read.
    for role in ("run", "ingest"):
        assert {"wallboard_vendor_link_up", "wallboard_store_healthy"} <= names[role], role
    assert "wallboard_ingest_leader" in names["ingest"]
    assert "wallboard_last_event_timestamp_seconds" in names["web"]
