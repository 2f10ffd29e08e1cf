"""Entry point: `wallboard run | demo | simulate | replay | check-config | backup | init-config`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from wallboard.commands import (
    backup,
    cdr,
    check_config,
    cluster,
    config_reference,
    demo,
    hash_password,
    ingest,
    init_config,
    replay,
    run,
    simulate,
    web,
)
from wallboard.errors import ConfigError, WallboardError

__all__ = ["main"]

_COMMANDS = [
    replay,
    run,
    check_config,
    simulate,
    demo,
    cdr,
    hash_password,
    backup,
    init_config,
    config_reference,
    ingest,
    web,
    cluster,
]


def _add_global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    parser.add_argument(
        "--log-format", choices=["text", "json"], default=None, help="log lines ([log] format)"
    )


def _global_parser() -> argparse.ArgumentParser:
    """The options every command takes, before or after the sub-command's name."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    _add_global_options(parser)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wallboard", description=__doc__)
    _add_global_options(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    for command in _COMMANDS:
        command.add_parser(sub)
    return parser


def _setup_logging(args: argparse.Namespace, config: Path | None) -> None:
    """Text or JSON lines, secrets of the settings redacted; a bad config is left to the
    command, which reports every problem in it."""
    from wallboard.config import load_settings, secrets_of
    from wallboard.runtime.logs import setup_logging

    fmt, level, secrets = "text", "INFO", []
    try:
        settings = load_settings(config)
        fmt, level, secrets = settings.log.format, settings.log.level, secrets_of(settings)
    except ConfigError:
        pass
    setup_logging(
        args.log_format or fmt,  # type: ignore[arg-type]
        "DEBUG" if args.verbose else level,
        secrets,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; a `WallboardError` becomes clear lines and exit code 2."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # `--config`, `--log-format` and `-v` wherever they are (`wallboard --config F run` as
    # well as `wallboard run --config F`): taken out first, the rest parsed as usual.
    opts, rest = _global_parser().parse_known_args(argv)
    args = build_parser().parse_args(rest)
    for name in ("config", "log_format", "verbose"):
        setattr(args, name, getattr(opts, name))
    from wallboard.config import data_dir

    # NiceGUI keeps its session storage in ./.nicegui unless told otherwise: into the data
    # directory, so running from any folder writes nothing there.
    ours = "NICEGUI_STORAGE_PATH" not in os.environ
    if ours:
        os.environ["NICEGUI_STORAGE_PATH"] = str(data_dir() / "nicegui")
    _setup_logging(args, args.config)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except WallboardError as e:
        lines = str(e).splitlines() or [""]
        for line in lines:
            print(f"wallboard {args.command}: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: the server has shut down cleanly; no traceback
        return 130
    finally:
        if ours:  # called in-process (tests): leave the environment as it was
            os.environ.pop("NICEGUI_STORAGE_PATH", None)


if __name__ == "__main__":
    sys.exit(main())
