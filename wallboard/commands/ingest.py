"""`wallboard ingest --config cluster.toml --account NAME`: one account's ingest worker."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `wallboard ingest`."""
    p = sub.add_parser(
        "ingest", help="cluster: one account's vendor link, fold and webhook, written to NATS"
    )
    # Read by cli.py's global options before this parser runs (so not `required` here:
    # it would never see it); load_cluster refuses a missing one.
    p.add_argument("--config", type=Path, default=None, help="the cluster file (TOML, required)")
    p.add_argument("--account", required=True, help="which account of the cluster file")
    p.add_argument("--nats-url", default=None, help="instead of the file's nats_url")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Serve one account's ingest worker until stopped (a standby until it holds the
    account's lease); exit 75 after losing the lease to another worker."""
    from wallboard.app import serve_ingest
    from wallboard.cluster.settings import account_settings, check_stores, load_cluster
    from wallboard.commands.demo import vendor_settings_for
    from wallboard.voicenter.login import check_credentials

    cluster = load_cluster(args.config)
    check_stores(args.config, cluster)
    settings = account_settings(args.config, cluster, args.account)
    entry = cluster.accounts[args.account]
    settings = settings.model_copy(
        update={"web": settings.web.model_copy(update={"port": entry.ingest_port})}
    )
    if settings.source == "vendor":
        check_credentials(settings.vendor)
    sim = settings.simulator
    login = (sim.username, sim.password.get_secret_value())
    return serve_ingest(
        settings,
        args.account,
        args.nats_url or cluster.nats_url,
        lambda url: vendor_settings_for(url, *login),
    )
