"""The CDR webhook and today's reconciliation: store first, acknowledge after, then fold.

A CDR is parsed, stored (raw + parsed, one fsync'd commit) and only then acknowledged in
the vendor's own format; a repeat of the same `ivruniqueid` is acknowledged without being
stored or counted again. At start-up today's stored CDRs and the Call Log backfill are
fed to the hub as `CallCompleted` events; the fold ignores what the live stream counted.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from wallboard.config import CdrSettings, Settings
from wallboard.core.calls import Cdr, TimeRule, to_call_completed
from wallboard.core.clock import day_bounds, zone
from wallboard.errors import PayloadError, StoreContentError, StoreError
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.store.base import CdrStore
from wallboard.store.db import CdrRow, Stored
from wallboard.voicenter.api import VendorApi
from wallboard.voicenter.cdr import Encoding, ack_body, detect_encoding, parse_cdr

__all__ = ["CdrIntake", "IntakeStats"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class IntakeStats:
    """Counters for /healthz and the logs."""

    stored: int = 0
    duplicates: int = 0
    parse_errors: int = 0
    store_errors: int = 0
    refused: int = 0
    backfilled: int = 0
    quarantined: int = 0


class CdrIntake:
    """Owns the webhook's logic and feeding CDRs into the hub."""

    def __init__(self, settings: Settings, store: CdrStore, hub: Hub) -> None:
        self.settings = settings
        self.cfg: CdrSettings = settings.cdr
        self.store = store
        self.hub = hub
        self.stats = IntakeStats()
        self.rule = TimeRule(settings.day.timezone, self.cfg.time_stamps)
        self._nets = [ipaddress.ip_network(n, strict=False) for n in self.cfg.allow_ips]
        secret = self.cfg.secret
        self._secret = b"" if secret is None else secret.get_secret_value().encode()
        # Told the true UTC start of every CDR stored (and of a Call Log row one replaced):
        # the history's cache of closed days forgets that day. Called on the event loop.
        self.on_stored: list[Callable[[int], None]] = []
        # Told every CDR stored as new (and whether it replaced a Call Log row): today's
        # worklist and figures fold it in instead of reading the store again.
        self.on_cdr: list[Callable[[Cdr, Stored], None]] = []
        # Why this process takes no CDR now (a cluster's standby ingest worker), or None:
        # asked for every post, answered `Err 2` (the vendor, or the proxy, tries again).
        self.gate: Callable[[], str | None] | None = None

    # ------------------------------------------------------------ checks

    def allowed_ip(self, ip: str | None) -> bool:
        """Whether the source address may post (no allowlist: any)."""
        if not self._nets:
            return True
        if ip is None:
            return False
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(addr in n for n in self._nets)

    @property
    def secured(self) -> bool:
        """Whether a secret is configured (without one the webhook stays off unless allowed)."""
        secret = self.cfg.secret
        return secret is not None and bool(secret.get_secret_value())

    def authorised(self, path_secret: str | None, header_secret: str | None) -> bool:
        """The secret in the path or the header matches (no secret configured: open)."""
        secret = self.cfg.secret
        if secret is None or not secret.get_secret_value():
            return True
        want = self._secret
        return any(
            given is not None and hmac.compare_digest(given.encode(), want)
            for given in (path_secret, header_secret)
        )

    def reply(self, content_type: str, code: int, message: str) -> tuple[bytes, str]:
        """A refusal in the vendor's own reply format (by the request's content type)."""
        return ack_body(detect_encoding(content_type, b""), code, message)

    # ------------------------------------------------------------ intake

    async def receive(self, body: bytes, content_type: str) -> tuple[int, bytes, str]:
        """Parse, store, acknowledge: (HTTP status, reply body, reply content type).

        Never raises: a body refused for its content is answered `Err 1` and kept in the
        store's quarantine; a store that cannot write answers `Err 2` (the vendor retries).
        """
        refused = self.gate() if self.gate is not None else None
        if refused is not None:  # a standby: the vendor sends it again to the leader
            return (503, *ack_body(detect_encoding(content_type, body), 2, refused))
        received = timebase.now()
        try:
            cdr, encoding = parse_cdr(body, content_type)
        except PayloadError as e:
            encoding = detect_encoding(content_type, body)
            return await self._refuse(
                body, content_type, encoding, received, f"parse error: {e.field}: {e.problem}"
            )
        except Exception as e:  # a decoder's surprise is the body's fault, not a 500
            log.exception("CDR decoding failed unexpectedly")
            encoding = detect_encoding(content_type, body)
            return await self._refuse(
                body, content_type, encoding, received, f"unreadable body: {type(e).__name__}"
            )
        try:
            stored = await self.store.store_cdr(
                cdr,
                body,
                received=received,
                source="webhook",
                encoding=encoding.value,
                content_type=content_type,
            )
        except StoreContentError as e:
            return await self._refuse(
                body, content_type, encoding, received, f"cannot be stored: {e}"
            )
        except StoreError as e:
            return self._store_failed(cdr.ivruniqueid, encoding, e)
        if stored.new:
            self.stats.stored += 1
            self.announce(cdr, stored)
            self._feed(cdr, received)
        else:
            self.stats.duplicates += 1
        return (200, *ack_body(encoding, 0, "OK"))

    def _store_failed(
        self, call_id: str, encoding: Encoding, e: StoreError
    ) -> tuple[int, bytes, str]:
        self.stats.store_errors += 1
        log.error("CDR %s not stored: %s", call_id, e)
        # Not acknowledged as OK: the vendor will retry.
        return (500, *ack_body(encoding, 2, "application error: not stored"))

    async def _refuse(
        self, body: bytes, content_type: str, encoding: Encoding, received: float, reason: str
    ) -> tuple[int, bytes, str]:
        """`Err 1` with the reason, after keeping the body in the quarantine."""
        self.stats.parse_errors += 1
        log.warning("CDR refused (%s): %s", encoding.value, reason)
        try:
            qid = await self.store.quarantine(
                body,
                received=received,
                reason=reason,
                encoding=encoding.value,
                content_type=content_type,
            )
        except StoreError as e:
            # Not kept: say "retry" rather than let the vendor drop a body we did not keep.
            return self._store_failed("(quarantine)", encoding, e)
        self.stats.quarantined += 1
        return (200, *ack_body(encoding, 1, f"{reason} (quarantine {qid})"))

    def announce(self, cdr: Cdr, stored: Stored) -> None:
        """Tell the listeners a CDR was stored: here, or (a web node's `StoreFollower`) by
        the account's ingest worker. Only a new or replacing row changes what the store
        holds: a repeat tells nobody."""
        starts = {self.rule.utc(cdr)}
        if stored.replaced_time is not None:
            starts.add(self.rule.utc(cdr.model_copy(update={"time": stored.replaced_time})))
        for listener in self.on_stored:
            for utc in starts:
                try:
                    listener(utc)
                except Exception:  # a stored CDR is acknowledged whatever a listener does
                    log.exception("CDR %s stored; a listener failed", cdr.ivruniqueid)
        for fold in self.on_cdr:
            try:
                fold(cdr, stored)
            except Exception:  # as above: stored is stored
                log.exception("CDR %s stored; a listener failed", cdr.ivruniqueid)

    def _feed(self, cdr: Cdr, received: float | None) -> None:
        if cdr.queue_id is None and cdr.queuename:
            # The Call Log names the queue but has no id: take it from the live queues.
            qid = next(
                (q.queue_id for q in self.hub.state.queues.values() if q.name == cdr.queuename),
                None,
            )
            if qid is not None:
                cdr = cdr.model_copy(update={"queueid": qid})
        # A CDR of an agent the fold does not know yet is held by the fold and counted
        # when the agent appears (`core.fold`): nothing is kept here to feed again.
        event = to_call_completed(cdr, received, self.rule)
        try:
            self.hub.feed(event)
        except Exception:  # a fold bug must not lose the acknowledgement of a stored CDR
            log.exception("CDR %s stored but not folded", cdr.ivruniqueid)

    # ------------------------------------------------------------ today

    def today_bounds(self) -> tuple[float, float]:
        """[start, end) of today in true UTC."""
        b = day_bounds(timebase.now(), self.settings.day.timezone, self.settings.day.reset_at)
        return b.start, b.end

    async def today_rows(self) -> list[CdrRow]:
        """Today's stored CDRs (by their true UTC start), oldest first."""
        start, end = self.today_bounds()
        return await self.rows_between(start, end)

    async def rows_between(self, start: float, end: float) -> list[CdrRow]:
        """Stored CDRs that started in [start, end) true UTC, oldest first."""
        # Stored `time` may be shifted by the zone's offset: widen, then filter exactly.
        rows = await self.store.cdrs_between(*self.stored_window(start, end))
        return [r for r in rows if start <= self.rule.utc(r.cdr) < end]

    def stored_window(self, start: float, end: float) -> tuple[int, int]:
        """The stored `time`s [lo, hi) that can belong to CDRs started in [start, end) UTC.

        A stored `time` is true UTC or the local wall clock read as epoch (`TimeRule`), so
        it lies within the zone's UTC offset of the true start; an hour more covers a DST
        change inside the range. Narrower than a whole day each side: reading today must
        not parse most of yesterday (the history's cache relies on it).
        """
        tz = zone(self.rule.zone)
        offsets = []
        for x in (start, end):
            off = datetime.fromtimestamp(x, tz).utcoffset()
            offsets.append(0 if off is None else int(off.total_seconds()))
        before = max(0, -min(offsets)) + 3600
        after = max(0, max(offsets)) + 3600
        return int(start) - before, int(end) + after

    async def replay_today(self, rows: Sequence[CdrRow] | None = None) -> int:
        """Feed today's stored CDRs (read now, or `rows` read already) to the hub
        (idempotent: the fold counts each call once)."""
        rows = await self.today_rows() if rows is None else rows
        for r in rows:
            self._feed(r.cdr, None)
        return len(rows)

    async def import_bodies(self, bodies: Sequence[tuple[bytes, str]], source: str) -> int:
        """Store CDR bodies (raw, content type) in bulk, unfed: the past days of a demo floor.

        Stored as the webhook stores them (raw body and parsed fields); batches of concurrent
        writes ride the store's group commit. A body that does not parse is logged and
        skipped. Today's among them reach the fold through `replay_today`.
        """
        n = 0
        batch = 500
        for i in range(0, len(bodies), batch):
            writes = []
            cdrs = []
            for raw, content_type in bodies[i : i + batch]:
                try:
                    cdr, encoding = parse_cdr(raw, content_type)
                except PayloadError as e:
                    log.warning("%s CDR refused: %s: %s", source, e.field, e.problem)
                    continue
                cdrs.append(cdr)
                writes.append(
                    self.store.store_cdr(
                        cdr,
                        raw,
                        received=timebase.now(),
                        source=source,
                        encoding=encoding.value,
                        content_type=content_type,
                    )
                )
            for cdr, st in zip(cdrs, await asyncio.gather(*writes), strict=True):
                if st.new:
                    n += 1
                    # A history page opened meanwhile rebuilds the days these belong to.
                    self.announce(cdr, st)
        return n

    async def backfill(self, api: VendorApi, queue_ids: Sequence[int] = ()) -> int:
        """Store today's calls from the Call Log (webhook CDRs win) and feed them."""
        start, end = self.today_bounds()
        n = 0
        for qid in (None, *queue_ids):
            async for cdr in api.call_log(start, end, queue_id=qid):
                try:
                    stored = await self.store.store_cdr(
                        cdr,
                        cdr.model_dump_json(by_alias=True).encode(),
                        received=timebase.now(),
                        source="calllog",
                        encoding=Encoding.JSON.value,
                        content_type="application/json",
                    )
                except StoreError as e:
                    log.error("Call Log row %s not stored: %s", cdr.ivruniqueid, e)
                    continue
                if stored.new:
                    n += 1
                    self.announce(cdr, stored)
                    self._feed(cdr, None)
        self.stats.backfilled += n
        return n
