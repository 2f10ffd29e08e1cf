"""`/` (the first board this user may see) and `/board/{name}`, behind the login."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.config import Settings
from wallboard.core.scope import Scope
from wallboard.services.editor import BoardEditor
from wallboard.web.boards import BoardSpec
from wallboard.web.components.board.board import Board
from wallboard.web.i18n import t
from wallboard.web.pages.forecast import Outlooks, short_line
from wallboard.web.pages.layout import board_config, desk_spec, forbidden, head
from wallboard.web.pages.tv import tv_button
from wallboard.web.publisher import Publisher
from wallboard.web.session import Session

__all__ = ["board_queues", "register"]


def register(
    session: Session,
    publisher: Publisher,
    settings: Settings,
    outlooks: Outlooks | None = None,
    editor: BoardEditor | None = None,
) -> None:
    """Register `/` and `/board/{name}` (with `outlooks`: the hours short of agents in the
    board's header; with `editor`: "Show on a TV" for a reader who may manage the board)."""
    specs = publisher.specs

    @session.site.page("/")
    def index(request: Request) -> RedirectResponse | None:
        if (r := session.need_login(request)) is not None:
            return r
        boards = session.visible_boards(nav=True) or session.visible_boards()
        lang = session.lang(request)
        if boards:  # the query goes along: `/?lang=he` opens the first board in Hebrew
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(f"/board/{boards[0]}{query}", status_code=303)
        head(lang)
        session.nav(lang)
        forbidden(lang)
        return None

    @session.site.page("/board/{name}")
    def board_page(request: Request, name: str) -> RedirectResponse | None:
        if (r := session.need_login(request)) is not None:
            return r
        spec = specs.get(name)
        lang = session.lang(request, spec.language if spec else None)
        head(lang)
        session.nav(lang)
        scope = session.scope()
        if spec is None:
            ui.label(t("no_board", lang)).classes("text-2xl p-4")
            return None
        if not scope.shows_board(name):
            forbidden(lang)
            return None
        if editor is not None:
            with ui.row().classes("w-full justify-end px-2 wb-board-tools"):
                tv_button(editor, session.who, name, request, lang)
        spec = desk_spec(publisher, spec, scope)
        element = Board(publisher, spec.name, board_config(settings, spec, lang, kiosk=False))
        element.classes("w-full")
        if outlooks is not None:  # the forecast's hours short of agents (pages/forecast.py)
            short_line(element, outlooks, board_queues(spec, scope), lang, compact=False)
        return None


def board_queues(spec: BoardSpec, scope: Scope) -> frozenset[int] | None:
    """The queues a board shows to this reader (None: all)."""
    if spec.queues is None:
        return scope.queues
    return spec.queues if scope.queues is None else spec.queues & scope.queues
