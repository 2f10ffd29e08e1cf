"""`wallboard backup` and `wallboard restore`: a consistent copy of the store the server
uses, and that copy put back.

SQLite: the online backup API copies the pages inside one read transaction when asked for
all pages in one step, so the copy is the database as it was at one instant: every commit
before it (every CDR already acknowledged to the vendor) and none after. A WAL writer is
never blocked by it. PostgreSQL: `pg_dump` in its custom format (store/pgbackup.py).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path

from wallboard.errors import StoreError

__all__ = ["Copied", "backup_database", "backup_sqlite", "restore_sqlite", "target_folder"]


@dataclass(frozen=True, slots=True)
class Copied:
    """What a backup or a restore copied: from where (a file, or a URL without password),
    to where, and how many CDRs the copy holds (by account on a shared PostgreSQL)."""

    source: str
    dest: str
    cdrs: int
    by_account: dict[str, int] | None = None


def target_folder(dest: Path) -> None:
    """Create the folder a backup goes to (a fresh machine has no /var/backups/wallboard)."""
    if dest.is_dir():
        raise StoreError(f"{dest} is a folder: give the backup's file name")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StoreError(f"cannot create the backup folder {dest.parent}: {e.strerror}") from e


def backup_database(source: str | Path, dest: str | Path) -> int:
    """Copy the database at `source` to `dest` (a file, written anew); its CDR count."""
    return backup_sqlite(source, dest).cdrs


def backup_sqlite(source: str | Path, dest: str | Path) -> Copied:
    """Copy the SQLite database at `source` to the file `dest` (its folder made if need be)."""
    src_path, dest_path = Path(source), Path(dest)
    if not src_path.is_file():
        raise StoreError(f"no database at {src_path}")
    target_folder(dest_path)
    if dest_path.resolve() == src_path.resolve():
        raise StoreError("the backup must not overwrite the database itself")
    count = _copy(src_path, dest_path, "DELETE")  # one self-contained file
    return Copied(str(src_path), str(dest_path), count)


def restore_sqlite(backup: str | Path, dest: str | Path) -> Copied:
    """Put a backup in place of the database at `dest`, with the stopped server's files.

    Refused while any process has the database open (the server must be stopped: it keeps
    today's figures in memory). The copy goes beside the database and is renamed over it,
    so a failed restore leaves the old database as it was; the old `-wal`/`-shm` files go
    (they belong to the old database). The new file keeps the owner and mode of the one it
    replaces (or of its folder): a restore run as root must not leave a database the
    service's user cannot open.
    """
    src_path, dest_path = Path(backup), Path(dest)
    if not src_path.is_file():
        raise StoreError(f"no backup at {src_path}")
    if dest_path.is_dir():
        raise StoreError(f"{dest_path} is a folder, not the database")
    dest_path.parent.mkdir(parents=True, exist_ok=True)
    if dest_path.exists():
        _refuse_if_open(dest_path)
    replaced = dest_path.exists()
    was = (dest_path if replaced else dest_path.parent).stat()
    count = _copy(src_path, dest_path, "WAL")
    for extra in ("-wal", "-shm"):
        Path(f"{dest_path}{extra}").unlink(missing_ok=True)
    if os.geteuid() == 0 and (was.st_uid, was.st_gid) != (0, 0):
        shutil.chown(dest_path, was.st_uid, was.st_gid)
    if replaced:
        dest_path.chmod(stat.S_IMODE(was.st_mode))
    return Copied(str(src_path), str(dest_path), count)


def _copy(src_path: Path, dest_path: Path, journal: str) -> int:
    """The backup API from `src_path` into a new file renamed to `dest_path`; its CDRs."""
    tmp = dest_path.with_name(dest_path.name + ".partial")
    tmp.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(src_path)
        try:
            out = sqlite3.connect(tmp)
            try:
                src.backup(out, pages=-1)  # all pages in one step: one consistent instant
                out.execute(f"PRAGMA journal_mode={journal}")
                (count,) = out.execute("SELECT count(*) FROM cdr").fetchone()
            finally:
                out.close()
        finally:
            src.close()
    except sqlite3.Error as e:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"copy of {src_path} failed: {e}") from e
    for extra in ("-wal", "-shm"):  # a WAL copy closed cleanly leaves none, but be sure
        Path(f"{tmp}{extra}").unlink(missing_ok=True)
    tmp.replace(dest_path)  # a half-written copy never takes the name of a good one
    return int(count)


def _refuse_if_open(path: Path) -> None:
    """Raise unless no other connection has the database open (an exclusive lock)."""
    conn = sqlite3.connect(path, timeout=0.2)
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
    except sqlite3.OperationalError as e:
        raise StoreError(
            f"{path} is in use ({e}): stop the server first (systemctl stop wallboard)"
        ) from e
    finally:
        conn.close()
