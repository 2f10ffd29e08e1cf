"""One writer per account, with real processes: NATS, PostgreSQL, the account's simulator
(as the vendor), Debian's nginx in front of two ingest workers' webhooks (as an operator
runs them: the vendor's posts go to whichever answers, a standby refuses them), and a
web node showing the board.

Two ingest workers for one account: one leads and writes, the other waits as a standby
(`/readyz` 503 "standby", `wallboard_ingest_leader` 0) and takes no CDR. `kill -9` of the
leader: the standby leads within 10 s. A new standby; the leader frozen (SIGSTOP): the
standby leads within 10 s; the frozen one resumed writes nothing (the paused floor's
board keeps the truth) and exits with 75. Throughout, the board shows exactly one
worker's figures. Times are printed with `-s`.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from tests.integration.cluster.env import (
    Account,
    Cluster,
    abandoned_cdr,
    fresh_port,
    get_json,
    nginx_conf,
    set_speed,
    wait_match,
    wait_up,
)
from wallboard.cluster.roles import LEASE_LOST_EXIT

pytestmark = pytest.mark.integration

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TAKEOVER_LIMIT = 10.0  # seconds: what the lease promises (TTL 5 s + a standby's poll)


def _nginx(workdir: Path, port: int, upstreams: list[int]) -> subprocess.Popen[bytes]:
    """The vendor's way in: both workers' webhooks, the next one tried on a refusal."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in upstreams)
    conf = nginx_conf(
        workdir,
        f"""    access_log off;
    upstream ingest {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://ingest;
            proxy_next_upstream error timeout http_503 non_idempotent;
            proxy_connect_timeout 2s;
        }}
    }}""",
    )
    return subprocess.Popen([NGINX, "-c", str(conf), "-p", str(workdir), "-g", "daemon off;"])


async def _role(s: aiohttp.ClientSession, port: int) -> str | None:
    try:
        async with s.get(
            f"http://127.0.0.1:{port}/readyz", timeout=aiohttp.ClientTimeout(total=3)
        ) as r:
            return str((await r.json()).get("role"))
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None


async def _until_role(
    s: aiohttp.ClientSession, port: int, want: str, timeout: float = 60.0
) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if await _role(s, port) == want:
            return time.monotonic() - t0
        await asyncio.sleep(0.1)
    raise AssertionError(f"worker on {port} never became {want}")


async def _leader_gauge(s: aiohttp.ClientSession, port: int) -> float:
    async with s.get(f"http://127.0.0.1:{port}/metrics") as r:
        found = re.search(r"^wallboard_ingest_leader (\S+)$", await r.text(), re.M)
    assert found, "wallboard_ingest_leader missing"
    return float(found.group(1))


def _figures(state: dict[str, Any]) -> dict[int, tuple[int, int, int]]:
    return {
        q["queue_id"]: (q["today"]["offered"], q["today"]["answered"], q["today"]["abandoned"])
        for q in state["queues"]
    }


async def _one_writers_board(
    s: aiohttp.ClientSession, a: Account, leader_port: int, timeout: float = 30.0
) -> dict[int, tuple[int, int, int]]:
    """The board's figures once they are the leader's own (a paused floor)."""
    t0 = time.monotonic()
    board: Any = None
    own: Any = None
    while time.monotonic() - t0 < timeout:
        board = _figures(await get_json(s, f"{a.web(0)}/api/state"))
        own = _figures(await get_json(s, f"http://127.0.0.1:{leader_port}/api/state"))
        if board == own:
            return board
        await asyncio.sleep(0.3)
    raise AssertionError(f"board {board} is not the leader's {own}")


async def _counts_at_least(
    s: aiohttp.ClientSession, port: int, floor: dict[int, tuple[int, int, int]]
) -> None:
    """Until the worker at `port` counts at least `floor`'s calls in each queue (bounded)."""
    own: Any = None
    t0 = time.monotonic()
    while time.monotonic() - t0 < 120.0:
        own = _figures(await get_json(s, f"http://127.0.0.1:{port}/api/state"))
        if all(
            all(n >= m for n, m in zip(own.get(q, (0, 0, 0)), want, strict=True))
            for q, want in floor.items()
        ):
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"calls lost in the takeover: {own} against {floor} before")


