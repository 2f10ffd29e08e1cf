"""One account's pages in a process that may serve several, each on a port of its own.

A cluster's web node serves every account it is given from one process (one NiceGUI app,
one event loop: an idle account costs a publisher task, not a process). NiceGUI has one
route table per process, so each account's routes are registered under a prefix of their
own (`/_a/<account>/board/…`), and `SiteRouter`, in front of everything, sends a request
to the account whose port it came in on, with the prefix put in front of its path. The
browser never sees the prefix: links, redirects and cookies stay as they are, and a
request cannot name another account's prefix (it would be prefixed again and found
nowhere). The one account of an all-in-one process or an ingest worker has no prefix:
its routes are the plain paths, exactly as before.

Why the local port and not the Host header: the ports are in the cluster file already
(`web_port + node`), the load balancer keeps routing by port as it did when each
account had a process, and a Host header is the client's to choose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from nicegui import app, ui

from wallboard.web.webhook import Asgi, Receive, Send
from wallboard.web.webhook import Scope as AsgiScope

__all__ = ["Prefixed", "Site", "SiteRouter"]

F = TypeVar("F", bound=Callable[..., Any])

# Served once per process, the same to every account: NiceGUI's own files and socket
# (`/_nicegui…`, `/_nicegui_ws/…`) and our static files.
_SHARED = ("/_nicegui", "/static/", "/favicon.ico")


@dataclass(frozen=True, slots=True)
class Site:
    """Where one account's routes live in this process, and what keeps its browsers apart."""

    account: str = ""  # "" : the process's only account

    @property
    def prefix(self) -> str:
        """The routes' prefix inside the process ("" for the only account)."""
        return f"/_a/{self.account}" if self.account else ""

    def page(self, path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """`ui.page` for this account's `path` (the language is set by each page)."""
        return ui.page(self.prefix + path, language=None)

    def get(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        """`app.get` for this account's `path`."""
        decorate: Callable[[F], F] = app.get(self.prefix + path, **kwargs)
        return decorate

    def post(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        """`app.post` for this account's `path`."""
        decorate: Callable[[F], F] = app.post(self.prefix + path, **kwargs)
        return decorate

    def public(self, path: str) -> str:
        """A request's path as its browser sent it (without the prefix)."""
        if self.prefix and path.startswith(self.prefix + "/"):
            return path[len(self.prefix) :]
        return path

    def key(self, name: str) -> str:
        """A key in NiceGUI's per-browser storage: one account's, never another's.

        A cookie is per host, not per port, so one browser opening two accounts of one web
        node has one storage for both: its login to one must mean nothing to the other.
        """
        return f"{name}@{self.account}" if self.account else name

    def room(self, board: str) -> str:
        """The socket.io room of this account's board (board names repeat across accounts)."""
        return f"wallboard-board:{self.key(board)}"


class SiteRouter:
    """ASGI: a request to the account whose port it came in on, under that account's prefix.

    `by_port` maps a local port to the account's own front layers (the login throttle,
    …), which see the path as the browser sent it, and then its `Prefixed`. A port of no
    account (none in a well-formed process) is answered 404.
    """

    def __init__(self, by_port: Mapping[int, Asgi]) -> None:
        self.by_port = dict(by_port)

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        """Dispatch by the local port; lifespan goes to any account (they share the app)."""
        if scope["type"] not in ("http", "websocket"):
            await next(iter(self.by_port.values()))(scope, receive, send)
            return
        server = scope.get("server")
        found = self.by_port.get(server[1]) if server else None
        if found is None:
            await _not_found(scope, send)
            return
        await found(scope, receive, send)


class Prefixed:
    """ASGI: the request's path under `site`'s prefix (shared paths left as they are)."""

    def __init__(self, site: Site, inner: Asgi) -> None:
        self.site, self.inner = site, inner

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        """Put the prefix in front of the path, then pass on."""
        path = scope.get("path", "")
        if scope["type"] in ("http", "websocket") and not path.startswith(_SHARED):
            prefix = self.site.prefix
            scope = {**scope, "path": prefix + path}
            raw = scope.get("raw_path")
            if isinstance(raw, bytes):
                scope["raw_path"] = prefix.encode() + raw
        await self.inner(scope, receive, send)


async def _not_found(scope: AsgiScope, send: Send) -> None:
    if scope["type"] != "http":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = b"no account is served on this port\n"
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 404, "headers": headers})
    await send({"type": "http.response.body", "body": body})
