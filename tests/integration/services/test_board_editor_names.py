"""The board editor by name and "Show on a TV", on a real SQLite store: names → ids, unknown
names refused by name, the built-in "All queues" never lost, TV tokens reused, revoked,
audited, and only for who may manage the board."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import SecretStr

from tests.integration.services.test_workspace import ADMIN, RINA
from wallboard.config import BoardSettings, Settings, TeamSettings, WebSettings
from wallboard.core.picks import Lists
from wallboard.core.scope import Role, Scope
from wallboard.errors import ActionDenied
from wallboard.services.editor import BoardEditor, by_names
from wallboard.store.db import Store
from wallboard.web.boards import board_specs

OPEN = Scope(Role.OPEN, act=True)
LISTS = Lists(
    queues={101: "Sales", 102: "Support", 103: "Billing"},
    agents={201: "Dana Levi", 202: "Avi Cohen"},
    teams={"front": "Front desk", "back": "Back office"},
    departments={"north": "north"},
)
SETTINGS = Settings(
    web=WebSettings(storage_secret=SecretStr("a-signing-secret")),
    teams={
        "front": TeamSettings(name="Front desk", extensions=[201], queues=[101]),
        "back": TeamSettings(name="Back office", extensions=[202], queues=[103]),
    },
)


def _form(**over: Any) -> dict[str, Any]:
    return {"title": "Two queues", "queues": ["Sales", "Billing"], "queue_agents": True, **over}


def test_names_become_ids_and_levels_are_keyed_by_queue() -> None:
    sl = {"warn": 90.0, "alarm": 85.0}
    data = by_names(
        _form(
            agents=["avi cohen"],
            teams=["Front desk"],
            departments=["north"],
            thresholds={"Billing": {"service_level_percent": sl}},
        ),
        LISTS,
    )
    assert data["queues"] == [101, 103] and data["extensions"] == [202]
    assert data["teams"] == ["front"] and data["departments"] == ["north"]
    assert "agents" not in data
    board = BoardSettings.model_validate(data)
    assert board.thresholds[103].service_level_percent.warn == 90
    assert board.thresholds[103].waiting.warn == 3  # the rest as in force


def test_unknown_names_are_refused_with_a_clear_message() -> None:
    with pytest.raises(ActionDenied, match=r"no queue named 'Salse' \(there are: Billing"):
        by_names(_form(queues=["Salse", "Billing"]), LISTS)
    with pytest.raises(ActionDenied, match="no agent named 'Nobody'"):
        by_names(_form(agents=["Nobody"]), LISTS)
    with pytest.raises(ActionDenied, match="no team named 'Night shift'"):
        by_names(_form(teams=["Night shift"]), LISTS)
    with pytest.raises(ActionDenied, match="no queue named 'Retention'"):
        by_names(_form(thresholds={"Retention": {}}), LISTS)


async def test_a_board_by_names_shows_its_queues_and_their_agents(store: Store) -> None:
    editor = BoardEditor(SETTINGS, store)
    await editor.load()
    await editor.save_by_names("boss", ADMIN, "two", _form(), LISTS)
    assert editor.boards["two"].queues == [101, 103]
    spec = board_specs(SETTINGS, editor.boards)["two"]
    assert spec.queues == frozenset({101, 103})
    assert spec.extensions == frozenset({201, 202})  # the teams answering them
    with pytest.raises(ActionDenied, match="no queue named 'Nope'"):
        await editor.save_by_names("boss", ADMIN, "bad", _form(queues=["Nope"]), LISTS)
    assert "bad" not in editor.boards  # nothing saved, nothing lost
    with pytest.raises(ActionDenied, match="not on your boards: queue Billing"):
        await editor.save_by_names("rina", RINA, "two-more", _form(), LISTS)


async def test_all_queues_survives_saving_hiding_and_deleting_boards(store: Store) -> None:
    editor = BoardEditor(SETTINGS, store)
    await editor.load()
    assert set(board_specs(SETTINGS, editor.boards)) == {"all"}
    await editor.save_by_names("boss", ADMIN, "sales", _form(queues=["Sales"]), LISTS)
    specs = board_specs(SETTINGS, editor.boards)
    assert set(specs) == {"sales", "all"} and specs["all"].queues is None
    # Hidden from the navigation, still there; deleted, back to the built-in.
    await editor.save("boss", ADMIN, "all", {"nav": False, "title": "Everything"})
    assert board_specs(SETTINGS, editor.boards)["all"].nav is False
    await editor.delete("boss", ADMIN, "all")
    await editor.delete("boss", ADMIN, "sales")
    again = BoardEditor(SETTINGS, store)  # a restart reads the store
    await again.load()
    spec = board_specs(SETTINGS, again.boards)["all"]
    assert spec.nav and spec.queues is None and spec.extensions is None
    await again.duplicate("boss", ADMIN, "all", "all-copy")  # the built-in can be copied
    assert again.boards["all-copy"].queues == []


async def test_show_on_a_tv_makes_then_reuses_a_token_and_revokes_it(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    editor = BoardEditor(SETTINGS, store, clock=lambda: 1000.0)
    await editor.load()
    await editor.save_by_names("boss", ADMIN, "sales", _form(queues=["Sales"]), LISTS)
    token = await editor.show_on_tv("rina", RINA, "sales")  # a lead, her own board
    assert editor.kiosk(token) is not None and editor.kiosk(token)[1] == ("sales",)  # type: ignore[index]
    assert await editor.show_on_tv("boss", ADMIN, "sales") == token  # reused, not a new one
    assert editor.tv_token("rina", RINA, "sales") == token
    # A restart with the same signing secret shows the same address again.
    again = BoardEditor(SETTINGS, store)
    await again.load()
    assert again.tv_token("boss", ADMIN, "sales") == token
    rows = await store.kiosk_tokens()
    assert len(rows) == 1 and token not in repr(rows)  # stored hashed
    # Only who may manage the board sees or makes it.
    assert editor.tv_token("rina", RINA, "all") is None
    with pytest.raises(ActionDenied, match="lead of board 'all'"):
        await editor.show_on_tv("rina", RINA, "all")
    with pytest.raises(ActionDenied):
        await editor.show_on_tv("", OPEN, "sales")
    assert editor.tv_token("", OPEN, "sales") is None
    with pytest.raises(ActionDenied, match="no board 'nope'"):
        await editor.show_on_tv("boss", ADMIN, "nope")
    # The built-in board can go on a TV too.
    assert editor.kiosk(await editor.show_on_tv("boss", ADMIN, "all")) is not None
    # Revoked in one call: the TV opens nothing; the next click makes a new address.
    await editor.revoke_tv("rina", RINA, "sales")
    assert editor.kiosk(token) is None and editor.tv_token("rina", RINA, "sales") is None
    fresh = await editor.show_on_tv("rina", RINA, "sales")
    assert fresh != token and editor.kiosk(fresh) is not None
    audit = [(r.actor, r.action) for r in await store.audit_rows()]
    assert audit.count(("rina", "token_create")) == 2
    assert ("rina", "token_revoke") in audit and ("boss", "token_create") in audit
    assert not any(token in r.detail or token in r.target for r in await store.audit_rows())
    assert token not in caplog.text and fresh not in caplog.text  # never logged
