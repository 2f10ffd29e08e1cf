"""`/kiosk`: boards full screen for a wall display, opened by a token or a signed-in lead."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from wallboard.config import Settings
from wallboard.web.components.board.board import Board
from wallboard.web.i18n import t
from wallboard.web.pages.layout import board_config, head
from wallboard.web.publisher import Publisher
from wallboard.web.session import Session

__all__ = ["register"]

# Rotating faster than this would not leave time to read a board.
_MIN_ROTATE_SECONDS = 5.0


def register(session: Session, publisher: Publisher, settings: Settings) -> None:
    """Register `/kiosk?token=..&boards=a,b&rotate=S&lang=..&sound=0|1`."""
    specs = publisher.specs

    def allowed_boards(token: str | None, wanted: list[str]) -> list[str]:
        kiosk = session.access.kiosk(token)
        if kiosk is not None:
            return [b for b in wanted if b in specs and (not kiosk.boards or b in kiosk.boards)]
        if token is None and (session.access.open or session.user() is not None):
            user = session.user()
            return [b for b in wanted if b in specs and session.access.may_see(user, b)]
        return []  # a wrong token opens nothing, even for a signed-in lead

    def rotate_seconds(asked: str | None) -> float:
        try:
            return max(_MIN_ROTATE_SECONDS, float(asked or settings.kiosk.rotate_seconds))
        except ValueError:
            return settings.kiosk.rotate_seconds

    @ui.page("/kiosk", language=None)
    def kiosk_page(request: Request) -> None:
        qp = request.query_params
        wanted = [b for b in (qp.get("boards") or "").split(",") if b] or list(specs)
        allowed = allowed_boards(qp.get("token"), wanted)
        rotate = rotate_seconds(qp.get("rotate"))
        first = specs[allowed[0]] if allowed else None
        lang = session.lang(request, first.language if first else None)
        head(lang)
        if not allowed:
            ui.label(t("forbidden", lang)).classes("text-4xl p-8")
            return
        for i, b in enumerate(allowed):
            spec = specs[b]
            blang = spec.language if qp.get("lang") not in ("en", "he") else lang
            extra = {"rotate": rotate, "slot": i, "slots": len(allowed)}
            if qp.get("sound") in ("0", "1"):  # the TV's URL may turn alarm sounds on or off
                extra["sound"] = qp.get("sound") == "1"
            config = board_config(settings, spec, blang, kiosk=True, **extra)
            Board(publisher, b, config).classes("w-full")
