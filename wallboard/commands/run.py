"""`wallboard run --config FILE`: the live wallboard — vendor connector plus the web app."""

from __future__ import annotations

import argparse
from pathlib import Path

from wallboard.config import load_settings
from wallboard.errors import ConfigError
from wallboard.runtime.hub import Hub
from wallboard.runtime.tasks import TaskOwner
from wallboard.voicenter.connector import Connector
from wallboard.voicenter.ingest import FrameParser
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
    hub = Hub(settings.fold_settings())
    owner = TaskOwner("run")

    async def start() -> None:
        owner.start("connector", Connector(settings.vendor, FrameParser(hub)).run())

    from wallboard.web.app import serve

    serve(hub, settings, on_startup=start, on_shutdown=owner.close)
    return 0
