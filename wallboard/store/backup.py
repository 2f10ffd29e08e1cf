"""`wallboard backup`: a consistent copy of the database while the server keeps writing.

SQLite's online backup API copies the pages inside one read transaction when asked for all
pages in one step, so the copy is the database as it was at one instant: every commit
before it (every CDR already acknowledged to the vendor) and none after. A WAL writer is
never blocked by it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from wallboard.errors import StoreError

__all__ = ["backup_database"]


def backup_database(source: str | Path, dest: str | Path) -> int:
    """Copy the database at `source` to `dest` (a file, written anew); its CDR count."""
    src_path, dest_path = Path(source), Path(dest)
    if not src_path.is_file():
        raise StoreError(f"no database at {src_path}")
    if dest_path.is_dir():
        raise StoreError(f"{dest_path} is a folder: give the backup's file name")
    if dest_path.resolve() == src_path.resolve():
        raise StoreError("the backup must not overwrite the database itself")
    tmp = dest_path.with_name(dest_path.name + ".partial")
    tmp.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(src_path)
        try:
            out = sqlite3.connect(tmp)
            try:
                src.backup(out, pages=-1)  # all pages in one step: one consistent instant
                out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                (count,) = out.execute("SELECT count(*) FROM cdr").fetchone()
            finally:
                out.close()
        finally:
            src.close()
    except sqlite3.Error as e:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"backup of {src_path} failed: {e}") from e
    tmp.replace(dest_path)  # a half-written backup never takes the name of a good one
    return int(count)
