"""The webhook's ASGI route in-process: off without a secret, open only when allowed."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CDR
from wallboard.config import load_settings
from wallboard.runtime.hub import Hub
from wallboard.services.intake import CdrIntake
from wallboard.store.db import Store
from wallboard.web.webhook import WebhookRoute

pytestmark = pytest.mark.integration


async def _inner(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("the webhook path must not reach NiceGUI")


async def _call(route: WebhookRoute, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [(b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000),
    }
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(msg: MutableMapping[str, Any]) -> None:
        sent.append(msg)

    await route(scope, receive, send)
    return int(sent[0]["status"]), json.loads(sent[1]["body"])


@pytest.mark.parametrize(("allow", "status", "err"), [("false", 503, 2), ("true", 200, 0)])
async def test_no_secret_means_off_unless_allowed(tmp_path: Path, allow, status, err):
    settings = load_settings(
        None,
        {
            "WALLBOARD_STORE_PATH": str(tmp_path / "db.sqlite"),
            "WALLBOARD_CDR_ALLOW_UNAUTHENTICATED": allow,
        },
    )
    store = Store(settings.store.path)
    store.open()
    try:
        route = WebhookRoute(CdrIntake(settings, store, Hub()), _inner)
        body = (CDR / "outgoing-answer.json").read_bytes()
        got_status, reply = await _call(route, "/vendor/cdr", body)
        assert (got_status, reply["Err"]) == (status, err)
    finally:
        store.close()
