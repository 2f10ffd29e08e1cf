"""Retention of personal data: what is older than `[retention]` goes, and the file shrinks.

Once at start-up and then every `[retention] every_hours`. A CDR older than `calls_days`
keeps its figures (the history and its daily summaries are built from them) and loses its
caller and target numbers, AI summary and raw body; callback presses, status changes,
alerts, audit rows and quarantined bodies older than theirs are deleted. Then the store
gives the space back (SQLite: incremental vacuum; PostgreSQL: VACUUM), so a database that
ran for years is no bigger than its retention (docs/operations.md, "Backups and retention").
"""

from __future__ import annotations

import asyncio
import logging

from wallboard.config import RetentionSettings, Settings
from wallboard.errors import StoreError
from wallboard.runtime import timebase
from wallboard.store.base import CdrStore
from wallboard.store.rows import PruneBefore, Pruned

__all__ = ["cut_offs", "policy", "prune_forever", "prune_once"]

log = logging.getLogger(__name__)

_DAY = 86400.0


def policy(settings: Settings) -> RetentionSettings:
    """`[retention]`, with the older `[store] retention_days` / `prune_every_hours` still
    honoured where `[retention]` does not say (they governed the audit log and the pace)."""
    r, old = settings.retention, settings.store
    update: dict[str, object] = {}
    if old.retention_days is not None and "audit_days" not in r.model_fields_set:
        update["audit_days"] = old.retention_days
    if old.prune_every_hours is not None and "every_hours" not in r.model_fields_set:
        update["every_hours"] = old.prune_every_hours
    return r.model_copy(update=update)


def cut_offs(r: RetentionSettings, now: float) -> PruneBefore:
    """The epoch second before which each kind of row goes."""
    return PruneBefore(
        calls=now - r.calls_days * _DAY,
        callbacks=now - r.callbacks_days * _DAY,
        status_log=now - r.status_log_days * _DAY,
        alert_log=now - r.alert_log_days * _DAY,
        audit=now - r.audit_days * _DAY,
        quarantine=now - r.calls_days * _DAY,
    )


async def prune_once(
    store: CdrStore, r: RetentionSettings, now: float | None = None
) -> tuple[Pruned, int]:
    """Prune what is older than its retention, then shrink the store; (what was pruned,
    bytes the store shrank by)."""
    now = timebase.now() if now is None else now
    pruned = await store.prune(cut_offs(r, now))
    freed = await store.compact() if pruned.total else 0
    if pruned.total:
        log.info(
            "retention: numbers erased from %d CDRs (older than %d days); deleted %d"
            " callbacks, %d status changes, %d alerts, %d audit rows, %d quarantined bodies;"
            " the store shrank by %.1f MB",
            pruned.calls,
            r.calls_days,
            pruned.callbacks,
            pruned.status_log,
            pruned.alert_log,
            pruned.audit,
            pruned.quarantine,
            freed / 1e6,
        )
    return pruned, freed


async def prune_forever(store: CdrStore, settings: Settings) -> None:
    """Prune now and then every `[retention] every_hours`, for as long as the process runs."""
    r = policy(settings)
    while True:
        try:
            await prune_once(store, r)
        except StoreError as e:  # a failed prune is retried next time; nothing is lost
            log.warning("retention prune failed: %s", e)
        await asyncio.sleep(r.every_hours * 3600)
