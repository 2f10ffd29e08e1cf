"""The team leads' workspace services on a real SQLite store: board editor, kiosk tokens,
messages to the floor."""

from __future__ import annotations

import pytest

from wallboard.config import BoardSettings, Settings
from wallboard.core.scope import Role, Scope
from wallboard.errors import ActionDenied
from wallboard.services.editor import BoardEditor
from wallboard.services.messages import FloorMessages
from wallboard.store.db import Store

ADMIN = Scope(Role.ADMIN, "boss", act=True)
RINA = Scope(Role.LEAD, "rina", frozenset({"sales"}), frozenset({101}), None, act=True)


async def test_toml_boards_are_the_first_runs_defaults_then_the_database_rules(
    store: Store,
) -> None:
    settings = Settings(boards={"sales": BoardSettings(title="Sales", queues=[101])})
    editor = BoardEditor(settings, store, clock=lambda: 1000.0)
    seen: list[set[str]] = []
    editor.listeners.append(lambda boards: seen.append(set(boards)))
    await editor.load()
    assert seen == [{"sales"}]
    await editor.save("boss", ADMIN, "vip", {"title": "VIP", "queues": [102]})
    await editor.duplicate("boss", ADMIN, "vip", "vip-copy")
    await editor.delete("boss", ADMIN, "sales")
    assert seen[-1] == {"vip", "vip-copy"}
    # A restart reads the database, not the TOML file, and knows who changed what.
    again = BoardEditor(settings, store)
    await again.load()
    assert set(again.boards) == {"vip", "vip-copy"} and again.boards["vip"].queues == [102]
    assert again.updated["vip"] == ("boss", 1000.0)
    changes = [(n, a, w) for n, a, w, _ in await store.board_changes()]
    assert changes[:3] == [
        ("sales", "delete", "boss"),
        ("vip-copy", "create", "boss"),
        ("vip", "create", "boss"),
    ]
    assert ("sales", "first run: from the configuration", "config") in changes


async def test_a_lead_cannot_widen_her_scope_and_bad_fields_are_named(store: Store) -> None:
    editor = BoardEditor(Settings(), store)
    await editor.load()
    with pytest.raises(ActionDenied, match="pick your queues: a board of every queue"):
        await editor.save("rina", RINA, "x", {})
    with pytest.raises(ActionDenied, match="only an admin or a signed-in team lead"):
        await editor.save("", Scope(Role.OPEN, act=True), "x", {"queues": [101]})
    with pytest.raises(ActionDenied, match="sort"):
        await editor.save("boss", ADMIN, "x", {"sort": "sideways"})
    with pytest.raises(ActionDenied, match="board name"):
        await editor.save("boss", ADMIN, "../etc", {})
    assert editor.boards == {}


async def test_kiosk_tokens_are_shown_once_stored_hashed_and_revocable(store: Store) -> None:
    editor = BoardEditor(Settings(), store)
    await editor.load()
    await editor.save("boss", ADMIN, "vip", {"title": "VIP"})
    token = await editor.create_token("boss", ADMIN, "lobby", ("vip",))
    assert editor.kiosk(token) == ("lobby", ("vip",))
    assert editor.kiosk(token + "x") is None
    rows = await store.kiosk_tokens()
    assert token not in repr(rows)  # only the hash is stored
    await editor.revoke_token("boss", ADMIN, "lobby")
    assert editor.kiosk(token) is None
    again = BoardEditor(Settings(), store)
    await again.load()
    assert again.kiosk(token) is None  # revoked stays revoked
    with pytest.raises(ActionDenied, match="no such boards"):
        await editor.create_token("boss", ADMIN, "tv2", ("nope",))


async def test_messages_are_checked_scoped_and_expire(store: Store) -> None:
    now = [1000.0]
    floor = FloorMessages(store, clock=lambda: now[0])
    await floor.load()
    m = await floor.post("rina", RINA, "  Team   huddle  ", 10, ())
    assert m.text == "Team huddle" and m.boards == ("sales",)  # none picked: all of hers
    with pytest.raises(ActionDenied, match="not your boards"):
        await floor.post("rina", RINA, "hi", 10, ("floor",))
    with pytest.raises(ActionDenied, match="empty"):
        await floor.post("rina", RINA, "   ", 10, ())
    with pytest.raises(ActionDenied, match="longer"):
        await floor.post("rina", RINA, "x" * 201, 10, ())
    assert [x.text for x in floor.active("sales")] == ["Team huddle"]
    assert floor.active("floor") == []
    restarted = FloorMessages(store, clock=lambda: now[0])
    await restarted.load()
    assert [x.id for x in restarted.active()] == [m.id]
    now[0] += 11 * 60
    assert floor.active("sales") == []
