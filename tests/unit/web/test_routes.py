"""Every route the web package registers is in the access table of tests/e2e/test_access.py."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.e2e.test_access import NOT_WALKED, ROUTES

WEB = Path(__file__).resolve().parents[3] / "wallboard" / "web"


def _registered() -> set[str]:
    """Paths of `@ui.page(...)` and `@app.get/post(...)` decorators in wallboard/web."""
    found: set[str] = set()
    for path in WEB.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            f = node.func
            if f.attr in ("page", "get", "post", "put", "delete", "api_route") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and str(arg.value).startswith("/"):
                    found.add(str(arg.value))
    return found


def test_the_access_table_walks_every_route() -> None:
    registered = _registered()
    walked = {route for route, _path, _proof in ROUTES}
    assert registered - NOT_WALKED - walked == set(), "a route the access test does not walk"
    assert walked <= registered
