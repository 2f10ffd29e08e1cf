"""`wallboard run --config FILE`: the live wallboard — vendor connector plus the web app."""

from __future__ import annotations

import argparse
from pathlib import Path

from wallboard.config import load_settings
from wallboard.errors import ConfigError
from wallboard.voicenter.login import check_credentials

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="connect to the vendor and serve the boards")
    p.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    try:  # a missing password is a clear error at start, not a dead board later
        check_credentials(settings.vendor)
    except ConfigError as e:
        where = str(args.config) if args.config else "(defaults + environment)"
        raise ConfigError(where, e.key, e.problem) from None
    from wallboard.app import serve_live

    serve_live(settings)
    return 0
