"""`wallboard cdr-server` (the CDR webhook, history and worklist without a live feed) and
`wallboard cdr quarantine list|show|replay` (bodies refused for their content)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from wallboard.config import load_settings

__all__ = ["add_parser", "quarantine", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "cdr-server", help="serve the CDR webhook, history and worklist (no live connection)"
    )
    p.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    p.set_defaults(handler=run)
    c = sub.add_parser("cdr", help="CDR store maintenance (the quarantine)")
    c.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    q = c.add_subparsers(dest="cdr_command", required=True).add_parser(
        "quarantine", help="bodies the webhook refused for their content (Err 1)"
    )
    q.add_argument("action", choices=["list", "show", "replay"])
    q.add_argument("ids", nargs="*", type=int, help="quarantine ids (replay: none = all)")
    q.add_argument("--limit", type=int, default=50, help="list: how many, newest first")
    c.set_defaults(handler=quarantine)


def run(args: argparse.Namespace) -> int:
    """Serve until stopped."""
    from wallboard.app import serve

    serve(load_settings(args.config))  # no feed: the live board stays empty
    return 0


def quarantine(args: argparse.Namespace) -> int:
    """List, show or replay quarantined bodies in `[store] path` (the server may run)."""
    from wallboard.services.quarantine import replay
    from wallboard.store.db import QUARANTINE_KEEP, Store

    settings = load_settings(args.config)
    store = Store(settings.store.path)

    async def main() -> int:
        limit = args.limit if args.action == "list" else QUARANTINE_KEEP
        rows = await store.quarantined(limit)
        if args.ids:
            rows = [r for r in rows if r.id in set(args.ids)]
        if args.action == "list":
            for r in rows:
                when = datetime.fromtimestamp(r.received, UTC).isoformat(timespec="seconds")
                print(f"{r.id}\t{when}\t{r.encoding}\t{len(r.raw)} B\t{r.reason}")
            print(f"{len(rows)} shown", file=sys.stderr)
            return 0
        if args.action == "show":
            for r in rows:
                print(f"# {r.id} {r.content_type} {r.reason}")
                sys.stdout.write(r.raw.decode("utf-8", "backslashreplace") + "\n")
            return 0 if rows else 1
        results = await replay(store, list(reversed(rows)))  # oldest first
        for x in results:
            print(f"{x.id}\t{'stored' if x.stored else 'still refused'}\t{x.detail}")
        return 0 if all(x.stored for x in results) else 1

    store.open()
    try:
        return asyncio.run(main())
    finally:
        store.close()
