"""The connector: log in, hold the socket, feed the fold, and recover from anything.

One loop owns the whole link (docs/voicenter.md, "Login", "The socket", "Events"):

* log in (legacy or identity stack) as the vendor's SDKs do, at most once a second; renew
  the token about 5 s before it expires (refresh for `user` sessions, else a fresh login)
  and re-open the socket with it before closing the old one, so no event is lost;
* after a failover, go back to the main server after six keepalive periods on a backup,
  the same way (docs/voicenter.md, "Login");
* open the socket with our EIO3 client or python-socketio (EIO4), per server by
  configuration or detection (a server that refuses EIO3 is tried with EIO4 and remembered);
* feed every event to the sink (a `FrameParser` in front of the hub); `*Updated` →
  `resync`; `closeme` or a failed `keepaliveResponse` → log in again; `keepalive` after
  `keepalive_seconds` of silence, and two silent periods mean the server is dead; on EIO4,
  where we may not ping, a quiet link is probed with `keepalive` on our ping timers
  (`_probe`);
* the link is CONNECTED only once `loginStatus` and `AllExtensionsStatus` arrived (asked for
  with `resync` when late), so every reconnect ends with state replaced by fresh snapshots
  and no call that ended while we were away survives;
* failures fail over to the next server at once; after a whole round of servers failed,
  wait a capped, jittered, growing delay; a refused token waits `auth_retry_seconds`.

Link state is fed to the sink as `ConnectionChanged` (part of the state and /api/state),
and `LinkAlive` every few seconds while healthy.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import aiohttp

from wallboard.config import VendorSettings
from wallboard.core.events import (
    ConfigChanged,
    ConnectionChanged,
    ConnectionState,
    DomainEvent,
    ExtensionsSnapshot,
    KeepaliveAnswered,
    LinkAlive,
    LoggedIn,
    QueuesSnapshot,
    ServerClosing,
)
from wallboard.errors import (
    ConfigError,
    VendorAuthError,
    VendorConnectionError,
    VendorError,
    VendorProtocolError,
)
from wallboard.runtime import metrics, timebase
from wallboard.runtime.tasks import TaskOwner
from wallboard.voicenter.eio3 import Eio3Socket, LinkClosed, Packet, PacketKind
from wallboard.voicenter.eio4 import Eio4Socket, frame_text
from wallboard.voicenter.ingest import EventSink
from wallboard.voicenter.login import LoginPacer, Session, login, redact, renew, settings_secrets
from wallboard.voicenter.recording import Recorder
from wallboard.voicenter.standby import StandbySocket

__all__ = ["Backoff", "Connector", "RealtimeSocket"]

log = logging.getLogger(__name__)

_ALIVE_EVERY = 5.0  # seconds between LinkAlive reports while healthy
# After a failover, go back to the main server after this many keepalive periods on a
# backup, as the .NET SDK does (docs/voicenter.md, "Login").
FAILBACK_PERIODS = 6
# The .NET SDK never schedules a token refresh sooner than this after it was issued
# (docs/voicenter.md, "Login").
_REFRESH_MIN_SECONDS = 2.0


class RealtimeSocket(Protocol):
    """What the connector needs from a socket (our EIO3 client or the EIO4 path)."""

    protocol: str

    async def recv(self) -> Packet:
        """The next packet; raises VendorConnectionError when the link is lost."""
        ...

    async def emit(self, name: str, *args: Any) -> None:
        """Send an event to the server."""
        ...

    async def close(self) -> None:
        """Close the link (a pending `recv` then ends)."""
        ...


class Backoff:
    """Capped, growing delays with jitter: each is uniform in [base/2, base]."""

    def __init__(self, low: float, high: float, rng: Callable[[], float] = random.random) -> None:
        self.low = low
        self.high = max(low, high)
        self.attempt = 0
        self._rng = rng

    def next(self) -> float:
        """The next delay (seconds)."""
        base: float = min(self.high, self.low * 2.0 ** min(self.attempt, 30))
        self.attempt += 1
        return base / 2 + self._rng() * base / 2

    def reset(self) -> None:
        """Start again from the shortest delay (after a healthy connection)."""
        self.attempt = 0


class _Relogin(VendorConnectionError):
    """The session is over (closeme, keepalive refused, token refused by refresh)."""


class _Stopped:
    """A planned end of a connection: `stop()` was called."""


@dataclass(frozen=True, slots=True)
class _Refreshed:
    """A planned end of a connection: the token was refreshed, reconnect with it at once."""

    session: Session


@dataclass(frozen=True, slots=True)
class _Handover:
    """A planned end of a connection: a new one (new token or main server) already open."""

    link: _Link


_STOPPED = _Stopped()
_End = _Stopped | _Refreshed | _Handover


@dataclass
class _Link:
    """What one connection has seen so far (monotonic times)."""

    server: str
    socket: RealtimeSocket
    token: str
    opened: float = field(default_factory=time.monotonic)
    last_event: float = field(default_factory=time.monotonic)
    keepalive_sent: bool = False
    probe_sent: float | None = None  # EIO4: when our silence probe went out, unanswered
    logged_in: bool = False
    queues: bool = False
    extensions: bool = False
    healthy: bool = False
    snapshot_deadline: float | None = None
    resyncs: int = 0
    next_alive: float = 0.0  # when the watchdog next reports LinkAlive
    end: _End | None = None  # set by the watchdog: stop, or reconnect with a new token
    failure: VendorConnectionError | None = None  # set by the watchdog: the link is dead
    quiet: bool = False  # replaces a live link: the board stays CONNECTED meanwhile
    failback_at: float | None = None  # on a backup server: when to try the main one again
    keepalives: int = 0  # keepalives sent / answered (to know the old socket is drained)
    answers: int = 0
    draining: bool = False  # being replaced: a refused keepalive (old token) is expected

    def decided(self) -> _End | None:
        """What the watchdog decided: a planned end (returned) or a failure (raised)."""
        if self.end is not None:
            return self.end
        if self.failure is not None:
            raise self.failure from None
        return None


class Connector:
    """Owns login, the socket, reconnection and failover; feeds the sink until cancelled."""

    def __init__(self, settings: VendorSettings, sink: EventSink) -> None:
        self.settings = settings
        self.sink = sink
        self.session: Session | None = None
        self._session_obtained = 0.0
        self._pacer = LoginPacer()
        self._fresh_login = False
        self._refusals = 0
        self._server_index = 0
        self._failures = 0  # failed connects since the last login or healthy link
        self._detected: dict[str, str] = {}
        self._abort = asyncio.Event()
        self._backoff = Backoff(settings.backoff_min_seconds, settings.backoff_max_seconds)
        self._ever_healthy = False
        self._last_state: tuple[ConnectionState, str | None, str] | None = None
        self.link: _Link | None = None
        # What the connector does about an event, by its type (the rest only feed the fold).
        self._reactions: dict[type[Any], Callable[[_Link, Any], Awaitable[None]]] = {
            LoggedIn: self._on_logged_in,
            QueuesSnapshot: self._on_queues,
            ExtensionsSnapshot: self._on_extensions,
            ConfigChanged: self._on_config_changed,
            KeepaliveAnswered: self._on_keepalive_answered,
            ServerClosing: self._on_server_closing,
        }
        self.connects = 0
        self.last_error = ""
        self.recorder = (
            Recorder(
                Path(settings.record_dir),
                settings.record_max_mb * 1024 * 1024,
                settings.record_file_max_mb * 1024 * 1024,
            )
            if settings.record_dir
            else None
        )

    # ------------------------------------------------------------------ public

    async def run(self) -> None:
        """Run until cancelled (or `stop`): login, reconnection and failover included."""
        self._state(ConnectionState.CONNECTING, None, "starting")
        owner = TaskOwner("connector")
        if self.recorder is not None:
            owner.start("recording flusher", self.recorder.run_flusher())
        try:
            async with aiohttp.ClientSession() as http:
                await self._loop(http)
        finally:
            await owner.close()
            if self.recorder is not None:
                self.recorder.close()
            self._state(ConnectionState.STOPPED, None, "stopped")

    def stop(self) -> None:
        """Ask `run` to return (it also stops on cancellation)."""
        self._abort.set()

    # ------------------------------------------------------------------ loop

    def _secrets(self) -> list[str]:
        out = settings_secrets(self.settings)
        if self.session is not None:
            out += self.session.secrets()
        return out

    def _state(self, state: ConnectionState, server: str | None, detail: str) -> None:
        # While down, `server` stays None (the attempt is in `detail`), so the fold's
        # `since` keeps the moment the link was lost: "reconnecting since ...".
        key = (state, server, detail)
        if key == self._last_state:
            return
        self._last_state = key
        self.sink.feed(ConnectionChanged(timebase.now(), state, server, detail))

    def _down_state(self) -> ConnectionState:
        return ConnectionState.RECONNECTING if self._ever_healthy else ConnectionState.CONNECTING

    async def _wait(self, seconds: float) -> bool:
        """Sleep, or return True at once when asked to stop."""
        try:
            await asyncio.wait_for(self._abort.wait(), seconds)
        except TimeoutError:
            return False
        return True

    def _refresh_at(self) -> float | None:
        """When to renew the token: `refresh_before_seconds` (the SDK: 5 s) before it
        expires, but not sooner than 2 s (or half its life) after it was issued."""
        s = self.session
        if s is None or s.expires_at is None:
            return None
        lifetime = max(0.0, s.expires_at - self._session_obtained)
        earliest = self._session_obtained + min(_REFRESH_MIN_SECONDS, lifetime / 2)
        return max(s.expires_at - self.settings.refresh_before_seconds, earliest)

    async def _login(self, http: aiohttp.ClientSession) -> None:
        self._state(self._down_state(), None, "logging in")
        self.session = await login(http, self.settings, self._pacer)
        self._session_obtained = time.time()
        self._fresh_login = True
        self._server_index = 0

    async def _loop(self, http: aiohttp.ClientSession) -> None:
        """Log in, connect, serve; after each attempt wait as its outcome says, until stopped."""
        while not self._abort.is_set():
            delay = await self._prepare(http)
            if delay is None:
                delay = await self._attempt(http)
            if delay is not None and await self._wait(delay):
                return

    async def _prepare(self, http: aiohttp.ClientSession) -> float | None:
        """Log in or refresh when due: None when ready to connect, else the wait before retrying."""
        try:
            await self._renew_session(http)
        except VendorAuthError as e:
            return self._auth_failed(str(e))
        except ConfigError as e:
            self._state(ConnectionState.AUTH_FAILED, None, str(e))
            raise
        except VendorConnectionError as e:
            self._fail(None, str(e))
            return self._backoff.next()
        return None

    async def _renew_session(self, http: aiohttp.ClientSession) -> None:
        left = self.session.expires_in() if self.session is not None else None
        if self.session is None or (left is not None and left <= 0):
            await self._login(http)  # an expired token cannot be refreshed: log in
            self._failures = 0
        refresh_at = self._refresh_at()
        if refresh_at is not None and time.time() >= refresh_at and self.session:
            self.session = await renew(http, self.settings, self.session, self._pacer)
            self._session_obtained = time.time()

    async def _attempt(self, http: aiohttp.ClientSession) -> float | None:
        """Connect to the current server and serve it until the link ends; the wait after."""
        assert self.session is not None
        servers = self.session.servers
        server = servers[self._server_index % len(servers)]
        try:
            end = await self._connect(http, server)
        except VendorAuthError as e:
            metrics.RECONNECTS.labels("token_refused").inc()
            return self._token_refused(self._link_server(server), str(e))
        except _Relogin as e:
            metrics.RECONNECTS.labels("session_ended").inc()
            self._fail(self._link_server(server), str(e))
            self.session = None
            return self._backoff.next()
        except Exception as e:
            bug = not isinstance(e, VendorConnectionError)
            metrics.RECONNECTS.labels("bug" if bug else "connection_lost").inc()
            return self._failed(self._link_server(server), servers, e)
        finally:
            self.link = None
        if isinstance(end, _Refreshed):
            metrics.RECONNECTS.labels("token_refresh").inc()
            self.session = end.session
            self._session_obtained = time.time()
        return None  # refreshed: reconnect at once; stopped: the loop ends

    def _link_server(self, server: str) -> str:
        # After a failback the link that failed is on another server than the attempt's.
        return self.link.server if self.link is not None else server

    def _token_refused(self, server: str, why: str) -> float | None:
        # A stale token (server restarted, session expired) is normal: log in again.
        # Only a token refused twice right after fresh logins is an auth failure.
        self.session = None
        self._refusals += 1 if self._fresh_login else 0
        if self._refusals >= 2:
            self._refusals = 0
            return self._auth_failed(why)
        log.warning("token refused by %s; logging in again", server)
        return self._backoff.next() if self._fresh_login else 0.0

    def _failed(self, server: str, servers: tuple[str, ...], e: Exception) -> float | None:
        """A connection failed: fail over to the next server; back off after a whole round."""
        why = str(e)
        if not isinstance(e, VendorConnectionError):
            # A bug must not leave a wall screen dead for months: log it, reconnect,
            # and let fresh snapshots replace whatever state it left behind.
            log.exception("connector: unexpected error; reconnecting")
            why = f"internal error: {type(e).__name__}"
        self._fail(server, why)
        if self.link is not None and self.link.healthy:
            self._backoff.reset()
            self._failures = 0
        self._failures += 1
        self._server_index += 1
        if self._failures % len(servers) == 0:
            if self._failures >= 2 * len(servers):
                self.session = None  # the server list may have changed: log in again
            return self._backoff.next()
        if len(servers) > 1:
            log.warning("failing over to %s", servers[self._server_index % len(servers)])
        return None

    def _fail(self, server: str | None, why: str) -> None:
        why = redact(why, self._secrets())
        self.last_error = why
        if server is not None and why.startswith(server):
            why = why[len(server) :].lstrip(": ")
        log.warning("vendor link %s: %s", server or "(login)", why)
        self._state(self._down_state(), None, f"{server}: {why}" if server else why)

    def _auth_failed(self, why: str) -> float:
        """Report refused credentials; the wait before trying again (`auth_retry_seconds`)."""
        why = redact(why, self._secrets())
        self.last_error = why
        self.session = None
        log.error(
            "vendor refused our credentials: %s (next try in %g s)",
            why,
            self.settings.auth_retry_seconds,
        )
        self._state(ConnectionState.AUTH_FAILED, None, why)
        return self.settings.auth_retry_seconds

    # ------------------------------------------------------------------ one connection

    def _protocol_for(self, server: str) -> str:
        configured = self.settings.server_protocols.get(server)
        if configured is None:
            host = server.split("://", 1)[-1].split("/", 1)[0]
            configured = self.settings.server_protocols.get(host, self.settings.protocol)
        if configured != "auto":
            return configured
        return self._detected.get(server, "auto")

    async def open_socket(
        self, http: aiohttp.ClientSession, server: str, token: str
    ) -> RealtimeSocket:
        """Open a socket to `server` with the configured or detected protocol."""
        s = self.settings
        proto = self._protocol_for(server)
        if proto in ("eio3", "auto"):
            try:
                sock3 = await Eio3Socket.open(
                    http,
                    server,
                    token,
                    connect_timeout=s.connect_timeout_seconds,
                    ping_interval_max=s.ping_interval_seconds,
                    pong_timeout_max=s.pong_timeout_seconds,
                )
                self._detected[server] = "eio3"
                return sock3
            except VendorProtocolError as e:
                if proto == "eio3":
                    raise
                log.info("%s; trying Engine.IO v4", redact(str(e), [token]))
        timeout = s.connect_timeout_seconds
        sock4 = await Eio4Socket.open(http, server, token, connect_timeout=timeout)
        self._detected[server] = "eio4"
        return sock4

    async def _connect(self, http: aiohttp.ClientSession, server: str) -> _End:
        """Open a socket to `server` and serve it (and the links handed over to) until a
        planned end (or raise why not)."""
        assert self.session is not None
        token = self.session.token.get_secret_value()
        self._state(self._down_state(), None, f"connecting to {server}")
        sock = await self.open_socket(http, server, token)
        link = _Link(server=server, socket=sock, token=token)
        while True:
            end = await self._run_link(http, link)
            if not isinstance(end, _Handover):
                return end
            link = end.link

    async def _run_link(self, http: aiohttp.ClientSession, link: _Link) -> _End:
        """Serve one open link with its watchdog until a planned end (or raise why not)."""
        sock = link.socket
        self.connects += 1
        self.link = link
        log.info("connected to %s (%s); waiting for loginSuccess", link.server, sock.protocol)
        owner = TaskOwner("connector")
        owner.start("watchdog", self._watchdog(http, link))
        try:
            return await self._serve(link)
        except VendorConnectionError:
            # The watchdog closed the socket under us: what it decided is the real story.
            end = link.decided()
            if end is not None:
                return end
            raise
        finally:
            await owner.close()
            await sock.close()

    async def _serve(self, link: _Link) -> _End:
        """Feed every packet of one connection to the sink until the link ends."""
        sock = link.socket
        while True:
            try:
                pkt = await sock.recv()
            except LinkClosed as e:
                if link.decided() is None and not link.logged_in:
                    raise VendorAuthError(
                        f"{link.server} closed the socket before loginSuccess (token refused?): {e}"
                    ) from None
                raise
            end = link.decided()
            if end is not None:
                return end
            link.last_event = time.monotonic()
            link.keepalive_sent = False
            link.probe_sent = None
            kind = pkt.kind
            if kind is PacketKind.EVENT:
                event = self._feed(pkt)
                if event is not None and (not link.healthy or type(event) in _REACT_TYPES):
                    await self._react(link, event)
            elif kind is PacketKind.DISCONNECT or kind is PacketKind.ERROR:
                raise _disconnected(link, pkt)

    def _feed(self, pkt: Packet) -> DomainEvent | None:
        """Record one event packet and hand it to the sink (which parses and folds it)."""
        now = timebase.now()
        rec = self.recorder
        if pkt.frame is not None:
            if rec is not None:
                rec.write(now, pkt.frame)
            return self.sink.feed_frame(pkt.frame, now)
        name = pkt.name or ""
        if rec is not None:
            rec.write(now, frame_text(name, pkt.payload))
        return self.sink.feed_message(name, pkt.payload, now)

    async def _react(self, link: _Link, event: DomainEvent) -> None:
        """Do what an event asks of the link; the link is live once both snapshots are in."""
        reaction = self._reactions.get(type(event))
        if reaction is not None:
            await reaction(link, event)
        if not link.healthy and link.queues and link.extensions:
            self._live(link)

    async def _on_logged_in(self, link: _Link, _: LoggedIn) -> None:
        link.logged_in = True
        self._fresh_login = False
        link.snapshot_deadline = time.monotonic() + self.settings.snapshot_timeout_seconds
        if not link.quiet:
            self._state(self._down_state(), None, f"{link.server}: waiting for snapshots")

    async def _on_queues(self, link: _Link, _: QueuesSnapshot) -> None:
        link.queues = True

    async def _on_extensions(self, link: _Link, _: ExtensionsSnapshot) -> None:
        link.extensions = True

    async def _on_config_changed(self, link: _Link, event: ConfigChanged) -> None:
        log.info("%s changed on the vendor side: asking for a resync", event.what)
        await link.socket.emit("resync", {"cache": False})

    async def _on_keepalive_answered(self, link: _Link, event: KeepaliveAnswered) -> None:
        link.answers += 1
        if event.error_code != 0 and not link.draining:
            raise _Relogin(
                f"keepalive refused (error {event.error_code}: {event.description[:100]})"
            )

    async def _on_server_closing(self, _: _Link, __: ServerClosing) -> None:
        raise _Relogin("server sent closeme")

    def _live(self, link: _Link) -> None:
        link.logged_in = True
        link.healthy = True
        self._ever_healthy = True
        self._refusals = 0
        self._backoff.reset()
        took = time.monotonic() - link.opened
        log.info("%s: snapshots in after %.2f s; live", link.server, took)
        servers = self.session.servers if self.session is not None else ()
        if len(servers) > 1 and link.server != servers[0]:
            link.failback_at = time.monotonic() + FAILBACK_PERIODS * self.settings.keepalive_seconds
        self._state(ConnectionState.CONNECTED, link.server, link.socket.protocol)

    # ------------------------------------------------------------------ the watchdog

    async def _watchdog(self, http: aiohttp.ClientSession, link: _Link) -> None:
        """Keepalive, dead-server, snapshot and token-refresh timers of one connection.

        It ends the link by deciding (`link.end` or `link.failure`) and closing the socket,
        which wakes `_serve`.
        """
        s = self.settings
        tick = max(0.02, min(0.5, s.keepalive_seconds / 10, s.snapshot_timeout_seconds / 5))
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            self._report_alive(link, now)
            if self._abort.is_set():
                link.end = _STOPPED
                await link.socket.close()
                return
            try:
                await self._check_link(link, now)
                new = await self._refresh_due(http)
            except VendorConnectionError as e:
                link.failure = e
                await link.socket.close()
                return
            if new is not None:
                await self._switch_token(http, link, new)
                return
            if await self._failback(http, link, now):
                return

    def _report_alive(self, link: _Link, now: float) -> None:
        # A silent server is found dead soon (EIO3: our ping + pong timeout, 18 s by
        # default; EIO4: our keepalive probe on the same timers, `_probe`; either way at
        # most two keepalive periods, `_check_link`), so a healthy link that is still here
        # is alive: say so, or a quiet night looks stale.
        if link.healthy and now >= link.next_alive:
            self.sink.feed(LinkAlive(timebase.now()))
            link.next_alive = now + _ALIVE_EVERY

    async def _check_link(self, link: _Link, now: float) -> None:
        """Raise VendorConnectionError when the link is dead; send keepalives when quiet."""
        s = self.settings
        silent = now - link.last_event
        login_deadline = link.opened + s.connect_timeout_seconds + s.snapshot_timeout_seconds
        if not link.logged_in and now >= login_deadline:
            raise VendorConnectionError(f"{link.server}: no loginSuccess")
        if silent >= 2 * s.keepalive_seconds:
            raise VendorConnectionError(
                f"{link.server}: no event for {silent:.0f} s (two keepalive periods)"
            )
        if silent >= s.keepalive_seconds and not link.keepalive_sent:
            link.keepalive_sent = True
            await self._keepalive(link)
        if link.logged_in and link.socket.protocol == "eio4":
            await self._probe(link, silent, now)
        await self._snapshots_late(link, now)

    async def _probe(self, link: _Link, silent: float, now: float) -> None:
        """EIO4: find a dead server as fast as EIO3's pings do (18 s by default).

        An EIO4 server pings us and a client may not ping it, so Engine.IO notices a dead
        one only after the server's pingInterval + pingTimeout (45 s on socket.io@4's
        defaults, minutes with the vendor's). So we ask it ourselves with the vendor's own
        `keepalive` on the EIO3 schedule: after `ping_interval_seconds` without a packet,
        and a server that sends nothing within `pong_timeout_seconds` is dead. A busy link
        never probes; a quiet one sends one keepalive per `ping_interval_seconds`.
        """
        s = self.settings
        if link.probe_sent is None:
            if silent >= s.ping_interval_seconds:
                link.probe_sent = now
                await self._keepalive(link)
        elif now - link.probe_sent >= s.pong_timeout_seconds:
            raise VendorConnectionError(
                f"{link.server}: no answer to keepalive in {s.pong_timeout_seconds:.0f} s"
            )

    async def _snapshots_late(self, link: _Link, now: float) -> None:
        """Ask again (twice at most) for snapshots that did not come in time."""
        deadline = link.snapshot_deadline
        if link.healthy or deadline is None or now < deadline:
            return
        if link.resyncs >= 2:
            raise VendorConnectionError(f"{link.server}: snapshots never arrived")
        link.resyncs += 1
        log.info("%s: snapshots late; asking for a resync", link.server)
        await link.socket.emit("resync", {"cache": False})
        link.snapshot_deadline = now + self.settings.snapshot_timeout_seconds

    async def _keepalive(self, link: _Link) -> None:
        link.keepalives += 1
        await link.socket.emit("keepalive", link.token)

    async def _refresh_due(self, http: aiohttp.ClientSession) -> Session | None:
        """A new session when the token is due for renewal (None if not due or it failed)."""
        refresh_at = self._refresh_at()
        if refresh_at is None or time.time() < refresh_at or not self.session:
            return None
        try:
            return await renew(http, self.settings, self.session, self._pacer)
        except VendorAuthError as e:
            raise _Relogin(f"token refresh refused: {e}") from None
        except VendorConnectionError as e:
            log.warning("token refresh failed, will retry: %s", e)
            self._session_obtained = time.time()  # retry at half the rest
            return None

    # ------------------------------------------------------------------ switching links

    async def _switch_token(self, http: aiohttp.ClientSession, link: _Link, new: Session) -> None:
        """Re-open the socket with the renewed token; the old one serves until the new one
        is in, so no event is lost (docs/voicenter.md, "Login")."""
        self.session = new
        self._session_obtained = time.time()
        token = new.token.get_secret_value()
        if await self._hand_over(http, link, link.server, token, "token renewed"):
            return
        link.end = _Refreshed(new)  # the new socket did not open: reconnect the plain way
        await link.socket.close()

    async def _failback(self, http: aiohttp.ClientSession, link: _Link, now: float) -> bool:
        """On a backup for six keepalive periods: go back to the main server if it answers."""
        if link.failback_at is None or now < link.failback_at or self.session is None:
            return False
        main = self.session.servers[0]
        if await self._hand_over(http, link, main, link.token, "back to the main server"):
            self._server_index = 0
            self._failures = 0
            return True
        link.failback_at = now + FAILBACK_PERIODS * self.settings.keepalive_seconds
        return False

    async def _hand_over(
        self, http: aiohttp.ClientSession, link: _Link, server: str, token: str, why: str
    ) -> bool:
        """Open `server` while `link` still serves, then end `link`; False if it did not open."""
        s = self.settings
        try:
            sock = await self.open_socket(http, server, token)
        except VendorError as e:
            log.warning("%s: cannot open %s: %s", why, server, redact(str(e), [token]))
            return False
        standby = StandbySocket(sock, server)
        try:
            await standby.joined(s.connect_timeout_seconds + s.snapshot_timeout_seconds)
            await self._drain(link)
        except VendorError as e:
            await standby.close()
            log.warning("%s: %s", why, redact(str(e), [token]))
            return False
        except BaseException:  # the old link died meanwhile (watchdog cancelled)
            await standby.close()
            raise
        log.info("%s: switching to a new socket on %s", why, server)
        link.end = _Handover(_Link(server=server, socket=standby, token=token, quiet=True))
        await link.socket.close()
        return True

    async def _drain(self, link: _Link) -> None:
        """Let the old socket deliver what the server sent it before the new one joined:
        the answer to one more keepalive comes after all of it (bounded wait)."""
        want = link.keepalives + 1
        link.draining = True
        await self._keepalive(link)
        deadline = time.monotonic() + self.settings.pong_timeout_seconds
        while link.answers < want and time.monotonic() < deadline and link.end is None:
            await asyncio.sleep(0.01)


# Events the connector reacts to once the link is live (the others only feed the fold).
_REACT_TYPES = frozenset({ConfigChanged, KeepaliveAnswered, ServerClosing, LoggedIn})


def _disconnected(link: _Link, pkt: Packet) -> VendorConnectionError | VendorAuthError:
    """The error for a socket.io disconnect or error packet: before loginSuccess, a refusal."""
    detail = redact(pkt.detail, [link.token])
    if not link.logged_in:
        return VendorAuthError(f"{link.server} refused the socket token: {detail}")
    return VendorConnectionError(f"{link.server}: {detail}")
