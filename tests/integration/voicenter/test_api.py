"""The vendor REST client and the actions service against the simulator's real REST APIs."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import SecretStr

from wallboard.config import SimulatorSettings, load_settings
from wallboard.core.events import ExtensionRecord, ExtensionsSnapshot
from wallboard.core.scope import Role, Scope
from wallboard.errors import ActionDenied, ActionUnconfirmed, VendorApiError
from wallboard.runtime.hub import Hub
from wallboard.services.actions import Actions
from wallboard.services.intake import CdrIntake
from wallboard.services.status_log import StatusLog
from wallboard.sim.http import rest_api
from wallboard.sim.model import LOGIN, LUNCH
from wallboard.sim.server import Simulator
from wallboard.store.db import Store
from wallboard.voicenter.api import RateLimiter, VendorApi, VendorApiSettings

pytestmark = pytest.mark.integration


def _api(base: str, code: str = "demo-code") -> VendorApi:
    return VendorApi(
        VendorApiSettings(
            code=SecretStr(code),
            call_log_url=f"{base}/hub/cdr/",
            click2call_url=f"{base}/ForwardDialer/click2call.aspx",
            login_logout_url=f"{base}/Agents/LoginLogout",
            extensions_url=f"{base}/Comet/api/GetExtensions",
            extensions_calls_url=f"{base}/comet/API/GetExtensionsCalls",
            queues_callers_url=f"{base}/comet/API/GetQueuesCallers",
        )
    )


@pytest.fixture
async def sim():
    s = Simulator(SimulatorSettings(port=0, agents=12, queues=3, speed=60, seed=5, flat_curve=True))
    await s.start()
    yield s
    await s.stop()


@pytest.fixture
async def store(tmp_path: Path):
    st = Store(tmp_path / "db.sqlite")
    st.open()
    yield st
    st.close()


def _snapshot(sim: Simulator, hub: Hub) -> None:
    records = tuple(
        ExtensionRecord(
            a.extension, a.sip, a.user_id, a.name, a.name, a.user_id, a.status, None, None, "", ()
        )
        for a in sim.model.agents
    )
    hub.feed(ExtensionsSnapshot(received=None, server_time=int(sim.model.now), extensions=records))


def _hub_from(sim: Simulator) -> Hub:
    hub = Hub()
    _snapshot(sim, hub)
    return hub


async def _mirror(sim: Simulator, hub: Hub) -> None:
    """The simulator's floor into the hub, as its realtime snapshots would bring it."""
    while True:
        await asyncio.sleep(0.1)
        _snapshot(sim, hub)


async def test_lists_and_live_calls(sim):
    api = _api(sim.base_url)
    try:
        exts = await api.extensions()
        assert len(exts) == 12
        assert all(e.sip and e.account_name for e in exts)
        queues = await api.queues_callers()
        assert len(queues) == 3
        assert isinstance(await api.extensions_calls(), list)
        # A wrong code: GetExtensions answers an empty list (as documented), the rest refuse.
        wrong = _api(sim.base_url, "wrong")
        try:
            assert await wrong.extensions() == []
            with pytest.raises(VendorApiError):
                await wrong.queues_callers()
        finally:
            await wrong.close()
    finally:
        await api.close()


async def test_actions_audit_everything(sim, store):
    api = _api(sim.base_url)
    hub = _hub_from(sim)
    status_log = StatusLog(hub, store)
    actions = Actions(
        api, store, hub, allowed_actors={"dana"}, status_codes={1, 2, 3}, status_log=status_log
    )
    agent = next(a for a in sim.model.agents if a.status == LOGIN)
    mirror = asyncio.create_task(_mirror(sim, hub))
    everything = Scope(Role.LEAD, "dana", act=True)
    elsewhere = Scope(Role.LEAD, "dana", extensions=frozenset({agent.extension + 1}), act=True)
    try:
        await actions.set_status("dana", agent.extension, LUNCH, everything)
        assert agent.status == LUNCH
        with pytest.raises(ActionDenied):
            await actions.set_status("mallory", agent.extension, LOGIN, everything)
        with pytest.raises(ActionDenied):
            await actions.set_status("dana", agent.extension, 99, everything)
        with pytest.raises(ActionDenied, match="outside"):
            await actions.set_status("dana", agent.extension, LOGIN, elsewhere)
        assert agent.status == LUNCH  # refused before the vendor was asked
        await actions.set_status("dana", agent.extension, LOGIN, everything)
        free = next(a for a in sim.model.agents if a.status == LOGIN and not a.calls)
        await actions.click_to_call("dana", free.extension, "050-765-4321")
        with pytest.raises(VendorApiError):
            await actions.click_to_call("dana", 1, "0507654321")  # not an extension
        rows = await store.audit_rows()
        await status_log.flush()
        changes = await store.status_changes(agent.extension, 0, 10)
    finally:
        mirror.cancel()
        await api.close()
    # Both changes stored, newest first, with who made them (the events alone cannot say).
    assert [(c.status_code, c.previous_code, c.actor) for c in changes] == [
        (LOGIN, LUNCH, "dana"),
        (LUNCH, LOGIN, "dana"),
    ]
    got = [(r.actor, r.action, r.ok) for r in reversed(rows)]
    assert got == [
        ("dana", "set_status", True),
        ("mallory", "set_status", False),
        ("dana", "set_status", False),
        ("dana", "set_status", False),
        ("dana", "set_status", True),
        ("dana", "click_to_call", True),
        ("dana", "click_to_call", False),
    ]
    assert "0507654321" not in rows[1].target or rows[1].ok is False


