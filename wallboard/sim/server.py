"""The simulator as a server: the model on a simulated clock, behind the vendor's protocols.

One aiohttp application serves the login API, the Engine.IO v3 socket, the REST APIs and
the control routes, on two ports: the main monitor server and a backup, both listed by the
login (docs/voicenter.md, "Login"), so clients fail over and back as against the vendor.
A ticker task advances the model (simulated time = start + speed ×
real time since start), serializes each event once and hands it to every client that may
see it; the CDR poster sends ended calls to the configured URL.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from wallboard.config import SimulatorSettings
from wallboard.errors import ConfigError
from wallboard.runtime import timebase
from wallboard.runtime.tasks import TaskOwner
from wallboard.sim.calllog import CallLogFile
from wallboard.sim.cdr_poster import CdrPoster
from wallboard.sim.http import control, eio3_server, login_api, rest_api
from wallboard.sim.http.common import SIM_KEY
from wallboard.sim.http.session import Session, TokenGrant
from wallboard.sim.model import CallCentre, Frame, ModelConfig
from wallboard.sim.scenario import Scenario, load_scenario

__all__ = ["SIM_KEY", "SimClock", "Simulator", "TokenGrant", "model_config", "start_time"]

log = logging.getLogger(__name__)

_TICK_SECONDS = 0.05


class SimClock:
    """Simulated epoch seconds: `start` + `speed` × real seconds since creation."""

    def __init__(self, start: float, speed: float) -> None:
        self.start = start
        self.speed = speed
        self._mono0 = time.monotonic()

    def now(self) -> float:
        """The simulated time now."""
        return self.start + (time.monotonic() - self._mono0) * self.speed

    def set_speed(self, speed: float) -> None:
        """Change speed from now on (0 freezes the clock); simulated time never jumps."""
        self.start = self.now()
        self._mono0 = time.monotonic()
        self.speed = speed


def start_time(text: str, now: float, zone: str = "Asia/Jerusalem") -> float:
    """Simulated start from settings: "now", epoch seconds, "HH:MM" today, or ISO."""
    text = text.strip()
    if text in ("", "now"):
        return float(int(now))
    try:
        return float(int(float(text)))
    except ValueError:
        pass
    tz = ZoneInfo(zone)
    try:
        if len(text) <= 5 and ":" in text:
            hh, mm = (int(x) for x in text.split(":"))
            today = datetime.fromtimestamp(now, tz)
            return today.replace(hour=hh, minute=mm, second=0, microsecond=0).timestamp()
        d = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            "simulator settings",
            "simulator.start",
            f"{text!r} is not 'now', epoch seconds, HH:MM or an ISO date-time",
        ) from None
    return (d if d.tzinfo else d.replace(tzinfo=tz)).timestamp()


def model_config(s: SimulatorSettings, start: float | None = None) -> ModelConfig:
    """The model's configuration from settings; `start` overrides `s.start` (default now)."""
    scenario = load_scenario(s.scenario) if s.scenario else Scenario()
    if start is None:
        start = start_time(s.start, timebase.now())
    return ModelConfig(
        agents=s.agents,
        queues=s.queues,
        seed=s.seed,
        start=float(start),
        flat_curve=s.flat_curve,
        language=s.language,
        scenario=scenario,
    )


