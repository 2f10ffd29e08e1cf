"""Which store a process uses: PostgreSQL when `[store] url` is set, else SQLite."""

from __future__ import annotations

from pathlib import Path

from wallboard.config import StoreSettings
from wallboard.errors import StoreError
from wallboard.store.base import CdrStore, SharedStore

__all__ = ["describe", "make_shared_store", "make_store", "server_store"]


def make_store(settings: StoreSettings, account: str = "") -> CdrStore:
    """An unstarted store for one account (`account` scopes rows in a shared PostgreSQL)."""
    shared = make_shared_store(settings, account)
    if shared is not None:
        return shared
    from wallboard.store.db import Store

    return Store(settings.resolved_path())


def make_shared_store(settings: StoreSettings, account: str = "") -> SharedStore | None:
    """The unstarted PostgreSQL store of one account, or None: SQLite is one process's own."""
    url = settings.url.get_secret_value() if settings.url is not None else ""
    if not url:
        return None
    from wallboard.store.postgres import PostgresStore

    return PostgresStore(url, account, settings.pool_size)


def describe(settings: StoreSettings) -> str:
    """The store a server with these settings uses, for a person: its file, or its URL
    without the password."""
    url = settings.url.get_secret_value() if settings.url is not None else ""
    if url:
        from wallboard.store.postgres import redact_url

        return f"PostgreSQL {redact_url(url)}"
    return f"SQLite {settings.resolved_path()}"


def server_store(settings: StoreSettings, account: str = "") -> CdrStore:
    """The unstarted store a server with these settings writes, for a maintenance command
    (quarantine, backup): the same resolution as the server's — `[store] url`, else
    `[store] path`, else `wallboard.db` in the data directory — and an error, not a new
    empty database, when that SQLite file does not exist."""
    store = make_store(settings, account)
    if make_shared_store(settings) is None and not Path(settings.resolved_path()).is_file():
        raise StoreError(
            f"no database at {settings.resolved_path()}: the server's is `[store] path`, or"
            " wallboard.db in $WALLBOARD_DATA_DIR (give the same --config and environment"
            " as the server)"
        )
    return store
