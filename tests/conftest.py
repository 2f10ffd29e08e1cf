"""Shared test helpers: where the fixtures are, and how to load them; and the run's checks
that nothing is left behind (in the repository, in the temp dir)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import NoReturn

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REALTIME = FIXTURES / "realtime"
CDR = FIXTURES / "cdr"


def realtime(name: str) -> str:
    """The text of one realtime fixture frame, by file name prefix (e.g. '06')."""
    matches = sorted(REALTIME.glob(f"{name}*.json"))
    assert matches, f"no realtime fixture {name}"
    return matches[0].read_text(encoding="utf-8")


@pytest.fixture
def realtime_dir() -> Path:
    return REALTIME


def cannot(why: str) -> NoReturn:
    """What this machine cannot do (a tool, a mount): a failure in CI, where `make test` has
    installed everything and runs as root, a skip on a developer's machine."""
    import os

    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for running the app as a subprocess from a test.

    NiceGUI switches to its own test mode when PYTEST_CURRENT_TEST is set, so drop it:
    the subprocess must run exactly as a user would run it.
    """
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env.update(extra)
    return env


# Tests must leave the repository as they found it (`git status` clean after `make test`):
# what a server started from a test would write when pointed at the wrong folder.
_STRAY = ("wallboard.db", "wallboard.db-wal", "wallboard.db-shm", ".nicegui", "build", "dist")
_ROOT = Path(__file__).resolve().parent.parent
_found_at_start: set[str] = set()


# …nor the temp dir: the run gets a temp dir of its own (TMPDIR, inherited by every
# process a test starts), which must be empty at the end — whatever a server, simulator
# or browser left there is a leak a user's machine would keep. pytest's own `tmp_path`
# folders stay where they were (PYTEST_DEBUG_TEMPROOT), outside the check.
_SYSTEM_TMP = tempfile.gettempdir()
os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", _SYSTEM_TMP)
_RUN_TMP = Path(tempfile.mkdtemp(prefix="wallboard-tests-", dir=_SYSTEM_TMP))
_RUN_TMP.chmod(0o1777)  # as /tmp: PostgreSQL's tests run it as the `postgres` user
os.environ["TMPDIR"] = str(_RUN_TMP)
tempfile.tempdir = None  # read TMPDIR again


_session: list[pytest.Session] = []


def pytest_sessionstart(session: pytest.Session) -> None:
    _session.append(session)
    _found_at_start.update(n for n in _STRAY if (_ROOT / n).exists())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stray = [n for n in _STRAY if (_ROOT / n).exists() and n not in _found_at_start]
    if stray:
        print(f"\ntests wrote into the repository: {', '.join(stray)}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    """After every fixture's teardown (the session-scoped servers' too): the temp dir."""
    import gc

    gc.collect()  # what cleans up when it is garbage (a simulator's Call Log) has done so
    left = sorted(p.name for p in _RUN_TMP.iterdir()) if _RUN_TMP.exists() else []
    shutil.rmtree(_RUN_TMP, ignore_errors=True)
    session = _session[0] if _session else None
    if left and session is not None:
        print(f"\ntests left in the temp dir: {', '.join(left)}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
