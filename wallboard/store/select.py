"""Which store a process uses: PostgreSQL when `[store] url` is set, else SQLite."""

from __future__ import annotations

from wallboard.config import StoreSettings
from wallboard.store.base import CdrStore, SharedStore

__all__ = ["make_shared_store", "make_store"]


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
