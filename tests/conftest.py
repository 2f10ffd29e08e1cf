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
