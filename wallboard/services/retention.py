"""Retention: raw CDR bodies and audit rows older than `[store] retention_days` are pruned.

Once at start-up and then every `prune_every_hours`. The parsed CDR fields (the history's
source) and daily summaries are kept; only what is big (the vendor's raw body) or personal
and old (who did what, a year ago) goes (docs/operations.md, "Backups and retention").
"""

from __future__ import annotations

import asyncio
import logging

from wallboard.config import StoreSettings
from wallboard.errors import StoreError
from wallboard.runtime import timebase
from wallboard.store.base import CdrStore

__all__ = ["prune_forever", "prune_once"]

log = logging.getLogger(__name__)

_DAY = 86400.0


async def prune_once(
    store: CdrStore, cfg: StoreSettings, now: float | None = None
) -> tuple[int, int]:
    """Prune what is older than the retention period; (raw bodies cleared, audit rows deleted)."""
    now = timebase.now() if now is None else now
    cleared, deleted = await store.prune(now - cfg.retention_days * _DAY)
    if cleared or deleted:
        log.info(
            "retention (%d days): cleared %d raw CDR bodies, deleted %d audit rows",
            cfg.retention_days,
            cleared,
            deleted,
        )
    return cleared, deleted


async def prune_forever(store: CdrStore, cfg: StoreSettings) -> None:
    """Prune now and then every `prune_every_hours`, for as long as the process runs."""
    while True:
        try:
            await prune_once(store, cfg)
        except StoreError as e:  # a failed prune is retried next time; nothing is lost
            log.warning("retention prune failed: %s", e)
        await asyncio.sleep(cfg.prune_every_hours * 3600)
