"""The after-call service: CDR intake, store, history days, worklist, vendor REST client.

In a cluster (docs/architecture.md) the same service runs in two roles: the account's
ingest worker is a writer, as the all-in-one process (it takes the CDRs and does the
upkeep); a web node on the shared PostgreSQL is a reader (`create(..., writer=False)`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import secrets
import time
from collections.abc import Hashable
from dataclasses import dataclass

from pydantic import SecretStr

from wallboard.config import Settings, SimulatorSettings
from wallboard.core.alert_preview import Firing
from wallboard.core.alert_rules import RuleDraft
from wallboard.core.calls import Cdr
from wallboard.core.clock import DayBounds, day_bounds
from wallboard.core.history import DayHistory, restrict
from wallboard.core.scope import Scope
from wallboard.core.worklist import CallbackRow, WorkItem, Worklist, callback_figures
from wallboard.errors import ConfigError, StoreError, WallboardError
from wallboard.runtime import heap, timebase
from wallboard.runtime.hub import Hub
from wallboard.runtime.tasks import TaskOwner
from wallboard.services.actions import Actions
from wallboard.services.alert_acks import AlertDesk
from wallboard.services.alert_rules import AlertRuleEditor, day_breaks, day_calls
from wallboard.services.alert_rules import preview as alert_preview
from wallboard.services.alerts import Alerts
from wallboard.services.editor import BoardEditor
from wallboard.services.follow import StoreFollower
from wallboard.services.forecast import ForecastService
from wallboard.services.history_days import HistoryDays
from wallboard.services.intake import CdrIntake
from wallboard.services.messages import FloorMessages
from wallboard.services.status_log import StatusLog
from wallboard.services.today import Today
from wallboard.store.base import CdrStore, SharedStore
from wallboard.store.rows import AlertRow, AuditRow, CdrRow, StatusChangeRow, Stored
from wallboard.store.select import make_shared_store, make_store
from wallboard.voicenter.api import NO_URL, VendorApi, VendorApiSettings

__all__ = [
    "NO_SIMULATOR",
    "AlertRow",
    "AuditRow",
    "CallRecord",
    "CdrService",
    "StatusChangeRow",
    "api_settings",
    "create",
    "for_simulator",
    "make_actions",
]

log = logging.getLogger(__name__)

# Seconds after start-up before the history's days are summarised and built (see
# `_summarise_days`), and after a day's end before it is summarised (late CDRs first).
HISTORY_WARM_UP_AFTER = 30.0
SUMMARISE_AFTER_DAY_END = 300.0
REBUILD_AFTER_LATE_CDR = 10.0
# What an action answers on a web node of a simulator account before the account's ingest
# worker has said (in NATS) where its simulator serves.
NO_SIMULATOR = (
    "the simulator's address is not known yet (the account's ingest worker publishes it"
    " once its simulator runs)"
)


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
    """Everything after-call: webhook intake, store, backfill, history, worklist.

    A writer (the all-in-one process, a cluster's ingest worker) takes the CDRs (webhook,
    Call Log backfill), folds them into its own board, and does the upkeep: the closed
    days' summaries, the status log, delivering alerts (log, webhook). A reader (a web
    node) does none of that — one writer per account does it once — and follows what
    the writer stores instead (`StoreFollower`); its pages and actions are the same.
    """

    def __init__(
        self, settings: Settings, hub: Hub, account: str = "", *, writer: bool = True
    ) -> None:
        self.settings = settings
        self.hub = hub
        self.writer = writer
        # SQLite, or PostgreSQL shared with other processes (rows scoped to `account`).
        shared = make_shared_store(settings.store, account)
        if shared is None and not writer:
            raise ConfigError("store settings", "store.url", "a reader needs the shared store")
        self.store: CdrStore = shared if shared is not None else make_store(settings.store, account)
        self.intake = CdrIntake(settings, self.store, hub)
        # /history's days: closed ones from their summaries (written by the writer only),
        # today kept up to date.
        self.history = HistoryDays(self.intake, summarise=writer)
        # The half-hour forecast and staffing (/forecast): the last weeks' days, today fed.
        self.forecast = ForecastService(self.intake, settings)
        self.api = VendorApi(api_settings(settings))
        self.tasks = TaskOwner("cdr")
        self.status_log = StatusLog(hub, self.store)
        self.messages = FloorMessages(self.store)
        # A reader judges the rules for its own desks and kiosks; the writer logs and posts.
        self.alerts = Alerts(settings, hub, self.store, deliver=writer)
        self.editor = BoardEditor(settings, self.store)
        # Alert rules made in /alerts (in force at once), and the leads' acks and snoozes.
        self.alert_rules = AlertRuleEditor(settings, self.store, self.alerts.set_ui_rules)
        self.alert_desk = AlertDesk(self.alerts, self.store)
        # Today's worklist: built from the store once a day, then fed each CDR and press.
        self.today_worklist: Today[Worklist, Cdr | CallbackRow] = Today(
            day=self._today,
            new=lambda _: Worklist(self.intake.rule),
            load=self._worklist_items,
            add=_add_to_worklist,
            key=_worklist_key,
            belongs=self._on_day,
        )
        self.intake.on_cdr.append(self._cdr_stored)
        self._preload: list[tuple[bytes, str]] = []
        # With a shared store: what the account's other processes write (presses, the
        # workspace; for a reader the CDRs too), read back here.
        self.follower = None if shared is None else self._follower(shared)

    def _follower(self, store: SharedStore) -> StoreFollower:
        return StoreFollower(
            store,
            reload=self._reload_workspace,
            on_press=self.today_worklist.offer,
            # A writer announces the CDRs it stores as it stores them.
            on_cdr=None if self.writer else self.intake.announce,
        )

    async def _reload_workspace(self) -> None:
        """Boards, tokens, users, messages, alert rules and acknowledgements changed in the
        store: read them again."""
        await self.editor.load(seed=False)
        await self.messages.load()
        await self.alert_rules.load()
        await self.alert_desk.load()

    def pressed(self, row: CallbackRow) -> None:
        """A press stored here. With a shared store the follower reads it back (at once),
        as it reads every other process's: each press reaches the worklist once."""
        if self.follower is None:
            self.today_worklist.offer(row)
        else:
            self.follower.poke()

    def preload(self, bodies: list[tuple[bytes, str]]) -> None:
        """CDR bodies (raw, content type) to store at start, before today is replayed."""
        self._preload = bodies

    def _today(self) -> DayBounds:
        day = self.settings.day
        return day_bounds(timebase.now(), day.timezone, day.reset_at)

    def _on_day(self, item: Cdr | CallbackRow, day: DayBounds) -> bool:
        if isinstance(item, Cdr):
            return day.start <= self.intake.rule.utc(item) < day.end
        return item.at >= day.start  # as `Store.callbacks_since(start)` reads them

    async def _worklist_items(self, day: DayBounds) -> list[Cdr | CallbackRow]:
        rows = await self.intake.rows_between(day.start, day.end)
        presses = await self.store.callbacks_since(day.start)
        return [*(r.cdr for r in rows), *presses]

    def _cdr_stored(self, cdr: Cdr, stored: Stored) -> None:
        if stored.replaced_time is not None:
            self.today_worklist.replaced(cdr)  # a webhook CDR for a Call Log row
        else:
            self.today_worklist.offer(cdr)

    async def start(self) -> None:
        """Open the store and read today once; then a writer's upkeep (Call Log backfill,
        day summaries, status log), and with a shared store the follower."""
        await self.store.start()
        if self.follower is not None:
            await self.follower.mark()  # before the reads below: no later write is missed
        await self.messages.load()
        await self.editor.load(seed=self.writer)  # the TOML boards are stored by a writer
        await self.alert_rules.load()
        await self.alert_desk.load()
        if self._preload:  # the demo's past days, stored before today is read
            t0 = time.monotonic()
            stored = await self.intake.import_bodies(self._preload, "simulator")
            log.info("stored %d past CDRs in %.1f s", stored, time.monotonic() - t0)
            self._preload = []
        rows, presses = await self._read_today()
        if self.follower is not None:
            self.follower.read_at_start(rows, presses)
            self.tasks.start("follow-store", self.follower.run())
        del rows, presses
        # Today's CDRs passed through memory once, parsed (~6 KB each), and a demo's past
        # too: that peak is not the process's size from now on.
        heap.give_back()
        if self.writer:
            if self.settings.cdr.backfill:
                self.tasks.start("backfill", self._backfill())
            self.tasks.start("history-days", self._summarise_days())
            self.tasks.start("status-log", self.status_log.run())
        self.tasks.start("alerts", self.alerts.run())

    async def start_retrying(self, longest: float = 30.0) -> None:
        """`start`, tried again while the store cannot be opened: a web node serves its
        boards from NATS meanwhile (its store's pages answer that the store is not open),
        where a writer, which must store every CDR it acknowledges, fails at start."""
        delay = 1.0
        while True:
            try:
                await self.start()
                return
            except StoreError as e:
                log.warning("shared store not reachable (%s): trying again in %.0f s", e, delay)
            await self.store.stop()  # what the failed start opened, before a new try
            await asyncio.sleep(delay)
            delay = min(delay * 2, longest)

    async def _read_today(self) -> tuple[list[CdrRow], list[CallbackRow]]:
        """Today is read once: folded into today's worklist, history and forecast figures,
        which from then on follow each CDR as it arrives, and (a writer's) fed to its own
        board — a reader's board is the ingest worker's fold, through NATS."""
        day = self._today()
        t0 = time.monotonic()
        self.today_worklist.hold()
        self.history.today.hold()
        self.forecast.today.hold()
        rows = await self.intake.rows_between(day.start, day.end)
        if self.writer:
            await self.intake.replay_today(rows)
        cdrs = [r.cdr for r in rows]
        presses = await self.store.callbacks_since(day.start)
        await self.today_worklist.seed(day, [*cdrs, *presses])
        await self.history.seed_today(day, cdrs)
        await self.forecast.seed_today(day, cdrs)
        log.info("read %d stored CDRs of today in %.1f s", len(rows), time.monotonic() - t0)
        return rows, presses

    async def _summarise_days(self) -> None:
        """Summarise the closed days soon after start-up, then each day soon after it closes.

        A load writes the summary of every closed day that has none (`HistoryDays`), and
        builds today's figures; so no team lead opening /history waits for days of CDRs to
        be folded. The first waits `HISTORY_WARM_UP_AFTER` so the connector, the snapshots
        and the backfill come first; the folds run in a thread, like a page load.
        """
        await asyncio.sleep(HISTORY_WARM_UP_AFTER)
        while True:
            t0 = time.monotonic()
            days, _ = await self.history.load(timebase.now())
            log.info("history: %d days ready in %.1f s", len(days), time.monotonic() - t0)
            until = self._today().end - timebase.now() + SUMMARISE_AFTER_DAY_END
            # A late CDR for a closed day: that day is built again here, not in a page load.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.history.stale.wait(), max(1.0, until))
                await asyncio.sleep(REBUILD_AFTER_LATE_CDR)  # one rebuild for a burst
            self.history.stale.clear()

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
        await self.alerts.close()
        try:
            await self.status_log.flush()  # the last second's changes
        except WallboardError as e:
            log.warning("last status changes not stored: %s", e)
        await self.api.close()
        await self.store.stop()

    # ------------------------------------------------------------ what the pages read

    async def days(self) -> tuple[dict[str, DayHistory], str]:
        """The history's days and today's key (closed days from summaries, today kept)."""
        return await self.history.load(timebase.now())

    async def days_in(self, scope: Scope) -> tuple[dict[str, DayHistory], str]:
        """The history's days as this reader may see them: their queues and agents only."""
        days, today = await self.days()
        sips = self._sips(scope)
        return {k: restrict(d, scope.queues, sips) for k, d in days.items()}, today

    def departments_of(self, days: dict[str, DayHistory]) -> dict[int, str]:
        """Each queue's department in these days (configured by its team, else learned)."""
        return self.history.departments_of(days.values())

    def _sips(self, scope: Scope) -> frozenset[str] | None:
        """The SIP users (history's agent key) of the scope's extensions, as seen live."""
        if scope.extensions is None:
            return None
        agents = self.hub.state.agents
        return frozenset(a.record.sip_user for x, a in agents.items() if x in scope.extensions)

    def call_in_scope(self, rec: CallRecord, scope: Scope) -> bool:
        """Whether this stored call belongs to the reader's queues (or agents, without one)."""
        cdr = rec.cdr
        if cdr.queue_id:
            return scope.shows_queue(cdr.queue_id)
        if scope.queues is None and scope.extensions is None:
            return True
        # An extension as the CDR names it: digits, or (outgoing calls) the agent's SIP
        # user name, known from the live state's agents.
        by_sip = self.hub.state.by_sip
        exts = (cdr.targetextension, cdr.callerextension)
        found = (int(e) if e.isdigit() else by_sip.get(e) for e in exts if e)
        return any(x is not None and scope.shows_agent(x) for x in found)

    async def audit(self, actor: str | None, limit: int = 200) -> list[AuditRow]:
        """The newest supervisor actions, newest first (None: everyone's; else one actor's)."""
        rows = await self.store.audit_rows(limit if actor is None else limit * 10)
        return rows if actor is None else [r for r in rows if r.actor == actor][:limit]

    async def status_changes(self, extension: int, limit: int = 20) -> list[StatusChangeRow]:
        """Today's status changes of one agent, newest first (who made ours)."""
        start, _ = self.intake.today_bounds()
        return await self.store.status_changes(extension, start, limit)

    def watched_since(self, extension: int) -> float | None:
        """When this process first saw the agent (true UTC): its status spans start there."""
        return self.status_log.seen_at(extension)

    async def alert_log(self) -> list[AlertRow]:
        """Today's fired and cleared alerts, newest first."""
        start, _ = self.intake.today_bounds()
        return await self.store.alerts_since(start)

    async def alert_preview(self, draft: RuleDraft) -> list[Firing]:
        """How often (and when) a draft rule would have fired today: today's stored calls
        and the board's breaks, up to now (server time)."""
        start, _ = self.intake.today_bounds()
        local = timebase.now()
        state = self.hub.state
        server_now = state.clock.now(local) or local
        calls = day_calls(await self.intake.rows_between(start, server_now + 1), self.intake.rule)
        breaks = day_breaks(state, server_now)
        return await alert_preview(draft, self.settings, calls, breaks, (start, server_now))

    async def call(self, call_id: str) -> CallRecord | None:
        """One stored call by its `ivruniqueid`, or None."""
        found = await self.store.cdr(call_id)
        if found is None:
            return None
        row, _raw = found
        return CallRecord(row.cdr, row.source, self.intake.rule.utc(row.cdr))

    async def worklist(self) -> list[WorkItem]:
        """Today's abandoned callers and the callbacks made to them (kept up to date)."""
        return (await self.today_worklist.get()).items()

    async def worklist_version(self) -> tuple[str, int]:
        """Changes whenever `worklist()` may have: a page redraws only then."""
        state = await self.today_worklist.get()
        return self._today().key, state.version

    async def callback_figures(self) -> dict[str, int | None]:
        """Today's open callbacks and average time to callback (whole seconds), for boards."""
        return callback_figures(await self.worklist())

    def point_at_simulator(self, base_url: str | None, sim: SimulatorSettings) -> None:
        """Send the REST calls (Click2Call, status changes, Call Log) to the simulator at
        `base_url` once it runs; None: to no address (a cluster web node not yet told
        where its account's simulator is), each call then failing with that reason."""
        urls = _api_urls(base_url or "")
        if base_url is None:
            urls = dict.fromkeys(urls, "")
        self.api.settings = dataclasses.replace(
            self.api.settings,
            code=sim.api_code,
            no_url=NO_SIMULATOR if base_url is None else NO_URL,
            call_log_url=urls["call_log_url"],
            click2call_url=urls["click2call_url"],
            login_logout_url=urls["login_logout_url"],
            extensions_url=urls["extensions_url"],
            extensions_calls_url=urls["extensions_calls_url"],
            queues_callers_url=urls["queues_callers_url"],
        )


