"""`/admin/boards` and `/admin/tokens`: an admin builds boards by name (with a live
preview, `board_form.py`) and puts them on TVs (`tv.py`), or makes kiosk tokens (shown
once, stored hashed, revocable), without a restart. A team lead builds her own boards in
the same editor, from what she may see (docs/access.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.config import ALL_BOARD, BoardSettings, UserSettings
from wallboard.core.scope import Role, Scope
from wallboard.errors import WallboardError
from wallboard.services.editor import BoardEditor, by_names
from wallboard.web.auth import hash_password
from wallboard.web.boards import board_specs
from wallboard.web.components.board.board import Board
from wallboard.web.i18n import Lang, t
from wallboard.web.pages.board_form import BoardForm, live_lists, scoped_lists
from wallboard.web.pages.layout import board_config, desk_page, forbidden, needs_users
from wallboard.web.pages.tv import tv_button
from wallboard.web.publisher import Publisher
from wallboard.web.session import Session

__all__ = ["register"]

Who = Callable[[], tuple[str, Scope]]  # the admin as of now (`Session.who`)

_MIN_PASSWORD = 10  # characters; the hash is scrypt, but a short password is guessed
_PREVIEW_EVERY = 2.0  # seconds between the preview's fresh pictures


class _BoardsPage:
    """One open editor: the list, the form and the preview."""

    def __init__(
        self, editor: BoardEditor, publisher: Publisher, who: Who, lang: Lang, request: Request
    ) -> None:
        self.editor, self.publisher, self.lang, self.request = editor, publisher, lang, request
        self.who = who  # asked on every save: the admin as she is then
        self.preview_name = f"preview:{who()[0]}"
        # A lead picks from what she sees (the editor checks it again on every save).
        lists = live_lists(publisher.hub.state, editor.settings, editor.boards)
        self.lists = scoped_lists(lists, who()[1], editor.settings)
        self.listing = ui.column().classes("w-full")
        ui.label(t("board_edit", lang)).classes("text-xl mt-4")
        self.form = BoardForm(editor.settings, self.lists, lang)
        with ui.row().classes("gap-2"):
            ui.button(t("save", lang), on_click=self.save).classes("wb-save")
            ui.button(t("new_board", lang), on_click=self.clear).props("outline")
        self.error = ui.label("").classes("text-red-400 wb-form-error")
        ui.label(t("preview", lang)).classes("text-xl mt-4")
        self.preview = ui.column().classes("w-full wb-preview")
        self.form.listeners.append(self.show_preview)
        self.draw_list()
        self.clear()
        ui.timer(_PREVIEW_EVERY, lambda: self.publisher.resync_all(self.preview_name))

    def _boards(self) -> list[tuple[str, BoardSettings]]:
        """The saved boards, and the built-in "all" unless it was saved (it always exists);
        a lead's: only hers."""
        found = dict(self.editor.boards)
        found.setdefault(ALL_BOARD, BoardSettings())
        scope = self.who()[1]
        return sorted((n, b) for n, b in found.items() if scope.admin or scope.shows_board(n))

    def draw_list(self) -> None:
        self.listing.clear()
        with self.listing:
            for name, b in self._boards():
                who, when = self.editor.updated.get(name, ("config", 0.0))
                stamp = datetime.fromtimestamp(when).strftime("%Y-%m-%d %H:%M") if when else ""
                with ui.row().classes("items-center gap-4 wb-board-row"):
                    ui.label(name).classes("font-mono text-lg")
                    title = b.title or (t("all_board", self.lang) if name == ALL_BOARD else "")
                    ui.label(title).props("dir=auto")
                    if name not in self.editor.boards:
                        ui.label(t("built_in", self.lang)).classes("opacity-70")
                    else:
                        ui.label(f"{who} · {stamp}").classes("opacity-70")
                    if not b.nav:
                        ui.label(t("not_in_nav", self.lang)).classes("opacity-70")
                    self._buttons(name)

    def _buttons(self, name: str) -> None:
        ui.link(t("open_board", self.lang), f"/board/{name}").classes("wb-open-board")
        # A lead edits and deletes only the boards she made (the editor refuses the rest).
        mine = self.editor.may_change(*self.who(), name)
        if mine:
            ui.button(t("edit", self.lang), on_click=lambda _, n=name: self.edit(n)).props(
                "flat dense"
            )
        ui.button(t("duplicate", self.lang), on_click=lambda _, n=name: self.duplicate(n)).props(
            "flat dense"
        )
        if mine and name in self.editor.boards:  # the built-in "all" cannot go
            ui.button(t("delete", self.lang), on_click=lambda _, n=name: self.delete(n)).props(
                "flat dense color=negative"
            )
        tv_button(self.editor, self.who, name, self.request, self.lang, dense=True)

    def edit(self, name: str) -> None:
        self.form.fill(name, dict(self._boards())[name])

    def clear(self) -> None:
        self.form.fill("", BoardSettings())

    def _draft(self) -> BoardSettings | None:
        try:
            board = BoardSettings.model_validate(by_names(self.form.read(), self.lists))
            # A lead's draft wider than her scope is not drawn: the preview would show it.
            self.editor.check_inside(self.who()[1], board, self.lists)
        except (ValueError, WallboardError) as e:
            self.error.text = str(e)
            return None
        self.error.text = ""
        return board

    def show_preview(self) -> None:
        """The board as it would look, from the live floor, while the form is edited."""
        draft = self._draft()
        self.preview.clear()
        if draft is None:
            return
        spec = board_specs(self.editor.settings, {self.preview_name: draft})[self.preview_name]
        # Titled as the board will be (not by the preview's own name, "preview:<admin>").
        title = draft.title or (self.form.name.value or "").strip() or t("preview", self.lang)
        spec = replace(spec, name=self.preview_name, title=title)
        spec = self.publisher.ensure(self.preview_name, spec)
        config = board_config(self.editor.settings, spec, self.lang, kiosk=False, links=None)
        with self.preview:
            Board(self.publisher, self.preview_name, config).classes("w-full")
        self.publisher.resync_all(self.preview_name)

    async def _do(self, work: Any) -> bool:
        try:
            await work
        except WallboardError as e:
            self.error.text = str(e)
            ui.notify(f"{t('failed', self.lang)}: {e}", type="negative")
            return False
        self.error.text = ""
        ui.notify(t("saved", self.lang), type="positive")
        self.draw_list()
        return True

    async def save(self) -> None:
        name = (self.form.name.value or "").strip()
        await self._do(self.editor.save_by_names(*self.who(), name, self.form.read(), self.lists))

    async def duplicate(self, name: str) -> None:
        """A copy under a free name, opened in the form to be changed."""
        new, n = f"{name}-copy", 1
        while self.editor.exists(new):
            n += 1
            new = f"{name}-copy-{n}"
        if await self._do(self.editor.duplicate(*self.who(), name, new)):
            self.edit(new)

    async def delete(self, name: str) -> None:
        await self._do(self.editor.delete(*self.who(), name))


