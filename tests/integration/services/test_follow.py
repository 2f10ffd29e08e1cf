"""A cluster's web node on the shared PostgreSQL: a reader `CdrService` follows what the
account's writer (its ingest worker) stores — CDRs, presses, the editor's boards, tokens
and users, the floor messages — a poll at a time, without reading the day again; and a
reader of another account sees none of it."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.conftest import CDR
from tests.floor import floor_events
from wallboard.config import AlertRule, Settings, load_settings
from wallboard.core.calls import Cdr, stored_form
from wallboard.core.scope import Role, Scope
from wallboard.core.worklist import build_worklist
from wallboard.errors import WallboardError
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.services import aftercall
from wallboard.services.aftercall import CdrService
from wallboard.services.alerts import Alerts
from wallboard.store.rows import PruneBefore, Stored
from wallboard.voicenter.cdr import parse_cdr

pytestmark = pytest.mark.integration

BASE = json.loads((CDR / "incoming-queue-answer.json").read_text())
ADMIN = Scope(Role.ADMIN, "boss", act=True)
LEAD = Scope(Role.LEAD, "dana", act=True)


def _body(cid: str, t: int, status: str, caller: str, **extra: Any) -> bytes:
    d = dict(BASE, ivruniqueid=cid, time=t, status=status, caller=caller, **extra)
    return json.dumps(d).encode()


def _settings(pg_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        None,
        {
            "WALLBOARD_STORE_URL": pg_url,
            "WALLBOARD_STORE_PATH": str(tmp_path / "unused.sqlite"),
            "WALLBOARD_CDR_BACKFILL": "false",
            "WALLBOARD_CDR_TIME_STAMPS": "utc",
        },
    )


@pytest.fixture
async def make(pg_url: str, tmp_path: Path) -> AsyncIterator[Any]:
    """Start a service of an account, writer or reader; all stopped at the end. A reader's
    follower polls only when a test says so (or a press pokes it)."""
    started: list[CdrService] = []

    async def start(account: str, writer: bool) -> CdrService:
        settings = _settings(pg_url, tmp_path)
        s = aftercall.create(Hub(settings.fold_settings()), settings, account, writer=writer)
        assert s is not None and s.follower is not None
        s.follower.every = 3600.0
        await s.start()
        started.append(s)
        return s

    yield start
    for s in reversed(started):
        await s.stop()


async def _post(s: CdrService, *bodies: bytes) -> None:
    for b in bodies:
        status, _, _ = await s.intake.receive(b, "application/json")
        assert status == 200


async def _poll(*readers: CdrService) -> None:
    for r in readers:
        assert r.follower is not None
        await r.follower.poll()


async def _batch(s: CdrService) -> list[Any]:
    start, end = s.intake.today_bounds()
    rows = await s.intake.rows_between(start, end)
    return build_worklist(
        [r.cdr for r in rows], await s.store.callbacks_since(start), s.intake.rule
    )


def _today(s: CdrService) -> int:
    start, _ = s.intake.today_bounds()
    return max(int(start) + 60, int(timebase.now()) - 600)


async def test_a_reader_follows_the_writers_cdrs_and_presses_without_reading_the_day(make):
    writer = await make("acme", True)
    t = _today(writer)
    await _post(writer, _body("a1", t, "ABANDONE", "0501111111"))  # before the reader
    reader = await make("acme", False)
    assert [i.call_id for i in await reader.worklist()] == ["a1"]
    read, builds = reader.store.cdr_rows_read, reader.today_worklist.builds
    heard: list[tuple[str, Stored]] = []
    reader.intake.on_cdr.append(lambda cdr, st: heard.append((cdr.ivruniqueid, st)))
    # The first poll repeats nothing of what the start-up read had.
    await _poll(reader)
    assert heard == [] and reader.store.cdr_rows_read == read
    await _post(
        writer,
        _body("a2", t + 1, "ABANDONE", "0502222222"),
        _body("r2", t + 2, "ANSWER", "0502222222", targetextension="SIP1"),
        _body("a1", t, "ABANDONE", "0501111111"),  # a vendor retry: stored once, not news
    )
    await _poll(reader)
    assert [c for c, _ in heard] == ["a2", "r2"]
    # Only the new rows were read: the day was not read again.
    assert reader.store.cdr_rows_read == read + 2 and reader.today_worklist.builds == builds
    assert await reader.worklist() == await writer.worklist() == await _batch(reader)
    days, today = await reader.days()
    wdays, _ = await writer.days()
    assert days[today].total == wdays[today].total
    # A press made on the reader reaches its worklist once (read back, poked), and the
    # writer's at its next poll.
    actions = aftercall.make_actions(reader)
    with pytest.raises(WallboardError):  # no [api] code: failed, and recorded all the same
        await actions.call_back("dana", 201, ("a1", "0501111111", None), LEAD)
    await _poll(reader, writer)
    for s in (reader, writer):
        items = {i.call_id: i for i in await s.worklist()}
        assert [c.ok for c in items["a1"].callbacks] == [False], s.writer
        assert await s.worklist() == await _batch(s)


async def test_a_webhook_cdr_replacing_a_call_log_row_is_told_as_a_replacement(make):
    writer = await make("acme", True)
    reader = await make("acme", False)
    heard: list[tuple[str, Stored]] = []
    reader.intake.on_cdr.append(lambda cdr, st: heard.append((cdr.ivruniqueid, st)))
    cdr, _ = parse_cdr(_body("c1", _today(writer), "ABANDONE", "0503333333"))
    row = await writer.store.store_cdr(
        cdr, b"{}", received=1.0, source="calllog", encoding="json", content_type="x"
    )
    assert row.new
    await _poll(reader)
    later = cdr.model_copy(update={"time": cdr.time + 5})
    await _post(writer, later.model_dump_json(by_alias=True).encode())
    await _poll(reader)
    assert [st for _, st in heard] == [Stored(True, None), Stored(True, cdr.time)]
    assert (await reader.call("c1")).source == "webhook"  # type: ignore[union-attr]


async def test_a_row_committed_late_under_a_lower_id_is_not_skipped(make, pg_url: str):
    """The cursor is the snapshot's oldest running transaction, not the last id seen: a
    CDR whose transaction commits after a later one's is still read."""
    writer = await make("acme", True)
    reader = await make("acme", False)
    t = _today(writer)
    slow: Cdr = parse_cdr(_body("slow", t, "ABANDONE", "0504444444"))[0]
    conn = await asyncpg.connect(pg_url)
    try:
        tx = conn.transaction()
        await tx.start()
        await conn.execute(
            "INSERT INTO cdr (account, ivruniqueid, received, source, encoding, content_type,"
            " raw, parsed, time, type, status, caller, target, queueid, department)"
            " VALUES ('acme', $1, 1, 'webhook', 'json', 'x', '', $2, $3, $4, $5, $6, $7, $8, '')",
            slow.ivruniqueid,
            stored_form(slow).model_dump_json(by_alias=True),
            slow.time,
            slow.type,
            slow.status,
            slow.caller,
            slow.target,
            slow.queue_id,
        )
        await _post(writer, _body("fast", t + 1, "ABANDONE", "0505555555"))  # a higher id
        await _poll(reader)
        assert [i.call_id for i in await reader.worklist()] == ["fast"]
        await tx.commit()
    finally:
        await conn.close()
    await _poll(reader)
    assert {i.call_id for i in await reader.worklist()} == {"fast", "slow"}
    await _poll(reader)  # and once only
    assert sorted(i.abandons for i in await reader.worklist()) == [1, 1]


