"""`wallboard backup DEST` and `wallboard restore BACKUP`: the store the server uses, copied
consistently while it runs, and put back while it is stopped (docs/operations.md)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from wallboard.config import StoreSettings, load_settings
from wallboard.store.backup import Copied, backup_sqlite, restore_sqlite

__all__ = ["add_parser", "restore", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `wallboard backup` and `wallboard restore`."""
    p = sub.add_parser(
        "backup",
        help="copy the server's store to DEST (SQLite online backup, or pg_dump's custom"
        " format for [store] url); safe while the server runs",
    )
    p.add_argument("dest", type=Path, help="the backup file to write (replaced if it exists)")
    p.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    p.set_defaults(handler=run)
    r = sub.add_parser(
        "restore",
        help="put a backup in place of the server's store (stop the server first)",
    )
    r.add_argument("backup", type=Path, help="a file written by `wallboard backup`")
    r.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    r.set_defaults(handler=restore)


def _url(settings: StoreSettings) -> str:
    return settings.url.get_secret_value() if settings.url is not None else ""


def run(args: argparse.Namespace) -> int:
    """Copy the store the server would use — `[store] url`, `[store] path`, or wallboard.db
    in the data directory — to DEST, its folder made if need be."""
    settings = load_settings(args.config).store
    url = _url(settings)
    if url:
        from wallboard.store.pgbackup import backup_postgres

        copied = asyncio.run(backup_postgres(url, args.dest))
        kind = "PostgreSQL database"
    else:
        copied = backup_sqlite(settings.resolved_path(), args.dest)
        kind = "SQLite database"
    print(f"wallboard backup: copied the {kind} {copied.source} to {copied.dest} ({_cdrs(copied)})")
    return 0


def restore(args: argparse.Namespace) -> int:
    """Replace the server's store with a backup (the server must be stopped)."""
    settings = load_settings(args.config).store
    url = _url(settings)
    if url:
        from wallboard.store.pgbackup import restore_postgres

        copied = asyncio.run(restore_postgres(args.backup, url))
    else:
        copied = restore_sqlite(args.backup, settings.resolved_path())
    print(f"wallboard restore: {copied.source} is now {copied.dest} ({_cdrs(copied)})")
    return 0


def _cdrs(copied: Copied) -> str:
    """ "723 CDRs", and per account on a shared database: "723 CDRs: acme 500, globex 223"."""
    text = f"{copied.cdrs} CDRs"
    if copied.by_account and (len(copied.by_account) > 1 or "" not in copied.by_account):
        text += ": " + ", ".join(f"{a or '(default)'} {n}" for a, n in copied.by_account.items())
    return text
