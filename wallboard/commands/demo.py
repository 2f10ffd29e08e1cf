"""`wallboard demo`: a live call centre with no account.

Starts the simulator and the wallboard in one process; the wallboard reaches the
simulator only through the real connector (login API, EIO3 socket), exactly as it would
reach the vendor, and the board is served on the usual web address.
"""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from secrets import token_urlsafe
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from wallboard.commands.simulate import add_options, simulator_settings
from wallboard.config import (
    Settings,
    SimulatorSettings,
    TeamSettings,
    VendorSettings,
    data_dir,
    load_settings,
)
from wallboard.core.clock import zone
from wallboard.runtime.cleanup import pid_alive

if TYPE_CHECKING:  # the simulator is imported only when the demo runs
    from wallboard.sim.model import CallCentre
    from wallboard.sim.warmup import Plan

__all__ = ["add_parser", "demo_store", "demo_teams", "run", "vendor_settings_for"]

log = logging.getLogger(__name__)

# Below this share of the daily peak the demo switches to daytime traffic.
_QUIET = 0.3


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `wallboard demo`."""
    p = sub.add_parser("demo", help="the wallboard on a simulated live call centre")
    add_options(p)
    p.set_defaults(handler=run)


def vendor_settings_for(base_url: str, username: str, password: str) -> VendorSettings:
    """Connector settings that log in to the simulator like an account login to the vendor."""
    return VendorSettings.model_validate(
        {
            "login_type": "account",
            "login_api": "legacy",
            "login_url": f"{base_url}/monitorAPI/Login",
            "refresh_url": f"{base_url}/monitorAPI/Login/Refresh",
            "username": username,
            "password": password,
            "protocol": "eio3",
            "backoff_min_seconds": 1.0,
            "backoff_max_seconds": 10.0,
        }
    )


def demo_teams(model: CallCentre) -> dict[str, TeamSettings]:
    """One team per simulated queue: the agents skilled for it.

    The vendor's realtime events do not say who answers which queue, so a real account lists
    its teams in the config; the demo takes them from the simulated floor, so that "agents
    available" per queue means something from the first minute, not only once calls flow.
    """
    return {
        f"queue-{q.queue_id}": TeamSettings(
            name=q.name,
            extensions=[a.extension for a in q.members],
            queues=[q.queue_id],
        )
        for q in model.queues
    }


def _running_floor(
    sim: SimulatorSettings, real_curve: SimulatorSettings, now: float, timezone: str, past: Plan
) -> tuple[CallCentre, list[dict[str, Any]]]:
    """A floor that has been running for days (same model and seed) and its past CDRs.

    Plausible times in state from the first view, and whole days of CDRs (from the start of
    the day `past.history_days` ago) stored before the board opens. When the demo runs
    daytime traffic at night, the past keeps the real daily curve (a week at peak is no
    history) and only the recent hours, whose calls are today's numbers, run at the demo's
    pace.
    """
    from wallboard.sim.server import model_config
    from wallboard.sim.warmup import warmed_up

    local = datetime.fromtimestamp(now, zone(timezone))
    today = (local - local.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds()
    recent, settle = past.recent_hours, past.settle_hours
    if not past.history_days:
        return warmed_up(model_config(sim, now), recent, settle)
    hours = past.history_days * 24.0 + today / 3600.0
    if sim.flat_curve == real_curve.flat_curve:
        return warmed_up(model_config(sim, now), hours, settle)
    _, cdrs = warmed_up(model_config(real_curve, now), hours, settle)
    cut = now - recent * 3600.0
    model, last = warmed_up(model_config(sim, now), recent, settle)
    return model, [c for c in cdrs if float(c.get("time") or 0) < cut] + last


def _archive(
    model: CallCentre, now: float, timezone: str, past: Plan
) -> list[Callable[[], list[dict[str, Any]]]]:
    """What makes the weeks before the history days, a day each, run once the board is open
    (`sim.warmup.archive`): the same floor's roster and demand, ending where they begin."""
    if not past.archive_days:
        return []
    from wallboard.sim.warmup import archive

    local = datetime.fromtimestamp(now, zone(timezone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    first = midnight - past.history_days * 86400.0  # where the history days begin
    return archive(model, past.archive_days, first)


def _plan(sim: SimulatorSettings, asked: set[str], command: str) -> Plan:
    """The demo's past (`sim.warmup.plan`), and a line saying when a big floor got less."""
    from wallboard.sim.warmup import plan

    past = plan(sim.agents, sim.history_days, "history_days" in asked, sim.archive_weeks)
    if past.history_days < sim.history_days:
        print(
            f"wallboard {command}: {sim.agents} agents: {past.history_days} days of history, "
            f"{past.recent_hours:g} h of today (a week of this floor takes minutes to run; "
            "[simulator] history_days asks for it)",
            flush=True,
        )
    return past


def demo_store(settings: Settings) -> tuple[Settings, Callable[[], None]]:
    """The demo's own store, empty at each start and removed when the demo stops, unless
    `[store]` names one (`path` or `url`); and what removes it.

    A simulated floor's calls are new on every run. In the usual store a second demo of
    the same day counted both runs' calls in today's figures and worklist, and each start
    read every earlier run's rows (a day of restarts: a million rows, minutes at start-up).
    One folder per process (its pid in the name), so two demos at once never share one; a
    folder whose process is gone (killed) is removed by the next demo.
    """
    if settings.store.model_fields_set & {"path", "url"}:
        return settings, lambda: None
    home = data_dir()
    home.mkdir(parents=True, exist_ok=True)
    for old in home.glob("demo-*"):
        pid = old.name.split("-")[1]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=f"demo-{os.getpid()}-", dir=home))

    def remove() -> None:
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)  # a start that fails; a stop by signal runs `remove` itself
    store = settings.store.model_copy(update={"path": str(folder / "wallboard.db")})
    return settings.model_copy(update={"store": store}), remove


