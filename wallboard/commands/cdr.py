"""`wallboard cdr-server`: the CDR webhook, history and worklist without a live feed."""

from __future__ import annotations

import argparse
from pathlib import Path

from wallboard.config import load_settings

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "cdr-server", help="serve the CDR webhook, history and worklist (no live connection)"
    )
    p.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Serve until stopped."""
    from wallboard.app import serve

    serve(load_settings(args.config))  # no feed: the live board stays empty
    return 0
