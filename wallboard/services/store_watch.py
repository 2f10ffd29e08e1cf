"""The store's health between CDRs: a real write every few seconds (`check_writable`).

A CDR that fails to commit marks the store unhealthy at once; but on a quiet evening no
CDR comes, and without a write nothing would notice a disk filling up — nor see that it
has room again. So a writer probes on its own: the probe writes a row and removes it,
committed like a CDR, and its result is what `wallboard_store_healthy` and `/readyz` show
(docs/operations.md, "Health").
"""

from __future__ import annotations

import asyncio
import logging

from wallboard.errors import StoreError
from wallboard.store.base import CdrStore

__all__ = ["PROBE_EVERY", "probe_forever"]

log = logging.getLogger(__name__)

# Seconds between probes: a full disk shows within this (plus the probe's own timeout).
PROBE_EVERY = 3.0


async def probe_forever(store: CdrStore, every: float = PROBE_EVERY) -> None:
    """Probe the store every `every` seconds for as long as the process runs."""
    was_ok = True
    while True:
        try:
            await store.check_writable()
            ok = True
        except StoreError as e:
            ok = False
            if was_ok:  # once per failure, not every few seconds
                log.error("store takes no writes: %s", e)
        if ok and not was_ok:
            log.info("store takes writes again")
        was_ok = ok
        await asyncio.sleep(every)
