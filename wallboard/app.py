"""The composition root: builds the hub, the services and the feed, and hands them to the web.

Every command that serves the board (run, demo, cdr-server, replay --serve) comes here;
nothing else builds a service or starts the web app.
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import gc
import logging
import socket
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from wallboard.config import Settings, SimulatorSettings, VendorSettings, WebSettings
from wallboard.core.events import ConnectionState
from wallboard.errors import ConfigError, StoreError
from wallboard.runtime import metrics, notify
from wallboard.runtime.hub import Hub
from wallboard.runtime.tasks import TaskOwner
from wallboard.services import aftercall, retention, store_watch
from wallboard.web import app as web

if TYPE_CHECKING:  # the simulator is imported only when the demo runs
    from wallboard.sim.server import Simulator
    from wallboard.voicenter.connector import Connector

__all__ = [
    "Feed",
    "announce",
    "build",
    "check_port_free",
    "serve",
    "serve_demo",
    "serve_ingest",
    "serve_live",
    "serve_web_node",
    "settled",
    "watch_connector",
    "web_url",
]

log = logging.getLogger(__name__)

# The exit code of a server whose store cannot be opened (2 is a settings mistake).
STORE_UNAVAILABLE = 1

# What feeds the hub while the board is served: the connector, a replay, or nothing.
Feed = Callable[[Hub], Coroutine[Any, Any, None]]


def build(settings: Settings, account: str = "", *, writer: bool = True) -> web.Services:
    """The hub, the after-call service and the actions, unstarted (`writer`: `CdrService`'s;
    a reader has an after-call service only on a shared PostgreSQL store)."""
    hub = Hub(settings.fold_settings())
    service = aftercall.create(hub, settings, account, writer=writer)
    actions = aftercall.make_actions(service) if service is not None else None
    metrics.watch(hub=hub, account=account)
    if service is not None:
        if service.writer:  # a reader takes no CDR
            stats = service.intake.stats
            fields = metrics.CDR_RESULTS
            metrics.watch(cdr_results=lambda: {r: getattr(stats, f) for r, f in fields.items()})
        service.store.on_commit.append(metrics.STORE_COMMIT.observe)
        health = service.store.health
        health.on_failure.append(lambda operation: metrics.STORE_ERRORS.labels(operation).inc())
        metrics.watch(account=account, store_healthy=lambda: health.healthy)
    return web.Services(hub, settings, service, actions, account)


def watch_connector(connector: Connector) -> Connector:
    """Let /metrics read the connector's token expiry."""

    def expiry() -> float | None:
        return connector.session.expires_at if connector.session is not None else None

    metrics.watch(token_expiry=expiry)
    return connector


