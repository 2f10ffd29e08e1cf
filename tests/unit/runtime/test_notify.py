"""systemd's notify protocol over a real unix datagram socket, as systemd listens."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from pathlib import Path

from wallboard.runtime import notify


def _listener(path: Path) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(path))
    s.settimeout(2)
    return s


def test_ready_goes_to_notify_socket_and_nothing_without_it(tmp_path):
    path = tmp_path / "notify.sock"
    with _listener(path) as s:
        assert notify.notify("READY=1", {"NOTIFY_SOCKET": str(path)})
        assert s.recv(256) == b"READY=1"
    assert not notify.notify("READY=1", {})  # not under systemd: silently nothing
    assert not notify.notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "gone.sock")})


def test_watchdog_interval_is_half_of_watchdog_usec_for_this_process():
    assert notify.watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    mine = {"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": str(os.getpid())}
    assert notify.watchdog_interval(mine) == 1.0
    assert notify.watchdog_interval({"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"}) is None
    assert notify.watchdog_interval({}) is None


async def test_watchdog_pings_while_the_loop_runs(tmp_path):
    path = tmp_path / "wd.sock"
    with _listener(path) as s:
        s.setblocking(False)
        task = asyncio.create_task(notify.watchdog(0.05, {"NOTIFY_SOCKET": str(path)}))
        await asyncio.sleep(0.22)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        pings = []
        with contextlib.suppress(BlockingIOError):
            while True:
                pings.append(s.recv(64))
    assert pings[:3] == [b"WATCHDOG=1"] * 3


def test_a_listener_that_does_not_read_never_blocks_the_sender(tmp_path):
    path = tmp_path / "full.sock"
    with _listener(path):
        env = {"NOTIFY_SOCKET": str(path)}
        sent = [notify.notify("WATCHDOG=1", env) for _ in range(2000)]  # nobody reads
    assert sent[0] and not all(sent)  # the queue filled; later pings were dropped, not stuck
