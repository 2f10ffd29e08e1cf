"""`/admin/boards` and `/admin/tokens`: an admin builds boards (with a live preview) and
makes kiosk tokens (shown once, stored hashed, revocable), without a restart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.config import BoardSettings, UserSettings
from wallboard.core.scope import Scope
from wallboard.errors import WallboardError
from wallboard.services.editor import BoardEditor
from wallboard.web.auth import hash_password
from wallboard.web.boards import board_specs
from wallboard.web.components.board.board import Board
from wallboard.web.i18n import Lang, t
from wallboard.web.pages.layout import board_config, desk_page, forbidden, needs_users
from wallboard.web.publisher import Publisher
from wallboard.web.session import Session

__all__ = ["register"]

Who = Callable[[], tuple[str, Scope]]  # the admin as of now (`Session.who`)

_MIN_PASSWORD = 10  # characters; the hash is scrypt, but a short password is guessed
_PREVIEW_EVERY = 2.0  # seconds between the preview's fresh pictures
_WIDGETS = ["summary", "queues", "waiting", "agents"]


def _ints(text: str) -> list[int]:
    return [int(p) for p in text.replace(",", " ").split() if p.strip().isdigit()]


# The per-queue levels box: one line per queue, "101 waiting=3/6 longest=60/120 sl=80/70".
_LEVEL_KEYS = {
    "waiting": "waiting",
    "longest": "longest_wait_seconds",
    "sl": "service_level_percent",
    "abandon": "abandon_rate_percent",
}


def _level(v: str) -> float | None:
    return None if v in ("", "-") else float(v)


def parse_levels(text: str) -> dict[str, dict[str, dict[str, float | None]]]:
    """The levels box → `thresholds` of a board; a bad line is named (ValueError)."""
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    for n, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            queue = str(int(parts[0]))
            levels = {}
            for p in parts[1:]:
                key, _, pair = p.partition("=")
                warn, _, alarm = pair.partition("/")
                levels[_LEVEL_KEYS[key]] = {"warn": _level(warn), "alarm": _level(alarm)}
        except (ValueError, KeyError):
            raise ValueError(f"queue levels, line {n}: {line.strip()!r}") from None
        out[queue] = levels
    return out


def format_levels(board: BoardSettings) -> str:
    """A board's `thresholds` as the levels box shows them."""
    names = {v: k for k, v in _LEVEL_KEYS.items()}
    lines = []
    for q, th in sorted(board.thresholds.items()):
        pairs = []
        for field, lv in th.model_dump().items():
            w, a = ("-" if x is None else f"{x:g}" for x in (lv["warn"], lv["alarm"]))
            pairs.append(f"{names[field]}={w}/{a}")
        lines.append(f"{q} " + " ".join(pairs))
    return "\n".join(lines)


