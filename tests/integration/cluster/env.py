"""A whole cluster of real processes for the tests and bench/cluster.py.

NATS (`nats-server` from the wheel), one `wallboard simulate` per account (the vendor)
— or, for an account with `own_sim`, the simulator inside its ingest worker (`source =
"simulator"`, as the development cluster runs it) — one `wallboard ingest` per account,
and `wallboard web` nodes, each one process serving every account; PostgreSQL comes
from the caller. Every process is ours and stopped at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from tests.conftest import CDR, subprocess_env
from tests.integration.vendor_env import free_port
from wallboard.cluster import codec
from wallboard.cluster.kvpub import bucket_name
from wallboard.cluster.natsd import NatsServer
from wallboard.runtime import cleanup
from wallboard.sim.calllog import CALLLOG_PREFIX

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Account:
    """One simulated vendor account."""

    name: str
    agents: int
    queues: int
    seed: int
    sim_port: int = field(default_factory=free_port)
    ingest_port: int = field(default_factory=free_port)
    web_port: int = 0  # node N at web_port + N
    # The ingest worker runs the account's simulator on any free port (`source =
    # "simulator"`, `[simulator] port = 0`): its address is `sim.url` in the bucket.
    own_sim: bool = False

    @property
    def sim(self) -> str:
        """The `wallboard simulate` of an account without `own_sim`."""
        return f"http://127.0.0.1:{self.sim_port}"

    def web(self, node: int) -> str:
        return f"http://127.0.0.1:{self.web_port + node}"

    @property
    def hook(self) -> str:
        """The CDR webhook of the account's ingest worker (with its secret)."""
        return f"http://127.0.0.1:{self.ingest_port}/vendor/cdr/s-{self.name}"


def abandoned_cdr(call_id: str) -> bytes:
    """An abandoned queue call of now; `time` on Israel's wall clock, as the vendor sends it."""
    wall = int(datetime.now(ZoneInfo("Asia/Jerusalem")).replace(tzinfo=UTC).timestamp())
    base = json.loads((CDR / "incoming-queue-answer.json").read_text())
    body = dict(base, ivruniqueid=call_id, time=wall - 30, status="ABANDONE", caller="0529876543")
    return json.dumps(body).encode()


def _web_base(nodes: int, taken: set[int]) -> int:
    """A free run of `nodes` ports, none of them `taken` (then taken too)."""
    for _ in range(50):
        base = free_port()
        run = range(base, base + nodes)
        if base + nodes < 65535 and not taken.intersection(run) and all(_free(p) for p in run):
            taken.update(run)
            return base
    raise RuntimeError("no run of free ports")


def fresh_port(taken: set[int]) -> int:
    """A free port none of `taken` (then taken too). A port is only chosen here, bound later
    by the process it is for: the kernel may offer the same free port twice meanwhile (CI
    once gave an account's simulator and its web node one port)."""
    for _ in range(50):
        port = free_port()
        if port not in taken:
            taken.add(port)
            return port
    raise RuntimeError("no free port")


def _free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def nginx_conf(workdir: Path, http: str) -> Path:
    """An nginx.conf for Debian's nginx run by a test in `workdir` (its pid, logs and temp
    files there, as root or not), with `http` as the inside of its `http` block."""
    user = "user root;" if os.geteuid() == 0 else ""
    conf = workdir / "nginx.conf"
    temps = "\n".join(
        f"    {kind}_temp_path {workdir}/{kind.split('_')[-1]};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf.write_text(
        f"{user}\nworker_processes 1;\npid {workdir}/nginx.pid;\n"
        f"error_log {workdir}/nginx-error.log;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n{temps}\n{http}\n}}\n"
    )
    return conf


