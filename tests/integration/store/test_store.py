"""One store suite, run against both implementations: SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import CDR
from wallboard.config import StoreSettings
from wallboard.core.worklist import CallbackRow
from wallboard.errors import StoreContentError, StoreError
from wallboard.store.base import CdrStore
from wallboard.store.db import AuditRow
from wallboard.store.migrations import MIGRATIONS
from wallboard.store.postgres import PostgresStore, redact_url
from wallboard.store.rows import (
    AlertRow,
    BoardRow,
    KioskTokenRow,
    PruneBefore,
    Pruned,
    StatusChangeRow,
    Stored,
)
from wallboard.store.select import make_store
from wallboard.voicenter.cdr import parse_cdr

pytestmark = pytest.mark.integration

KW = {"received": 1.0, "encoding": "json", "content_type": "application/json"}
QKW = {"encoding": "json", "content_type": "application/json"}


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, pg_url: str
) -> AsyncIterator[CdrStore]:
    if request.param == "sqlite":
        settings = StoreSettings(path=str(tmp_path / "db.sqlite"))
    else:
        settings = StoreSettings(url=pg_url)
    s = make_store(settings, account="acme")
    await s.start()
    yield s
    await s.stop()


def _cdr(**update: object):
    cdr, _ = parse_cdr((CDR / "incoming-queue-answer.json").read_bytes())
    return cdr.model_copy(update=update)


async def test_stored_once_and_a_webhook_cdr_replaces_the_call_log_row(store: CdrStore):
    cdr = _cdr(time=1_000)
    body = (CDR / "incoming-queue-answer.json").read_bytes()
    assert (await store.store_cdr(cdr, b"{}", source="calllog", **KW)).new
    assert not (await store.store_cdr(cdr, b"{}", source="calllog", **KW)).new
    later = cdr.model_copy(update={"time": 2_000})
    stored = await store.store_cdr(later, body, source="webhook", **KW)
    assert stored.new and stored.replaced_time == 1_000  # the Call Log row's day is told
    again = await store.store_cdr(later, body, source="webhook", **KW)
    assert not again.new and again.replaced_time is None
    assert not (await store.store_cdr(cdr, b"{}", source="calllog", **KW)).new  # no downgrade
    assert await store.cdr_count() == 1
    found = await store.cdr(cdr.ivruniqueid)
    assert found is not None
    row, raw = found
    assert raw == body and row.source == "webhook" and row.cdr.time == 2_000


async def test_cdrs_asked_for_together_are_answered_as_one_after_the_other(store: CdrStore):
    """Many CDRs at once (one group commit on SQLite): each answered as if stored alone,
    repeats and a Call Log row replaced within the same commit included."""
    body = (CDR / "incoming-queue-answer.json").read_bytes()
    await store.store_cdr(_cdr(ivruniqueid="old-log", time=500), b"{}", source="calllog", **KW)
    await store.store_cdr(_cdr(ivruniqueid="old-hook", time=500), body, source="webhook", **KW)
    asked = [
        ("a", 1_000, "webhook"),
        ("b", 1_000, "webhook"),
        ("a", 1_000, "webhook"),  # a repeat of one asked for in the same commit
        ("old-hook", 1_000, "webhook"),  # a repeat of one stored before
        ("log", 900, "calllog"),
        ("log", 1_100, "webhook"),  # replaces the Call Log row asked for just before
        ("log", 1_100, "webhook"),
        ("old-log", 600, "webhook"),  # replaces the Call Log row stored before
        ("old-log", 700, "calllog"),  # never downgraded
    ]
    got = await asyncio.gather(
        *(
            store.store_cdr(_cdr(ivruniqueid=cid, time=t), body, source=src, **KW)
            for cid, t, src in asked
        )
    )
    new = [(a[0], s.replaced_time) for a, s in zip(asked, got, strict=True) if s.new]
    if isinstance(store, PostgresStore):
        # Concurrent statements on a pool: the order among them is the server's.
        assert [x for x in new if x[0] != "log"] == [("a", None), ("b", None), ("old-log", 500)]
    else:
        assert new == [("a", None), ("b", None), ("log", None), ("log", 900), ("old-log", 500)]
    assert await store.cdr_count() == 5
    for cid, t in (("log", 1_100), ("old-log", 600)):
        found = await store.cdr(cid)
        assert found is not None and found[0].source == "webhook" and found[0].cdr.time == t


async def test_a_refused_row_among_many_fails_that_row_only(store: CdrStore):
    too_big = _cdr(ivruniqueid="big").model_copy(update={"queueid": 2**63})
    cdrs = [_cdr(ivruniqueid="one"), too_big, _cdr(ivruniqueid="two"), _cdr(ivruniqueid="one")]
    got = await asyncio.gather(
        *(store.store_cdr(c, b"{}", source="webhook", **KW) for c in cdrs),
        return_exceptions=True,
    )
    assert isinstance(got[1], StoreContentError)
    assert [isinstance(g, Stored) and g.new for g in got] == [True, False, True, False]
    assert await store.cdr_count() == 2 and store.health.healthy


async def test_two_legs_are_kept_and_leg1_is_the_call(store: CdrStore):
    cdr = _cdr()
    leg2 = cdr.model_copy(update={"type": "Click2Call leg2"})
    leg1 = cdr.model_copy(update={"type": "Click2Call leg1"})
    assert (await store.store_cdr(leg2, b"2", source="webhook", **KW)).new
    assert (await store.store_cdr(leg1, b"1", source="webhook", **KW)).new
    assert await store.cdr_count() == 2
    found = await store.cdr(cdr.ivruniqueid)
    assert found is not None and found[1] == b"2"  # leg1 sorts last: the customer's leg first
    assert await store.cdr("no-such-call") is None


async def test_cdrs_between_is_half_open_and_oldest_first(store: CdrStore):
    for i, t in enumerate([300, 100, 200, 400]):
        await store.store_cdr(_cdr(ivruniqueid=f"c{i}", time=t), b"x", source="webhook", **KW)
    rows = await store.cdrs_between(100, 400)
    assert [r.cdr.time for r in rows] == [100, 200, 300]
    assert [r.cdr.ivruniqueid for r in rows] == ["c1", "c2", "c0"]
    assert all(r.source == "webhook" and r.encoding == "json" for r in rows)


async def test_callbacks_and_audit_round_trip(store: CdrStore):
    a = CallbackRow("c1", "0501234567", "dana", 101, 10.0, True, "")
    b = CallbackRow("c2", "0507654321", "omer", 102, 20.0, False, "busy")
    await store.add_callback(b)
    await store.add_callback(a)
    assert await store.callbacks_since(0) == [a, b]
    assert await store.callbacks_since(15) == [b]
    rows = [AuditRow(float(i), "dana", "status", "101", "{}", i % 2 == 0) for i in range(5)]
    for r in rows:
        await store.add_audit(r)
    assert await store.audit_rows(limit=3) == rows[::-1][:3]


async def test_quarantine_keeps_refused_bodies_and_releases_them(store: CdrStore):
    raw = b'{"ivruniqueid":"p","time":1796139442,"queueid":9223372036854775808}'
    qid = await store.quarantine(
        raw, received=5.0, reason="queueid: out of range\udc80", encoding="json", content_type="x"
    )
    rows = await store.quarantined()
    assert [(r.id, r.raw, r.received) for r in rows] == [(qid, raw, 5.0)]
    assert rows[0].reason.startswith("queueid: out of range")
    await store.release(qid)
    assert await store.quarantined() == []
    assert store.health.healthy


async def test_a_value_the_database_refuses_fails_that_row_only(store: CdrStore):
    # Past the webhook's limits (voicenter/cdr.py) this cannot arrive; if it ever does, it
    # is that row's fault (Err 1), never a store failure that the vendor retries for ever.
    too_big = _cdr(ivruniqueid="big").model_copy(update={"queueid": 2**63})
    with pytest.raises(StoreContentError):
        await store.store_cdr(too_big, b"{}", source="webhook", **KW)
    assert store.health.healthy
    assert (await store.store_cdr(_cdr(ivruniqueid="ok"), b"{}", source="webhook", **KW)).new


async def test_prune_erases_old_numbers_and_deletes_old_personal_rows(store: CdrStore):
    body = (CDR / "incoming-queue-answer.json").read_bytes()
    old_cdr = _cdr(ivruniqueid="old", time=10, caller="0501234567", target="0779999999")
    await store.store_cdr(old_cdr, body, source="webhook", **KW)
    await store.store_cdr(_cdr(ivruniqueid="new", time=99), body, source="webhook", **KW)
    for at in (10.0, 99.0):
        await store.add_audit(AuditRow(at, "boss", "set_status", f"ext {at:g}", "{}", True))
        await store.add_callback(CallbackRow("c", "0501234567", "boss", 201, at, True, ""))
        await store.add_status_changes([StatusChangeRow(at, 201, 2, 1, None)])
        await store.add_alert(AlertRow(at, "busy", 1, "Sales", 3.0, True, "busy"))
        await store.quarantine(b"0501234567", received=at, reason="x", **QKW)
    seen: list[float] = []
    store.on_commit.append(seen.append)
    cut = PruneBefore(50.0, 50.0, 50.0, 50.0, 50.0, 50.0)
    assert await store.prune(cut, batch=1) == Pruned(1, 1, 1, 1, 1, 1)
    assert (await store.prune(cut, batch=1)).total == 0  # nothing left to do
    old, new = await store.cdr("old"), await store.cdr("new")
    assert old is not None and old[1] == b""  # the raw body, which holds the numbers
    erased = old[0].cdr
    assert erased.caller == erased.target == ""
    # The figures stay: everything but the numbers is as stored.
    assert erased.model_dump(exclude={"caller", "target"}) == old_cdr.model_dump(
        exclude={"caller", "target"}
    )
    assert new is not None and new[1] == body and new[0].cdr.caller != ""
    assert [r.target for r in await store.audit_rows()] == ["ext 99"]
    assert [r.at for r in await store.callbacks_since(0)] == [99.0]
    assert [r.at for r in await store.status_changes(201, 0, 10)] == [99.0]
    assert [r.at for r in await store.alerts_since(0)] == [99.0]
    assert [r.received for r in await store.quarantined()] == [99.0]
    assert await store.compact() >= 0
    await store.check_writable()
    assert all(t >= 0 for t in seen)


async def test_a_day_summary_is_read_back_only_while_no_cdr_of_its_day_came(store: CdrStore):
    await store.claim_day_summaries([("d1", 1_000, 2_000), ("d2", 2_000, 3_000)], "f1")
    assert await store.day_summaries(["d1", "d2"], "f1") == {}  # claimed, not written
    assert await store.put_day_summary("d1", "one")
    assert await store.put_day_summary("d2", "two")
    assert await store.day_summaries(["d1", "d2"], "f1") == {"d1": "one", "d2": "two"}
    assert await store.day_summaries(["d1"], "f2") == {}  # another format: rebuilt
    # A late CDR of d1 makes its summary stale (the trigger), d2 stays.
    await store.store_cdr(_cdr(ivruniqueid="late", time=1_500), b"{}", source="webhook", **KW)
    assert await store.day_summaries(["d1", "d2"], "f1") == {"d2": "two"}
    assert not await store.put_day_summary("d1", "stale")  # claimed before the late CDR
    await store.claim_day_summaries([("d1", 1_000, 2_000)], "f1")
    assert await store.put_day_summary("d1", "again")
    assert await store.day_summaries(["d1"], "f1") == {"d1": "again"}


async def test_ai_data_is_kept_whole_in_the_raw_body_only(store: CdrStore):
    import random

    from tests.integration.store.test_schema import BASE, _long_ai
    from wallboard.core.calls import ai_insights

    body = json.dumps(dict(BASE, ivruniqueid="ai-1", aiData=_long_ai(random.Random(2)))).encode()
    cdr, _ = parse_cdr(body)
    await store.store_cdr(cdr, body, source="webhook", **KW)
    found = await store.cdr("ai-1")
    assert found is not None and found[1] == body and len(body) > 50_000
    # The parsed copy holds what the pages read of it, not the whole aiData again.
    assert len(found[0].cdr.model_dump_json(by_alias=True)) < 3_000
    assert ai_insights(found[0].cdr) == ai_insights(cdr)


async def test_postgres_accounts_never_see_each_other(pg_url: str):
    acme, globex = PostgresStore(pg_url, "acme"), PostgresStore(pg_url, "globex")
    await acme.start()
    await globex.start()  # a second start migrates nothing: versions are recorded
    try:
        cdr = _cdr(time=50)
        assert (await acme.store_cdr(cdr, b"a", source="webhook", **KW)).new
        # The same call id in another account is another call.
        assert (await globex.store_cdr(cdr, b"g", source="webhook", **KW)).new
        await acme.add_audit(AuditRow(1.0, "dana", "status", "101", "{}", True))
        await acme.add_callback(CallbackRow("c1", "050", "dana", 101, 1.0, True, ""))
        assert await acme.cdr_count() == 1 and await globex.cdr_count() == 1
        assert (await globex.cdr(cdr.ivruniqueid) or (None, b""))[1] == b"g"
        assert await globex.audit_rows() == [] and await globex.callbacks_since(0) == []
        assert len(await globex.cdrs_between(0, 100)) == 1
        conn = await asyncpg.connect(pg_url)
        versions = await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
        await conn.close()
        assert [r[0] for r in versions] == [m.version for m in MIGRATIONS]
    finally:
        await acme.stop()
        await globex.stop()


# ---- the team leads' workspace, on both stores


async def test_status_changes_are_one_agents_newest_first_and_limited(store: CdrStore):
    rows = [
        StatusChangeRow(10.0, 101, 2, 1, None),
        StatusChangeRow(30.0, 101, 1, 3, "rina"),
        StatusChangeRow(20.0, 101, 3, 2, "dana"),
        StatusChangeRow(30.0, 101, 5, 1, None),  # same time: the later write is newer
        StatusChangeRow(25.0, 102, 1, 2, "dana"),  # another agent
    ]
    await store.add_status_changes(rows)
    await store.add_status_changes([])  # nothing to write is not an error
    assert await store.status_changes(101, 0, 10) == [rows[3], rows[1], rows[2], rows[0]]
    assert await store.status_changes(101, 20.0, 2) == [rows[3], rows[1]]
    assert await store.status_changes(102, 0, 10) == [rows[4]]
    assert await store.status_changes(103, 0, 10) == []


async def test_floor_messages_run_until_their_end_or_removal_oldest_first(store: CdrStore):
    a = await store.add_message("Lunch at 13:00", (), 100.0, "rina", 1.0)
    b = await store.add_message("Sales: push!", ("sales", "vip"), 200.0, "dana", 2.0)
    c = await store.add_message("Short", ("sales",), 50.0, "dana", 3.0)
    assert len({a, b, c}) == 3
    running = await store.messages_until(10.0)
    assert [(m.id, m.text, m.boards) for m in running] == [
        (a, "Lunch at 13:00", ()),
        (b, "Sales: push!", ("sales", "vip")),
        (c, "Short", ("sales",)),
    ]
    assert (running[1].until, running[1].author, running[1].created) == (200.0, "dana", 2.0)
    assert [m.id for m in await store.messages_until(50.0)] == [a, b]  # `until` is exclusive
    await store.remove_message(a, 60.0)
    assert [m.id for m in await store.messages_until(60.0)] == [b]
    assert await store.messages_until(200.0) == []


async def test_alerts_newest_first_from_since_and_limited(store: CdrStore):
    rows = [
        AlertRow(10.0, "wait", 101, "Sales", 95.5, True, "Sales: longest wait 95 s"),
        AlertRow(20.0, "wait", 101, "Sales", None, False, "Sales: cleared"),
        AlertRow(20.0, "abandon", 102, "VIP", 0.25, True, "VIP: 25% abandoned"),
        AlertRow(5.0, "wait", 103, "Support", 61.0, True, "Support: wait 61 s"),
    ]
    for r in rows:
        await store.add_alert(r)
    assert await store.alerts_since(0) == [rows[2], rows[1], rows[0], rows[3]]
    assert await store.alerts_since(10.0, limit=2) == [rows[2], rows[1]]
    assert await store.alerts_since(21.0) == []


async def test_boards_are_replaced_deleted_and_every_change_recorded(store: CdrStore):
    await store.save_board(BoardRow("vip", '{"title":"VIP"}', "boss", 1.0), "create")
    await store.save_board(BoardRow("Sales", '{"title":"Sales"}', "boss", 2.0), "create")
    await store.save_board(BoardRow("vip", '{"title":"VIP 2"}', "rina", 3.0), "update")
    # By name as SQLite sorts (bytewise: capitals first), one row per name, the last save.
    assert await store.boards() == [
        BoardRow("Sales", '{"title":"Sales"}', "boss", 2.0),
        BoardRow("vip", '{"title":"VIP 2"}', "rina", 3.0),
    ]
    await store.delete_board("Sales", "dana", 4.0)
    assert [b.name for b in await store.boards()] == ["vip"]
    assert await store.board_changes() == [
        ("Sales", "delete", "dana", 4.0),
        ("vip", "update", "rina", 3.0),
        ("Sales", "create", "boss", 2.0),
        ("vip", "create", "boss", 1.0),
    ]
    assert await store.board_changes(limit=1) == [("Sales", "delete", "dana", 4.0)]


async def test_kiosk_tokens_are_unique_by_name_and_revocable(store: CdrStore):
    lobby = KioskTokenRow("lobby", "h1", ("sales", "vip"), "boss", 1.0, None)
    # A new token is never revoked, whatever the row says.
    wall = KioskTokenRow("wall", "h2", (), "rina", 2.0, 99.0)
    await store.add_kiosk_token(wall)
    await store.add_kiosk_token(lobby)
    assert await store.kiosk_tokens() == [lobby, KioskTokenRow("wall", "h2", (), "rina", 2.0, None)]
    with pytest.raises(StoreContentError):
        await store.add_kiosk_token(KioskTokenRow("lobby", "h3", (), "dana", 3.0, None))
    assert store.health.healthy  # a name already used is that row's fault, not the store's
    await store.revoke_kiosk_token("lobby", 5.0)
    await store.revoke_kiosk_token("no-such-token", 5.0)  # nothing to revoke: no error
    tokens = await store.kiosk_tokens()
    assert [(t.name, t.token_hash, t.revoked_at) for t in tokens] == [
        ("lobby", "h1", 5.0),
        ("wall", "h2", None),
    ]


async def test_users_are_replaced_and_deleted(store: CdrStore):
    await store.save_user(BoardRow("rina", '{"role":"lead","hash":"a"}', "boss", 1.0))
    await store.save_user(BoardRow("dana", '{"role":"lead","hash":"b"}', "boss", 2.0))
    await store.save_user(BoardRow("rina", '{"role":"admin","hash":"c"}', "dana", 3.0))
    assert await store.users() == [
        BoardRow("dana", '{"role":"lead","hash":"b"}', "boss", 2.0),
        BoardRow("rina", '{"role":"admin","hash":"c"}', "dana", 3.0),
    ]
    await store.delete_user("dana")
    await store.delete_user("nobody")
    assert [u.name for u in await store.users()] == ["rina"]


async def test_alert_rules_are_replaced_and_deleted(store: CdrStore):
    shared = isinstance(store, PostgresStore)
    version = await store.workspace_version() if shared else 0
    await store.save_alert_rule(BoardRow("busy", '{"fire":5}', "boss", 1.0))
    if shared:  # every process of the account takes the change up (services/follow.py)
        assert await store.workspace_version() > version
    await store.save_alert_rule(BoardRow("slow", '{"fire":60}', "rina", 2.0))
    await store.save_alert_rule(BoardRow("busy", '{"fire":7}', "rina", 3.0))
    assert await store.alert_rules() == [
        BoardRow("busy", '{"fire":7}', "rina", 3.0),
        BoardRow("slow", '{"fire":60}', "rina", 2.0),
    ]
    await store.delete_alert_rule("slow")
    await store.delete_alert_rule("nobody")
    assert [r.name for r in await store.alert_rules()] == ["busy"]
    version = await store.workspace_version() if shared else 0
    await store.save_alert_ack(BoardRow("busy:7", '{"by":"rina"}', "rina", 4.0))
    await store.save_alert_ack(BoardRow("busy:7", '{"by":"dana"}', "dana", 5.0))
    assert await store.alert_acks() == [BoardRow("busy:7", '{"by":"dana"}', "dana", 5.0)]
    if shared:
        assert await store.workspace_version() > version


async def test_postgres_accounts_never_see_each_others_workspace(pg_url: str):
    acme, globex = PostgresStore(pg_url, "acme"), PostgresStore(pg_url, "globex")
    await acme.start()
    await globex.start()
    try:
        await acme.add_status_changes([StatusChangeRow(1.0, 101, 2, 1, "dana")])
        mid = await acme.add_message("acme only", (), 100.0, "dana", 1.0)
        await acme.add_alert(AlertRow(1.0, "wait", 101, "Sales", 90.0, True, "wait"))
        await acme.save_board(BoardRow("sales", "{}", "dana", 1.0), "create")
        await acme.save_user(BoardRow("dana", "{}", "boss", 1.0))
        # The same names in another account are other rows: no conflict, no overwrite.
        token = KioskTokenRow("lobby", "acme-hash", (), "dana", 1.0, None)
        await acme.add_kiosk_token(token)
        await globex.add_kiosk_token(KioskTokenRow("lobby", "globex-hash", (), "ari", 2.0, None))
        await globex.save_board(BoardRow("sales", '{"g":1}', "ari", 2.0), "create")
        # Another account's writes by name or id reach none of acme's rows.
        await globex.revoke_kiosk_token("lobby", 3.0)
        await globex.remove_message(mid, 3.0)
        await globex.delete_board("sales", "ari", 4.0)
        await globex.delete_user("dana")
        assert await globex.status_changes(101, 0, 10) == []
        assert await globex.messages_until(0) == [] and await globex.alerts_since(0) == []
        assert await globex.boards() == [] and await globex.users() == []
        assert [c[:3] for c in await globex.board_changes()] == [
            ("sales", "delete", "ari"),
            ("sales", "create", "ari"),
        ]
        assert [(t.token_hash, t.revoked_at) for t in await globex.kiosk_tokens()] == [
            ("globex-hash", 3.0)
        ]
        assert await acme.kiosk_tokens() == [token]
        assert [m.id for m in await acme.messages_until(0)] == [mid]
        assert await acme.boards() == [BoardRow("sales", "{}", "dana", 1.0)]
        assert await acme.board_changes() == [("sales", "create", "dana", 1.0)]
        assert [u.name for u in await acme.users()] == ["dana"]
        assert len(await acme.status_changes(101, 0, 10)) == 1
        assert len(await acme.alerts_since(0)) == 1
    finally:
        await acme.stop()
        await globex.stop()


async def test_postgres_unreachable_is_a_clear_error_without_the_password():
    s = PostgresStore("postgresql://u:hunter2@127.0.0.1:1/db", "acme")
    with pytest.raises(StoreError) as e:
        await s.start()
    assert "127.0.0.1:1" in str(e.value) and "hunter2" not in str(e.value)
    assert redact_url("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"


async def test_a_retry_to_another_worker_is_stored_once(pg_url: str, tmp_path: Path):
    """Two ingest workers of one account share PostgreSQL: the vendor's retry of the same CDR
    reaching the other worker (even at the same moment) is acknowledged and stored once."""
    import asyncio

    from wallboard.config import load_settings
    from wallboard.runtime.hub import Hub
    from wallboard.services.intake import CdrIntake

    settings = load_settings(None, {"WALLBOARD_STORE_URL": pg_url})
    workers = [PostgresStore(pg_url, "acme") for _ in range(2)]
    for w in workers:
        await w.start()
    try:
        intakes = [CdrIntake(settings, w, Hub(settings.fold_settings())) for w in workers]
        body = (CDR / "incoming-queue-answer.json").read_bytes()
        replies = await asyncio.gather(
            *(i.receive(body, "application/json") for i in intakes for _ in range(5))
        )
        assert all(
            status == 200 and b'"Err":0' in reply.replace(b" ", b"") for status, reply, _ in replies
        )
        assert await workers[0].cdr_count() == 1
        assert sum(i.stats.duplicates for i in intakes) == 9
    finally:
        for w in workers:
            await w.stop()


async def test_postgresql_that_refuses_writes_is_unready_until_a_write_commits(pg_url: str):
    """Readiness writes: a database put read-only answers every read, and the probe says
    it takes no CDR; the store is healthy again only once a write commits."""
    store = PostgresStore(pg_url, "acme")
    failures: list[str] = []
    store.health.on_failure.append(failures.append)
    await store.start()
    name = pg_url.rsplit("/", 1)[1]

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(pg_url.rsplit("/", 1)[0] + "/postgres")
        try:
            await conn.execute(sql)
            # The pool's sessions pick the database's setting up when they connect again.
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
        finally:
            await conn.close()

    try:
        await store.check_writable()
        assert store.health.healthy
        await admin(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
        for _ in range(3):  # the first use of a terminated session fails as such
            with pytest.raises(StoreError) as refused:
                await store.check_writable()
        assert "read-only" in str(refused.value)
        assert not store.health.healthy and failures and set(failures) == {"probe"}
        assert await store.cdr_count() == 0  # reads still answer: they prove nothing
        assert not store.health.healthy
        await admin(f"ALTER DATABASE {name} RESET default_transaction_read_only")
        # Each terminated pooled session fails its first use, and a probe cut short by its
        # timeout on a loaded machine leaves asyncpg's connection busy for a moment ("another
        # operation is in progress"): the store's own probe repeats on its beat; so do we,
        # a bounded number of times.
        for _ in range(10):
            with contextlib.suppress(StoreError):
                await store.check_writable()
                break
            await asyncio.sleep(0.2)
        assert store.health.healthy
    finally:
        await store.stop()


async def test_cdrs_asked_for_just_before_close_are_written_and_answered(tmp_path: Path):
    """SQLite hands a turn's CDRs to its writer at the end of the turn: a close in that
    same turn writes them first, and each caller still gets its answer."""
    from wallboard.store.db import Store

    store = Store(tmp_path / "db.sqlite")
    store.open()
    asked = [
        asyncio.create_task(
            store.store_cdr(_cdr(ivruniqueid=f"c{i}"), b"{}", source="webhook", **KW)
        )
        for i in range(3)
    ]
    await asyncio.sleep(0)  # the three are asked for; not yet handed to the writer
    store.close()
    answered = await asyncio.wait_for(asyncio.gather(*asked), 60)  # never answered: fails
    assert [s.new for s in answered] == [True, True, True]
    store.open()
    try:
        assert await store.cdr_count() == 3
    finally:
        store.close()
