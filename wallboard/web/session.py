"""Who is signed in, in which language, and the redirect to /login for anyone who is not."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui

from wallboard.config import Settings
from wallboard.core.scope import Role, Scope, union, with_own_boards
from wallboard.web.auth import Access
from wallboard.web.boards import BoardSpec, board_title
from wallboard.web.components.board.board import board_head
from wallboard.web.i18n import Lang, t
from wallboard.web.site import Site
from wallboard.web.throttle import LoginThrottle
from wallboard.web.webhook import Asgi, Message, Receive, Send
from wallboard.web.webhook import Scope as AsgiScope

__all__ = ["SecureCookies", "Session", "SignIn", "timer_once_connected"]

# How often an open desk page compares its reader's scope with the one it was built for
# (a deleted, narrowed or signed-out user's pages go to /login or redraw within this).
GUARD_SECONDS = 3.0

# Keys in NiceGUI's per-browser storage (signed with `web.storage_secret`).
_USER_KEY = "user"
_SINCE_KEY = "since"


@dataclass(frozen=True, slots=True)
class SignIn:
    """What a login attempt came to: `ok`, or refused, or `wait` seconds (throttled)."""

    ok: bool
    wait: float = 0.0


class Session:
    """The one login rule every desk page (boards, detail, history, callbacks) goes through."""

    def __init__(
        self,
        settings: Settings,
        access: Access,
        boards: Mapping[str, BoardSpec],
        site: Site | None = None,
    ) -> None:
        self.access = access
        self.site = site if site is not None else Site()  # the account's routes and keys
        self._user_key, self._since_key = self.site.key(_USER_KEY), self.site.key(_SINCE_KEY)
        self.boards = boards  # the configured boards, for the navigation bar
        # board → the lead who made it (`BoardEditor.owners`, the same mapping): her scope
        # takes in the boards she made (`core.scope.with_own_boards`).
        self.owners: Mapping[str, str] = {}
        self._hours = settings.auth.session_hours
        self.default_lang: Lang = settings.web.language
        self.throttle = LoginThrottle(settings.auth.max_failed_logins, 60.0)
        # Drawn at the end of every desk page's nav (e.g. the alerts' notifications).
        self.nav_extras: list[Callable[[Lang], None]] = []

    @property
    def lifetime_seconds(self) -> int:
        """How long a login lasts: the server's rule and the cookie's max age alike."""
        return int(self._hours * 3600)

    def user(self) -> str | None:
        """The signed-in user of this browser, or None (unknown or expired)."""
        name = app.storage.user.get(self._user_key)
        since = app.storage.user.get(self._since_key)
        if not isinstance(name, str) or name not in self.access.users:
            return None
        if not isinstance(since, float) or time.time() - since > self._hours * 3600:
            return None  # the session expired: log in again
        return name

    async def sign_in(self, request: Request, user: str, password: str) -> SignIn:
        """Check the password (in a thread: scrypt takes ~50 ms) within the failure limit;
        on success renew this browser's session id and remember the user under it."""
        addr = request.client.host if request.client else "?"
        keys = self.throttle.keys(user, addr)  # never the name alone (web/throttle.py)
        now = time.monotonic()
        wait = self.throttle.wait(keys, now)
        if wait > 0:
            return SignIn(False, wait)
        # Counted as failed before hashing, so parallel guesses cannot all slip past the
        # limit while their hashes run; taken back if the password was right.
        self.throttle.failed(keys, now)
        if not await asyncio.to_thread(self.access.login, user, password):
            return SignIn(False)
        self.throttle.undo(keys)
        self.throttle.forget(keys[0])
        app.storage.user.pop(self._user_key, None)
        await _renew_session_id(request, keep=self._others())
        app.storage.user[self._user_key] = user
        app.storage.user[self._since_key] = time.time()
        return SignIn(True)

    def sign_out(self) -> None:
        """Forget this browser's user."""
        app.storage.user.pop(self._user_key, None)

    def _others(self) -> dict[str, object]:
        """This browser's logins to the node's other accounts (kept across a new session id)."""
        mine = (self._user_key, self._since_key)
        return {k: v for k, v in app.storage.user.items() if "@" in k and k not in mine}

    def lang(self, request: Request, board_lang: Lang | None = None) -> Lang:
        """`?lang=`, else the user's language, else the board's, else `[web] language`."""
        q = request.query_params.get("lang")
        if q in ("en", "he"):
            return "he" if q == "he" else "en"
        u = self.access.users.get(self.user() or "")
        if u is not None and u.language is not None:
            return u.language
        return board_lang or self.default_lang

    def need_login(self, request: Request) -> RedirectResponse | None:
        """The redirect to /login (back here afterwards), or None when the page may show."""
        if self.access.open or self.user() is not None:
            return None
        # Back to the page as asked, its query too (`?lang=he`, a history's queue).
        path = self.site.public(request.url.path)
        query = request.url.query
        return RedirectResponse(
            f"/login?next={quote(path + ('?' + query if query else ''), safe='/')}",
            status_code=303,
        )

    def may_act(self) -> bool:
        """Whether this browser has a named user who could take supervisor actions."""
        return not self.access.open and self.user() is not None

    def visible_boards(self, nav: bool = False) -> list[str]:
        """The boards this browser's user may see, in configured order (`nav`: only those
        listed in the navigation)."""
        scope = self.scope()
        return [
            b
            for b, spec in self.boards.items()
            if scope.desk and scope.shows_board(b) and (spec.nav or not nav)
        ]

    def scope(self, token: str | None = None) -> Scope:
        """What this browser may see and do: the one rule every route asks (docs/access.md).

        A kiosk `token` gives a kiosk scope (boards only, numbers as the board masks
        them); otherwise the signed-in user's boards, or the open mode, or nothing.
        """
        if token is not None:
            kiosk = self.access.kiosk(token)
            if kiosk is None:
                return Scope(Role.ANONYMOUS, boards=frozenset())
            return self._boards_scope(Role.KIOSK, None, kiosk.boards, numbers=False, act=False)
        if self.access.open:
            return Scope(Role.OPEN, act=True)
        user = self.user()
        u = self.access.users.get(user or "")
        if user is None or u is None:
            return Scope(Role.ANONYMOUS, boards=frozenset())
        role = Role.ADMIN if u.admin else Role.LEAD
        boards = () if u.admin else tuple(u.boards)
        # A lead's phones come from her record (and an admin's list), never from a page's
        # field. An admin may ring any extension: she sets everyone's phones anyway.
        phones = frozenset(u.phones) | ({u.extension} if u.extension is not None else set())
        scope = self._boards_scope(role, user, boards, numbers=u.show_numbers, act=True)
        mine = [b for b, owner in self.owners.items() if owner == user and b in self.boards]
        own = [(b, self.boards[b].queues, self.boards[b].extensions) for b in mine]
        scope = with_own_boards(scope, own) if role is Role.LEAD else scope
        return replace(scope, phones=None if u.admin else phones)

    def who(self) -> tuple[str, Scope]:
        """The reader as of now, (user name or "", scope): what an action runs as.

        Asked when the action runs, not when the page was built: a page stays open for
        months, and its user may have been deleted, narrowed or signed out since.
        """
        name = app.storage.user.get(self._user_key)  # kept for the audit row, even if gone
        return (name if isinstance(name, str) else ""), self.scope()

    def _boards_scope(
        self, role: Role, user: str | None, boards: tuple[str, ...], *, numbers: bool, act: bool
    ) -> Scope:
        """A scope limited to `boards` (empty: every board, so every queue and agent)."""
        if not boards:
            return Scope(role, user, numbers=numbers, act=act)
        picked = [self.boards[b] for b in boards if b in self.boards]
        queues, exts = union((s.queues, s.extensions) for s in picked)
        names = frozenset(boards)
        return Scope(role, user, names, queues, exts, numbers=numbers, act=act)

    def guard(self, built_for: Scope) -> None:
        """Reload this page once its reader's scope is no longer `built_for`.

        A deleted or signed-out user's page then goes to /login, a narrowed one is drawn
        again with her new scope (its live board joins the payload of that scope), as a
        revoked kiosk's screen already does. Started when the browser connects: a timer
        made while an async page is still being built would send the page early.
        """

        def look() -> None:
            if self.scope() != built_for:
                ui.navigate.reload()

        timer_once_connected(GUARD_SECONDS, look)

    def nav(self, lang: Lang) -> None:
        """The desk pages' navigation bar: boards, history, callbacks, the user; and the
        guard that sends the page away once its reader's scope changed."""
        self.guard(self.scope())
        board_head()  # the nav's styles; harmless where the page already linked them
        with ui.element("nav").classes("wb-nav w-full"):
            for b in self.visible_boards(nav=True):
                ui.link(board_title(self.boards[b], lang), f"/board/{b}")
            ui.link(t("history", lang), "/history")
            ui.link(t("forecast", lang), "/forecast")
            ui.link(t("callbacks", lang), "/worklist")
            ui.link(t("audit_log", lang), "/audit")
            ui.link(t("messages", lang), "/messages")
            ui.link(t("alert_log", lang), "/alerts")
            scope = self.scope()
            if scope.admin or scope.role is Role.LEAD:
                ui.link(t("boards_admin", lang), "/admin/boards")  # a lead: her own boards
            if scope.admin:
                ui.link(t("tokens_admin", lang), "/admin/tokens")
                ui.link(t("users_admin", lang), "/admin/users")
            ui.space()
            user = self.user()
            if self.access.open:
                ui.label(t("open_mode", lang)).classes("wb-open")
            elif user is not None:
                ui.label(self.access.users[user].name or user)
                ui.link(t("logout", lang), "/logout")
        for extra in self.nav_extras:
            extra(lang)


