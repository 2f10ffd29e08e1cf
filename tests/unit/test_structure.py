"""The package's layers hold: no import cycle, no upward import, nothing loose at the top.

Every import counts, also those inside functions and under `TYPE_CHECKING`: a cycle that
only shows at run time is still a cycle for a reader. The rules are the ones
`docs/architecture.md` states for each folder.
"""

from __future__ import annotations

import ast
from pathlib import Path

import wallboard

PACKAGE = Path(wallboard.__file__).resolve().parent

# Which packages each layer may import (besides itself, the standard library and
# third-party packages). Top-level `config` and `errors` are shared leaves.
LEAVES = {"wallboard.errors", "wallboard.config"}
ALLOWED: dict[str, set[str]] = {
    "wallboard.core": set(),
    "wallboard.runtime": {"wallboard.core", "wallboard.errors"},
    "wallboard.store": {"wallboard.core", "wallboard.errors", "wallboard.config"},
    "wallboard.voicenter": {"wallboard.core", "wallboard.runtime"} | LEAVES,
    "wallboard.services": {
        "wallboard.core",
        "wallboard.runtime",
        "wallboard.store",
        "wallboard.voicenter",
    }
    | LEAVES,
    "wallboard.web": {
        "wallboard.core",
        "wallboard.runtime",
        "wallboard.services",
        "wallboard.voicenter",
    }
    | LEAVES,
    "wallboard.sim": {"wallboard.runtime", "wallboard.config", "wallboard.errors"},
    # Composes an ingest worker or a web node from everything below, like `app.py` does.
    "wallboard.cluster": {
        "wallboard.core",
        "wallboard.runtime",
        "wallboard.store",
        "wallboard.services",
        "wallboard.voicenter",
        "wallboard.sim",
    }
    | LEAVES,
}
# `config` reads the fold's defaults from core; `errors` is the root of the tree.
ALLOWED["wallboard.config"] = {"wallboard.core", "wallboard.errors"}
ALLOWED["wallboard.errors"] = set()
TOP_LEVEL = {"__init__.py", "cli.py", "config.py", "errors.py", "app.py"}


def _modules() -> dict[str, Path]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts)
        mods[name.removesuffix(".__init__")] = path
    return mods


def _imports(name: str, path: Path, mods: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = name.split(".")
                if path.name != "__init__.py":
                    pkg = pkg[:-1]
                pkg = pkg[: len(pkg) - (node.level - 1)]
                base = ".".join([*pkg, base] if base else pkg)
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in mods:
                t = t.rpartition(".")[0]
            if t and t != name and t.startswith("wallboard."):
                found.add(t)
    return found


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    return {m: _imports(m, p, mods) for m, p in mods.items()}


def _layer(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


def test_no_import_cycle() -> None:
    graph = _graph()
    # Iterative DFS with colours: a grey node met again closes a cycle.
    colour: dict[str, int] = {}
    cycles: list[list[str]] = []
    for start in graph:
        if start in colour:
            continue
        stack: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        path = [start]
        colour[start] = 1
        while stack:
            node, todo = stack[-1]
            if not todo:
                colour[node] = 2
                stack.pop()
                path.pop()
                continue
            nxt = todo.pop()
            if colour.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in colour:
                colour[nxt] = 1
                path.append(nxt)
                stack.append((nxt, sorted(graph.get(nxt, ()))))
    assert cycles == []


def test_imports_only_point_down() -> None:
    upward = []
    for module, deps in _graph().items():
        layer = _layer(module)
        allowed = ALLOWED.get(layer)
        if allowed is None:
            continue  # cli, commands, app: the composition root may import every layer
        for dep in deps:
            dep_layer = _layer(dep)
            if dep_layer != layer and dep_layer not in allowed:
                upward.append(f"{module} -> {dep}")
    assert upward == []


def test_the_named_rules_of_the_layout() -> None:
    graph = _graph()

    def offenders(src: str, dst: str) -> list[str]:
        return [
            f"{m} -> {d}"
            for m, ds in graph.items()
            if m.startswith(src)
            for d in ds
            if d.startswith(dst)
        ]

    outside_core = [d for m, ds in graph.items() if m.startswith("wallboard.core.") for d in ds]
    assert [d for d in outside_core if not d.startswith("wallboard.core")] == []
    assert offenders("wallboard.voicenter", "wallboard.web") == []
    assert offenders("wallboard.services", "wallboard.web") == []
    assert offenders("wallboard.web", "wallboard.store") == []


def test_only_the_entry_points_sit_at_the_top() -> None:
    loose = {p.name for p in PACKAGE.glob("*.py")} - TOP_LEVEL
    assert loose == set()
    assert not (PACKAGE / "vendor").exists()
