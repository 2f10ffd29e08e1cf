"""The realtime endpoint: Engine.IO v3 over a websocket, as the vendor's socket.io@2 speaks it.

`GET /socket.io/?EIO=3&transport=websocket&token=...` → `0{sid,upgrades,pingInterval,
pingTimeout}`, `40`, then `loginSuccess`, `loginStatus`, `AllExtensionsStatus` and live
events. The client pings (`2`, answered `3`); a client silent past pingInterval +
pingTimeout is dropped with a bare close, like engine.io 3. A refused token gets `0`, `40`,
`41` and a close. A client that sends `40` itself gets what socket.io@2 gives it: a second
socket on the same connection, so every event twice (docs/voicenter.md, the traps).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from typing import Any

from aiohttp import WSMsgType, web

from wallboard.runtime.tasks import TaskOwner
from wallboard.sim.http.common import SimulatorApp, sim_of
from wallboard.sim.http.session import Session, SessionState

__all__ = ["Session", "SessionState", "add_routes", "frame", "send_snapshots", "socket_handler"]

log = logging.getLogger(__name__)


def _frame(name: str, payload: Any) -> str:
    return "42" + json.dumps([name, payload], separators=(",", ":"), ensure_ascii=False)


async def _writer(session: Session) -> None:
    ws = session.ws
    while True:
        text = await session.outbox.get()
        if text is None or ws.closed:
            break
        await ws.send_str(text)
    if not ws.closed:
        await ws.close()


async def _watchdog(sim: SimulatorApp, session: Session) -> None:
    limit = (sim.settings.ping_interval_ms + sim.settings.ping_timeout_ms) / 1000.0
    while session.state is not SessionState.CLOSED:
        await asyncio.sleep(min(1.0, limit / 4))
        if time.monotonic() - session.last_ping > limit:
            log.info("simulator: client %s silent for %.0f s, dropped", session.sid, limit)
            session.close()
            return


def send_snapshots(sim: SimulatorApp, session: Session) -> None:
    """`loginStatus` and `AllExtensionsStatus` for what this session may see."""
    model = sim.model
    g = session.grant
    queues = None if g.queues is None else [q for q in model.queues if q.queue_id in g.queues]
    agents = (
        None if g.extensions is None else [a for a in model.agents if a.extension in g.extensions]
    )
    session.send(_frame("loginStatus", model.login_status(queues)))
    session.send(_frame("AllExtensionsStatus", model.all_extensions(agents)))


def _on_event(sim: SimulatorApp, session: Session, text: str) -> None:
    try:
        name, *_args = json.loads(text[2:])
    except (ValueError, TypeError):
        log.warning("simulator: unreadable client event %r", text[:80])
        return
    if name == "keepalive":
        if sim.token_valid(session.grant):
            session.send(_frame("keepaliveResponse", {"errorCode": 0, "errorDesc": "OK"}))
        else:
            session.send(
                _frame("keepaliveResponse", {"errorCode": 1, "errorDesc": "Token expired"})
            )
    elif name == "resync":
        sim.catch_up()
        send_snapshots(sim, session)
    else:
        log.info("simulator: client sent unknown event %r", name)


def _on_message(sim: SimulatorApp, session: Session, data: str) -> bool:
    """Handle one text frame from the client; False when the client is leaving."""
    if session.state is SessionState.SILENT:
        return True
    if data.startswith("2"):  # a ping, maybe with a probe payload to echo
        session.last_ping = time.monotonic()
        session.send("3" + data[1:])
    elif data.startswith("42"):
        _on_event(sim, session, data)
    elif data == "40":
        log.warning(
            "simulator: client %s sent 40 on EIO3: a second socket joins, "
            "every event now arrives twice (as socket.io@2 does)",
            session.sid,
        )
        session.sockets += 1
    elif data in ("41", "1"):
        return False
    return True


async def socket_handler(request: web.Request) -> web.StreamResponse:
    """The Engine.IO v3 websocket endpoint."""
    sim = sim_of(request)
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    port = int(sockname[1]) if sockname else 0
    if port in sim.down_ports and request.transport is not None:
        request.transport.abort()  # this monitor server is away: the connection just drops
        return web.Response(status=503)
    q = request.query
    if q.get("EIO") != "3":
        return web.Response(status=400, text='{"code":5,"message":"Unsupported protocol version"}')
    if q.get("transport") != "websocket":
        return web.Response(status=400, text='{"code":3,"message":"Bad request"}')
    ws = web.WebSocketResponse(autoping=True)
    await ws.prepare(request)
    grant = sim.grant_for(q.get("token", ""))
    s = sim.settings
    sid = secrets.token_hex(10)
    handshake = {
        "sid": sid,
        "upgrades": [],
        "pingInterval": s.ping_interval_ms,
        "pingTimeout": s.ping_timeout_ms,
    }
    await ws.send_str("0" + json.dumps(handshake))
    await ws.send_str("40")
    if grant is None:
        # A refused token: joined, then thrown out of the namespace and closed.
        await ws.send_str("41")
        await ws.close()
        return ws
    session = Session(ws, grant)
    session.sid = sid
    session.port = port
    sim.catch_up()
    session.send(_frame("loginSuccess", sim.model.login_success()))
    send_snapshots(sim, session)
    sim.sessions.add(session)
    owner = TaskOwner(f"simulator.client.{sid[:8]}")
    writer = owner.start("writer", _writer(session))
    owner.start("watchdog", _watchdog(sim, session))
    try:
        async for msg in ws:
            if msg.type is WSMsgType.TEXT and not _on_message(sim, session, msg.data):
                break
    finally:
        sim.sessions.discard(session)
        if session.state is not SessionState.CLOSED:
            session.close()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(asyncio.shield(writer), 5.0)
        await owner.close()
    return ws


def add_routes(app: web.Application) -> None:
    """Mount the realtime endpoint."""
    app.router.add_get("/socket.io/", socket_handler)


frame = _frame
