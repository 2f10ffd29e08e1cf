"""The pages: boards, agent and queue detail (behind a login), the login page and the kiosk."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui

from wallboard.config import Settings
from wallboard.core.kpis import AgentTally, QueueTally
from wallboard.core.view import agent_numbers, queue_numbers
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.web.auth import Access
from wallboard.web.boards import BoardSpec
from wallboard.web.boards import thresholds_json as _thresholds
from wallboard.web.components.board.board import Board, board_head
from wallboard.web.i18n import Lang, direction, metric_texts, status_names, strings, t
from wallboard.web.publisher import Publisher

__all__ = ["Gate", "StatusActions", "register_pages"]

log = logging.getLogger(__name__)

_SESSION_KEY = "user"
_SINCE_KEY = "since"


class StatusActions(Protocol):
    """Supervisor actions (wallboard.services.actions.Actions) as far as these pages use them."""

    async def set_status(self, actor: str, extension: int, status_code: int) -> None: ...


def _head(lang: Lang) -> None:
    # Pages are registered without a fixed language; the language is per board or per user,
    # so the <html> direction is set here, before anything renders.
    d = direction(lang)
    ui.add_head_html(
        f'<script>document.documentElement.setAttribute("dir","{d}");'
        f'document.documentElement.setAttribute("lang","{lang}");</script>'
    )
    ui.query("body").style("background:#0b0f14;color:#f2f5f8")
    board_head()


class Gate:
    """Who is signed in, and the redirect to the login page for anyone who is not.

    Shared by every desk page (boards, detail, history, callbacks) so one rule guards all.
    """

    def __init__(
        self,
        user: Callable[[], str | None],
        need_login: Callable[[Request], RedirectResponse | None],
        access: Access,
        nav: Callable[[Lang], None],
    ) -> None:
        self.user = user
        self.need_login = need_login
        self.access = access
        self.nav = nav  # the desk pages' navigation bar (boards, history, callbacks, user)


def register_pages(
    hub: Hub,
    settings: Settings,
    publisher: Publisher,
    access: Access,
    actions: StatusActions | None = None,
) -> Gate:
    """Register every page (call once per process); returns the login gate they share."""
    specs = publisher.specs
    default_lang: Lang = settings.web.language

    def user() -> str | None:
        name = app.storage.user.get(_SESSION_KEY)
        since = app.storage.user.get(_SINCE_KEY)
        if not isinstance(name, str) or name not in access.users:
            return None
        if not isinstance(since, float) or time.time() - since > settings.auth.session_hours * 3600:
            return None  # the session expired: log in again
        return name

    def user_lang(request: Request, board_lang: Lang | None = None) -> Lang:
        q = request.query_params.get("lang")
        if q in ("en", "he"):
            return "he" if q == "he" else "en"
        u = access.users.get(user() or "")
        if u is not None and u.language is not None:
            return u.language
        return board_lang or default_lang

    def need_login(request: Request) -> RedirectResponse | None:
        if access.open or user() is not None:
            return None
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    def visible_boards() -> list[str]:
        return [b for b in specs if access.may_see(user(), b)]

    def config(spec: BoardSpec, lang: Lang, kiosk: bool, **extra: Any) -> dict[str, Any]:
        return {
            "board": spec.name,
            "title": spec.title,
            "lang": lang,
            "dir": direction(lang),
            "kiosk": kiosk,
            "widgets": list(spec.widgets),
            "sort": spec.sort,
            "sound": spec.sound,
            "strings": strings(lang),
            "statusNames": status_names(settings, lang),
            "metrics": metric_texts(lang),
            "thresholds": _thresholds(settings),
            "staleAfter": settings.web.stale_after_seconds,
            "tz": settings.day.timezone,
            "links": None if kiosk else {"agent": "/agent/", "queue": "/queue/"},
            "rotate": None,
            "slot": 0,
            "slots": 1,
            **extra,
        }

    def nav(lang: Lang) -> None:
        board_head()  # the nav's styles; harmless where the page already linked them
        with ui.element("nav").classes("wb-nav w-full"):
            for b in visible_boards():
                ui.link(specs[b].title, f"/board/{b}")
            ui.link(t("history", lang), "/history")
            ui.link(t("callbacks", lang), "/worklist")
            ui.space()
            if access.open:
                ui.label(t("open_mode", lang)).classes("wb-open")
            elif user() is not None:
                ui.label(access.users[user() or ""].name or (user() or ""))
                ui.link(t("logout", lang), "/logout")

    @ui.page("/", language=None)
    def index(request: Request) -> RedirectResponse | None:
        if (r := need_login(request)) is not None:
            return r
        boards = visible_boards()
        lang = user_lang(request)
        if boards:
            return RedirectResponse(f"/board/{boards[0]}", status_code=303)
        _head(lang)
        nav(lang)
        ui.label(t("forbidden", lang))
        return None

    @ui.page("/board/{name}", language=None)
    def board_page(request: Request, name: str) -> RedirectResponse | None:
        if (r := need_login(request)) is not None:
            return r
        spec = specs.get(name)
        lang = user_lang(request, spec.language if spec else None)
        _head(lang)
        nav(lang)
        if spec is None or not access.may_see(user(), name):
            ui.label(t("no_board" if spec is None else "forbidden", lang)).classes("text-2xl p-4")
            return None
        Board(publisher, name, config(spec, lang, kiosk=False)).classes("w-full")
        return None

    @ui.page("/agent/{ext}", language=None)
    def agent_page(request: Request, ext: int) -> RedirectResponse | None:
        if (r := need_login(request)) is not None:
            return r
        lang = user_lang(request)
        _head(lang)
        nav(lang)
        a = hub.state.agents.get(ext)
        if a is None:
            ui.label(t("no_agent", lang)).classes("text-2xl p-4")
            return None
        spec = publisher.ensure(
            f"agent:{ext}",
            BoardSpec(
                name=f"agent:{ext}",
                title=a.record.display_name or str(ext),
                language=lang,
                queues=frozenset(),
                extensions=frozenset({ext}),
                widgets=("agents",),
                sort="status",
                sound=False,
                mask=settings.privacy.mask_callers,
            ),
        )
        names = status_names(settings, lang)
        with ui.column().classes("p-4 gap-2 w-full"):
            ui.label(f"{t('agent', lang)} {a.record.display_name} · {ext}").classes("text-3xl")
            Board(publisher, spec.name, config(spec, lang, kiosk=False, links=None)).classes(
                "w-full"
            )
            day = hub.state.day
            now = timebase.now()
            sn = hub.state.clock.now(now) or now
            start = (day.bounds.start + hub.state.clock.shift) if day else 0.0
            tally = day.agents.get(ext, AgentTally()) if day else AgentTally()
            nums = agent_numbers(tally, a, start, sn)
            ui.label(t("today", lang)).classes("text-xl")
            rows = [
                {"k": t("answered", lang), "v": nums["answered"]},
                {"k": t("missed", lang), "v": nums["missed"]},
                {"k": t("outgoing_calls", lang), "v": nums["outgoing"]},
            ] + [
                {"k": names.get(k, k), "v": f"{int(v) // 60}:{int(v) % 60:02d}"}
                for k, v in nums["time_in_status"].items()
            ]
            ui.table(
                columns=[
                    {"name": "k", "label": "", "field": "k", "align": "left"},
                    {"name": "v", "label": "", "field": "v", "align": "right"},
                ],
                rows=rows,
            ).props("dark flat hide-header").classes("max-w-lg")
            if actions is not None and not access.open and user() is not None:
                _status_control(actions, user() or "", ext, a.record.status_code, lang)
        return None

    def _status_control(
        acts: StatusActions, actor: str, ext: int, current: int, lang: Lang
    ) -> None:
        options = {
            code: (n.he or n.en) if lang == "he" else n.en
            for code, n in settings.statuses.names.items()
        }
        with ui.row().classes("items-center gap-2"):
            sel = ui.select(options, value=current, label=t("set_status", lang)).classes("w-64")

            async def change() -> None:
                try:
                    await acts.set_status(actor, ext, int(sel.value))
                    ui.notify(t("status_changed", lang), type="positive")
                except Exception as e:  # the actions service explains its own errors
                    log.warning("status change by %s for %s failed: %s", actor, ext, e)
                    ui.notify(f"{t('failed', lang)}: {e}", type="negative")

            ui.button(t("set_status", lang), on_click=change)

    @ui.page("/queue/{qid}", language=None)
    def queue_page(request: Request, qid: int) -> RedirectResponse | None:
        if (r := need_login(request)) is not None:
            return r
        lang = user_lang(request)
        _head(lang)
        nav(lang)
        q = hub.state.queues.get(qid)
        if q is None:
            ui.label(t("no_queue", lang)).classes("text-2xl p-4")
            return None
        members = publisher.membership.members(qid)
        spec = publisher.ensure(
            f"queue:{qid}",
            BoardSpec(
                name=f"queue:{qid}",
                title=q.name or str(qid),
                language=lang,
                queues=frozenset({qid}),
                extensions=frozenset(members),
                widgets=("summary", "queues", "waiting", "agents"),
                sort="status",
                sound=False,
                mask=settings.privacy.mask_callers,
            ),
        )
        with ui.column().classes("p-4 gap-2 w-full"):
            Board(publisher, spec.name, config(spec, lang, kiosk=False)).classes("w-full")
            day = hub.state.day
            tally = day.queues.get(qid, QueueTally()) if day else QueueTally()
            now = timebase.now()
            nums = queue_numbers(tally, q, hub.state.clock.now(now) or now)
            labels = metric_texts(lang)
            ui.label(t("today", lang)).classes("text-xl")
            ui.table(
                columns=[
                    {"name": "k", "label": "", "field": "k", "align": "left"},
                    {"name": "v", "label": "", "field": "v", "align": "right"},
                ],
                rows=[
                    {"k": labels.get(k, {}).get("label", k), "v": "—" if v is None else v}
                    for k, v in nums.items()
                ],
            ).props("dark flat hide-header").classes("max-w-lg")
            ui.label(t("members_note", lang)).classes("text-sm opacity-70")
        return None

    @ui.page("/login", language=None)
    def login_page(request: Request) -> None:
        lang = user_lang(request)
        _head(lang)
        target = request.query_params.get("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"  # never an open redirect
        with ui.card().classes("m-auto mt-24 p-6 gap-3").style("background:#151c25"):
            ui.label("wallboard").classes("text-2xl")
            name = ui.input(t("user", lang)).props("autofocus dark").classes("w-64")
            pw = ui.input(t("password", lang), password=True).props("dark").classes("w-64")
            err = ui.label("").classes("text-red-400")

            def submit() -> None:
                if access.login(name.value or "", pw.value or ""):
                    app.storage.user[_SESSION_KEY] = name.value
                    app.storage.user[_SINCE_KEY] = time.time()
                    ui.navigate.to(target)
                else:
                    log.info("failed login for %r", name.value)
                    err.text = t("bad_login", lang)

            pw.on("keydown.enter", submit)
            ui.button(t("login", lang), on_click=submit)

    @ui.page("/logout", language=None)
    def logout_page() -> RedirectResponse:
        app.storage.user.pop(_SESSION_KEY, None)
        return RedirectResponse("/login", status_code=303)

    @ui.page("/kiosk", language=None)
    def kiosk_page(request: Request) -> None:
        qp = request.query_params
        token = qp.get("token")
        kiosk = access.kiosk(token)
        wanted = [b for b in (qp.get("boards") or "").split(",") if b] or list(specs)
        if kiosk is not None:
            allowed = [b for b in wanted if b in specs and (not kiosk.boards or b in kiosk.boards)]
        elif token is None and (access.open or user() is not None):
            allowed = [b for b in wanted if b in specs and access.may_see(user(), b)]
        else:
            allowed = []
        try:
            rotate = max(5.0, float(qp.get("rotate") or settings.kiosk.rotate_seconds))
        except ValueError:
            rotate = settings.kiosk.rotate_seconds
        first = specs[allowed[0]] if allowed else None
        lang = user_lang(request, first.language if first else None)
        _head(lang)
        if not allowed:
            ui.label(t("forbidden", lang)).classes("text-4xl p-8")
            return
        for i, b in enumerate(allowed):
            spec = specs[b]
            blang = spec.language if qp.get("lang") not in ("en", "he") else lang
            Board(
                publisher,
                b,
                config(spec, blang, kiosk=True, rotate=rotate, slot=i, slots=len(allowed)),
            ).classes("w-full")

    return Gate(user, need_login, access, nav)