def _words(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


class _Form:
    """The board form: its inputs, read into the settings a board is saved with."""

    def __init__(self, teams: list[str], lang: Lang) -> None:
        with ui.grid(columns=2).classes("gap-2 w-full max-w-3xl wb-board-form"):
            self.name = ui.input(t("board_name", lang)).props("dark outlined").classes("wb-f-name")
            self.title = ui.input(t("board_title", lang)).props("dark outlined dir=auto")
            self.queues = (
                ui.input(t("board_queues", lang)).props("dark outlined").classes("wb-f-queues")
            )
            self.extensions = ui.input(t("board_extensions", lang)).props("dark outlined")
            self.teams = ui.select(teams, multiple=True, value=[], label=t("board_teams", lang))
            self.departments = ui.input(t("board_departments", lang)).props("dark outlined")
            self.widgets = ui.select(
                _WIDGETS, multiple=True, value=list(_WIDGETS), label=t("board_widgets", lang)
            )
            self.sort = ui.select(
                ["status", "name", "extension", "time"], value="status", label=t("board_sort", lang)
            )
            self.language = ui.select(
                {"": "—", "en": "English", "he": "עברית"}, value="", label=t("board_language", lang)
            )
            self.sound = ui.switch(t("board_sound", lang))
        self.levels = (
            ui.textarea(
                t("board_levels", lang), placeholder="101 waiting=3/6 longest=60/120 sl=80/70"
            )
            .props("dark outlined autogrow")
            .classes("w-full max-w-3xl font-mono wb-f-levels")
        )

    def read(self) -> dict[str, Any]:
        return {
            "title": self.title.value or "",
            "queues": _ints(self.queues.value or ""),
            "extensions": _ints(self.extensions.value or ""),
            "teams": list(self.teams.value or []),
            "departments": _words(self.departments.value or ""),
            "widgets": list(self.widgets.value or []),
            "sort": self.sort.value,
            "language": self.language.value or None,
            "sound": bool(self.sound.value),
            "thresholds": parse_levels(self.levels.value or ""),
        }

    def fill(self, name: str, b: BoardSettings) -> None:
        self.name.value = name
        self.title.value = b.title
        self.queues.value = ", ".join(str(q) for q in b.queues)
        self.extensions.value = ", ".join(str(x) for x in b.extensions)
        self.teams.value = list(b.teams)
        self.departments.value = ", ".join(b.departments)
        self.widgets.value = list(b.widgets)
        self.sort.value = b.sort
        self.language.value = b.language or ""
        self.sound.value = b.sound
        self.levels.value = format_levels(b)


class _BoardsPage:
    """One open editor: the list, the form and the preview."""

    def __init__(self, editor: BoardEditor, publisher: Publisher, who: Who, lang: Lang) -> None:
        self.editor, self.publisher, self.lang = editor, publisher, lang
        self.who = who  # asked on every save: the admin as she is then
        self.preview_name = f"preview:{who()[0]}"
        self.listing = ui.column().classes("w-full")
        ui.label(t("board_edit", lang)).classes("text-xl mt-4")
        self.form = _Form(sorted(editor.settings.teams), lang)
        with ui.row().classes("gap-2"):
            ui.button(t("save", lang), on_click=self.save).classes("wb-save")
            ui.button(t("new_board", lang), on_click=self.clear).props("outline")
        self.error = ui.label("").classes("text-red-400 wb-form-error")
        ui.label(t("preview", lang)).classes("text-xl mt-4")
        self.preview = ui.column().classes("w-full wb-preview")
        for el in vars(self.form).values():
            el.on_value_change(lambda _: self.show_preview())
        self.draw_list()
        self.show_preview()
        ui.timer(_PREVIEW_EVERY, lambda: self.publisher.resync_all(self.preview_name))

    def draw_list(self) -> None:
        self.listing.clear()
        with self.listing:
            for name, b in sorted(self.editor.boards.items()):
                who, when = self.editor.updated.get(name, ("config", 0.0))
                stamp = datetime.fromtimestamp(when).strftime("%Y-%m-%d %H:%M") if when else ""
                with ui.row().classes("items-center gap-4 wb-board-row"):
                    ui.label(name).classes("font-mono text-lg")
                    ui.label(b.title).props("dir=auto")
                    ui.label(f"{who} · {stamp}").classes("opacity-70")
                    ui.button(t("edit", self.lang), on_click=lambda _, n=name: self.edit(n)).props(
                        "flat dense"
                    )
                    ui.button(
                        t("duplicate", self.lang), on_click=lambda _, n=name: self.duplicate(n)
                    ).props("flat dense")
                    ui.button(
                        t("delete", self.lang), on_click=lambda _, n=name: self.delete(n)
                    ).props("flat dense color=negative")

    def edit(self, name: str) -> None:
        self.form.fill(name, self.editor.boards[name])

    def clear(self) -> None:
        self.form.fill("", BoardSettings())

    def _draft(self) -> BoardSettings | None:
        try:
            return BoardSettings.model_validate(self.form.read())
        except ValueError:
            return None

    def show_preview(self) -> None:
        """The board as it would look, from the live floor, while the form is edited."""
        draft = self._draft()
        self.preview.clear()
        if draft is None:
            return
        spec = board_specs(self.editor.settings, {self.preview_name: draft})[self.preview_name]
        spec = self.publisher.ensure(self.preview_name, replace(spec, name=self.preview_name))
        config = board_config(self.editor.settings, spec, self.lang, kiosk=False, links=None)
        with self.preview:
            Board(self.publisher, self.preview_name, config).classes("w-full")
        self.publisher.resync_all(self.preview_name)

    async def _do(self, work: Any) -> None:
        try:
            await work
        except WallboardError as e:
            self.error.text = str(e)
            ui.notify(f"{t('failed', self.lang)}: {e}", type="negative")
            return
        self.error.text = ""
        ui.notify(t("saved", self.lang), type="positive")
        self.draw_list()

    async def save(self) -> None:
        name = (self.form.name.value or "").strip()
        try:
            data = self.form.read()
        except ValueError as e:
            self.error.text = str(e)
            return
        await self._do(self.editor.save(*self.who(), name, data))

    async def duplicate(self, name: str) -> None:
        await self._do(self.editor.duplicate(*self.who(), name, f"{name}-copy"))

    async def delete(self, name: str) -> None:
        await self._do(self.editor.delete(*self.who(), name))


def _tokens(editor: BoardEditor, who: Who, lang: Lang) -> None:
    """Kiosk tokens: make one (shown once), see them, revoke one."""
    listing = ui.column().classes("w-full")
    with ui.row().classes("items-center gap-2"):
        name = ui.input(t("token_name", lang)).props("dark outlined").classes("wb-token-name")
        boards = ui.select(
            sorted(editor.boards), multiple=True, value=[], label=t("token_boards", lang)
        ).classes("w-80 wb-token-boards")
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
        boards = ui.select(
            sorted(editor.boards), multiple=True, value=[], label=t("user_boards", lang)
        ).classes("wb-user-boards")
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
    """Register `/admin/boards`, `/admin/tokens` and `/admin/users`, for admins only."""
    # Each action asks `session.who` when it runs: an admin demoted or deleted since the
    # page was built can no longer act from it (the editor refuses).
    builders: dict[str, tuple[str, Callable[[Lang], object]]] = {
        "boards": ("boards_admin", lambda lang: _BoardsPage(editor, publisher, session.who, lang)),
        "tokens": ("tokens_admin", lambda lang: _tokens(editor, session.who, lang)),
        "users": ("users_admin", lambda lang: _users(editor, session, lang)),
    }

    def page(request: Request, what: str) -> RedirectResponse | None:
        lang = desk_page(session, request)
        if isinstance(lang, RedirectResponse):
            return lang
        scope, actor = session.scope(), session.user()
        if not scope.admin or actor is None:  # the editor checks again on every save
            if session.access.open:  # nobody could be an admin yet: say how to add one
                needs_users("na_admin", lang)
            else:
                forbidden(lang)
            return None
        title, build = builders[what]
        ui.label(t(title, lang)).classes("text-3xl p-2")
        build(lang)
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
