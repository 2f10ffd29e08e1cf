"""`wallboard web --config cluster.toml`: a web node — boards for its accounts, from NATS.

One process serves every account it is given (`--account`, repeatable; none: every
account of the file), each on its own port (`web_port + node`) and under its own routes
(web/site.py): an account costs the node a publisher and a NATS watch, not a process.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `wallboard web`."""
    p = sub.add_parser("web", help="cluster: a web node serving boards from NATS")
    # Read by cli.py's global options before this parser runs (so not `required` here:
    # it would never see it); load_cluster refuses a missing one.
    p.add_argument("--config", type=Path, default=None, help="the cluster file (TOML, required)")
    p.add_argument(
        "--account", action="append", default=None, help="serve this account (repeatable)"
    )
    p.add_argument("--node", type=int, default=0, help="this node's number: port = web_port + N")
    p.add_argument("--nats-url", default=None, help="instead of the file's nats_url")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Serve until stopped."""
    from wallboard.app import serve_web_node
    from wallboard.cluster.settings import load_cluster, node_settings

    cluster = load_cluster(args.config)
    accounts = args.account or sorted(cluster.accounts)
    nats_url = args.nats_url or cluster.nats_url
    serve_web_node(node_settings(args.config, cluster, accounts, args.node), nats_url)
    return 0
