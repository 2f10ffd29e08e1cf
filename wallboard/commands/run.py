"""`wallboard run --config FILE`: the live wallboard — vendor connector plus the web app.

With `source = "vendor"` it logs in to Voicenter with `[vendor]`; with `source =
"simulator"` (the documented example's, and the default) it shows the built-in simulated
floor exactly as `wallboard demo` does, and says so first, so a file fresh from
`wallboard init-config` starts as the message that wrote it promised.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from wallboard.config import load_settings
from wallboard.errors import ConfigError
from wallboard.voicenter.login import check_credentials

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `wallboard run`."""
    p = sub.add_parser("run", help="connect to the vendor and serve the boards")
    p.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Serve the boards from the vendor (or the simulator) until stopped."""
    settings = load_settings(args.config)
    where = str(args.config) if args.config else "(defaults + environment)"
    if settings.source == "simulator":
        print(
            f'wallboard run: source = "simulator" in {where}: showing the built-in simulated '
            "floor, not a Voicenter account (`wallboard init-config FILE` connects yours)",
            flush=True,
        )
        return _simulated(args)
    try:  # a missing password is a clear error at start, not a dead board later
        check_credentials(settings.vendor)
    except ConfigError as e:
        raise ConfigError(where, e.key, e.problem) from None
    from wallboard.app import serve_live

    serve_live(settings)
    return 0


def _simulated(args: argparse.Namespace) -> int:
    """`wallboard demo` with its defaults and this file: the simulator through the real
    connector, the board on `[web]`."""
    from wallboard.commands import demo
    from wallboard.commands.simulate import add_options

    parser = argparse.ArgumentParser(add_help=False)
    add_options(parser)
    demo_args = parser.parse_args([])
    demo_args.config, demo_args.command = args.config, args.command
    return demo.run(demo_args)
