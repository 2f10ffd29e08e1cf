"""`/kiosk`: boards full screen for a wall display, opened by a token or a signed-in lead."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from wallboard.config import Settings
from wallboard.core.scope import Role
from wallboard.services.aftercall import CdrService
from wallboard.web.components.board.board import Board
from wallboard.web.pages.board import board_queues
from wallboard.web.pages.forecast import Outlooks, short_line
from wallboard.web.pages.layout import board_config, desk_spec, forbidden, head
from wallboard.web.pages.messages import ticker
from wallboard.web.publisher import Publisher
from wallboard.web.session import Session

__all__ = ["register"]

# Rotating faster than this would not leave time to read a board.
_MIN_ROTATE_SECONDS = 5.0
_TOKEN_CHECK_SECONDS = 10.0  # how soon an open kiosk notices its token was revoked


def register(
    session: Session,
    publisher: Publisher,
    settings: Settings,
    after: CdrService | None,
    outlooks: Outlooks | None = None,
) -> None:
    """Register `/kiosk?token=..&boards=a,b&rotate=S&lang=..&sound=0|1` (with `after`: the
    messages' ticker; the open alerts come with the board's state, in its own strip; with
    `outlooks`: the hours short of agents, compact, in each board's header)."""
    specs = publisher.specs

    def allowed_boards(token: str | None, wanted: list[str]) -> list[str]:
        # A wrong token opens nothing, even for a signed-in lead (core/scope.py).
        scope = session.scope(token)
        if scope.role is Role.ANONYMOUS:
            return []
        return [b for b in wanted if b in specs and scope.shows_board(b)]

    def rotate_seconds(asked: str | None) -> float:
        try:
            return max(_MIN_ROTATE_SECONDS, float(asked or settings.kiosk.rotate_seconds))
        except ValueError:
            return settings.kiosk.rotate_seconds

    @session.site.page("/kiosk")
    def kiosk_page(request: Request) -> None:
        qp = request.query_params
        asked = [b for b in (qp.get("boards") or "").split(",") if b]
        wanted = asked or [n for n, spec in specs.items() if spec.nav]
        allowed = allowed_boards(qp.get("token"), wanted)
        rotate = rotate_seconds(qp.get("rotate"))
        first = specs[allowed[0]] if allowed else None
        lang = session.lang(request, first.language if first else None)
        head(lang)
        if not allowed:
            forbidden(lang)
            return
        scope = session.scope(qp.get("token"))
        for i, b in enumerate(allowed):
            spec = specs[b]
            if scope.role is not Role.KIOSK:  # a lead's own masking; a wall: the board's
                spec = desk_spec(publisher, spec, scope)
            blang = spec.language if qp.get("lang") not in ("en", "he") else lang
            extra = {"rotate": rotate, "slot": i, "slots": len(allowed)}
            if qp.get("sound") in ("0", "1"):  # the TV's URL may turn alarm sounds on or off
                extra["sound"] = qp.get("sound") == "1"
            config = board_config(settings, spec, blang, kiosk=True, **extra)
            element = Board(publisher, spec.name, config).classes("w-full")
            if outlooks is not None:
                short_line(element, outlooks, board_queues(spec, scope), blang, compact=True)
        token = qp.get("token")
        if token is not None:

            def still_valid() -> None:
                # A revoked token (`/admin/tokens`) ends the screens already open with it.
                if session.access.kiosk(token) is None:
                    ui.navigate.reload()

            ui.timer(_TOKEN_CHECK_SECONDS, still_valid)
        else:  # a signed-in lead's kiosk: redrawn or sent away once her scope changed
            session.guard(scope)
        if after is not None:
            ticker(after.messages, allowed)  # messages to the floor, along the bottom