def check_port_free(host: str, port: int) -> None:
    """Fail with the address and the config key before anything prints a URL to open."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            s.bind((host, port))
        except OSError as e:
            why = "is taken by another program" if e.errno == errno.EADDRINUSE else e.strerror
            raise ConfigError(
                "web settings",
                "web.port",
                f"{host}:{port} {why}; choose another port ([web] port or WALLBOARD_WEB_PORT)",
            ) from None


def web_url(web_cfg: WebSettings) -> str:
    """The address to open in a browser on this machine (a wildcard host: the loopback)."""
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(web_cfg.host, web_cfg.host)
    return f"http://{f'[{host}]' if ':' in host else host}:{web_cfg.port}/"


async def announce(
    line: str,
    web_cfg: WebSettings,
    settled: Callable[[], bool] = lambda: True,
    settle_limit: float = 15.0,
) -> None:
    """Print `line` once the web port takes connections (uvicorn binds it after the start-up
    hooks ran, so a line printed from a hook came before anything could open it), and once
    the start-up has `settled` (the link live, the backfill done) or `settle_limit` passed,
    so that the address is the last line of a start, not lost among its log lines."""
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(web_cfg.host, web_cfg.host)
    while True:  # the owner cancels this if the server never comes up
        try:
            _, writer = await asyncio.open_connection(host, web_cfg.port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        break
    deadline = time.monotonic() + settle_limit
    while not settled() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    print(line, flush=True)


def settled(services: web.Services) -> Callable[[], bool]:
    """True once the vendor link is live and the after-call start-up (backfill) is done."""

    def check() -> bool:
        live = services.hub.state.connection.state is ConnectionState.CONNECTED
        service = services.after_call
        busy = service is not None and f"{service.tasks.name}.backfill" in service.tasks.running
        return live and not busy

    return check


def serve(
    settings: Settings,
    feed: Feed | None = None,
    services: web.Services | None = None,
    after_start: Callable[[], Coroutine[Any, Any, None]] | None = None,
    before_stop: Callable[[], Coroutine[Any, Any, None]] | None = None,
    after_stop: Callable[[], None] | None = None,
    gate: Callable[[], Coroutine[Any, Any, None]] | None = None,
) -> int:
    """Serve the board (blocking): start the services, then `feed` the hub; stop in reverse;
    `after_stop` runs last, once the store is closed (uvicorn ends a process stopped by a
    signal with that signal: no `atexit`). With `gate` (an ingest worker's lease) the web
    answers at once, and the rest starts once `gate()` returns. The exit status: 1 when
    what the gate held back failed to start, else 0."""
    services = services if services is not None else build(settings)
    return _serve_all([(services, feed)], after_start, before_stop, after_stop, gate)


def _serve_all(
    units: Sequence[tuple[web.Services, Feed | None]],
    after_start: Callable[[], Coroutine[Any, Any, None]] | None = None,
    before_stop: Callable[[], Coroutine[Any, Any, None]] | None = None,
    after_stop: Callable[[], None] | None = None,
    gate: Callable[[], Coroutine[Any, Any, None]] | None = None,
) -> int:
    """Serve one account, or a web node's several (each on its own `[web] port`)."""
    for services, _ in units:
        check_port_free(services.settings.web.host, services.settings.web.port)
    owner = TaskOwner("app")
    failed: list[BaseException] = []

    async def begin() -> bool:
        try:
            for services, _ in units:
                await _start_store(owner, services)
        except StoreError as e:
            # A writer that cannot store would acknowledge nothing while /healthz said
            # "alive": one line under our logger, then stop with an exit code ≠ 0, so systemd
            # shows why and restarts it (docs/operations.md).
            log.critical("store: %s; stopping", e)
            failed.append(e)
            web.stop_serving()
            return False
        if after_start is not None:
            await after_start()
        for services, feed in units:
            if feed is not None:
                owner.start(_named("feed", services), feed(services.hub))
        return True

    async def gated(wait: Callable[[], Coroutine[Any, Any, None]]) -> None:
        await wait()
        try:
            await begin()
        except Exception as e:  # as a failed start-up: the process ends, not a zombie
            log.error("start failed: %s", e)
            failed.append(e)
            web.stop_serving()

    async def start() -> None:
        _freeze_startup_heap()
        if gate is None:
            if not await begin():
                return  # no READY=1: the process is on its way out
        else:
            owner.start("lease", gated(gate))
        # Under systemd (Type=notify): started; then prove the event loop turns.
        notify.notify("READY=1")
        interval = notify.watchdog_interval()
        if interval is not None:
            owner.start("systemd-watchdog", notify.watchdog(interval))

    async def stop() -> None:
        notify.notify("STOPPING=1")
        await owner.close()
        if before_stop is not None and not failed:  # after_start never ran
            await before_stop()
        for services, _ in units:
            if services.after_call is not None:
                await services.after_call.stop()
        if after_stop is not None:
            after_stop()

    web.serve([services for services, _ in units], on_startup=start, on_shutdown=stop)
    if any(isinstance(e, StoreError) for e in failed):
        raise SystemExit(STORE_UNAVAILABLE)
    return 1 if failed else 0


def _named(task: str, services: web.Services) -> str:
    return f"{services.account}:{task}" if services.account else task


async def _start_store(owner: TaskOwner, services: web.Services) -> None:
    service = services.after_call
    if service is not None and service.writer:
        await service.start()
        prune = retention.prune_forever(service.store, services.settings)
        owner.start(_named("retention", services), prune)
        owner.start(_named("store-probe", services), store_watch.probe_forever(service.store))
    elif service is not None:  # a web node's boards do not wait for PostgreSQL
        owner.start(_named("shared-store", services), service.start_retrying())


def serve_live(settings: Settings) -> None:
    """`wallboard run`: the vendor connector feeds the hub."""
    from wallboard.voicenter.connector import Connector
    from wallboard.voicenter.ingest import FrameParser

    def connect(hub: Hub) -> Coroutine[Any, Any, None]:
        return watch_connector(Connector(settings.vendor, FrameParser(hub))).run()

    owner = TaskOwner("run")
    services = build(settings)

    async def started() -> None:
        line = f"wallboard run: open {web_url(settings.web)}"
        owner.start("announce", announce(line, settings.web, settled(services)))

    async def stopping() -> None:
        await owner.close()

    serve(settings, connect, services, after_start=started, before_stop=stopping)


def serve_demo(
    settings: Settings,
    sim: Simulator,
    sim_settings: SimulatorSettings,
    vendor_for: Callable[[str], VendorSettings],
    past: list[dict[str, Any]] | None = None,
    after_stop: Callable[[], None] | None = None,
    command: str = "demo",
    archive: Sequence[Callable[[], list[dict[str, Any]]]] = (),
) -> None:
    """`wallboard demo`: the simulator, reached through the real connector like the vendor.

    `archive` makes the CDRs of the weeks before `past` (for the forecast), a day each:
    made in a thread and stored once the board is open, so the first page does not wait.

    `vendor_for(base_url)` is the connector's login to the simulator once its address is known;
    `past` are the CDRs of the floor's days before now, stored before the board opens; the
    list is emptied once they are encoded (the caller's frame lives as long as the process,
    and a big floor's past is hundreds of megabytes).
    """
    from wallboard.sim.cdr_poster import encode
    from wallboard.voicenter.connector import Connector  # the real connector, no shortcut
    from wallboard.voicenter.ingest import FrameParser

    services = build(settings)
    if past and services.after_call is not None:
        # In the encoding the simulator posts, so they are stored as the webhook stores them.
        services.after_call.preload([encode(body, sim_settings.cdr_format) for body in past])
    if past:
        past.clear()
    owner = TaskOwner("demo")

    async def start_simulator() -> None:
        url = await sim.start()
        connector = watch_connector(Connector(vendor_for(url), FrameParser(services.hub)))
        owner.start("connector", connector.run())
        if services.after_call is not None:  # Click2Call, Call Log → the simulator
            services.after_call.point_at_simulator(url, sim_settings)
            if archive:
                owner.start("archive", _store_archive(services.after_call, archive, sim_settings))
        line = (
            f"wallboard {command}: open {web_url(settings.web)}  "
            f"({len(sim.model.agents)} simulated agents, {len(sim.model.queues)} queues, "
            f"×{sim_settings.speed:g}; simulator at {url})"
        )
        owner.start("announce", announce(line, settings.web, settled(services)))

    async def stop_simulator() -> None:
        await owner.close()  # the connector first, then what it is connected to
        await sim.stop()

    serve(
        settings,
        services=services,
        after_start=start_simulator,
        before_stop=stop_simulator,
        after_stop=after_stop,
    )


async def _store_archive(
    service: aftercall.CdrService,
    makers: Sequence[Callable[[], list[dict[str, Any]]]],
    sim_settings: SimulatorSettings,
) -> None:
    """The demo's archive weeks: each day made in a thread, then stored as the webhook
    stores CDRs (a day at a time: a stop waits for one day's making at most)."""
    import asyncio
    import time

    from wallboard.sim.cdr_poster import encode

    t0 = time.monotonic()
    stored = 0
    for make in makers:
        bodies = await asyncio.to_thread(make)
        encoded = [encode(body, sim_settings.cdr_format) for body in bodies]
        stored += await service.intake.import_bodies(encoded, "simulator")
    log.info("demo: stored %d archive CDRs in %.1f s", stored, time.monotonic() - t0)


def serve_ingest(
    settings: Settings,
    account: str,
    nats_url: str,
    vendor_for: Callable[[str], VendorSettings],
) -> int:
    """`wallboard ingest`: one account's vendor link, fold and webhook, written to NATS —
    once it holds the account's lease (a standby until then; `cluster/lease.py`). Returns
    the exit status (`roles.LEASE_LOST_EXIT` after losing the lease)."""
    from wallboard.cluster.roles import IngestWorker, for_ingest

    settings = for_ingest(settings)
    services = build(settings, account)
    worker = IngestWorker(
        services.hub, services.after_call, settings, account, nats_url, vendor_for
    )
    worker.stop_process = web.stop_serving
    services = dataclasses.replace(services, role=worker.role)
    status = serve(
        settings,
        services=services,
        gate=worker.lead,
        after_start=worker.start,
        before_stop=worker.stop,
    )
    return worker.exit_code or status


def serve_web_node(accounts: Sequence[tuple[str, Settings]], nats_url: str) -> None:
    """`wallboard web`: the boards of `accounts` (name, settings), each from its NATS bucket
    and on its own `[web] port`, all in this one process.

    On the shared PostgreSQL store (`[store] url`) also every page that reads the store —
    history, calls, worklist, audit, alerts, messages, the editor — and the actions, as a
    reader that follows what the account's ingest worker stores (no webhook, backfill,
    summaries or prune: those are the ingest worker's). With SQLite: the boards only. An
    account whose ingest worker runs the simulator: the actions go to that simulator, at
    the address the ingest worker writes in the bucket (`roles.follow_simulator`).
    """
    from wallboard.cluster.roles import follow_simulator, mirror_feed

    units: list[tuple[web.Services, Feed | None]] = []
    for account, settings in accounts:
        services = build(settings, account, writer=False)
        on_sim_url = follow_simulator(services.after_call, settings)
        units.append((services, mirror_feed(account, nats_url, on_sim_url)))
    _serve_all(units)


def _freeze_startup_heap() -> None:
    """Move everything alive at start-up out of the cyclic garbage collector's sight.

    The imports (NiceGUI, FastAPI, pydantic's schemas) leave ~85,000 objects that live as
    long as the process; every full collection would traverse them again, for months on a
    kiosk (measured 58 ms per full collection before, 0.0 ms after), and a board would
    see those pauses as latency. The live state and everything made later is still
    collected as usual.
    """
    gc.collect()
    gc.freeze()