def timer_once_connected(seconds: float, look: Callable[[], None]) -> None:
    """Call `look` every `seconds` on this page, from when its browser first connects.

    Not before: a timer made while an async page is still being built would make NiceGUI
    send the page before the rest of it is built. One timer per page, reconnects or not.
    """
    holder = ui.element("div").classes("hidden")
    started: list[bool] = []

    def start() -> None:
        if not started:
            started.append(True)
            with holder:
                ui.timer(seconds, look)

    ui.context.client.on_connect(start)


async def _renew_session_id(request: Request, keep: Mapping[str, object]) -> None:
    """A new session id (and empty user storage under it) for this browser.

    So an id planted or seen before the login is worth nothing after it (session fixation).
    NiceGUI keys `app.storage.user` by `request.session["id"]` and has no public call to
    rotate it: create the new storage as its middleware would, then switch the id. `keep`:
    what the new storage starts with (the browser's logins to the node's other accounts).
    """
    new_id = str(uuid.uuid4())
    await app.storage._create_user_storage(new_id)
    request.session["id"] = new_id
    app.storage.user.update(keep)


class SecureCookies:
    """ASGI: mark every cookie `Secure` on requests that came over TLS.

    `scheme` is https when uvicorn serves TLS itself or a proxy in `[web] trusted_proxies`
    said so with X-Forwarded-Proto; a cookie set over plain HTTP stays usable there.
    """

    def __init__(self, inner: Asgi) -> None:
        self.inner = inner

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        """Pass through, adding `; Secure` to Set-Cookie headers on https."""
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.inner(scope, receive, send)
            return

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers") or []
                message["headers"] = [
                    (k, v + b"; secure")
                    if k.lower() == b"set-cookie" and b"secure" not in v.lower()
                    else (k, v)
                    for k, v in headers
                ]
            await send(message)

        await self.inner(scope, receive, send_secure)