async def test_workspace_changes_reach_every_process_and_accounts_stay_apart(make):
    writer = await make("acme", True)
    reader = await make("acme", False)
    other = await make("globex", False)
    boards: list[set[str]] = []
    reader.editor.listeners.append(lambda b: boards.append(set(b)))
    await writer.editor.save("boss", ADMIN, "wall", {"title": "Wall", "queues": [101]})
    token = await writer.editor.create_token("boss", ADMIN, "tv2", ("wall",))
    await writer.editor.save_user(
        "boss", ADMIN, "rina", {"name": "Rina", "boards": ["wall"]}, "scrypt$x"
    )
    await _post(writer, _body("g1", _today(writer), "ABANDONE", "0506666666"))
    await _poll(reader, other)
    assert boards[-1] == {"wall"} and reader.editor.kiosk(token) == ("tv2", ("wall",))
    assert "rina" in reader.editor.users
    # Another account's node: none of it — no board, no token, no user, no CDR.
    assert "wall" not in other.editor.boards and other.editor.kiosk(token) is None
    assert other.editor.users == {} and await other.worklist() == []
    assert other.follower is not None and other.follower.delivered == 0
    # Changed on the reader (a web node's editor and messages): the writer hears of it.
    await reader.editor.revoke_token("boss", ADMIN, "tv2")
    await reader.messages.post("boss", ADMIN, "lunch at one", 30, ())
    await _poll(writer)
    assert writer.editor.kiosk(token) is None
    assert [m.text for m in writer.messages.active()] == ["lunch at one"]
    await writer.editor.delete("boss", ADMIN, "wall")
    await _poll(reader, other)
    assert boards[-1] == set() and reader.editor.boards == {}
    assert other.messages.active() == []


