"""Where the webhook sits: in front of FastAPI itself, inside uvicorn's own layers."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from wallboard.web.webhook import Asgi, in_front_of_app


async def _app(scope: Any, receive: Any, send: Any) -> None:
    """Stands where NiceGUI's FastAPI app is (only its identity matters here)."""


class _Front:
    def __init__(self, inner: Asgi) -> None:
        self.inner = inner

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.inner(scope, receive, send)


def test_behind_uvicorns_proxy_headers_and_in_front_of_the_app() -> None:
    # The proxy-headers layer stays outermost: `[cdr] allow_ips` sees the real client.
    config = SimpleNamespace(loaded_app=ProxyHeadersMiddleware(_app, trusted_hosts="10.0.0.1"))
    assert in_front_of_app(_Front, config, _app)
    assert isinstance(config.loaded_app, ProxyHeadersMiddleware)
    front = config.loaded_app.app
    assert isinstance(front, _Front) and front.inner is _app


def test_the_app_as_uvicorn_loaded_it() -> None:
    config = SimpleNamespace(loaded_app=_app)
    assert in_front_of_app(_Front, config, _app)
    assert isinstance(config.loaded_app, _Front) and config.loaded_app.inner is _app


def test_not_found_changes_nothing() -> None:
    other = ProxyHeadersMiddleware(_Front(_app), trusted_hosts="10.0.0.1")
    for config in (SimpleNamespace(loaded_app=other), None, SimpleNamespace()):
        assert not in_front_of_app(_Front, config, _app)
    assert isinstance(other.app, _Front) and other.app.inner is _app
