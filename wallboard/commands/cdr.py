"""`wallboard cdr-server` (the CDR webhook, history and worklist without a live feed) and
`wallboard cdr quarantine list|show|replay` (bodies refused for their content)."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from wallboard.config import load_settings

__all__ = ["add_parser", "printable", "quarantine", "run"]


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
    q.add_argument(
        "--account", default="", help="on a shared PostgreSQL: the account (cluster name)"
    )
    c.set_defaults(handler=quarantine)


def run(args: argparse.Namespace) -> int:
    """Serve until stopped."""
    from wallboard.app import serve

    serve(load_settings(args.config))  # no feed: the live board stays empty
    return 0


def quarantine(args: argparse.Namespace) -> int:
    """List, show or replay quarantined bodies in the store the server uses (it may run)."""
    from wallboard.services.quarantine import replay
    from wallboard.store.db import QUARANTINE_KEEP
    from wallboard.store.select import server_store

    store = server_store(load_settings(args.config).store, args.account)

    async def main() -> int:
        limit = args.limit if args.action == "list" else QUARANTINE_KEEP
        rows = await store.quarantined(limit)
        if args.ids:
            rows = [r for r in rows if r.id in set(args.ids)]
        if args.action == "list":
            for r in rows:
                when = datetime.fromtimestamp(r.received, UTC).isoformat(timespec="seconds")
                print(f"{r.id}\t{when}\t{r.encoding}\t{len(r.raw)} B\t{printable(r.reason)}")
            print(f"{len(rows)} shown", file=sys.stderr)
            return 0
        if args.action == "show":
            for r in rows:
                print(f"# {r.id} {printable(r.content_type)} {printable(r.reason)}")
                sys.stdout.write(printable(r.raw.decode("utf-8", "backslashreplace")) + "\n")
            return 0 if rows else 1
        results = await replay(store, list(reversed(rows)))  # oldest first
        for x in results:
            print(f"{x.id}\t{'stored' if x.stored else 'still refused'}\t{printable(x.detail)}")
        return 0 if all(x.stored for x in results) else 1

    async def run_on_store() -> int:
        await store.start()
        try:
            return await main()
        finally:
            await store.stop()

    return asyncio.run(run_on_store())


# C0 and C1 controls but newline and tab (ESC starts a terminal's escape sequences; CR
# rewrites the line), and the bidirectional overrides that reorder what a terminal shows.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """A stored body as a terminal may show it: each control character as `\\xNN` or
    `\\uNNNN`, so a body cannot move the cursor, recolour or retitle the operator's terminal."""
    return _UNPRINTABLE.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text
    )
