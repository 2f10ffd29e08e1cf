"""A web node's accounts in one process: each request to the account of its port, under
that account's prefix; NiceGUI's own paths shared; nothing reaches another's routes."""

from __future__ import annotations

import asyncio
from typing import Any

from wallboard.web.site import Prefixed, Site, SiteRouter


def _router(record: list[Any]) -> SiteRouter:
    async def inner(scope: Any, receive: Any, send: Any) -> None:
        record.append(scope["path"])

    acme, globex = Site("acme"), Site("globex")
    return SiteRouter({8101: Prefixed(acme, inner), 8111: Prefixed(globex, inner)})


def test_each_port_is_its_own_accounts_routes():
    paths: list[Any] = []
    router = _router(paths)
    for port, path in (
        (8101, "/board/main"),
        (8111, "/board/main"),
        (8101, "/_a/globex/api/state"),
    ):
        asyncio.run(router({"type": "http", "path": path, "server": ("h", port)}, _nothing, _sink))
    # globex's inner name from acme's port is prefixed again: a route that does not exist.
    assert paths == ["/_a/acme/board/main", "/_a/globex/board/main", "/_a/acme/_a/globex/api/state"]


def test_shared_paths_stay_and_an_unknown_port_is_refused():
    paths: list[Any] = []
    router = _router(paths)
    for path in ("/_nicegui_ws/socket.io/", "/_nicegui/3/static/x.js", "/static/board.css"):
        asyncio.run(router({"type": "http", "path": path, "server": ("h", 8111)}, _nothing, _sink))
    assert paths == ["/_nicegui_ws/socket.io/", "/_nicegui/3/static/x.js", "/static/board.css"]
    sent: list[Any] = []

    async def keep(message: Any) -> None:
        sent.append(message)

    asyncio.run(router({"type": "http", "path": "/", "server": ("h", 9999)}, _nothing, keep))
    assert sent[0]["status"] == 404 and len(paths) == 3


def test_the_only_account_keeps_plain_paths_and_keys():
    one = Site()
    assert (one.prefix, one.key("user"), one.room("main")) == ("", "user", "wallboard-board:main")
    acme = Site("acme")
    assert acme.key("user") == "user@acme" and acme.room("main") != one.room("main")
    assert acme.public("/_a/acme/board/x") == "/board/x" and acme.public("/board/x") == "/board/x"


async def _nothing() -> Any:
    return {}


async def _sink(message: Any) -> None:
    return None
