"""Entry point: `wallboard run | demo | simulate | replay | check-config`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from wallboard.commands import (
    cdr,
    check_config,
    cluster,
    demo,
    hash_password,
    ingest,
    replay,
    run,
    simulate,
    web,
)
from wallboard.errors import WallboardError

__all__ = ["main"]

_COMMANDS = [replay, run, check_config, simulate, demo, cdr, hash_password, ingest, web, cluster]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wallboard", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in _COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; a `WallboardError` becomes one clear line and exit code 2."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except WallboardError as e:
        print(f"wallboard {args.command}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