def _tokens(editor: BoardEditor, who: Who, lang: Lang) -> None:
    """Kiosk tokens: make one (shown once), see them, revoke one."""
    listing = ui.column().classes("w-full")
    with ui.row().classes("items-center gap-2"):
        name = ui.input(t("token_name", lang)).props("dark outlined").classes("wb-token-name")
        every = sorted({*editor.boards, ALL_BOARD})
        boards = ui.select(every, multiple=True, value=[], label=t("token_boards", lang)).classes(
            "w-80 wb-token-boards"
        )
        make = ui.button(t("make_token", lang))
    shown = ui.label("").classes("font-mono text-xl wb-new-token")

    def draw() -> None:
        listing.clear()
        with listing:
            for row in editor.tokens.values():
                with ui.row().classes("items-center gap-4 wb-token-row"):
                    ui.label(row.name).classes("font-mono")
                    ui.label(", ".join(row.boards) or t("all_board", lang))
                    if row.revoked_at is not None:
                        ui.label(t("revoked", lang)).classes("text-red-400")
                    else:
                        ui.button(
                            t("revoke", lang), on_click=lambda _, n=row.name: revoke(n)
                        ).props("flat dense color=negative")

    async def create() -> None:
        try:
            token = await editor.create_token(
                *who(), (name.value or "").strip(), tuple(boards.value or ())
            )
        except WallboardError as e:
            ui.notify(f"{t('failed', lang)}: {e}", type="negative")
            return
        # Shown here once: only its hash is stored, so it cannot be shown again.
        shown.text = token
        ui.notify(t("token_once", lang), type="warning")
        draw()

    async def revoke(n: str) -> None:
        try:
            await editor.revoke_token(*who(), n)
        except WallboardError as e:
            ui.notify(f"{t('failed', lang)}: {e}", type="negative")
        draw()

    make.on_click(create)
    draw()


def _user_row(
    n: str, u: UserSettings, buttons: tuple[Callable[[str], Any], ...] | None, lang: Lang
) -> None:
    """One user in the list: boards, rights, and (made here) edit and delete."""
    with ui.row().classes("items-center gap-4 wb-user-row"):
        ui.label(n).classes("font-mono")
        ui.label(", ".join(u.boards) or t("all_board", lang))
        rights = [t("user_admin", lang)] * u.admin + [t("user_numbers", lang)] * u.show_numbers
        ui.label(" · ".join(rights))
        if buttons is None:
            ui.label(t("from_config", lang)).classes("opacity-70")
            return
        fill, remove = buttons
        ui.button(t("edit", lang), on_click=lambda _: fill(n)).props("flat dense")
        ui.button(t("delete", lang), on_click=lambda _: remove(n)).props(
            "flat dense color=negative"
        )