def _add_to_worklist(state: Worklist, item: Cdr | CallbackRow) -> None:
    if isinstance(item, Cdr):
        state.add_cdr(item)
    else:
        state.add_press(item)


def _worklist_key(item: Cdr | CallbackRow) -> Hashable:
    """What makes a stored item the same one (a CDR: its unique key in the store)."""
    return (item.ivruniqueid, item.type) if isinstance(item, Cdr) else item


def make_actions(service: CdrService) -> Actions:
    """The supervisor actions, on the service's REST client and store (audit, callbacks)."""
    s = service.settings
    actions = Actions(
        service.api,
        service.store,
        service.hub,
        allowed_actors=s.api.allowed_actors,
        status_codes=s.statuses.names.keys(),
        record_calls=s.api.record_callbacks,
        # Who made a status change is kept by the process that logs the changes: a writer.
        status_log=service.status_log if service.writer else None,
    )
    actions.on_press.append(service.pressed)
    return actions


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
    """The simulator's CDRs to our webhook; our REST client to it when its port is fixed.

    With no `[cdr] secret` (and open not allowed) the demo makes one up for this run: the
    webhook is never open by default, not even in the demo.
    """
    secret = settings.cdr.secret
    if (secret is None or not secret.get_secret_value()) and not settings.cdr.allow_unauthenticated:
        secret = SecretStr(secrets.token_urlsafe(24))
        settings = settings.model_copy(
            update={"cdr": settings.cdr.model_copy(update={"secret": secret})}
        )
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


def create(
    hub: Hub, settings: Settings, account: str = "", *, writer: bool = True
) -> CdrService | None:
    """The after-call service, or None when `[cdr] enabled` is false — or, for a reader,
    when `[store] url` names no shared PostgreSQL (SQLite is one process's own store)."""
    if not settings.cdr.enabled:
        return None
    if not writer and make_shared_store(settings.store, account) is None:
        return None
    return CdrService(settings, hub, account, writer=writer)
