"""The status log knows when this process first saw each agent: the agent page's status
spans start there, and a status found then is no change (issue 25)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from wallboard.config import load_settings
from wallboard.core.events import ExtensionChanged, ExtensionRecord, ExtensionsSnapshot
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.services.aftercall import CdrService

pytestmark = pytest.mark.integration


def _record(ext: int, status: int, since: int | None) -> ExtensionRecord:
    return ExtensionRecord(
        extension=ext,
        sip_user=f"SIP{ext}",
        user_id=ext,
        user_name="A",
        display_name="A",
        online_user_id=ext,
        status_code=status,
        status_updated=since,
        last_hangup=None,
        peer_status="",
        calls=(),
    )


@pytest.fixture
async def service(tmp_path: Path):
    env = {
        "WALLBOARD_STORE_PATH": str(tmp_path / "db.sqlite"),
        "WALLBOARD_CDR_BACKFILL": "false",
        "WALLBOARD_DAY_TIMEZONE": "UTC",
    }
    settings = load_settings(None, env)
    s = CdrService(settings, Hub(settings.fold_settings()))
    await s.start()
    yield s
    await s.stop()


async def test_first_sight_is_remembered_and_is_no_change(service: CdrService) -> None:
    now = int(time.time())
    before = timebase.now()
    # At lunch (3) since 31 minutes before the wallboard saw her; a second agent later.
    service.hub.feed(ExtensionsSnapshot(None, now, (_record(7, 3, now - 1900),)))
    seen = service.watched_since(7)
    assert seen is not None and before <= seen <= timebase.now()
    assert service.watched_since(8) is None
    # Back from lunch: one change, at its time; the first sight stays what it was.
    back = _record(7, 1, now + 5)
    service.hub.feed(ExtensionChanged(None, now + 5, "userStatusUpdate", "", "", back))
    service.hub.feed(ExtensionsSnapshot(None, now + 6, (back, _record(8, 1, now))))
    assert service.watched_since(7) == seen
    assert service.watched_since(8) is not None and service.watched_since(8) >= seen
    await service.status_log.flush()
    changes = await service.status_changes(7)
    assert [(c.status_code, c.previous_code) for c in changes] == [(1, 3)]
    assert await service.status_changes(8) == []