class Simulator:
    """The model, its clock, the connected clients and the tokens handed out."""

    def __init__(self, settings: SimulatorSettings, model: CallCentre | None = None) -> None:
        self.settings = settings
        self.model = model or CallCentre(model_config(settings), CallLogFile())
        self.clock = SimClock(self.model.now, settings.speed)
        self.sessions: set[Session] = set()
        self.grants: dict[str, TokenGrant] = {}
        self.access: dict[str, TokenGrant] = {}  # identity-style access tokens
        self.poster = CdrPoster(settings)
        self.frames_sent = 0
        self.api_requests: Counter[str] = Counter()  # REST requests received, per API
        self._owner = TaskOwner("simulator")
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.backup_port = 0
        self.server_urls: list[str] = []
        self.down_ports: set[int] = set()

    # ------------------------------------------------------------ tokens

    def issue(
        self, extensions: frozenset[int] | None = None, queues: frozenset[int] | None = None
    ) -> TokenGrant:
        """A new socket token (and refresh token) for what the login may see."""
        grant = TokenGrant(
            token=secrets.token_urlsafe(24),
            refresh_token=secrets.token_urlsafe(24),
            expires=time.time() + self.settings.token_ttl_seconds,
            extensions=extensions,
            queues=queues,
        )
        self.grants[grant.token] = grant
        # Forget grants long dead, so a kiosk demo refreshing for months stays small.
        stale = time.time() - 86400
        for table in (self.grants, self.access):
            for key in [k for k, g in table.items() if g.expires < stale]:
                del table[key]
        return grant

    def token_valid(self, grant: TokenGrant) -> bool:
        """Whether a grant is neither revoked nor expired."""
        return not grant.revoked and time.time() < grant.expires

    def grant_for(self, token: str) -> TokenGrant | None:
        """The valid grant of a socket token, if any."""
        grant = self.grants.get(token)
        return grant if grant is not None and self.token_valid(grant) else None

    # ------------------------------------------------------------ time and events

    def catch_up(self) -> None:
        """Advance the model to now and send what happened (before a snapshot or action)."""
        self.broadcast(self.model.advance(self.clock.now()))

    def act(self, action: Callable[[], object]) -> None:
        """Apply an outside action (REST) at the current simulated time."""
        self.broadcast(self.model.run_action(self.clock.now(), action))

    def broadcast(self, frames: list[Frame]) -> None:
        """Serialize each frame once; queue it for every client that may see it."""
        if frames and self.sessions:
            sessions = list(self.sessions)
            for f in frames:
                text = eio3_server.frame(f.name, f.payload)
                for s in sessions:
                    if s.wants(f.extension, f.queue):
                        s.send(text)
                        self.frames_sent += 1
        cdrs = self.model.take_cdrs()
        if cdrs:
            self.poster.submit(cdrs)

    def send_all(self, text: str) -> int:
        """Send a raw frame to every client (fault injection); returns how many got it."""
        for s in self.sessions:
            s.send(text)
        return len(self.sessions)

    async def _tick(self) -> None:
        while True:
            self.catch_up()
            await asyncio.sleep(_TICK_SECONDS)

    # ------------------------------------------------------------ lifecycle

    def build_app(self) -> web.Application:
        """The aiohttp application with every route."""
        app = web.Application()
        app[SIM_KEY] = self
        login_api.add_routes(app)
        eio3_server.add_routes(app)
        rest_api.add_routes(app)
        control.add_routes(app)
        return app

    async def _site(self, host: str, port: int) -> int:
        assert self._runner is not None
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        return int(sockets[0].getsockname()[1]) if sockets else port

    async def start(self, host: str | None = None, port: int | None = None) -> str:
        """Serve on host:port (0 = any free port) and the backup port; returns the base URL."""
        host = host or self.settings.host
        port = self.settings.port if port is None else port
        self._runner = web.AppRunner(self.build_app(), access_log=None)
        await self._runner.setup()
        self.port = await self._site(host, port)
        self.backup_port = await self._site(host, self.settings.backup_port)
        self.base_url = f"http://{host}:{self.port}"
        self.server_urls = [self.base_url, f"http://{host}:{self.backup_port}"]
        self._owner.start("tick", self._tick())
        self._owner.start("cdr", self.poster.run())
        log.info("simulator serving on %s (backup monitor server %s)", *self.server_urls)
        return self.base_url

    def set_server_down(self, index: int, down: bool) -> int:
        """Take monitor server `index` away (its clients cut, new sockets refused) or bring
        it back; returns how many clients were cut."""
        port = [self.port, self.backup_port][index]
        if not down:
            self.down_ports.discard(port)
            return 0
        self.down_ports.add(port)
        cut = [s for s in self.sessions if s.port == port]
        for s in cut:
            s.abort()
        log.info("simulator: monitor server %s down", self.server_urls[index])
        return len(cut)

    async def stop(self) -> None:
        """Close every client and stop serving."""
        for s in list(self.sessions):
            s.close()
        await self._owner.close()
        await self.poster.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
