"""Shared test helpers: where the fixtures are, and how to load them."""

from __future__ import annotations

from pathlib import Path

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


def pytest_sessionstart(session: pytest.Session) -> None:
    _found_at_start.update(n for n in _STRAY if (_ROOT / n).exists())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stray = [n for n in _STRAY if (_ROOT / n).exists() and n not in _found_at_start]
    if stray:
        print(f"\ntests wrote into the repository: {', '.join(stray)}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
