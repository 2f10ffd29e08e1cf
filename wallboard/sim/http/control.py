"""Control routes: fault injection on command and the model's own truth.

* `POST /sim/fault/<kind>`: `drop` (every socket closed at once), `silent` (the server
  stops sending and answering pings: clients must notice by themselves), `malformed` (an
  ExtensionEvent the parser must reject), `expire` (every token revoked: keepalives answer
  errorCode 1 and reconnecting needs a new login), `closeme` (the vendor's "please
  reconnect"), `updated` (`ExtensionsUpdated`/`QueuesUpdated`: clients should resync),
  `unknown` (an event of a name no client knows yet, as a vendor may add one: counted
  and ignored).
* `GET /sim/truth`: agents, calls, waiting lists and counts as the model knows them.
* `GET /sim/status`: simulated time, speed, clients, events, CDRs, REST requests per API.
* `POST /sim/speed?factor=N`: change the speed (0 pauses the floor; time never jumps).
* `POST /sim/scenario/<name>`: start a bundled scenario now (minutes count from now).
* `POST /sim/server/<n>/down` and `/up`: monitor server n (0 = main, 1 = backup) goes
  away (its clients are cut, new sockets refused) or comes back: failover and failback.
"""

from __future__ import annotations

from aiohttp import web

from wallboard.sim.http.common import SimulatorApp, sim_of
from wallboard.sim.http.eio3_server import frame
from wallboard.sim.http.session import SessionState
from wallboard.sim.scenario import bundled_names, load_scenario

__all__ = ["FAULTS", "add_routes", "inject"]

FAULTS = ("drop", "silent", "malformed", "expire", "closeme", "updated", "unknown")

_MALFORMED = '42["ExtensionEvent",{"data":{"reason":"NEWCALL","servertime":"soon","calls":7}}]'


def inject(sim: SimulatorApp, kind: str) -> int:
    """Apply one fault to every connected client; returns how many clients it touched."""
    sessions = list(sim.sessions)
    if kind == "drop":
        for s in sessions:
            s.abort()
        return len(sessions)
    if kind == "silent":
        for s in sessions:
            s.state = SessionState.SILENT
        return len(sessions)
    if kind == "malformed":
        return sim.send_all(_MALFORMED)
    if kind == "expire":
        for g in sim.grants.values():
            g.revoked = True
        return len(sessions)
    if kind == "closeme":
        return sim.send_all(frame("closeme", {}))
    if kind == "updated":
        sim.send_all(frame("ExtensionsUpdated", {}))
        return sim.send_all(frame("QueuesUpdated", {}))
    if kind == "unknown":
        return sim.send_all(frame("SimulatorNewEvent", {"note": "a name no client knows"}))
    raise ValueError(kind)


async def fault(request: web.Request) -> web.Response:
    """`POST /sim/fault/<kind>`: inject one fault into every client."""
    sim = sim_of(request)
    kind = request.match_info["kind"]
    if kind not in FAULTS:
        return web.json_response(
            {"ok": False, "error": f"unknown fault {kind!r}", "faults": list(FAULTS)}, status=404
        )
    touched = inject(sim, kind)
    return web.json_response({"ok": True, "fault": kind, "clients": touched})


async def truth(request: web.Request) -> web.Response:
    """`GET /sim/truth`: the model's own state and counts."""
    sim = sim_of(request)
    sim.catch_up()
    return web.json_response(sim.model.truth())


async def status(request: web.Request) -> web.Response:
    """`GET /sim/status`: simulated time, speed, clients, events, CDRs, REST requests."""
    sim = sim_of(request)
    sim.catch_up()
    return web.json_response(
        {
            "servertime": int(sim.model.now),
            "speed": sim.clock.speed,
            "clients": len(sim.sessions),
            "events": sim.model.events_emitted,
            "frames_sent": sim.frames_sent,
            "cdrs_pending": sim.poster.pending,
            "cdrs_delivered": sim.poster.delivered,
            "agents": len(sim.model.agents),
            "queues": len(sim.model.queues),
            "api_requests": dict(sim.api_requests),
        }
    )


async def scenario(request: web.Request) -> web.Response:
    """`POST /sim/scenario/<name>`: start a scenario now (a trainer's surge, a lunch wave)."""
    sim = sim_of(request)
    name = request.match_info["name"]
    if name not in bundled_names():
        return web.json_response(
            {"ok": False, "error": f"unknown scenario {name!r}", "scenarios": bundled_names()},
            status=404,
        )
    sc = load_scenario(name)
    sim.act(lambda: sim.model.start_scenario(sc, sim.model.now))
    return web.json_response({"ok": True, "scenario": sc.name, "description": sc.description})


async def speed(request: web.Request) -> web.Response:
    """`POST /sim/speed?factor=N`: change the speed (0 pauses)."""
    sim = sim_of(request)
    try:
        factor = float(request.query.get("factor", ""))
    except ValueError:
        factor = -1.0
    if not 0 <= factor <= 1000:
        return web.json_response({"ok": False, "error": "factor must be 0 to 1000"}, status=400)
    sim.catch_up()
    sim.clock.set_speed(factor)
    return web.json_response({"ok": True, "speed": factor})


async def server_state(request: web.Request) -> web.Response:
    """`POST /sim/server/<n>/down|up`: take a monitor server away or bring it back."""
    sim = sim_of(request)
    index = int(request.match_info["index"])
    if not 0 <= index < len(sim.server_urls):
        return web.json_response({"error": "no such server"}, status=404)
    down = request.match_info["state"] == "down"
    cut = sim.set_server_down(index, down)
    return web.json_response({"server": sim.server_urls[index], "down": down, "cut": cut})


def add_routes(app: web.Application) -> None:
    """Mount the control routes."""
    app.router.add_post("/sim/speed", speed)
    app.router.add_post("/sim/scenario/{name}", scenario)
    app.router.add_post("/sim/fault/{kind}", fault)
    app.router.add_get("/sim/truth", truth)
    app.router.add_get("/sim/status", status)
    app.router.add_post("/sim/server/{index:[0-9]+}/{state:down|up}", server_state)
