"""Which store a process uses: PostgreSQL when `[store] url` is set, else SQLite."""

from __future__ import annotations

from wallboard.config import StoreSettings
from wallboard.store.base import CdrStore

__all__ = ["make_store"]


def make_store(settings: StoreSettings, account: str = "") -> CdrStore:
    """An unstarted store for one account (`account` scopes rows in a shared PostgreSQL)."""
    url = settings.url.get_secret_value() if settings.url is not None else ""
    if url:
        from wallboard.store.postgres import PostgresStore

        return PostgresStore(url, account, settings.pool_size)
    from wallboard.store.db import Store

    return Store(settings.resolved_path())
