"""wallboard: a real-time call-centre wallboard for Voicenter.

Start with `wallboard demo` (a simulated floor) or `wallboard init-config wallboard.toml`
(connect your Voicenter account), then `wallboard run --config wallboard.toml`.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TextIO

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


# An example a newcomer can copy, per command; a command not listed here shows the first
# `wallboard …` of its module's docstring.
_EXAMPLES = {
    "run": "wallboard run --config wallboard.toml",
    "demo": "wallboard demo --agents 200 --queues 20     # then open the address it prints",
    "init-config": "wallboard init-config wallboard.toml       # asks, on a terminal",
    "check-config": "wallboard check-config --config wallboard.toml; echo $?",
    "simulate": "wallboard simulate --port 8090 --scenario surge",
    "replay": "wallboard replay events-20261201-001.jsonl --serve --speed 10",
    "hash-password": "wallboard hash-password < password.txt",
    "config-reference": "wallboard config-reference --output docs/configuration.md",
    "cdr-server": "wallboard cdr-server --config wallboard.toml",
    "cdr": "wallboard cdr quarantine list --config wallboard.toml",
    "cdr quarantine": "wallboard cdr quarantine show 12 --config wallboard.toml",
    "backup": "wallboard backup --config wallboard.toml /var/backups/wallboard/wallboard.db",
    "ingest": "wallboard ingest --config deploy/cluster/cluster.toml --account acme",
}
# Variables a command reads besides WALLBOARD_<SECTION>_<KEY> (which every command reads).
_ENVIRONMENT = {
    "run": [
        ("WALLBOARD_VENDOR_PASSWORD", "the vendor password (or WALLBOARD_VENDOR_TOKEN)"),
        ("WALLBOARD_CDR_SECRET", "the CDR webhook's secret (without it the webhook is off)"),
        ("WALLBOARD_WEB_STORAGE_SECRET", "signs login sessions (they survive restarts)"),
        ("WALLBOARD_WEB_HOST/_PORT", "where the boards are served (127.0.0.1:8080)"),
    ],
    "check-config": [
        ("WALLBOARD_VENDOR_PASSWORD", "the vendor password (or WALLBOARD_VENDOR_TOKEN)"),
    ],
    "demo": [
        ("WALLBOARD_WEB_HOST", "where the boards are served (127.0.0.1)"),
        ("WALLBOARD_WEB_PORT", "the port (8080)"),
    ],
}
_COMMON_ENVIRONMENT = [
    ("WALLBOARD_<SECTION>_<KEY>", "any settings key, e.g. WALLBOARD_WEB_PORT (wins over the file)"),
    ("WALLBOARD_ENV_FILE", "a file of such NAME=value lines (also: env_file in the settings)"),
    ("WALLBOARD_DATA_DIR", "the database and login sessions (~/.local/share/wallboard)"),
]


def _example(name: str, module: ModuleType) -> str:
    """The example of `_EXAMPLES`, else the docstring's first `wallboard <name>…`."""
    if name in _EXAMPLES:
        return _EXAMPLES[name]
    found = re.search(rf"`(wallboard {re.escape(name)}\b[^`]*)`", module.__doc__ or "")
    return found.group(1) if found else f"wallboard {name} --config wallboard.toml"


def _explain(name: str, parser: argparse.ArgumentParser, module: ModuleType) -> None:
    """Give a command's --help its description, an example and its environment variables."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    if parser.description is None:
        parser.description = inspect.cleandoc(module.__doc__ or "")
    env = [*_ENVIRONMENT.get(name, []), *_COMMON_ENVIRONMENT]
    width = max(len(k) for k, _ in env)
    lines = ["example:", f"  {_example(name, module)}", "", "environment:"]
    lines += [f"  {k:<{width}}  {v}" for k, v in env]
    lines += ["", "every key: docs/configuration.md (or `wallboard config-reference`)"]
    parser.epilog = "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wallboard", description=__doc__)
    _add_global_options(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    for command in _COMMANDS:
        before = set(sub.choices)
        command.add_parser(sub)
        for name in sorted(set(sub.choices) - before):
            _explain_all(name, sub.choices[name], command)
    return parser


def _explain_all(name: str, parser: argparse.ArgumentParser, module: ModuleType) -> None:
    """`_explain` a command and its own sub-commands (`cdr quarantine list`), by full name."""
    _explain(name, parser, module)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub_parser in action.choices.items():
                _explain_all(f"{name} {sub_name}", sub_parser, module)


class _Prefixed:
    """stderr with every line starting `wallboard <command>: ` (unless it already does), so
    each command's messages say where they come from without each command saying it."""

    def __init__(self, stream: TextIO, prefix: str) -> None:
        self.stream, self.prefix = stream, prefix
        self.at_start = True

    def write(self, text: str) -> int:
        out = []
        for part in text.splitlines(keepends=True):
            if self.at_start and part.strip() and not part.startswith(self.prefix):
                out.append(self.prefix)
            out.append(part)
            self.at_start = part.endswith("\n")
        self.stream.write("".join(out))
        return len(text)

    def __getattr__(self, name: str) -> object:  # flush, fileno, isatty, encoding, ...
        return getattr(self.stream, name)


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
    if argv is None:  # a process of its own (not a test's call): SIGTERM/SIGINT clean up
        from wallboard.runtime import cleanup

        cleanup.install()
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
    _setup_logging(args, args.config)  # the log handler keeps the plain stderr
    handler: Callable[[argparse.Namespace], int] = args.handler
    plain_stderr = sys.stderr
    sys.stderr = _Prefixed(plain_stderr, f"wallboard {args.command}: ")
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
        sys.stderr = plain_stderr
        if ours:  # called in-process (tests): leave the environment as it was
            os.environ.pop("NICEGUI_STORAGE_PATH", None)


if __name__ == "__main__":
    sys.exit(main())
