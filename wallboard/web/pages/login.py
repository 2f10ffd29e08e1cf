"""`/login` (then back to the page asked for) and `/logout`."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.web.i18n import t
from wallboard.web.pages.layout import head
from wallboard.web.session import Session

__all__ = ["register"]

log = logging.getLogger(__name__)


def _safe_target(target: str) -> str:
    """`next` only within this site: never an open redirect."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def register(session: Session) -> None:
    """Register `/login` and `/logout`."""

    @ui.page("/login", language=None)
    def login_page(request: Request) -> None:
        lang = session.lang(request)
        head(lang)
        target = _safe_target(request.query_params.get("next", "/"))
        with ui.card().classes("m-auto mt-24 p-6 gap-3").style("background:#151c25"):
            ui.label("wallboard").classes("text-2xl")
            name = ui.input(t("user", lang)).props("autofocus dark").classes("w-64")
            pw = ui.input(t("password", lang), password=True).props("dark").classes("w-64")
            err = ui.label("").classes("text-red-400")

            def submit() -> None:
                if session.sign_in(name.value or "", pw.value or ""):
                    ui.navigate.to(target)
                else:
                    log.info("failed login for %r", name.value)
                    err.text = t("bad_login", lang)

            pw.on("keydown.enter", submit)
            ui.button(t("login", lang), on_click=submit)

    @ui.page("/logout", language=None)
    def logout_page() -> RedirectResponse:
        session.sign_out()
        return RedirectResponse("/login", status_code=303)
