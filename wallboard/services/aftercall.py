"""The after-call service: CDR intake, store, history days, worklist, vendor REST client."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from dataclasses import dataclass

from wallboard.config import Settings, SimulatorSettings
from wallboard.core.calls import Cdr
from wallboard.core.history import DayHistory
from wallboard.core.worklist import WorkItem, build_worklist, time_to_callback
from wallboard.errors import WallboardError
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.runtime.tasks import TaskOwner
from wallboard.services.actions import Actions
from wallboard.services.history_days import HistoryDays
from wallboard.services.intake import CdrIntake
from wallboard.store.db import Store
from wallboard.voicenter.api import VendorApi, VendorApiSettings

__all__ = [
    "CallRecord",
    "CdrService",
    "api_settings",
    "create",
    "for_simulator",
    "make_actions",
]

log = logging.getLogger(__name__)

# Seconds after start-up before the history's closed days are built (see `_warm_history`).
HISTORY_WARM_UP_AFTER = 30.0


def api_settings(settings: Settings) -> VendorApiSettings:
    """The REST client's settings from the `[api]` section."""
    a = settings.api
    return VendorApiSettings(
        code=a.code,
        call_log_url=a.call_log_url,
        click2call_url=a.click2call_url,
        login_logout_url=a.login_logout_url,
        extensions_url=a.extensions_url,
        extensions_calls_url=a.extensions_calls_url,
        queues_callers_url=a.queues_callers_url,
        call_log_per_minute=a.call_log_per_minute,
        timeout_seconds=a.timeout_seconds,
    )


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One stored call as the call page shows it."""

    cdr: Cdr
    source: str  # "webhook" or "calllog": where the stored row came from
    started: float  # true UTC (the CDR's own `time` may be local wall clock)


class CdrService:
    """Everything after-call: webhook intake, store, backfill, history, worklist."""

    def __init__(self, settings: Settings, hub: Hub) -> None:
        self.settings = settings
        self.hub = hub
        self.store = Store(settings.store.path)
        self.intake = CdrIntake(settings, self.store, hub)
        # /history's days: closed ones kept in memory until a CDR for them is stored.
        self.history = HistoryDays(self.intake)
        self.api = VendorApi(api_settings(settings))
        self.tasks = TaskOwner("cdr")
        self._preload: list[tuple[bytes, str]] = []

    def preload(self, bodies: list[tuple[bytes, str]]) -> None:
        """CDR bodies (raw, content type) to store at start, before today is replayed."""
        self._preload = bodies

    async def start(self) -> None:
        """Open the store, store any preloaded CDRs, feed today's, start the backfill."""
        self.store.open()
        if self._preload:
            t0 = time.monotonic()
            stored = await self.intake.import_bodies(self._preload, "simulator")
            log.info("stored %d past CDRs in %.1f s", stored, time.monotonic() - t0)
            self._preload = []
        n = await self.intake.replay_today()
        log.info("fed %d stored CDRs of today", n)
        if self.settings.cdr.backfill:
            self.tasks.start("backfill", self._backfill())
        self.tasks.start("history-warm-up", self._warm_history())

    async def _warm_history(self) -> None:
        """Build the history's closed days once, soon after start-up, in the background.

        Otherwise the first team lead to open /history after a restart waits for 7 days of
        CDRs to be read and folded (15 s at 20,000 a day, `bench/history_load.py`). It
        waits `HISTORY_WARM_UP_AFTER` first so the connector, the snapshots and the backfill
        come before it; the build runs in a thread, like a page load.
        """
        await asyncio.sleep(HISTORY_WARM_UP_AFTER)
        t0 = time.monotonic()
        days, _ = await self.history.load(timebase.now())
        log.info("history: %d days built in %.1f s", len(days), time.monotonic() - t0)

    async def _backfill(self) -> None:
        # Wait (a while) for the live queue list: the Call Log is asked per queue, because
        # its rows carry no queue id.
        for _ in range(60):
            if self.hub.state.queues:
                break
            await asyncio.sleep(0.5)
        code = self.api.settings.code
        if code is None or not code.get_secret_value():
            log.info("no [api] code: today is not backfilled from the Call Log")
            return
        try:
            n = await self.intake.backfill(self.api, sorted(self.hub.state.queues))
        except WallboardError as e:
            log.warning("Call Log backfill failed: %s", e)
            return
        log.info("Call Log backfill: %d calls not seen before", n)

    async def stop(self) -> None:
        """Stop tasks, close the HTTP session and the store."""
        await self.tasks.close()
        await self.api.close()
        self.store.close()

    # ------------------------------------------------------------ what the pages read

    async def days(self) -> tuple[dict[str, DayHistory], str]:
        """The history's days and today's key (today folded again, closed days kept)."""
        return await self.history.load(timebase.now())

    async def call(self, call_id: str) -> CallRecord | None:
        """One stored call by its `ivruniqueid`, or None."""
        found = await self.store.cdr(call_id)
        if found is None:
            return None
        row, _raw = found
        return CallRecord(row.cdr, row.source, self.intake.rule.utc(row.cdr))

    async def worklist(self) -> list[WorkItem]:
        """Today's abandoned callers and the callbacks made to them, from the store."""
        start, _ = self.intake.today_bounds()
        rows = await self.intake.today_rows()
        callbacks = await self.store.callbacks_since(start)
        return build_worklist((r.cdr for r in rows), callbacks, self.intake.rule)

    async def callback_figures(self) -> dict[str, int | None]:
        """Today's open callbacks and average time to callback (whole seconds), for boards."""
        items = await self.worklist()
        ttc = time_to_callback(items)
        return {
            "open": sum(1 for i in items if not i.closed),
            "ttc": None if ttc is None else round(ttc),
        }

    def point_at_simulator(self, base_url: str, sim: SimulatorSettings) -> None:
        """Once the simulator runs: send the REST calls (Click2Call, Call Log) to it."""
        urls = _api_urls(base_url)
        self.api.settings = dataclasses.replace(
            self.api.settings,
            code=sim.api_code,
            call_log_url=urls["call_log_url"],
            click2call_url=urls["click2call_url"],
            login_logout_url=urls["login_logout_url"],
            extensions_url=urls["extensions_url"],
            extensions_calls_url=urls["extensions_calls_url"],
            queues_callers_url=urls["queues_callers_url"],
        )


