"""What the services' tests share: a real SQLite store in the test's folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from wallboard.store.db import Store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = Store(tmp_path / "wb.sqlite")
    s.open()
    yield s
    s.close()
