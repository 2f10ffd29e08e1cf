"""`wallboard backup` and `wallboard restore` on PostgreSQL: `pg_dump` and `pg_restore`.

The dump is PostgreSQL's custom format (compressed, restored selectively or whole by
`pg_restore`), of the whole database: every account's rows. Its CDR count is exact: the
count and the dump read the same snapshot (`pg_export_snapshot`, `pg_dump --snapshot`),
so "723 CDRs" is what the file holds even while ingest workers keep writing. The password
never goes on a command line (where `ps` shows it): `pg_dump` gets the URL without it and
the password in `PGPASSWORD`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from wallboard.errors import StoreError
from wallboard.store.backup import Copied, target_folder
from wallboard.store.postgres import redact_url

__all__ = ["backup_postgres", "restore_postgres"]

_COUNT = "SELECT account, count(*) FROM cdr GROUP BY account ORDER BY account"


def _tool(name: str, example: str) -> str:
    """The path of `pg_dump`/`pg_restore`, or an error that says what to run instead."""
    found = shutil.which(name)
    if found is None:
        raise StoreError(
            f"{name} not found: install PostgreSQL's client tools (Debian: apt-get install"
            f" postgresql-client, the server's major version or newer), or run it yourself:"
            f" {example}"
        )
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and the environment that carries the password."""
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password is None:
        return url, env
    env["PGPASSWORD"] = parts.password
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), env


async def _run(args: list[str], env: dict[str, str], what: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        last = err.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise StoreError(f"{what} failed (exit {proc.returncode}): {' / '.join(last)}")


async def backup_postgres(url: str, dest: str | Path) -> Copied:
    """`pg_dump --format=custom` of the database at `url` into the file `dest`."""
    dest_path = Path(dest)
    shown = redact_url(url)
    dump = _tool("pg_dump", f"pg_dump --format=custom --file={dest_path} '{shown}'")
    target_folder(dest_path)
    plain, env = _libpq(url)
    tmp = dest_path.with_name(dest_path.name + ".partial")
    try:
        conn = await asyncpg.connect(url)
    except (OSError, asyncpg.PostgresError) as e:
        raise StoreError(f"cannot connect to {shown}: {e}") from e
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            counts = {r[0]: int(r[1]) for r in await conn.fetch(_COUNT)}
            # The exporting transaction stays open while pg_dump reads the same snapshot.
            args = [dump, "--format=custom", f"--snapshot={snapshot}", f"--file={tmp}", plain]
            await _run(args, env, "pg_dump")
    except BaseException as e:
        tmp.unlink(missing_ok=True)  # a failed dump leaves nothing behind
        if isinstance(e, asyncpg.PostgresError):
            raise StoreError(f"backup of {shown} failed: {e}") from e
        raise
    finally:
        await conn.close()
    tmp.replace(dest_path)  # a half-written dump never takes the name of a good one
    return Copied(shown, str(dest_path), sum(counts.values()), counts)


async def restore_postgres(backup: str | Path, url: str) -> Copied:
    """`pg_restore` a custom-format dump into the database at `url`, replacing what is
    there (every account's rows), in one transaction: a failed restore changes nothing."""
    src = Path(backup)
    shown = redact_url(url)
    if not src.is_file():
        raise StoreError(f"no backup at {src}")
    example = f"pg_restore --clean --if-exists --no-owner --single-transaction -d '{shown}' {src}"
    restore = _tool("pg_restore", example)
    plain, env = _libpq(url)
    args = [restore, "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    await _run([*args, "--exit-on-error", f"--dbname={plain}", str(src)], env, "pg_restore")
    try:
        conn = await asyncpg.connect(url)
    except (OSError, asyncpg.PostgresError) as e:
        raise StoreError(f"cannot connect to {shown}: {e}") from e
    try:
        counts = {r[0]: int(r[1]) for r in await conn.fetch(_COUNT)}
    finally:
        await conn.close()
    return Copied(str(src), shown, sum(counts.values()), counts)
