"""This process's temporary folders, removed however it stops: SIGTERM, SIGINT, or an exit.

Why not `atexit` (or `weakref.finalize`) alone: a process ended by a signal runs neither.
Python's default SIGTERM kills the process outright, and uvicorn — which serves `demo`,
`run` and the ingest worker — stops gracefully on SIGTERM/SIGINT and then raises the
signal again with the handler it found at start: ours, installed by `install()`, which
removes the folders and then ends the process as the signal would have (killed by
SIGTERM; KeyboardInterrupt on SIGINT). A simulator's Call Log is 30–100 MB a run: 38 of
them once filled a temp dir. Only SIGKILL leaves one behind; `wallboard cluster`'s
children get SIGTERM when it dies even so (`commands/children.py`).
"""

from __future__ import annotations

import atexit
import ctypes
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

__all__ = [
    "die_with_parent",
    "forget",
    "install",
    "pid_alive",
    "remove_all",
    "sweep",
    "temp_folder",
]

_folders: set[str] = set()
_lock = threading.Lock()
_installed = False


def temp_folder(prefix: str) -> Path:
    """A new folder in the temp dir, removed when the process stops (or by `forget`).

    Its name carries this process's pid (`<prefix><pid namespace>-<pid>-…`): the folders of
    the prefix whose process has ended — killed outright, by SIGKILL or the OOM killer,
    with no chance to clean up — are removed first."""
    space = _pid_space()
    sweep(prefix)
    folder = tempfile.mkdtemp(prefix=f"{prefix}{space}-{os.getpid()}-" if space else prefix)
    with _lock:
        _folders.add(folder)
    return Path(folder)


def _pid_space() -> str:
    """The pid namespace's number ("" unknown): a pid means a process only within it."""
    try:
        link = os.readlink("/proc/self/ns/pid")  # "pid:[4026531836]"
    except OSError:
        return ""
    return "".join(c for c in link if c.isdigit())


def sweep(prefix: str) -> None:
    """Remove the folders `temp_folder(prefix)` made for processes that have ended."""
    space = _pid_space()
    if not space:
        return
    for old in Path(tempfile.gettempdir()).glob(f"{prefix}{space}-*-*"):
        pid = old.name[len(prefix) + len(space) + 1 :].split("-", 1)[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    """Whether process `pid` exists (another user's counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def forget(folder: Path | str) -> None:
    """Remove one folder now (its owner is done with it)."""
    with _lock:
        _folders.discard(str(folder))
    shutil.rmtree(folder, ignore_errors=True)


def remove_all() -> None:
    """Remove every folder still registered."""
    with _lock:
        folders = list(_folders)
        _folders.clear()
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    remove_all()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    signal.signal(signum, signal.SIG_DFL)  # then end as the signal would have
    os.kill(os.getpid(), signum)


def install() -> None:
    """Remove the folders on SIGTERM, SIGINT and exit (once, from the main thread). A
    SIGINT the process was started ignoring (a background job of a shell) stays ignored."""
    global _installed
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    _installed = True
    atexit.register(remove_all)
    signal.signal(signal.SIGTERM, _on_signal)
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, _on_signal)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> Callable[[], None] | None:
    """For `subprocess.Popen(preexec_fn=...)`: the child gets SIGTERM when this process
    ends, however it ends — also by SIGKILL, which leaves no chance to stop the children
    ourselves (Linux's PR_SET_PDEATHSIG; None elsewhere). SIGTERM, not SIGKILL: the
    child stops as it does under systemd, removing its own temporary folders.

    Call it from the thread that lives as long as the process (the signal follows the
    thread that started the child)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here, not in the child
    parent = os.getpid()

    def in_child() -> None:  # between fork and exec: nothing but these two calls
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
        if os.getppid() != parent:  # the parent died before the signal was asked for
            os._exit(1)

    return in_child
