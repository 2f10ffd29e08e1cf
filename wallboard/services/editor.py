"""Boards and kiosk tokens made in the browser (`/admin`): stored with who and when; the
TOML boards are the first run's defaults. An admin may change any board; a team lead makes
boards inside her scope, which are hers (their owner is stored), and changes or deletes
only those (docs/access.md). A board's TV token ("Show on a TV") may be made and revoked
by whoever may manage that board: an admin, or a lead for one of her own boards."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from wallboard.config import ALL_BOARD, BoardSettings, Settings, UserSettings
from wallboard.core.picks import Lists, UnknownNames, resolve
from wallboard.core.scope import Role, Scope
from wallboard.errors import ActionDenied
from wallboard.runtime import timebase
from wallboard.services.reach import board_reach
from wallboard.store.base import CdrStore
from wallboard.store.db import dumps_detail
from wallboard.store.rows import AuditRow, BoardRow, KioskTokenRow

__all__ = ["BoardEditor", "by_names"]

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")  # it goes in URLs: /board/<name>

Listener = Callable[[dict[str, BoardSettings]], None]


def _user_json(user: UserSettings) -> str:
    """The user as stored: the password hash in clear (a hash; `SecretStr` would hide it)."""
    data = user.model_dump(mode="json")
    data["password_hash"] = user.password_hash.get_secret_value()
    return json.dumps(data)


_OWNER = "owner"  # the key of a lead's board's owner in its stored body (not a setting)
_TV = "tv-"  # the name of a token made by "Show on a TV" starts so
_TV_CONTEXT = b"wallboard tv kiosk token\0"


def by_names(form: dict[str, Any], lists: Lists) -> dict[str, Any]:
    """A board as the editor's form has it (queues, agents, teams, departments and each
    queue's levels by name) → the board's fields (ids); an unknown name is refused."""
    try:
        queues = resolve("queue", form.get("queues", []), lists.queues)
        levels = form.get("thresholds", {})
        level_ids = resolve("queue", list(levels), lists.queues)
        data = {
            **form,
            "queues": queues,
            "extensions": resolve("agent", form.get("agents", []), lists.agents),
            "teams": resolve("team", form.get("teams", []), lists.teams),
            "departments": resolve("department", form.get("departments", []), lists.departments),
            "thresholds": dict(zip(level_ids, levels.values(), strict=True)),
        }
    except UnknownNames as e:
        raise ActionDenied(str(e)) from None
    data.pop("agents", None)
    return data


def _hash(token: str) -> str:
    # A token is 32 random bytes, so a fast hash is enough (no password to guess).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class BoardEditor:
    """The boards in force and the UI's kiosk tokens, and the admin's changes to them."""

    def __init__(
        self, settings: Settings, store: CdrStore, clock: Callable[[], float] = timebase.now
    ) -> None:
        self.settings = settings
        self.store = store
        self._clock = clock
        self.boards: dict[str, BoardSettings] = dict(settings.boards)
        self.updated: dict[str, tuple[str, float]] = {}  # board → (who, when)
        # board → the lead who made it (admins' and the configuration's have none). Kept
        # the same mapping, changed in place: the session reads it for her scope.
        self.owners: dict[str, str] = {}
        self.tokens: dict[str, KioskTokenRow] = {}
        self.listeners: list[Listener] = []
        self.users: dict[str, UserSettings] = {}  # made in the UI (the TOML ones stay)
        self.user_listeners: list[Callable[[dict[str, UserSettings]], None]] = []
        # A TV token is derived from its name with this key, so "Show on a TV" can show it
        # again while only its hash is stored (without the signing secret, a random key:
        # the tokens then cannot be shown again after a restart, and a new one is made).
        secret = settings.web.storage_secret
        self._tv_key = (
            secret.get_secret_value().encode("utf-8") if secret else secrets.token_bytes(32)
        )

    async def load(self, seed: bool = True) -> None:
        """Read the boards, the tokens and the users (again: the store changed elsewhere).

        With `seed`, a first run stores the TOML boards. Without (a web node, which leaves
        that to the ingest worker; a reload): no rows are the TOML boards until some were
        saved, and no boards at all once the editor deleted every one.
        """
        rows = await self.store.boards()
        if not rows and seed and self.settings.boards:
            now = self._clock()
            for name, b in self.settings.boards.items():
                row = BoardRow(name, b.model_dump_json(), "config", now)
                await self.store.save_board(row, "first run: from the configuration")
            rows = await self.store.boards()
        if rows or (not seed and await self.store.board_changes(1)):
            bodies = {r.name: json.loads(r.body) for r in rows}
            owners = {n: str(body.pop(_OWNER)) for n, body in bodies.items() if _OWNER in body}
            self.boards = {n: BoardSettings.model_validate(body) for n, body in bodies.items()}
            self.updated = {r.name: (r.updated_by, r.updated_at) for r in rows}
            self.owners.clear()
            self.owners.update(owners)
        self.tokens = {t.name: t for t in await self.store.kiosk_tokens()}
        self.users = {
            r.name: UserSettings.model_validate_json(r.body) for r in await self.store.users()
        }
        self._changed()
        self._users_changed()

    def _users_changed(self) -> None:
        for listener in self.user_listeners:
            listener(dict(self.users))

    async def save_user(
        self, actor: str, scope: Scope, name: str, data: dict[str, Any], password_hash: str | None
    ) -> None:
        """Create or change a user (a new one needs a password; an old one keeps hers)."""
        self._admin(actor, scope)
        if not _NAME.match(name) or name in self.settings.auth.users:
            raise ActionDenied(
                f"user name {name!r}: lower-case letters, digits, - and _"
                " (users of the configuration file are changed there)"
            )
        old = self.users.get(name)
        if password_hash is None and old is None:
            raise ActionDenied("a new user needs a password")
        secret = password_hash or (old.password_hash.get_secret_value() if old else "")
        unknown = [b for b in data.get("boards", []) if not self.exists(b)]
        if unknown:
            raise ActionDenied(f"no such boards: {', '.join(unknown)}")
        try:
            user = UserSettings.model_validate({**data, "password_hash": secret})
        except ValidationError as e:
            err = e.errors()[0]
            raise ActionDenied(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}") from None
        body = _user_json(user)
        await self.store.save_user(BoardRow(name, body, actor, self._clock()))
        await self._audit(actor, "user_edit" if old else "user_create", name, {})
        self.users[name] = user
        self._users_changed()

    async def delete_user(self, actor: str, scope: Scope, name: str) -> None:
        """Delete a user made in the UI (her open pages go to /login within seconds:
        `Session.guard`; her actions are refused at once: `Session.who`)."""
        self._admin(actor, scope)
        if name not in self.users:
            return
        await self.store.delete_user(name)
        await self._audit(actor, "user_delete", name, {})
        del self.users[name]
        self._users_changed()

    def _changed(self) -> None:
        for listener in self.listeners:
            listener(dict(self.boards))

    async def _audit(self, actor: str, action: str, target: str, detail: dict[str, object]) -> None:
        await self.store.add_audit(
            AuditRow(self._clock(), actor, action, target, dumps_detail(detail), True)
        )

    @staticmethod
    def _admin(actor: str, scope: Scope) -> None:
        if not actor or not scope.admin:
            raise ActionDenied("only an admin may change boards, users and kiosk tokens")

    def may_change(self, actor: str, scope: Scope, board: str) -> bool:
        """Whether this reader may edit or delete this board: an admin any, a signed-in lead
        the boards she made (not "all", not the configuration's, not another lead's)."""
        if not actor:
            return False
        return scope.admin or (scope.role is Role.LEAD and self.owners.get(board) == actor)

    def _may_make(self, actor: str, scope: Scope, board: str) -> None:
        if scope.admin and actor:
            return
        if not actor or scope.role is not Role.LEAD:
            raise ActionDenied("only an admin or a signed-in team lead may change boards")
        if self.exists(board) and not self.may_change(actor, scope, board):
            raise ActionDenied(f"board {board!r} is not yours: a lead changes only boards she made")

    def check_inside(self, scope: Scope, board: BoardSettings, lists: Lists | None) -> None:
        """Refuse a lead's board that shows a queue or an agent outside her scope."""
        if scope.admin:
            return
        reach = board_reach(board, self.settings)
        names = lists or Lists()
        for kind, mine, picked, known in (
            ("queue", scope.queues, reach.queues, names.queues),
            ("queue", scope.queues, frozenset(board.thresholds), names.queues),
            ("agent", scope.extensions, reach.extensions, names.agents),
        ):
            if mine is None:
                continue
            if picked is None:
                raise ActionDenied(
                    f"pick your {kind}s: a board of every {kind} is wider than yours"
                )
            outside = [known.get(i) or str(i) for i in sorted(picked - mine)]
            if outside:
                raise ActionDenied(f"not on your boards: {kind} {', '.join(outside)}")

    @staticmethod
    def may_manage(actor: str, scope: Scope, board: str) -> bool:
        """Whether this reader may put this board on a TV: an admin, or a signed-in lead
        for one of her boards (a token never shows more than its maker may see)."""
        if not actor:
            return False
        return scope.admin or (scope.role is Role.LEAD and scope.shows_board(board))

    def exists(self, board: str) -> bool:
        """Whether a board of this name is in force (the built-in "all" always is)."""
        return board in self.boards or board == ALL_BOARD

    async def save_by_names(
        self, actor: str, scope: Scope, name: str, form: dict[str, Any], lists: Lists
    ) -> BoardSettings:
        """`save` from the editor's form, whose queues, agents, teams, departments and
        levels are names from the live `lists` (docs/boards.md, "The board editor")."""
        self._may_make(actor, scope, name)
        return await self.save(actor, scope, name, by_names(form, lists), lists)

    async def save(
        self, actor: str, scope: Scope, name: str, data: dict[str, Any], lists: Lists | None = None
    ) -> BoardSettings:
        """Create or replace a board; a bad field is refused with its name, a lead's queue
        or agent outside her scope by its name (from `lists`, else its id)."""
        self._may_make(actor, scope, name)
        if not _NAME.match(name):
            raise ActionDenied(f"board name {name!r}: lower-case letters, digits, - and _")
        try:
            board = BoardSettings.model_validate(data)
        except ValidationError as e:
            err = e.errors()[0]
            key = ".".join(str(p) for p in err["loc"]) or "(board)"
            raise ActionDenied(f"{key}: {err['msg']}") from None
        self.check_inside(scope, board, lists)
        action = "edit" if name in self.boards else "create"
        # A lead's board stays hers whoever edits it later; a lead's new board is hers.
        owner = self.owners.get(name) or ("" if scope.admin or action == "edit" else actor)
        body = board.model_dump(mode="json") | ({_OWNER: owner} if owner else {})
        now = self._clock()
        await self.store.save_board(BoardRow(name, json.dumps(body), actor, now), action)
        await self._audit(actor, f"board_{action}", name, {"owner": owner} if owner else {})
        self.boards[name] = board
        self.updated[name] = (actor, now)
        if owner:
            self.owners[name] = owner
        self._changed()
        return board

    async def duplicate(self, actor: str, scope: Scope, name: str, new_name: str) -> None:
        """A copy of a board under a new name (the built-in "all" too; a lead: one of her
        boards, and the copy, hers, inside her scope)."""
        if not scope.admin and not scope.shows_board(name):
            raise ActionDenied(f"no board {name!r}")
        source = self.boards.get(name, BoardSettings() if name == ALL_BOARD else None)
        if source is None:
            raise ActionDenied(f"no board {name!r}")
        if self.exists(new_name):
            raise ActionDenied(f"board {new_name!r} exists already")
        await self.save(actor, scope, new_name, source.model_dump())

    async def delete(self, actor: str, scope: Scope, name: str) -> None:
        """Delete a board (kiosks showing it say so; its history of changes stays)."""
        self._may_make(actor, scope, name)
        if name not in self.boards:
            return
        await self.store.delete_board(name, actor, self._clock())
        await self._audit(actor, "board_delete", name, {})
        del self.boards[name]
        self.updated.pop(name, None)
        self.owners.pop(name, None)
        self._changed()

    async def create_token(
        self, actor: str, scope: Scope, name: str, boards: tuple[str, ...]
    ) -> str:
        """A new kiosk token for these boards; the token itself is returned once, never stored."""
        self._admin(actor, scope)
        if not _NAME.match(name) or name in self.tokens or name in self.settings.kiosk.tokens:
            raise ActionDenied(f"token name {name!r}: new, lower-case letters, digits, - and _")
        unknown = [b for b in boards if not self.exists(b)]
        if unknown:
            raise ActionDenied(f"no such boards: {', '.join(unknown)}")
        token = secrets.token_urlsafe(24)
        row = KioskTokenRow(name, _hash(token), boards, actor, self._clock(), None)
        await self.store.add_kiosk_token(row)
        await self._audit(actor, "token_create", name, {"boards": list(boards)})
        self.tokens[name] = row
        return token

    async def revoke_token(self, actor: str, scope: Scope, name: str) -> None:
        """Revoke a token made in the UI: kiosks using it open nothing from now on."""
        self._admin(actor, scope)
        row = self.tokens.get(name)
        if row is None or row.revoked_at is not None:
            return
        now = self._clock()
        await self.store.revoke_kiosk_token(name, now)
        await self._audit(actor, "token_revoke", name, {})
        self.tokens[name] = KioskTokenRow(
            row.name, row.token_hash, row.boards, row.created_by, row.created_at, now
        )

    def kiosk(self, token: str) -> tuple[str, tuple[str, ...]] | None:
        """The (name, boards) a UI-made token opens, or None (constant-time compares)."""
        digest = _hash(token)
        found = None
        for row in self.tokens.values():
            if hmac.compare_digest(digest, row.token_hash) and row.revoked_at is None:
                found = (row.name, row.boards)
        return found

    def _tv_token(self, name: str) -> str:
        digest = hmac.new(self._tv_key, _TV_CONTEXT + name.encode("utf-8"), "sha256").digest()
        return base64.urlsafe_b64encode(digest[:24]).decode("ascii")

    def _tv_rows(self, board: str) -> list[KioskTokenRow]:
        return [
            r
            for r in self.tokens.values()
            if r.name.startswith(_TV) and r.boards == (board,) and r.revoked_at is None
        ]

    def tv_token(self, actor: str, scope: Scope, board: str) -> str | None:
        """The board's TV token in force, when this reader may manage the board (else
        None; also when there is none, or it was made under another signing secret)."""
        if not self.may_manage(actor, scope, board):
            return None
        for row in self._tv_rows(board):
            token = self._tv_token(row.name)
            if hmac.compare_digest(_hash(token), row.token_hash):
                return token
        return None

    async def show_on_tv(self, actor: str, scope: Scope, board: str) -> str:
        """The board's TV token: the one in force, or a new one (stored hashed, audited)."""
        if not self.may_manage(actor, scope, board):
            raise ActionDenied(f"only an admin or a lead of board {board!r} may put it on a TV")
        if not self.exists(board):
            raise ActionDenied(f"no board {board!r}")
        token = self.tv_token(actor, scope, board)
        if token is not None:
            return token
        name = f"{_TV}{board[:28]}-{secrets.token_hex(4)}"  # new each time: a new token
        token = self._tv_token(name)
        row = KioskTokenRow(name, _hash(token), (board,), actor, self._clock(), None)
        await self.store.add_kiosk_token(row)
        await self._audit(actor, "token_create", name, {"boards": [board], "tv": True})
        self.tokens[name] = row
        return token

    async def revoke_tv(self, actor: str, scope: Scope, board: str) -> None:
        """Revoke the board's TV tokens: its TVs open nothing from now on (within 10 s)."""
        if not self.may_manage(actor, scope, board):
            raise ActionDenied(f"only an admin or a lead of board {board!r} may revoke its TV")
        now = self._clock()
        for row in self._tv_rows(board):
            await self.store.revoke_kiosk_token(row.name, now)
            await self._audit(actor, "token_revoke", row.name, {"boards": [board], "tv": True})
            self.tokens[row.name] = KioskTokenRow(
                row.name, row.token_hash, row.boards, row.created_by, row.created_at, now
            )
