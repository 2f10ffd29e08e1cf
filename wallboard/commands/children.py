"""Commands that start other `wallboard` processes (`web` for several accounts, `cluster`)
and stop them all together."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

from wallboard.runtime.cleanup import die_with_parent

__all__ = ["run_children", "wallboard_cli"]


def wallboard_cli(*args: str) -> list[str]:
    """The command line of a `wallboard` sub-command in this same Python."""
    return [sys.executable, "-m", "wallboard.cli", *args]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_children(commands: Sequence[list[str]], on_stop: Callable[[], None] | None = None) -> int:
    """Start the commands, wait until one ends or we are told to stop, stop them all."""
    # systemd stops us with SIGTERM, a shell with SIGINT (which a background job starts
    # out ignoring): either way, the children stop too.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    # Each child also ends when this process is killed outright (kill -9): no orphan left
    # holding its port.
    procs = [subprocess.Popen(c, preexec_fn=die_with_parent()) for c in commands]
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if on_stop is not None:
            on_stop()
    return max((p.returncode or 0) for p in procs)
