"""What every simulator route needs: the app key and the Simulator as handlers see it.

Handlers reach the Simulator through `SIM_KEY`, typed with the `SimulatorApp` protocol, so
nothing here imports the server module that mounts the routes (no import cycle).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from wallboard.config import SimulatorSettings
from wallboard.sim.cdr_poster import CdrPoster
from wallboard.sim.http.session import Session, TokenGrant
from wallboard.sim.model import CallCentre

__all__ = ["SIM_KEY", "ClockLike", "SimulatorApp", "sim_of"]


class ClockLike(Protocol):
    """The simulated clock's speed control."""

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        ...

    def set_speed(self, speed: float) -> None:
        """Change speed from now on (0 freezes the clock)."""
        ...


class SimulatorApp(Protocol):
    """The Simulator's surface the routes use (`wallboard.sim.server.Simulator` has it)."""

    @property
    def settings(self) -> SimulatorSettings:
        """The simulator's settings (credentials, ping timings, token lifetime)."""
        ...

    @property
    def model(self) -> CallCentre:
        """The simulated floor."""
        ...

    @property
    def clock(self) -> ClockLike:
        """The simulated clock."""
        ...

    @property
    def poster(self) -> CdrPoster:
        """The CDR poster (for its counts)."""
        ...

    @property
    def sessions(self) -> set[Session]:
        """The connected realtime clients."""
        ...

    @property
    def grants(self) -> dict[str, TokenGrant]:
        """Socket tokens handed out, by token."""
        ...

    @property
    def access(self) -> dict[str, TokenGrant]:
        """Identity-style access tokens handed out, by access token."""
        ...

    @property
    def frames_sent(self) -> int:
        """Frames queued to clients so far."""
        ...

    @property
    def api_requests(self) -> Counter[str]:
        """REST requests received so far, per API (whatever their answer)."""
        ...

    @property
    def base_url(self) -> str:
        """The URL the simulator serves on."""
        ...

    @property
    def server_urls(self) -> list[str]:
        """The monitor servers, main first (the login lists them)."""
        ...

    @property
    def down_ports(self) -> set[int]:
        """Ports of the monitor servers taken away (`set_server_down`)."""
        ...

    def set_server_down(self, index: int, down: bool) -> int:
        """Take monitor server `index` away (cutting its clients) or bring it back."""
        ...

    def issue(
        self, extensions: frozenset[int] | None = None, queues: frozenset[int] | None = None
    ) -> TokenGrant:
        """A new socket token (and refresh token) for what the login may see."""
        ...

    def token_valid(self, grant: TokenGrant) -> bool:
        """Whether a grant is neither revoked nor expired."""
        ...

    def grant_for(self, token: str) -> TokenGrant | None:
        """The valid grant of a socket token, if any."""
        ...

    def catch_up(self) -> None:
        """Advance the model to now and send what happened."""
        ...

    def act(self, action: Callable[[], object]) -> None:
        """Apply an outside action at the current simulated time."""
        ...

    def send_all(self, text: str) -> int:
        """Send a raw frame to every client; returns how many got it."""
        ...


SIM_KEY: web.AppKey[SimulatorApp] = web.AppKey("sim")


def sim_of(request: web.Request) -> SimulatorApp:
    """The Simulator serving this request."""
    return request.app[SIM_KEY]
