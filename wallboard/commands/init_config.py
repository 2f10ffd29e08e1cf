"""`wallboard init-config [PATH]`: write the documented example settings to start from."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wallboard.config import example_config

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `wallboard init-config`."""
    p = sub.add_parser("init-config", help="write the documented example settings file")
    p.add_argument(
        "path", type=Path, nargs="?", default=None, help="where to write it (default: stdout)"
    )
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the example, or write it to PATH (never over an existing file without --force)."""
    text = example_config()
    path: Path | None = args.path
    if path is None:
        sys.stdout.write(text)
        return 0
    if path.exists() and not args.force:
        print(f"wallboard init-config: {path} exists (use --force to replace it)", file=sys.stderr)
        return 1
    path.write_text(text, encoding="utf-8")
    print(f"wallboard init-config: wrote {path}; then `wallboard run --config {path}`")
    return 0
