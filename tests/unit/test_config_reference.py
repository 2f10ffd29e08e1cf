"""docs/configuration.md is the settings model's own reference, and cannot drift from it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from wallboard.commands.config_reference import REGENERATE, reference
from wallboard.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "configuration.md"


@pytest.fixture(scope="module")
def ref() -> str:
    return reference()


def _sections(text: str) -> dict[str, dict[str, list[str]]]:
    """`[section]` → key → its row's cells (type, default, variable, description)."""
    out: dict[str, dict[str, list[str]]] = {}
    current = ""
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip().strip("[]") if "[" in line else ""
            out[current] = {}
        m = re.match(r"^\| `(\w+)` \| (.*) \|$", line)
        if m:
            out[current][m.group(1)] = re.split(r" (?<!\\)\| ", m.group(2))
    return out


def test_docs_configuration_md_is_what_the_settings_model_says(ref: str) -> None:
    assert DOC.read_text(encoding="utf-8") == ref, (
        f"docs/configuration.md is stale: regenerate it with `{REGENERATE}` "
        "(or `make config-docs`) and commit it"
    )


def test_every_key_of_the_documented_example_is_in_the_reference(ref: str) -> None:
    """The example and the model are two sources; the reference must cover both alike."""
    example = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    sections = _sections(ref)
    missing = []
    for name, value in example.items():
        keys = value.items() if isinstance(value, dict) else [(name, value)]
        table = sections.get(name if isinstance(value, dict) else "", {})
        for key, inner in keys:
            if not isinstance(inner, dict) and key not in table:
                missing.append(f"{name}.{key}")
    assert not missing, missing


def test_each_row_has_type_default_and_variable_as_the_model_takes_them(ref: str) -> None:
    sections = _sections(ref)
    port = sections["web"]["port"]
    assert port[0] == "integer (≥ 1, ≤ 65535)" and port[1] == "`8080`"
    assert port[2] == "`WALLBOARD_WEB_PORT`"
    proxies = sections["web"]["trusted_proxies"]
    assert proxies[2] == "`WALLBOARD_WEB_TRUSTED_PROXIES` (comma-separated)"
    assert sections["vendor"]["login_type"][0] == '"user", "account" or "token"'
    assert sections["auth.users.<name>"]["password_hash"][1] == "`required`"
    assert sections["auth.users.<name>"]["password_hash"][2] == "-"  # no variable sets it
    # What the rows claim of the environment holds.
    env = {"WALLBOARD_WEB_PORT": "9001", "WALLBOARD_WEB_TRUSTED_PROXIES": "10.0.0.1, 10.1.0.0/16"}
    settings = load_settings(None, env)
    assert settings.web.port == 9001
    assert settings.web.trusted_proxies == ["10.0.0.1", "10.1.0.0/16"]


def test_every_key_has_a_description(ref: str) -> None:
    sections = _sections(ref)
    bare = [
        f"[{name}] {key}"
        for name, rows in sections.items()
        for key, c in rows.items()
        if c[3] == "-"
    ]
    assert sum(len(rows) for rows in sections.values()) > 150
    assert not bare, (
        "no description for these keys: add a comment above the field in wallboard/config.py "
        f"(or beside the key in config.example.toml), then `{REGENERATE}`: {bare}"
    )