def _users(editor: BoardEditor, session: Session, lang: Lang) -> None:
    """Users made here: their boards and rights; the configuration's are listed, not changed."""
    who = session.who
    listing = ui.column().classes("w-full")
    with ui.grid(columns=2).classes("gap-2 w-full max-w-3xl wb-user-form"):
        name = ui.input(t("user", lang)).props("dark outlined")
        display = ui.input(t("user_display", lang)).props("dark outlined dir=auto")
        password = ui.input(t("password", lang), password=True).props("dark outlined")
        every = sorted({*editor.boards, ALL_BOARD})
        boards = ui.select(every, multiple=True, value=[], label=t("user_boards", lang)).classes(
            "wb-user-boards"
        )
        language = ui.select(
            {"": "—", "en": "English", "he": "עברית"}, value="", label=t("board_language", lang)
        )
        ext = ui.number(t("my_extension", lang), format="%d").props("dark outlined")
        # The only extensions she may call back from besides hers (`Scope.phones`).
        phones = ui.input(t("user_phones", lang)).props("dark outlined").classes("wb-user-phones")
        admin = ui.switch(t("user_admin", lang))
        numbers = ui.switch(t("user_numbers", lang))
    save = ui.button(t("save", lang))

    def draw() -> None:
        listing.clear()
        with listing:
            for n, u in sorted(session.access.users.items()):
                _user_row(n, u, (fill, remove) if n in editor.users else None, lang)

    def fill(n: str) -> None:
        u = editor.users[n]
        name.value, display.value, password.value = n, u.name, ""
        boards.value, language.value = list(u.boards), u.language or ""
        ext.value, admin.value, numbers.value = u.extension, u.admin, u.show_numbers
        phones.value = ", ".join(str(p) for p in u.phones)

    async def store() -> None:
        data = {
            "name": display.value or "",
            "boards": list(boards.value or []),
            "language": language.value or None,
            "extension": int(ext.value) if ext.value is not None else None,
            "phones": [p.strip() for p in (phones.value or "").split(",") if p.strip()],
            "admin": bool(admin.value),
            "show_numbers": bool(numbers.value),
        }
        pw = password.value or ""
        if pw and len(pw) < _MIN_PASSWORD:
            ui.notify(f"{t('failed', lang)}: {t('password_short', lang)}", type="negative")
            return
        try:
            await editor.save_user(
                *who(), (name.value or "").strip(), data, hash_password(pw) if pw else None
            )
        except WallboardError as e:
            ui.notify(f"{t('failed', lang)}: {e}", type="negative")
            return
        password.value = ""
        ui.notify(t("saved", lang), type="positive")
        draw()

    async def remove(n: str) -> None:
        try:
            await editor.delete_user(*who(), n)
        except WallboardError as e:
            ui.notify(f"{t('failed', lang)}: {e}", type="negative")
        draw()

    save.on_click(store)
    draw()


def register(session: Session, editor: BoardEditor, publisher: Publisher) -> None:
    """Register `/admin/boards` (admins and leads), `/admin/tokens` and `/admin/users`
    (admins)."""
    # Each action asks `session.who` when it runs: an admin demoted or deleted since the
    # page was built can no longer act from it (the editor refuses).
    builders: dict[str, tuple[str, Callable[[Lang, Request], object]]] = {
        "boards": (
            "boards_admin",
            lambda lang, req: _BoardsPage(editor, publisher, session.who, lang, req),
        ),
        "tokens": ("tokens_admin", lambda lang, _: _tokens(editor, session.who, lang)),
        "users": ("users_admin", lambda lang, _: _users(editor, session, lang)),
    }

    def page(request: Request, what: str) -> RedirectResponse | None:
        lang = desk_page(session, request)
        if isinstance(lang, RedirectResponse):
            return lang
        scope, actor = session.scope(), session.user()
        lead = what == "boards" and scope.role is Role.LEAD  # her own boards
        if not (scope.admin or lead) or actor is None:  # the editor checks again on every save
            if session.access.open:  # nobody could be an admin yet: say how to add one
                needs_users("na_admin", lang)
            else:
                forbidden(lang)
            return None
        title, build = builders[what]
        ui.label(t(title, lang)).classes("text-3xl p-2")
        build(lang, request)
        return None

    @session.site.page("/admin/boards")
    def boards_page(request: Request) -> RedirectResponse | None:
        return page(request, "boards")

    @session.site.page("/admin/tokens")
    def tokens_page(request: Request) -> RedirectResponse | None:
        return page(request, "tokens")

    @session.site.page("/admin/users")
    def users_page(request: Request) -> RedirectResponse | None:
        return page(request, "users")
