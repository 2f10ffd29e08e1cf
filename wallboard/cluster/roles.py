"""The parts of a cluster's two processes; `app.py` composes them with the web.

An ingest worker is the all-in-one process plus `IngestWorker` (the NATS writer): login,
socket, fold, CDR webhook into the shared store; it also serves its own boards, handy to
compare with a web node's. A web node is the web with `mirror_feed`: one account's boards
from its bucket (no vendor link, no fold, no webhook); on the shared PostgreSQL store also
the pages that read it, as a reader of what the ingest worker stores (`app.serve_web_node`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import nats
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.api import StorageType
from nats.js.errors import BadRequestError
from nats.js.kv import KeyValue

from wallboard.cluster import codec, lease
from wallboard.cluster.kvpub import KvPublisher, bucket_name
from wallboard.cluster.lease import Fence, Lease, LeaseLost, NotLeading
from wallboard.cluster.mirror import Mirror
from wallboard.config import Settings, VendorSettings
from wallboard.runtime import metrics
from wallboard.runtime.hub import ChangeTap, Hub
from wallboard.runtime.tasks import TaskOwner
from wallboard.services import aftercall
from wallboard.services.aftercall import CdrService
from wallboard.store.postgres import redact_url

if TYPE_CHECKING:
    from wallboard.sim.server import Simulator

__all__ = ["IngestWorker", "follow_simulator", "for_ingest", "mirror_feed", "open_bucket"]

log = logging.getLogger(__name__)


async def open_bucket(nc: Client, bucket: str) -> KeyValue:
    """The account's bucket, made if missing: one value per key, on disk (survives a restart
    of NATS), so a web node that joins late reads every current value."""
    js = nc.jetstream(timeout=5)
    try:
        return await js.create_key_value(bucket=bucket, history=1, storage=StorageType.FILE)
    except BadRequestError:  # exists with another configuration: use it as it is
        return await js.key_value(bucket)


async def _connect(url: str, name: str) -> Client:
    """Connect, retrying until NATS answers (it may start after us)."""
    delay = 0.5
    while True:
        try:
            return await nats.connect(
                url, name=name, max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                connect_timeout=2, allow_reconnect=True,
            )  # fmt: skip
        except (NatsError, OSError, TimeoutError) as e:
            log.warning("NATS at %s not reachable (%s): retrying", redact_url(url), e)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def _bucket(nc: Client, bucket: str) -> KeyValue:
    """`open_bucket`, tried again until JetStream answers."""
    while True:
        try:
            return await open_bucket(nc, bucket)
        except (NatsError, TimeoutError) as e:
            log.warning("bucket %s not ready (%s): retrying", bucket, e)
            await asyncio.sleep(1.0)


# The exit status of an ingest worker that lost its lease (EX_TEMPFAIL): its supervisor
# starts it again, as a standby with a fresh state.
LEASE_LOST_EXIT = 75


class IngestWorker:
    """What an ingest worker adds to the all-in-one process: the account's write lease,
    the NATS writer, and the connector (to the vendor, or to the account's own simulator
    when `source = "simulator"`, reached through the real connector like `wallboard demo`).

    One writer per account (`lease.py`): `lead()` waits as a standby until the lease is
    this worker's; only then does the process open its store, connect and write. Every
    NATS write and every CDR is checked against the lease as it happens; a lost lease
    stops both at once, then the process (`stop_process`, exit `LEASE_LOST_EXIT`)."""

    def __init__(
        self,
        hub: Hub,
        service: CdrService | None,
        settings: Settings,
        account: str,
        nats_url: str,
        vendor_for: Callable[[str], VendorSettings],
    ) -> None:
        self.hub, self.service, self.settings = hub, service, settings
        self.account, self.nats_url, self.vendor_for = account, nats_url, vendor_for
        self.owner = TaskOwner(f"ingest-{account}")
        self.stop_process: Callable[[], None] = lambda: None  # set by the composition
        self.exit_code = 0
        self.lease: Lease | None = None
        self._nc: Client | None = None
        if service is not None:  # a standby (or a worker that lost the lease) takes no CDR
            service.intake.gate = self._refusal
        metrics.INGEST_LEADER.set_function(lambda: 1.0 if self.leading() else 0.0)
        self.sim: Simulator | None = None
        if settings.source == "simulator":
            from wallboard.sim.server import Simulator

            self.sim = Simulator(settings.simulator)

    def leading(self) -> bool:
        """Whether this worker holds its account's lease now: it may write."""
        return self.lease is not None and self.lease.valid()

    def role(self) -> str:
        """What `/readyz` says: "leader", or "standby" (which takes no CDR)."""
        return "leader" if self.leading() else "standby"

    def _refusal(self) -> str | None:
        if self.leading():
            return None
        return "standby: another ingest worker of this account takes the CDRs"

    async def lead(self) -> None:
        """Wait as a standby until this worker holds the account's lease, then keep it."""
        self._nc = await _connect(self.nats_url, f"wallboard-ingest:{self.account}")
        self.lease = Lease(await _bucket(self._nc, lease.BUCKET), self.account)
        await self.lease.acquire()
        self.owner.start("lease", self._hold(self.lease))

    async def _hold(self, held: Lease) -> None:
        try:
            await held.hold()
        except LeaseLost as e:
            # Nothing is written from here on (`leading()` is false for good); what this
            # process holds in memory is no longer the account's truth: stop, and let the
            # supervisor start a fresh standby.
            log.error("%s: not writing any more; stopping (exit %d)", e, LEASE_LOST_EXIT)
            self.exit_code = LEASE_LOST_EXIT
            self.stop_process()

    async def start(self) -> None:
        """Start writing to NATS and connect to the vendor (or the simulator); once leading."""
        from wallboard.voicenter.connector import Connector
        from wallboard.voicenter.ingest import FrameParser

        vendor = self.settings.vendor
        fixed: dict[str, bytes] = {}
        if self.sim is not None:
            url = await self.sim.start()
            vendor = self.vendor_for(url)
            fixed[codec.SIM_URL] = codec.encode_sim_url(url)  # for the web nodes' actions
            if self.service is not None:
                self.service.point_at_simulator(url, self.settings.simulator)
        # The writer's share of the fold's changes, from before the link starts: the first
        # snapshots may come before NATS answers, and the writer waits for them.
        tap = self.hub.tap()
        self.owner.start("nats-writer", self._write(fixed, tap))
        self.owner.start("connector", Connector(vendor, FrameParser(self.hub)).run())
        log.info(
            "ingest %s: bucket %s on %s",
            self.account,
            bucket_name(self.account),
            redact_url(self.nats_url),
        )

    async def _write(self, fixed: dict[str, bytes], tap: ChangeTap) -> None:
        assert self._nc is not None  # `lead()` connected
        assert self.lease is not None  # …and holds the lease
        bucket = bucket_name(self.account)
        kv = await _bucket(self._nc, bucket)
        fence = await self._epoch(kv, bucket, self.lease)
        pub = KvPublisher(self.hub, kv, fixed=fixed, tap=tap, may_write=self.leading, fence=fence)
        await pub.run()

    async def _epoch(self, kv: KeyValue, bucket: str, held: Lease) -> Fence:
        """This leader's epoch in the account's bucket, before its first write there."""
        assert self._nc is not None
        while True:
            if not held.valid():
                raise NotLeading(f"lease of {self.account} lost before the first write")
            try:
                return await Fence.take(self._nc.jetstream(), kv, bucket, held.holder)
            except (NatsError, TimeoutError) as e:
                log.warning("bucket %s: epoch not written (%s): retrying", bucket, e)
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        """Stop the connector and the writer, give the lease up, then stop the simulator."""
        await self.owner.close()
        if self.lease is not None:
            await self.lease.release()
        if self._nc is not None:
            await self._nc.close()
        if self.sim is not None:
            await self.sim.stop()


