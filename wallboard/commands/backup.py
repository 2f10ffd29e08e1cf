"""`wallboard backup DEST`: a consistent copy of the database, safe while the server runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from wallboard.config import load_settings
from wallboard.store.backup import backup_database

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `wallboard backup`."""
    p = sub.add_parser(
        "backup", help="copy the database to DEST (SQLite online backup; safe while running)"
    )
    p.add_argument("dest", type=Path, help="the backup file to write (replaced if it exists)")
    p.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Copy `[store] path` (or the data directory's database) to DEST."""
    source = load_settings(args.config).store.resolved_path()
    count = backup_database(source, args.dest)
    print(f"wallboard backup: {source} → {args.dest} ({count} CDRs)")
    return 0
