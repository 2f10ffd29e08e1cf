"""`wallboard web --config cluster.toml`: a web node — boards for its accounts, from NATS.

NiceGUI keeps each browser's state in its process and serves one app per process, so a
web node serves each account from a process of its own (on `web_port + node`): with one
`--account` it is that process; with several (or none: every account) it starts one per
account and stops them together.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from wallboard.commands.children import run_children, wallboard_cli

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
    from wallboard.cluster.settings import account_settings, load_cluster

    cluster = load_cluster(args.config)
    accounts = args.account or sorted(cluster.accounts)
    nats_url = args.nats_url or cluster.nats_url
    if len(accounts) > 1:
        return _one_process_each(args, accounts, nats_url)
    from wallboard.app import serve_web_node

    (account,) = accounts
    settings = account_settings(args.config, cluster, account)
    port = cluster.accounts[account].web_port + args.node
    settings = settings.model_copy(update={"web": settings.web.model_copy(update={"port": port})})
    serve_web_node(settings, account, nats_url)
    return 0


def _one_process_each(args: argparse.Namespace, accounts: list[str], nats_url: str) -> int:
    common = ["--config", str(args.config), "--node", str(args.node), "--nats-url", nats_url]
    return run_children([wallboard_cli("web", *common, "--account", a) for a in accounts])
