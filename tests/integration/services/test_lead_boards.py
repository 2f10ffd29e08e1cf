"""A team lead makes her own boards in the editor (issue 25), on a real SQLite store: inside
her scope only (a queue or agent outside refused by its name), hers (owner stored, audited),
the only ones she changes, and never wider than what she saw before."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.services.test_board_editor_names import LISTS, SETTINGS
from tests.integration.services.test_workspace import ADMIN
from wallboard.config import BoardSettings
from wallboard.core.scope import Role, Scope, union, with_own_boards
from wallboard.errors import ActionDenied
from wallboard.services.editor import BoardEditor
from wallboard.store.db import Store
from wallboard.web.boards import board_specs

# The configuration's boards: Rina leads "front" (Sales and Support), Dana "back" (Billing).
BOARDS = {
    "front": BoardSettings(queues=[101, 102], extensions=[201]),
    "back": BoardSettings(queues=[103], extensions=[202]),
}
SETUP = SETTINGS.model_copy(update={"boards": BOARDS})
LISTED = {"rina": ("front",), "dana": ("back",)}


def scope_of(editor: BoardEditor, user: str) -> Scope:
    """Her scope as `Session.scope` builds it: her listed boards, and those she made that
    fit inside them."""
    specs = board_specs(SETUP, editor.boards)
    listed = LISTED[user]
    queues, exts = union((specs[b].queues, specs[b].extensions) for b in listed)
    base = Scope(Role.LEAD, user, frozenset(listed), queues, exts, act=True)
    mine = [(b, s.queues, s.extensions) for b, s in specs.items() if editor.owners.get(b) == user]
    return with_own_boards(base, mine)


def _form(**over: Any) -> dict[str, Any]:
    return {"title": "Mine", "queues": ["Sales"], "agents": ["Dana Levi"], **over}


async def _editor(store: Store) -> BoardEditor:
    editor = BoardEditor(SETUP, store)
    await editor.load()
    return editor


async def test_a_lead_makes_a_board_inside_her_scope_and_it_is_hers(store: Store) -> None:
    editor = await _editor(store)
    before = scope_of(editor, "rina")
    await editor.save_by_names("rina", before, "sales-tv", _form(), LISTS)
    assert editor.boards["sales-tv"].queues == [101]
    assert editor.owners == {"sales-tv": "rina"}
    after = scope_of(editor, "rina")
    # Hers: in her scope, which is no wider than before (same queues, same agents).
    assert after.boards == frozenset({"front", "sales-tv"})
    assert (after.queues, after.extensions) == (before.queues, before.extensions)
    # She edits it (it stays hers), duplicates it (the copy is hers) and deletes it.
    await editor.save_by_names("rina", after, "sales-tv", _form(title="Sales"), LISTS)
    await editor.duplicate("rina", scope_of(editor, "rina"), "sales-tv", "sales-tv2")
    assert editor.owners == {"sales-tv": "rina", "sales-tv2": "rina"}
    await editor.delete("rina", scope_of(editor, "rina"), "sales-tv2")
    assert "sales-tv2" not in editor.boards and "sales-tv2" not in editor.owners
    # Stored: a restart knows whose it is; the audit rows say who did what.
    again = await _editor(store)
    assert again.owners == {"sales-tv": "rina"} and again.boards["sales-tv"].title == "Sales"
    audit = [(r.actor, r.action, r.target) for r in await store.audit_rows()]
    for row in (
        ("rina", "board_create", "sales-tv"),
        ("rina", "board_edit", "sales-tv"),
        ("rina", "board_create", "sales-tv2"),
        ("rina", "board_delete", "sales-tv2"),
    ):
        assert row in audit
    # An admin's edit keeps the lead as the owner.
    await again.save("boss", ADMIN, "sales-tv", {"queues": [101, 102]})
    assert again.owners["sales-tv"] == "rina"


async def test_a_queue_or_agent_outside_her_scope_is_refused_by_name(store: Store) -> None:
    editor = await _editor(store)
    rina = scope_of(editor, "rina")
    with pytest.raises(ActionDenied, match="not on your boards: queue Billing"):
        await editor.save_by_names("rina", rina, "mine", _form(queues=["Sales", "Billing"]), LISTS)
    with pytest.raises(ActionDenied, match="not on your boards: agent Avi Cohen"):
        await editor.save_by_names("rina", rina, "mine", _form(agents=["Avi Cohen"]), LISTS)
    # A team: its agents count (Back office is Avi's).
    with pytest.raises(ActionDenied, match="not on your boards: agent Avi Cohen"):
        await editor.save_by_names("rina", rina, "mine", _form(teams=["Back office"]), LISTS)
    with pytest.raises(ActionDenied, match="not on your boards: queue Billing"):
        await editor.save_by_names("rina", rina, "mine", _form(thresholds={"Billing": {}}), LISTS)
    # No queue or no agent picked: every one, wider than hers.
    with pytest.raises(ActionDenied, match="pick your queues"):
        await editor.save_by_names("rina", rina, "mine", _form(queues=[]), LISTS)
    with pytest.raises(ActionDenied, match="pick your agents"):
        await editor.save_by_names("rina", rina, "mine", _form(agents=[]), LISTS)
    # Nor by copying a board that is not hers.
    with pytest.raises(ActionDenied, match="no board 'back'"):
        await editor.duplicate("rina", rina, "back", "back-copy")
    with pytest.raises(ActionDenied, match="no board 'all'"):
        await editor.duplicate("rina", rina, "all", "all-copy")
    assert set(editor.boards) == set(BOARDS) and editor.owners == {}  # nothing saved


async def test_a_lead_changes_only_the_boards_she_made(store: Store) -> None:
    editor = await _editor(store)
    await editor.save_by_names(
        "dana",
        scope_of(editor, "dana"),
        "dana-tv",
        _form(queues=["Billing"], agents=["Avi Cohen"]),
        LISTS,
    )
    rina = scope_of(editor, "rina")
    for board in ("dana-tv", "front", "all"):  # another lead's, the configuration's, built-in
        with pytest.raises(ActionDenied, match=f"board '{board}' is not yours"):
            await editor.save_by_names("rina", rina, board, _form(), LISTS)
        with pytest.raises(ActionDenied, match=f"board '{board}' is not yours"):
            await editor.delete("rina", rina, board)
        assert not editor.may_change("rina", rina, board)
    assert editor.boards["dana-tv"].queues == [103] and "front" in editor.boards
    assert editor.may_change("dana", scope_of(editor, "dana"), "dana-tv")
    assert editor.may_change("boss", ADMIN, "front")


async def test_checked_as_of_the_action_and_never_wider_once_narrowed(store: Store) -> None:
    editor = await _editor(store)
    await editor.save_by_names("rina", scope_of(editor, "rina"), "sales-tv", _form(), LISTS)
    # An admin moves Rina to "back": her board of Sales no longer fits, so it drops out of
    # her scope (she does not keep Sales through it) and a save as of now is refused.
    LISTED["rina"] = ("back",)
    try:
        now = scope_of(editor, "rina")
        assert now.boards == frozenset({"back"}) and now.queues == frozenset({103})
        with pytest.raises(ActionDenied, match="not on your boards: queue Sales"):
            await editor.save_by_names("rina", now, "sales-tv", _form(), LISTS)
        # A signed-out reader (no name) changes nothing, whatever her page showed.
        with pytest.raises(ActionDenied, match="only an admin or a signed-in team lead"):
            await editor.delete("", Scope(Role.ANONYMOUS, boards=frozenset()), "sales-tv")
    finally:
        LISTED["rina"] = ("front",)
    assert "sales-tv" in editor.boards