async def test_a_status_change_the_events_never_show_fails_clearly(sim, store):
    api = _api(sim.base_url)
    hub = _hub_from(sim)  # no events after the snapshot: the change is never seen
    actions = Actions(api, store, hub, allowed_actors={"dana"}, confirm_seconds=0.3)
    agent = next(a for a in sim.model.agents if a.status == LOGIN)
    try:
        with pytest.raises(ActionUnconfirmed, match="did not show status"):
            await actions.set_status("dana", agent.extension, LUNCH, Scope(Role.LEAD, act=True))
        rows = await store.audit_rows()
    finally:
        await api.close()
    assert [(r.action, r.ok) for r in rows] == [("set_status", False)]
    assert "did not show" in rows[0].detail


async def test_call_back_is_stamped_by_the_telephony_servers_clock(sim, store):
    # Time to callback compares the press with CDR abandon times, stamped by the server;
    # here the server runs two hours ahead of our clock (a floor simulated at speed > 1).
    api = _api(sim.base_url)
    hub = _hub_from(sim)
    local = 1_800_000_000.0
    hub.state.clock.observe(int(local) + 7200, local)
    actions = Actions(api, store, hub, allowed_actors={"dana"}, clock=lambda: local)
    free = next(a for a in sim.model.agents if a.status == LOGIN and not a.calls)
    try:
        scope = Scope(Role.LEAD, "dana", queues=frozenset({7}), act=True)
        with pytest.raises(ActionDenied):  # a caller of a queue outside her boards
            await actions.call_back("dana", free.extension, ("other", "0507654321", 8), scope)
        # Her phone is her record's: another extension is refused (and audited), whatever
        # the page sent.
        own = replace(scope, phones=frozenset({free.extension + 1}))
        with pytest.raises(ActionDenied, match="is not dana's phone"):
            await actions.call_back("dana", free.extension, ("abandoned-1", "0501234567", 7), own)
        mine = replace(scope, phones=frozenset({free.extension}))
        await actions.call_back("dana", free.extension, ("abandoned-1", "0501234567", 7), mine)
        rows = await store.callbacks_since(0)
        audit = await store.audit_rows(10)
    finally:
        await api.close()
    assert [(r.call_id, r.ok, r.at) for r in rows] == [("abandoned-1", True, local + 7200)]
    refused = [r for r in audit if not r.ok and "phone" in r.detail]
    assert len(refused) == 1 and refused[0].actor == "dana"


async def test_call_log_backfill_pages_and_is_idempotent(sim, store, monkeypatch, tmp_path):
    monkeypatch.setattr(rest_api, "CALL_LOG_MAX_ROWS", 7)  # force split requests
    for _ in range(300):  # let the simulated floor produce some calls
        await asyncio.sleep(0.1)
        sim.catch_up()
        if len(sim.model.history) >= 12:
            break
    assert len(sim.model.history) >= 12
    # Freeze the floor: a call finishing between the two backfills would be new, not a repeat.
    sim.clock.set_speed(0)
    sim.catch_up()
    settings = load_settings(
        None, {"WALLBOARD_STORE_PATH": str(tmp_path / "x"), "WALLBOARD_CDR_TIME_STAMPS": "auto"}
    )
    hub = Hub(settings.fold_settings())
    intake = CdrIntake(settings, store, hub)
    api = _api(sim.base_url)
    api.call_log_limiter = RateLimiter(1000, 60)  # the simulator's own limit still applies
    try:
        n = await intake.backfill(api)
        again = await intake.backfill(api)
    finally:
        await api.close()
    ids = {(c["ivruniqueid"], c["type"]) for c in sim.model.history}
    conn = sqlite3.connect(store.path)
    stored = set(conn.execute("SELECT ivruniqueid, type FROM cdr").fetchall())
    conn.close()
    # Every call the Call Log had at the time is stored once; the second run adds nothing.
    assert n == len(stored) >= 12
    assert stored <= ids
    assert again == 0


async def test_rate_limiter_window():
    now = [0.0]
    rl = RateLimiter(3, 60.0, clock=lambda: now[0])
    for _ in range(3):
        assert rl.delay() == 0
        await rl.acquire()
    assert rl.delay() == 60.0
    now[0] = 30.0
    assert rl.delay() == 30.0
    now[0] = 60.0
    assert rl.delay() == 0
