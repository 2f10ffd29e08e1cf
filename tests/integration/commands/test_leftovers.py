"""Nothing left behind, as a user stops things: SIGTERM (systemd) and SIGINT (Ctrl-C) of
`simulate`, SIGTERM of `demo` and of `wallboard cluster` (NATS, two simulator-fed ingest workers, a
web node), and `kill -9` of `wallboard cluster`: no folder left in the temp dir, no
process left running. The cluster runs the shipped deploy/cluster files (ports moved to
free ones), whose two accounts each get their own store: the same CDR id posted to both
is stored for both.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import CDR, subprocess_env
from tests.integration.vendor_env import free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "deploy" / "cluster"


def _start(tmp: Path, *args: str, **env: str) -> tuple[subprocess.Popen[bytes], Path]:
    """A `wallboard` command with a temp dir and a data dir of its own."""
    temp = tmp / "temp"
    temp.mkdir(parents=True, exist_ok=True)
    environ = subprocess_env(TMPDIR=str(temp), WALLBOARD_DATA_DIR=str(tmp / "data"), **env)
    log = (tmp / "out.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "wallboard.cli", *args],
        cwd=tmp, env=environ, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    return proc, temp


def _until(what: str, ok: object, timeout: float = 90.0) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if ok() if callable(ok) else ok:
            return
        time.sleep(0.2)
    raise AssertionError(f"never: {what}")


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=3) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""


def _children(pid: int) -> set[int]:
    """Every process below `pid`."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = (task / "children").read_text().split()
            except OSError:
                continue
            for k in map(int, kids):
                if k not in found:
                    found.add(k)
                    todo.append(k)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _stopped_clean(proc: subprocess.Popen[bytes], temp: Path, kids: set[int]) -> None:
    proc.wait(timeout=60)
    _until("every child gone", lambda: not any(_alive(k) for k in kids), timeout=60)
    assert list(temp.iterdir()) == []


def test_sigterm_and_ctrl_c_of_simulate_and_sigterm_of_demo_leave_nothing(tmp_path: Path):
    for sig in (signal.SIGTERM, signal.SIGINT):
        where = tmp_path / f"sim-{sig.name}"
        sim, temp = _start(where, "simulate", "--port", "0", "--agents", "4")
        _until("the Call Log folder", lambda temp=temp: list(temp.glob("wallboard-sim-*")))
        sim.send_signal(sig)
        _stopped_clean(sim, temp, set())

    config = tmp_path / "demo.toml"
    config.write_text("[simulator]\nagents = 4\nqueues = 1\nhistory_days = 0\n")
    port = free_port()
    demo, temp = _start(
        tmp_path / "demo", "demo", "--config", str(config), WALLBOARD_WEB_PORT=str(port)
    )
    _until("the demo's board", lambda: _get(f"http://127.0.0.1:{port}/healthz")[0] == 200)
    calllogs = list(temp.glob("wallboard-sim-calllog-*"))
    assert calllogs
    demo.send_signal(signal.SIGTERM)
    _stopped_clean(demo, temp, set())
    assert not calllogs[0].exists()
    assert list((tmp_path / "demo" / "data").glob("demo-*")) == []  # its own store too


def _shipped_cluster(workdir: Path) -> tuple[Path, dict[str, int]]:
    """deploy/cluster's files as shipped, on free ports and with one web node."""
    workdir.mkdir(parents=True)
    ports: dict[str, int] = {}
    text = (SHIPPED / "cluster.toml").read_text()
    for key in ("nats_port", "ingest_port", "web_port"):

        def free(m: re.Match[str], key: str = key) -> str:
            port = free_port()
            ports[f"{key}:{m.group(1)}"] = port
            return f"{key} = {port}"

        text = re.sub(rf"^{key} = (\d+)", free, text, flags=re.M)
    nats = ports[next(k for k in ports if k.startswith("nats_port"))]
    text = re.sub(r'^nats_url = ".*"', f'nats_url = "nats://127.0.0.1:{nats}"', text, flags=re.M)
    text = re.sub(r"^web_nodes = \d+", "web_nodes = 1", text, flags=re.M)
    (workdir / "cluster.toml").write_text(text)
    for name in ("acme.toml", "globex.toml"):
        (workdir / name).write_text((SHIPPED / name).read_text())
    ingest = {
        acct: ports[f"ingest_port:{default}"]
        for acct, default in (("acme", "8201"), ("globex", "8202"))
    }
    return workdir / "cluster.toml", ingest


def _post(port: int, body: bytes) -> int:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/vendor/cdr/s-shared",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return e.code


def _stored(db: Path, call_id: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(
            conn.execute("SELECT count(*) FROM cdr WHERE ivruniqueid=?", (call_id,)).fetchone()[0]
        )
    finally:
        conn.close()


def test_cluster_keeps_accounts_apart_and_leaves_nothing_on_sigterm_or_kill_9(tmp_path: Path):
    config, ingest = _shipped_cluster(tmp_path / "run1")
    # One secret for both accounts' webhooks (each its own file otherwise).
    env = {"WALLBOARD_CDR_SECRET": "s-shared"}
    proc, temp = _start(tmp_path / "run1", "cluster", "--config", str(config), **env)

    def leading(port: int) -> bool:
        _, body = _get(f"http://127.0.0.1:{port}/readyz")
        return bool(body) and json.loads(body).get("role") == "leader"

    for port in ingest.values():
        _until(f"the ingest worker on {port} leads", lambda port=port: leading(port))
    assert len(list(temp.glob("wallboard-sim-calllog-*"))) == 2
    # The same CDR id for both accounts: each account stores its own.
    body = json.loads((CDR / "incoming-queue-answer.json").read_text())
    body["ivruniqueid"] = "same-id-in-two-accounts"
    for port in ingest.values():
        assert _post(port, json.dumps(body).encode()) == 200
    data = tmp_path / "run1" / "data"
    for account in ingest:
        assert _stored(data / f"wallboard-{account}.db", "same-id-in-two-accounts") == 1
    assert not (data / "wallboard.db").exists()  # no file shared by the accounts

    kids = _children(proc.pid)
    assert len(kids) >= 4  # NATS, two ingest workers, a web node
    proc.send_signal(signal.SIGTERM)
    _stopped_clean(proc, temp, kids)

    # kill -9: no chance to stop anything itself; its children stop all the same.
    config, ingest = _shipped_cluster(tmp_path / "run2")
    proc, temp = _start(tmp_path / "run2", "cluster", "--config", str(config), **env)
    # Running, each ingest worker with its simulator's folder made.
    _until("both simulators' folders", lambda: len(list(temp.glob("wallboard-sim-*"))) == 2)
    kids = _children(proc.pid)
    assert len(kids) >= 4
    os.kill(proc.pid, signal.SIGKILL)
    _stopped_clean(proc, temp, kids)