class Cluster:
    """Starts, kills and restarts the parts; `procs` maps a role name to its process."""

    def __init__(
        self, workdir: Path, accounts: list[Account], nodes: int, pg_url: str | None,
        speed: float = 4.0, kiosk: str = "", extra: str = "",
    ) -> None:  # fmt: skip
        self.dir = workdir
        self.accounts = accounts
        self.nodes = nodes
        self.pg_url = pg_url
        self.speed = speed
        self.kiosk = kiosk  # one kiosk token for every account (default: kiosk-<account>)
        self.extra = extra  # more TOML for every account's settings file (users, [api])
        self.nats = NatsServer(store_dir=workdir / "nats")
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.taken: set[int] = set()  # every port handed out for this cluster
        for a in accounts:
            if a.sim_port in self.taken:
                a.sim_port = fresh_port(self.taken)
            self.taken.add(a.sim_port)
            if a.ingest_port in self.taken:
                a.ingest_port = fresh_port(self.taken)
            self.taken.add(a.ingest_port)
        for a in accounts:
            a.web_port = _web_base(nodes, self.taken)
        self.config = workdir / "cluster.toml"
        self._write_config()

    def _write_config(self) -> None:
        lines = [f'nats_url = "{self.nats.url}"']
        if self.pg_url:
            lines.append(f'store_url = "{self.pg_url}"')
        for a in self.accounts:
            lines += [
                f"[accounts.{a.name}]",
                f'settings = "{a.name}.toml"',
                f"ingest_port = {a.ingest_port}",
                f"web_port = {a.web_port}",
            ]
            (self.dir / f"{a.name}.toml").write_text(self._source(a) + self._settings(a))
        self.config.write_text("\n".join(lines) + "\n")

    def _source(self, a: Account) -> str:
        if a.own_sim:  # the simulator in the ingest worker, its own API code per account
            return (
                f'source = "simulator"\n[simulator]\nport = 0\nagents = {a.agents}\n'
                f"queues = {a.queues}\nseed = {a.seed}\nspeed = {self.speed}\n"
                f'flat_curve = true\napi_code = "code-{a.name}"\n'
            )
        return (
            f'source = "vendor"\n'
            f"[vendor]\n"
            f'login_url = "{a.sim}/monitorAPI/Login"\n'
            f'refresh_url = "{a.sim}/monitorAPI/Login/Refresh"\n'
            f'username = "demo"\npassword = "demo"\nprotocol = "eio3"\n'
            f"backoff_min_seconds = 0.5\nbackoff_max_seconds = 2.0\n"
        )

    def _settings(self, a: Account) -> str:
        return (
            f'[store]\npath = "{self.dir / (a.name + ".db")}"\n'
            f'[cdr]\nbackfill = false\nsecret = "s-{a.name}"\n'
            f'[kiosk.tokens.tv]\ntoken = "{self.kiosk or "kiosk-" + a.name}"\n'
            # One web node serves every account from one process: one cookie secret.
            f'[web]\nstorage_secret = "s-cluster"\n'
            f"{self.extra}"
        )

    # ------------------------------------------------------------ processes

    def _spawn(self, role: str, *args: str) -> None:
        log = (self.dir / f"{role}.log").open("ab")
        self.procs[role] = subprocess.Popen(
            [sys.executable, "-m", "wallboard.cli", *args],
            cwd=ROOT, env=subprocess_env(PYTHONPATH=str(ROOT)), stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def start_sim(self, a: Account) -> None:
        cdr = a.hook
        self._spawn(
            f"sim-{a.name}", "simulate", "--port", str(a.sim_port), "--agents", str(a.agents),
            "--queues", str(a.queues), "--seed", str(a.seed), "--speed", str(self.speed),
            "--flat", "--cdr-url", cdr,
        )  # fmt: skip

    def start_ingest(self, a: Account) -> None:
        self._spawn(f"ingest-{a.name}", "ingest", "--config", str(self.config), "--account", a.name)

    def start_web(self, node: int) -> None:
        """Web node `node`: one process, every account (each on its `web_port + node`)."""
        self._spawn(f"web{node}", "web", "--config", str(self.config), "--node", str(node))

    def start(self) -> None:
        self.nats.start()
        for a in self.accounts:
            if not a.own_sim:
                self.start_sim(a)
        for a in self.accounts:
            self.start_ingest(a)
        for n in range(self.nodes):
            self.start_web(n)

    def kill(self, role: str) -> None:
        """SIGKILL, as a crash; then what a crash leaves (its simulator's Call Log, which
        the next start would remove) is removed, as the test's own mess."""
        p = self.procs.pop(role)
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        cleanup.sweep(CALLLOG_PREFIX)

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        self.procs.clear()
        self.nats.remove()


# ------------------------------------------------------------ what the boards show


async def get_json(s: aiohttp.ClientSession, url: str) -> Any:
    async with s.get(url, timeout=aiohttp.ClientTimeout(total=5)) as r:
        return await r.json()


async def set_speed(s: aiohttp.ClientSession, a: Account, factor: float) -> None:
    async with s.post(f"{a.sim}/sim/speed?factor={factor}") as r:
        assert r.status == 200, await r.text()


def floor_of_truth(truth: dict[str, Any]) -> dict[str, Any]:
    """Who is on which status with which calls, and who waits where: from the simulator."""
    return {
        "agents": {int(x): (a["status"], sorted(a["calls"])) for x, a in truth["agents"].items()},
        "waiting": {int(q): list(v["waiting"]) for q, v in truth["queues"].items()},
    }


def floor_of_state(state: dict[str, Any]) -> dict[str, Any]:
    """The same from a board's `/api/state`."""
    return {
        "agents": {
            a["extension"]: (a["status_code"], sorted(c["call_id"] for c in a["calls"]))
            for a in state["agents"]
        },
        "waiting": {q["queue_id"]: [c["call_id"] for c in q["waiting"]] for q in state["queues"]},
    }


async def wait_match(
    s: aiohttp.ClientSession, a: Account, nodes: list[int], timeout: float = 90.0
) -> float:
    """Seconds until every given web node of `a` shows the simulator's truth exactly."""
    t0 = time.monotonic()
    last: Any = None
    while time.monotonic() - t0 < timeout:
        try:
            truth = floor_of_truth(await get_json(s, f"{a.sim}/sim/truth"))
            states = [await get_json(s, f"{a.web(n)}/api/state") for n in nodes]
            last = [floor_of_state(st) for st in states]
            ok = all(
                st["connection"]["state"] == "connected" and f == truth
                for st, f in zip(states, last, strict=True)
            )
            if ok:
                return time.monotonic() - t0
        except (aiohttp.ClientError, TimeoutError, ValueError):
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"{a.name}: boards never matched the truth; last seen {last}")


