"""`/` (the first board this user may see) and `/board/{name}`, behind the login."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.config import Settings
from wallboard.web.components.board.board import Board
from wallboard.web.i18n import t
from wallboard.web.pages.layout import board_config, desk_spec, forbidden, head
from wallboard.web.publisher import Publisher
from wallboard.web.session import Session

__all__ = ["register"]


def register(session: Session, publisher: Publisher, settings: Settings) -> None:
    """Register `/` and `/board/{name}`."""
    specs = publisher.specs

    @session.site.page("/")
    def index(request: Request) -> RedirectResponse | None:
        if (r := session.need_login(request)) is not None:
            return r
        boards = session.visible_boards()
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
        spec = desk_spec(publisher, spec, scope)
        Board(publisher, spec.name, board_config(settings, spec, lang, kiosk=False)).classes(
            "w-full"
        )
        return None