def make_actions(service: CdrService) -> Actions:
    """The supervisor actions, on the service's REST client and store (audit, callbacks)."""
    s = service.settings
    return Actions(
        service.api,
        service.store,
        service.hub,
        allowed_actors=s.api.allowed_actors,
        status_codes=s.statuses.names.keys(),
        record_calls=s.api.record_callbacks,
    )


def _api_urls(base: str) -> dict[str, str]:
    return {
        "call_log_url": f"{base}/hub/cdr/",
        "click2call_url": f"{base}/ForwardDialer/click2call.aspx",
        "login_logout_url": f"{base}/Agents/LoginLogout",
        "extensions_url": f"{base}/Comet/api/GetExtensions",
        "extensions_calls_url": f"{base}/comet/API/GetExtensionsCalls",
        "queues_callers_url": f"{base}/comet/API/GetQueuesCallers",
    }


def for_simulator(settings: Settings, sim: SimulatorSettings) -> tuple[Settings, SimulatorSettings]:
    """The simulator's CDRs to our webhook; our REST client to it when its port is fixed."""
    secret = settings.cdr.secret
    path = settings.cdr.path.rstrip("/")
    if secret is not None and secret.get_secret_value():
        path = f"{path}/{secret.get_secret_value()}"
    host = "127.0.0.1" if settings.web.host in ("0.0.0.0", "::") else settings.web.host
    sim = sim.model_copy(update={"cdr_url": f"http://{host}:{settings.web.port}{path}"})
    if sim.port == 0:
        return settings, sim  # its address is known once it runs: `CdrService.point_at_simulator`
    api = settings.api.model_copy(
        update={"code": sim.api_code, **_api_urls(f"http://{sim.host}:{sim.port}")}
    )
    return settings.model_copy(update={"api": api}), sim


def create(hub: Hub, settings: Settings) -> CdrService | None:
    """The after-call service, or None when `[cdr] enabled` is false."""
    if not settings.cdr.enabled:
        return None
    return CdrService(settings, hub)