async def wait_state(
    s: aiohttp.ClientSession, a: Account, node: int, pred: Any, timeout: float = 30.0
) -> float:
    """Seconds until `pred(state)` holds on one web node."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            if pred(await get_json(s, f"{a.web(node)}/api/state")):
                return time.monotonic() - t0
        except (aiohttp.ClientError, TimeoutError, ValueError):
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"{a.name} node {node}: state never reached the condition")


async def wait_up(s: aiohttp.ClientSession, url: str, timeout: float = 60.0) -> None:
    """Until `url` answers at all."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            async with s.get(url, timeout=aiohttp.ClientTimeout(total=2)) as r:
                await r.read()
                return
        except (aiohttp.ClientError, TimeoutError):
            await asyncio.sleep(0.2)
    raise AssertionError(f"{url} never answered")


async def published_sim_url(nats_url: str, account: str, timeout: float = 90.0) -> str:
    """The address an `own_sim` account's ingest worker wrote in its bucket (`sim.url`)."""
    import nats
    from nats.errors import Error as NatsError

    nc = await nats.connect(nats_url)
    try:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            try:
                kv = await nc.jetstream().key_value(bucket_name(account))
                entry = await kv.get(codec.SIM_URL)
                url = codec.decode_sim_url(entry.value or b"")
                if url is not None:
                    return url
            except NatsError:  # no bucket, no key yet
                pass
            await asyncio.sleep(0.3)
    finally:
        await nc.close()
    raise AssertionError(f"{account}: no {codec.SIM_URL} in its bucket")
