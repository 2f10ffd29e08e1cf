"""systemd's notify protocol: READY=1 once serving, WATCHDOG=1 while the event loop turns.

Only when systemd asked for it (`$NOTIFY_SOCKET` set, as with `Type=notify`); a datagram
to a unix socket, as sd_notify(3) describes, so no library is needed. The watchdog pings
from the event loop itself: a loop stuck for longer than `WatchdogSec` gets the service
restarted, which is the point (deploy/wallboard.service).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Mapping

__all__ = ["notify", "watchdog", "watchdog_interval"]

log = logging.getLogger(__name__)


def _address(env: Mapping[str, str]) -> str | None:
    addr = env.get("NOTIFY_SOCKET", "")
    if not addr:
        return None
    if addr.startswith("@"):  # an abstract socket (Linux)
        return "\0" + addr[1:]
    return addr


def notify(message: str, env: Mapping[str, str] | None = None) -> bool:
    """Send one notification (e.g. "READY=1"); False when not under systemd or it failed."""
    addr = _address(os.environ if env is None else env)
    if addr is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            # Never block the event loop: a listener that does not read (its queue full)
            # loses this ping rather than freezing every board.
            s.setblocking(False)
            s.connect(addr)
            s.send(message.encode())
    except BlockingIOError:
        log.debug("systemd notification %r dropped: the listener's queue is full", message)
        return False
    except OSError as e:
        log.warning("systemd notification %r not sent: %s", message, e)
        return False
    return True


def watchdog_interval(env: Mapping[str, str] | None = None) -> float | None:
    """How often to ping: half of systemd's `WATCHDOG_USEC` (None: no watchdog asked for)."""
    env = os.environ if env is None else env
    usec = env.get("WATCHDOG_USEC", "")
    pid = env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) <= 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1e6 / 2


async def watchdog(interval: float, env: Mapping[str, str] | None = None) -> None:
    """Ping systemd's watchdog every `interval` seconds, for as long as the loop runs."""
    while True:
        notify("WATCHDOG=1", env)
        await asyncio.sleep(interval)