async def _drained(s: aiohttp.ClientSession, a: Account, timeout: float = 60.0) -> None:
    """Until the simulator has no CDR waiting for delivery."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if (await get_json(s, f"{a.sim}/sim/status"))["cdrs_pending"] == 0:
            return
        await asyncio.sleep(0.3)
    raise AssertionError("CDRs never delivered")


async def test_one_writer_per_account_and_the_standby_takes_over(tmp_path: Path, pg_url: str):
    if not Path(NGINX).exists():
        pytest.fail("nginx is required: `make lb` installs Debian's nginx-light")
    acme = Account("acme", agents=10, queues=2, seed=11)
    cluster = Cluster(tmp_path, [acme], 1, pg_url)
    # The second worker of the account: the same cluster file but its own webhook port.
    port_a, port_b, hook_port = (
        acme.ingest_port,
        fresh_port(cluster.taken),
        fresh_port(cluster.taken),
    )
    text = cluster.config.read_text()
    config_b = tmp_path / "cluster-b.toml"
    config_b.write_text(text.replace(f"ingest_port = {port_a}", f"ingest_port = {port_b}"))
    configs = {port_a: cluster.config, port_b: config_b}

    def worker(name: str, port: int) -> None:
        args = ("ingest", "--config", str(configs[port]), "--account", "acme")
        cluster._spawn(name, *args)

    times: dict[str, float] = {}
    nginx = _nginx(tmp_path, hook_port, [port_a, port_b])
    cluster.nats.start()
    hook = f"http://127.0.0.1:{hook_port}/vendor/cdr/s-acme"
    cluster._spawn(
        "sim-acme", "simulate", "--port", str(acme.sim_port), "--agents", "10", "--queues",
        "2", "--seed", "11", "--speed", "4", "--flat", "--cdr-url", hook,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as s:
            await wait_up(s, f"{acme.sim}/sim/status")
            worker("a1", port_a)
            await _until_role(s, port_a, "leader")
            worker("b1", port_b)
            cluster.start_web(0)
            await wait_up(s, f"http://127.0.0.1:{port_b}/healthz")
            # One leads, the other waits, and says so; the standby takes no CDR.
            assert await _role(s, port_b) == "standby"
            assert await _leader_gauge(s, port_a) == 1 and await _leader_gauge(s, port_b) == 0
            refused = f"lease-{uuid.uuid4().hex[:10]}"
            async with s.post(
                f"http://127.0.0.1:{port_b}/vendor/cdr/s-acme", data=abandoned_cdr(refused),
                headers={"Content-Type": "application/json"},
            ) as r:  # fmt: skip
                assert r.status == 503 and "standby" in await r.text()
            await set_speed(s, acme, 0)
            await wait_match(s, acme, [0])
            before = await _one_writers_board(s, acme, port_a)

            # 1. The leader dies (kill -9): the standby leads, the board is its figures.
            await set_speed(s, acme, 4)
            cluster.kill("a1")
            times["kill -9 → standby leads"] = await _until_role(s, port_b, "leader")
            # A call the old leader counted from the live events while it was still going
            # reaches the new one as its CDR when it ends: let the floor run until then.
            await set_speed(s, acme, 16)
            await _counts_at_least(s, port_b, before)
            await set_speed(s, acme, 0)
            await _drained(s, acme)
            times["kill -9 → board matches the floor"] = times[
                "kill -9 → standby leads"
            ] + await wait_match(s, acme, [0])
            after = await _one_writers_board(s, acme, port_b)
            for qid, (offered, answered, abandoned) in before.items():
                o, an, ab = after[qid]  # nothing lost; each call counted once (below)
                assert o >= offered and an >= answered and ab >= abandoned, (before, after)

            # 2. A new standby; the leader freezes (SIGSTOP): the standby leads; the old
            # leader, resumed, writes nothing (the still floor's board stays true) and ends.
            worker("a2", port_a)
            await _until_role(s, port_a, "standby")
            await set_speed(s, acme, 4)
            frozen = cluster.procs["b1"]
            os.killpg(frozen.pid, signal.SIGSTOP)
            try:
                times["SIGSTOP → standby leads"] = await _until_role(s, port_a, "leader")
                await set_speed(s, acme, 0)
                await _drained(s, acme)
                await wait_match(s, acme, [0])
            finally:
                os.killpg(frozen.pid, signal.SIGCONT)
            t0 = time.monotonic()
            assert await asyncio.to_thread(frozen.wait, 60) == LEASE_LOST_EXIT
            times["resumed old leader → exited"] = time.monotonic() - t0
            await wait_match(s, acme, [0], timeout=5)
            await _one_writers_board(s, acme, port_a)
            assert await _leader_gauge(s, port_a) == 1

        conn = await asyncpg.connect(pg_url)
        try:
            dup = await conn.fetchval(
                "SELECT count(*) FROM (SELECT 1 FROM cdr GROUP BY account, ivruniqueid, type"
                " HAVING count(*) > 1) d"
            )
            kept = await conn.fetchval("SELECT count(*) FROM cdr WHERE ivruniqueid=$1", refused)
        finally:
            await conn.close()
        assert dup == 0 and kept == 0
    finally:
        cluster.stop()
        nginx.terminate()
        nginx.wait(timeout=10)
    print("\nlease takeover (s):")
    for what, secs in times.items():
        print(f"  {what}: {secs:.1f}")
