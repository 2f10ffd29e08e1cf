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

from wallboard.cluster import codec
from wallboard.cluster.kvpub import KvPublisher, bucket_name
from wallboard.cluster.mirror import Mirror
from wallboard.config import Settings, VendorSettings
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


async def _write_forever(
    hub: Hub, nats_url: str, account: str, fixed: dict[str, bytes], tap: ChangeTap
) -> None:
    nc = await _connect(nats_url, f"wallboard-ingest:{account}")
    try:
        while True:
            try:
                kv = await open_bucket(nc, bucket_name(account))
                break
            except (NatsError, TimeoutError) as e:
                log.warning("bucket %s not ready (%s): retrying", bucket_name(account), e)
                await asyncio.sleep(1.0)
        await KvPublisher(hub, kv, fixed=fixed, tap=tap).run()
    finally:
        await nc.close()


class IngestWorker:
    """What an ingest worker adds to the all-in-one process: the NATS writer, and the
    connector (to the vendor, or to the account's own simulator when `source =
    "simulator"`, reached through the real connector like `wallboard demo`)."""

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
        self.sim: Simulator | None = None
        if settings.source == "simulator":
            from wallboard.sim.server import Simulator

            self.sim = Simulator(settings.simulator)

    async def start(self) -> None:
        """Start writing to NATS and connect to the vendor (or the simulator)."""
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
        writer = _write_forever(self.hub, self.nats_url, self.account, fixed, tap)
        self.owner.start("nats-writer", writer)
        self.owner.start("connector", Connector(vendor, FrameParser(self.hub)).run())
        log.info(
            "ingest %s: bucket %s on %s",
            self.account,
            bucket_name(self.account),
            redact_url(self.nats_url),
        )

    async def stop(self) -> None:
        """Stop the connector and the writer, then the simulator."""
        await self.owner.close()
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
