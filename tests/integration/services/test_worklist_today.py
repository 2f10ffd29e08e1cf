"""Today's worklist is read from the store once, then kept up to date by every CDR and
press as it arrives: the same items as a batch build over the store, without re-reading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CDR
from wallboard.config import load_settings
from wallboard.core.scope import Role, Scope
from wallboard.core.worklist import build_worklist
from wallboard.errors import WallboardError
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.services import aftercall
from wallboard.services.aftercall import CdrService

pytestmark = pytest.mark.integration

BASE = json.loads((CDR / "incoming-queue-answer.json").read_text())


def _body(cid: str, t: int, status: str, caller: str, **extra: Any) -> bytes:
    d = dict(BASE, ivruniqueid=cid, time=t, status=status, caller=caller, **extra)
    return json.dumps(d).encode()


@pytest.fixture
async def service(tmp_path: Path):
    env = {
        "WALLBOARD_STORE_PATH": str(tmp_path / "db.sqlite"),
        "WALLBOARD_CDR_BACKFILL": "false",
        "WALLBOARD_CDR_TIME_STAMPS": "utc",
    }
    settings = load_settings(None, env)
    s = CdrService(settings, Hub(settings.fold_settings()))
    await s.start()
    yield s
    await s.stop()


async def _post(s: CdrService, *bodies: bytes) -> None:
    for b in bodies:
        status, _, _ = await s.intake.receive(b, "application/json")
        assert status == 200


async def _batch(s: CdrService) -> list[Any]:
    start, end = s.intake.today_bounds()
    rows = await s.intake.rows_between(start, end)
    return build_worklist(
        [r.cdr for r in rows], await s.store.callbacks_since(start), s.intake.rule
    )


async def test_worklist_follows_cdrs_and_presses_without_reading_the_store(service):
    s = service
    now = int(timebase.now())
    start, _ = s.intake.today_bounds()
    t = max(int(start) + 60, now - 600)  # today, whatever the hour
    # Stored before the first read: the build reads them once.
    await _post(
        s, _body("a1", t, "ABANDONE", "0501111111"), _body("a2", t + 1, "ABANDONE", "0502222222")
    )
    items = await s.worklist()
    assert [i.call_id for i in items] == ["a2", "a1"]
    read = s.store.cdr_rows_read
    assert s.today_worklist.builds == 1
    # Arriving afterwards: folded in, nothing read again.
    await _post(
        s,
        _body("a3", t + 2, "ABANDONE", "050-111-1111"),  # the same caller again
        _body("r2", t + 3, "ANSWER", "0502222222", targetextension="SIP1"),  # reached
        _body("a1", t, "ABANDONE", "0501111111"),  # a vendor retry: a repeat, not counted
    )
    actions = aftercall.make_actions(s)
    # No [api] code: the Click2Call fails, and the failed press is recorded all the same.
    with pytest.raises(WallboardError):
        everything = Scope(Role.LEAD, "dana", act=True)
        await actions.call_back("dana", 201, ("a3", "0501111111", None), everything)
    items = await s.worklist()
    figures = await s.callback_figures()
    assert s.store.cdr_rows_read == read and s.today_worklist.builds == 1
    assert items == await _batch(s)
    by_call = {i.call_id: i for i in items}
    assert by_call["a3"].abandons == 2 and not by_call["a3"].closed
    assert [c.ok for c in by_call["a3"].callbacks] == [False]
    assert by_call["a2"].closed
    assert figures == {"open": 1, "ttc": None}
    # The page redraws only on a change: the version moves with each arrival.
    v = await s.worklist_version()
    assert await s.worklist_version() == v
    await _post(s, _body("a4", t + 4, "ABANDONE", "0503333333"))
    assert await s.worklist_version() != v


async def test_a_cdr_stored_during_the_build_is_counted_once(service, monkeypatch):
    s = service
    start, _ = s.intake.today_bounds()
    t = max(int(start) + 60, int(timebase.now()) - 600)
    real = s._worklist_items
    late = _body("during", t + 5, "ABANDONE", "0504444444")

    async def read_then_store(day):
        got = await real(day)
        # Committed before the read but announced after it: already in what was read.
        s.today_worklist.offer(got[0])
        await _post(s, late)  # committed after the read, announced during the build
        return got

    monkeypatch.setattr(s.today_worklist, "_load", read_then_store)
    s.today_worklist.invalidate()  # built at start-up: build again, through the above
    await _post(s, _body("before", t, "ABANDONE", "0504444444"))
    items = await s.worklist()
    assert [(i.call_id, i.abandons) for i in items] == [("during", 2)]
    assert items == await _batch(s)


async def test_a_call_log_row_replaced_is_read_again_once_replacements_stop(service, monkeypatch):
    from wallboard.services import today
    from wallboard.voicenter.cdr import parse_cdr

    s = service
    start, _ = s.intake.today_bounds()
    t = max(int(start) + 60, int(timebase.now()) - 600)
    await _post(s, _body("ab", t, "ABANDONE", "0505555555"))
    # The Call Log saw the caller's next call first (no queue id, stamped a little later).
    body = _body("back", t + 30, "ANSWER", "0505555555", targetextension="SIP1")
    row, _ = parse_cdr(body)
    row = row.model_copy(update={"queueid": None, "time": t + 40})
    await s.store.store_cdr(
        row, body, received=0.0, source="calllog", encoding="json", content_type="json"
    )
    s.today_worklist.invalidate()
    assert (await s.worklist())[0].reached_at == t + 40
    builds = s.today_worklist.builds
    await _post(s, body)  # the webhook's CDR of that call replaces the row
    assert (await s.worklist())[0].closed  # folded in at once: reached either way
    assert s.today_worklist.builds == builds  # not read again yet
    monkeypatch.setattr(today, "REBUILD_QUIET", 0.0)  # no replacement since: read again
    items = await s.worklist()
    assert s.today_worklist.builds == builds + 1
    assert items == await _batch(s) and items[0].reached_at == t + 30
