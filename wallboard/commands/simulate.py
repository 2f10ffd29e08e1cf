"""`wallboard simulate`: the vendor simulator as a stand-alone server."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path
from typing import Any

from wallboard.config import Settings, SimulatorSettings, load_settings

__all__ = ["add_parser", "run", "simulator_settings"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `wallboard simulate`."""
    p = sub.add_parser("simulate", help="serve a simulated Voicenter account (no vendor needed)")
    add_options(p, short_names=True)
    p.set_defaults(handler=run)


def add_options(p: argparse.ArgumentParser, short_names: bool = False) -> None:
    """Options shared by `simulate` and `demo` (each overrides [simulator] in the config).

    `simulate` also takes `--host`/`--port`; in `demo` those would be mistaken for the web
    server's, so there only `--sim-host`/`--sim-port` exist.
    """
    host = ["--sim-host", "--host"] if short_names else ["--sim-host"]
    port = ["--sim-port", "--port"] if short_names else ["--sim-port"]
    p.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    p.add_argument(*host, dest="sim_host", default=None, help="simulator address")
    p.add_argument(*port, dest="sim_port", type=int, default=None, help="0 = any free")
    p.add_argument("--agents", type=int, default=None, help="number of agents (extensions)")
    p.add_argument("--queues", type=int, default=None, help="number of queues")
    p.add_argument("--speed", type=float, default=None, help="simulated seconds per second")
    p.add_argument("--seed", type=int, default=None, help="random seed (same seed, same day)")
    p.add_argument("--scenario", default=None, help="bundled scenario name or .toml path")
    p.add_argument(
        "--start", default=None, help='simulated start: "now", epoch, "HH:MM" (Israel) or ISO'
    )
    p.add_argument("--flat", action="store_true", help="peak traffic all day")
    p.add_argument("--cdr-url", dest="cdr_url", default=None, help="POST a CDR here per call")
    p.add_argument(
        "--cdr-format", dest="cdr_format", choices=["json", "form", "xmlrpc"], default=None
    )


def simulator_settings(settings: Settings, args: argparse.Namespace) -> SimulatorSettings:
    """The [simulator] section with command-line options applied."""
    overrides: dict[str, Any] = {}
    for opt, key in (
        ("sim_host", "host"),
        ("sim_port", "port"),
        ("agents", "agents"),
        ("queues", "queues"),
        ("speed", "speed"),
        ("seed", "seed"),
        ("scenario", "scenario"),
        ("start", "start"),
        ("cdr_url", "cdr_url"),
        ("cdr_format", "cdr_format"),
    ):
        value = getattr(args, opt, None)
        if value is not None:
            overrides[key] = value
    if getattr(args, "flat", False):
        overrides["flat_curve"] = True
    data = settings.simulator.model_dump()
    data.update(overrides)
    return SimulatorSettings.model_validate(data)


async def _serve(s: SimulatorSettings) -> None:
    from wallboard.sim.server import Simulator

    sim = Simulator(s)
    url = await sim.start()
    print(f"simulator: {len(sim.model.agents)} agents, {len(sim.model.queues)} queues, ×{s.speed}")
    print(f"  login (legacy):   POST {url}/monitorAPI/Login/Account  (username/password)")
    print(f"  login (identity): POST {url}/identity/Login")
    print(f"  token refresh:    GET {url}/monitorAPI/Login/Refresh  (Bearer refresh token)")
    print(f"  monitor servers:  {', '.join(sim.server_urls)}  (main, backup)")
    print(f"  socket:           {url.replace('http', 'ws')}/socket.io/?EIO=3&transport=websocket")
    print(f"  truth:            GET {url}/sim/truth · faults: POST {url}/sim/fault/<kind>")
    try:
        await asyncio.Event().wait()
    finally:
        await sim.stop()


def run(args: argparse.Namespace) -> int:
    """Serve the simulator until interrupted."""
    s = simulator_settings(load_settings(args.config), args)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(s))
    return 0
