"""`/login` (a form posted to `POST /login`, then back to the page asked for) and `/logout`.

The password is checked in an HTTP POST rather than a websocket event so that the
session id can be renewed at login (it lives in a cookie, which only an HTTP response
can set), and so that a throttled guess is a 429 that costs no scrypt.
"""

from __future__ import annotations

import html
import logging
import math
import re
import time
from urllib.parse import parse_qs, quote, unquote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from nicegui import ui

from wallboard.web.i18n import Lang, t
from wallboard.web.pages.layout import head, needs_users
from wallboard.web.session import Session
from wallboard.web.webhook import Asgi, Receive, Scope, Send

__all__ = ["LoginGate", "register", "safe_target"]

log = logging.getLogger(__name__)

_MAX_FORM = 4096  # bytes: a user name and a password, not a document
# Control characters and backslashes: browsers drop tabs and newlines from a URL and read
# "\" as "/", so "/\tevil" or "/\\evil" would leave the site.
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


def safe_target(target: str) -> str:
    """`next` only as a path on this site (never an open redirect); "/" otherwise."""
    decoded = target
    for _ in range(3):  # %255C → %5C → \
        decoded = unquote(decoded)
    for candidate in (target, decoded):
        parts = urlsplit(candidate)
        if (
            not candidate.startswith("/")
            or candidate.startswith("//")
            or _UNSAFE.search(candidate)
            or parts.scheme
            or parts.netloc
        ):
            return "/"
    return target


def _asked_lang(target: str) -> Lang | None:
    """The language the page behind the login was asked in (`/board/x?lang=he`), if any."""
    asked = parse_qs(urlsplit(target).query).get("lang", [""])[0]
    return "he" if asked == "he" else "en" if asked == "en" else None


def _wait_page(text: str, back: str, lang: str, wait: int) -> str:
    """The 429 page: the wait in words, in the login's colours, back to /login by itself."""
    direction = "rtl" if lang == "he" else "ltr"
    return (
        f'<!doctype html><html lang="{lang}" dir="{direction}"><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{wait};url=/login">'
        '<title>wallboard</title><body style="background:#0b0f14;color:#e6edf3;'
        'font:1.5rem system-ui,sans-serif;display:grid;place-items:center;height:90vh">'
        f'<div><p>{html.escape(text)}</p><a style="color:#58a6ff" href="/login">'
        f"{html.escape(back)}</a></div></body></html>"
    )


class LoginGate:
    """ASGI: `POST /login` from a throttled address is answered 429 here, in front of
    NiceGUI's middleware (sessions, storage), so a guessing loop costs next to nothing."""

    def __init__(self, session: Session, inner: Asgi) -> None:
        self.session = session
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 429 or pass on."""
        if scope["type"] == "http" and scope["path"] == "/login" and scope["method"] == "POST":
            client = scope.get("client")
            keys = self.session.throttle.address(client[0] if client else "?")
            wait = self.session.throttle.wait(keys, time.monotonic())
            if wait > 0:
                await _send_wait(send, self.session.default_lang, math.ceil(wait))
                return
        await self.inner(scope, receive, send)


async def _send_wait(send: Send, lang: Lang, wait: int) -> None:
    body = _wait_page(t("login_wait", lang).format(s=wait), t("login", lang), lang, wait).encode()
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(wait).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def register(session: Session) -> None:
    """Register `/login` (GET: the form; POST: the check) and `/logout`."""

    @session.site.page("/login")
    def login_page(request: Request) -> None:
        target = safe_target(request.query_params.get("next", "/"))
        lang = session.lang(request, _asked_lang(target))
        head(lang)
        if session.access.open:  # nobody could sign in: no form, how to add users instead
            with ui.column().classes("m-auto mt-24 gap-3"):
                needs_users("na_sign_in", lang)
                ui.link(t("open_boards", lang), target)
            return
        failed = request.query_params.get("failed") == "1"
        with (
            ui.element("form").props('method="post" action="/login"').classes("m-auto mt-24"),
            ui.card().classes("p-6 gap-3").style("background:#151c25"),
        ):
            ui.label("wallboard").classes("text-2xl")
            hidden = ui.element("input")
            hidden.props.update(type="hidden", name="next", value=target)
            ui.input(t("user", lang)).props('autofocus dark name="user"').classes("w-64")
            pw = ui.input(t("password", lang), password=True)
            pw.props('dark name="password"').classes("w-64")
            ui.label(t("bad_login", lang) if failed else "").classes("text-red-400")
            ui.button(t("login", lang)).props('type="submit"')

    @session.site.post("/login", include_in_schema=False)
    async def login_post(request: Request) -> Response:
        lang = session.lang(request)
        body = await request.body()
        form = parse_qs(body[:_MAX_FORM].decode("utf-8", "replace"), max_num_fields=10)
        user = (form.get("user") or [""])[0]
        target = safe_target((form.get("next") or ["/"])[0])
        verdict = await session.sign_in(request, user, (form.get("password") or [""])[0])
        if verdict.ok:
            return RedirectResponse(target, status_code=303)
        if verdict.wait > 0:
            wait = math.ceil(verdict.wait)
            page = _wait_page(t("login_wait", lang).format(s=wait), t("login", lang), lang, wait)
            return HTMLResponse(page, status_code=429, headers={"Retry-After": str(wait)})
        log.info("failed login for %r", user[:64])
        return RedirectResponse(f"/login?failed=1&next={quote(target)}", status_code=303)

    @session.site.page("/logout")
    def logout_page() -> RedirectResponse:
        session.sign_out()
        return RedirectResponse("/login", status_code=303)
