"""What several pages share: the page head, a board element's settings, a figures table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.config import Settings
from wallboard.core.scope import Scope
from wallboard.web.boards import BoardSpec, board_title, thresholds_json
from wallboard.web.components.board.board import board_head
from wallboard.web.i18n import Lang, direction, metric_texts, status_names, strings, t
from wallboard.web.publisher import Publisher
from wallboard.web.session import Session

__all__ = [
    "board_config",
    "desk_page",
    "desk_page_about",
    "desk_spec",
    "figures_table",
    "forbidden",
    "head",
    "needs_users",
    "queue_picker",
]

# How to add the first user, the same on every page that needs one (docs/access.md): the
# command, the config key, where it is explained. Not translated: they are typed as is.
_ADD_USER_TOML = (
    '[auth.users.dana]\npassword_hash = "<what wallboard hash-password printed>"\nadmin = true'
)


def head(lang: Lang) -> None:
    """Dark page, `<html dir/lang>` for this language, the board's styles."""
    # Pages are registered without a fixed language; the language is per board or per user,
    # so the <html> direction is set here, before anything renders.
    d = direction(lang)
    ui.add_head_html(
        f'<script>document.documentElement.setAttribute("dir","{d}");'
        f'document.documentElement.setAttribute("lang","{lang}");</script>'
    )
    ui.query("body").style("background:#0b0f14;color:#f2f5f8")
    board_head()


def desk_page(session: Session, request: Request) -> Lang | RedirectResponse:
    """Open a desk page: the login redirect, or its language with the head and nav drawn."""
    if (r := session.need_login(request)) is not None:
        return r
    lang = session.lang(request)
    head(lang)
    session.nav(lang)
    return lang


def forbidden(lang: Lang) -> None:
    """What a reader sees of a page outside their boards: that, and nothing of it."""
    ui.label(t("forbidden", lang)).classes("text-2xl p-4 wb-forbidden")


def needs_users(what: str, lang: Lang) -> None:
    """In open mode (no users), instead of a form that would be refused: that `what` (an
    i18n key: "post a message", ...) needs a signed-in team lead, and how to add users."""
    with ui.card().classes("max-w-3xl wb-needs-users").props("dark flat bordered"):
        ui.label(t("needs_users", lang).format(what=t(what, lang))).classes("text-lg")
        ui.label(t("add_users_steps", lang))
        # Typed as is, so left to right on a Hebrew page too.
        for text, language in (("wallboard hash-password", "bash"), (_ADD_USER_TOML, "toml")):
            ui.code(text, language=language).classes("w-full").props('dir="ltr"').style(
                "direction:ltr;text-align:left"
            )
        ui.label(t("add_users_then", lang))
        ui.markdown(t("add_users_docs", lang)).classes("wb-needs-users-docs")


def desk_page_about(
    session: Session, request: Request, may_see: Callable[[Scope], bool]
) -> tuple[Lang, Scope] | RedirectResponse | None:
    """Open a desk page about one agent or queue: the login redirect, None once the page
    said "forbidden" (outside the reader's scope), or its language and the reader's scope."""
    lang = desk_page(session, request)
    if isinstance(lang, RedirectResponse):
        return lang
    scope = session.scope()
    if not may_see(scope):
        forbidden(lang)
        return None
    return lang, scope


def desk_spec(publisher: Publisher, spec: BoardSpec, scope: Scope) -> BoardSpec:
    """The board as this reader may see it: masked unless they may see numbers, and
    naming another queue (an agent's call) only when it is one of the reader's.

    The publisher sends one payload per board to every tab, so a reader whose masking or
    queues differ from the board's gets a board of their own (`<name>~masked`,
    `~numbers`, `~q<ids>`/`~qall`): each payload is built from its reader's scope.
    """
    mask = not scope.numbers
    names = spec.names
    if spec.queues is not None:  # a board of every queue names every queue anyway
        names = None if scope.queues is None else frozenset(scope.queues - spec.queues)
    if spec.mask == mask and spec.names == names:
        return spec
    name = spec.name
    if spec.mask != mask:
        name += f"~{'masked' if mask else 'numbers'}"
    if spec.names != names:
        name += "~q" + ("all" if names is None else ",".join(str(q) for q in sorted(names)))
    return publisher.ensure(name, replace(spec, name=name, mask=mask, names=names))


def board_config(
    settings: Settings, spec: BoardSpec, lang: Lang, kiosk: bool, **extra: Any
) -> dict[str, Any]:
    """The board element's settings (board.js reads them); `extra` overrides any of them."""
    return {
        "board": spec.name,
        "title": board_title(spec, lang),
        "lang": lang,
        "dir": direction(lang),
        "kiosk": kiosk,
        "widgets": list(spec.widgets),
        "sort": spec.sort,
        "sound": spec.sound,
        "strings": strings(lang),
        "statusNames": status_names(settings, lang),
        "metrics": metric_texts(lang),
        "thresholds": thresholds_json(settings, spec),
        "staleAfter": settings.web.stale_after_seconds,
        "tz": settings.day.timezone,
        "links": None if kiosk else {"agent": "/agent/", "queue": "/queue/"},
        "minCalls": settings.kpi.min_calls,
        "resortSeconds": settings.kiosk.resort_seconds,
        # Burn-in care is for TVs left on for months; a desk screen never shifts.
        "shiftPixels": settings.kiosk.shift_pixels if kiosk else 0,
        "shiftSeconds": settings.kiosk.shift_seconds,
        "rotate": None,
        "slot": 0,
        "slots": 1,
        **extra,
    }


def figures_table(rows: list[dict[str, Any]]) -> ui.table:
    """A two-column table, name and figure (rows of {"k": ..., "v": ...}), no header."""
    return (
        ui.table(
            columns=[
                {"name": "k", "label": "", "field": "k", "align": "left"},
                {"name": "v", "label": "", "field": "v", "align": "right"},
            ],
            rows=rows,
        )
        .props("dark flat hide-header")
        .classes("max-w-lg")
    )


def queue_picker(names: dict[int, str], queue: int | None, path: str, lang: Lang) -> None:
    """All queues or one (`names`: the reader's): choosing one opens `path?queue=<id>`."""
    options: dict[int, str] = {0: t("all_queues", lang), **names}
    ui.select(
        options,
        value=queue or 0,
        on_change=lambda e: ui.navigate.to(path if not e.value else f"{path}?queue={e.value}"),
    ).classes("w-64").props("dark dense outlined")