def for_ingest(settings: Settings) -> Settings:
    """An account's settings as its ingest worker runs them (the simulator's CDRs to it)."""
    if settings.source != "simulator":
        return settings
    settings, sim = aftercall.for_simulator(settings, settings.simulator)
    return settings.model_copy(update={"simulator": sim})


def mirror_feed(
    account: str, nats_url: str, on_sim_url: Callable[[str | None], None] | None = None
) -> Callable[[Hub], Coroutine[Any, Any, None]]:
    """A web node's feed: the hub mirrors the account's bucket (no vendor link, no fold);
    `on_sim_url` is told where the account's simulator serves (`follow_simulator`)."""

    def feed(hub: Hub) -> Coroutine[Any, Any, None]:
        return Mirror(hub, nats_url, bucket_name(account), on_sim_url=on_sim_url).run()

    return feed


def follow_simulator(
    service: CdrService | None, settings: Settings
) -> Callable[[str | None], None] | None:
    """A web node's REST client, for an account whose ingest worker runs the simulator:
    pointed at no address until the bucket's `sim.url` says where it serves (an action
    meanwhile answers why), then there. None for a vendor account: its REST client keeps
    the `[api]` settings, and its API code never goes to an address read from NATS."""
    if service is None or settings.source != "simulator":
        return None
    sim = settings.simulator
    service.point_at_simulator(None, sim)

    def follow(url: str | None) -> None:
        service.point_at_simulator(url, sim)
        log.info("REST actions: the simulator at %s", url or "(not known yet)")

    return follow