async def test_a_reader_needs_the_shared_store(tmp_path: Path):
    settings = load_settings(None, {"WALLBOARD_STORE_PATH": str(tmp_path / "db.sqlite")})
    hub = Hub(settings.fold_settings())
    assert aftercall.create(hub, settings, "acme", writer=False) is None  # SQLite: no store
    writer = aftercall.create(hub, settings, "acme")
    assert writer is not None and writer.follower is None  # one process: nothing to follow


async def test_the_retention_prune_is_no_news(make):
    writer = await make("acme", True)
    reader = await make("acme", False)
    await _post(writer, _body("p1", _today(writer), "ABANDONE", "0507777777"))
    await _poll(reader)
    assert reader.follower is not None and reader.follower.delivered == 1
    t = timebase.now() + 86400 * 3  # the CDR's time may be the local wall clock
    pruned = await writer.store.prune(PruneBefore(t, t, t, t, t, t))
    assert pruned.calls == 1  # numbers and raw body erased: the call's figures did not change
    await _poll(reader)
    assert reader.follower.delivered == 1


async def test_a_reader_waits_for_its_store_and_starts_once_it_answers(pg_url: str, tmp_path: Path):
    """A web node's boards do not wait for PostgreSQL: its after-call service starts
    once the store answers (here: once its database exists)."""
    name = f"late_{uuid.uuid4().hex[:8]}"
    late_url = pg_url.rsplit("/", 1)[0] + "/" + name
    settings = _settings(late_url, tmp_path)
    reader = aftercall.create(Hub(settings.fold_settings()), settings, "acme", writer=False)
    assert reader is not None
    task = asyncio.create_task(reader.start_retrying(longest=1.0))
    try:
        await asyncio.sleep(1.5)
        assert not task.done()  # still trying, nothing raised
        conn = await asyncpg.connect(pg_url)
        try:
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()
        await asyncio.wait_for(task, 30)
        assert await reader.worklist() == []
    finally:
        task.cancel()
        await reader.stop()


async def test_an_alert_is_logged_by_the_writer_once_and_shown_by_every_node(make):
    """Both judge the same (mirrored) floor; only the writer logs the alert and would post
    it, so one alert is one row and one chat message however many web nodes run."""
    writer = await make("acme", True)
    reader = await make("acme", False)
    rules = {"busy": AlertRule(metric="waiting", fire=1, clear=0)}
    for s in (writer, reader):
        alerts = s.settings.alerts.model_copy(update={"rules": rules})
        settings = s.settings.model_copy(update={"alerts": alerts})
        s.alerts = Alerts(settings, s.hub, s.store, deliver=s.writer)  # as `CdrService` does
        for e in floor_events({7: ["w1", "w2"]}, {}):
            s.hub.feed(e)
    start, _ = writer.intake.today_bounds()
    fired = await reader.alerts.check()
    assert [a.fired for a in fired] == [True] and list(reader.alerts.active) == [("busy", 7)]
    assert await reader.store.alerts_since(start) == []  # the reader logs nothing
    assert [a.fired for a in await writer.alerts.check()] == [True]
    assert [r.rule for r in await reader.store.alerts_since(start)] == ["busy"]