def _with_session_secret(settings: Settings) -> Settings:
    """A session secret for this run when none is set: the demo's store (its users) is new
    at every start anyway, so the warning that logins end with a restart says nothing."""
    if settings.web.storage_secret is not None:
        return settings
    web_cfg = settings.web.model_copy(update={"storage_secret": SecretStr(token_urlsafe(32))})
    return settings.model_copy(update={"web": web_cfg})


def run(args: argparse.Namespace) -> int:
    """Start the simulator, the connector and the board in one process."""
    from wallboard.app import serve_demo
    from wallboard.services.aftercall import for_simulator
    from wallboard.sim.model import CallCentre
    from wallboard.sim.server import Simulator, model_config

    command = getattr(args, "command", None) or "demo"  # `run` of a simulator config too
    settings, remove_store = demo_store(_with_session_secret(load_settings(args.config)))
    sim_settings = simulator_settings(settings, args)
    if args.sim_port is None and "port" not in settings.simulator.model_fields_set:
        # In-process: any free port will do, so a busy 8090 never stops the demo.
        sim_settings = sim_settings.model_copy(update={"port": 0})
    if "language" not in settings.simulator.model_fields_set:
        sim_settings = sim_settings.model_copy(update={"language": settings.web.language})
    if "wrap_seconds" not in settings.kpi.model_fields_set:
        # The simulated floor's after-call work and ring before an answer (sim/model: wrap-up
        # 20 s on average, rings of 2–9 s), which its CDRs do not carry: for /forecast's staffing.
        kpi = settings.kpi.model_copy(update={"wrap_seconds": 25})
        settings = settings.model_copy(update={"kpi": kpi})
    # CDRs from the simulator to our webhook; Click2Call and the Call Log to the simulator.
    settings, sim_settings = for_simulator(settings, sim_settings)
    probe = CallCentre(model_config(sim_settings))
    quiet = probe.curve(probe.now) < _QUIET
    real_curve = sim_settings
    if quiet and not sim_settings.flat_curve and sim_settings.start.strip() in ("", "now"):
        # Night in Israel: a faithful floor would be nearly idle, which demonstrates
        # nothing. Run a daytime load instead and say so.
        print(f"wallboard {command}: it is night on the simulated floor; running daytime traffic")
        sim_settings = sim_settings.model_copy(update={"flat_curve": True})
    plan = _plan(sim_settings, settings.simulator.model_fields_set, command)
    t0 = time.monotonic()
    tz = settings.day.timezone
    model, past = _running_floor(sim_settings, real_curve, probe.now, tz, plan)
    days = plan.history_days or plan.recent_hours / 24
    print(
        f"wallboard {command}: ran the floor {days:.3g} days to now in "
        f"{time.monotonic() - t0:.1f} s ({len(past)} CDRs)",
        flush=True,
    )
    sim = Simulator(sim_settings, model)
    if not settings.teams:
        settings = settings.model_copy(update={"teams": demo_teams(sim.model)})
    login = (sim_settings.username, sim_settings.password.get_secret_value())

    def vendor_for(url: str) -> VendorSettings:
        return vendor_settings_for(url, *login)

    serve_demo(
        settings,
        sim,
        sim_settings,
        vendor_for,
        past,
        after_stop=remove_store,
        command=command,
        archive=_archive(model, probe.now, tz, plan),
    )
    return 0
