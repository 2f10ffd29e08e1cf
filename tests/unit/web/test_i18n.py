"""The one translation table: every word in both languages, every key the pages use exists."""

from __future__ import annotations

import ast
from pathlib import Path

from wallboard.web import i18n

WEB = Path(i18n.__file__).resolve().parent
TABLES = {"board": i18n._STRINGS, "pages": i18n._PAGE_STRINGS}
# Empty on purpose: Hebrew puts "ago" before the time ("נטש לפני 3:00"), inside "abandoned_ago".
EMPTY_HEBREW = {"ago"}


def _keys_used(path: Path) -> set[str]:
    """String keys passed to `t(...)` / `i18n.t(...)` (both branches of a conditional key)."""
    used: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        f = node.func
        if not (isinstance(f, ast.Name) and f.id == "t") and not (
            isinstance(f, ast.Attribute) and f.attr == "t"
        ):
            continue
        arg = node.args[0]
        branches = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
        used |= {b.value for b in branches if isinstance(b, ast.Constant)}
    return used


def _hebrew(text: str) -> bool:
    return any("\u0590" <= c <= "\u05ff" for c in text)


def test_every_string_has_english_and_hebrew():
    for name, table in TABLES.items():
        for key, (en, he) in table.items():
            # Also catches a pair written the wrong way round.
            assert en.strip() and not _hebrew(en), (name, key)
            assert _hebrew(he) or (key in EMPTY_HEBREW and he == ""), (name, key)


def test_a_key_has_one_meaning():
    assert set(i18n._STRINGS).isdisjoint(i18n._PAGE_STRINGS)


def test_every_key_the_pages_use_is_in_the_table():
    # `t` shows an unknown key as itself, so a typo would reach the screen unnoticed.
    known = set(i18n._STRINGS) | set(i18n._PAGE_STRINGS)
    used = {f.relative_to(WEB).as_posix(): _keys_used(f) for f in sorted(WEB.rglob("*.py"))}
    # kiosk.py has no words of its own (its refusal is layout.forbidden)
    pages = [f"pages/{p}.py" for p in ("board", "agent", "queue", "login", "call")]
    assert all(used[p] for p in ["pages/history.py", "pages/worklist.py", *pages])
    missing = {name: keys - known for name, keys in used.items() if keys - known}
    assert missing == {}


def test_lookup_picks_the_language_and_keeps_the_board_payload_to_board_words():
    assert i18n.t("offered_today", "en") == "Offered today"
    assert i18n.t("offered_today", "he") == "הוצעו היום"
    assert i18n.t("ago", "he") == ""
    assert i18n.t("no_such_key", "he") == "no_such_key"
    assert set(i18n.strings("he")) == set(i18n._STRINGS)


def _english_literals(path: Path) -> list[tuple[int, str]]:
    """Text written straight into `ui.label` / `ui.button` / `ui.notify` (not through `t`)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        f = node.func
        if not (isinstance(f, ast.Attribute) and f.attr in ("label", "button", "notify")):
            continue
        arg = node.args[0]
        parts = arg.values if isinstance(arg, ast.JoinedStr) else [arg]
        for part in parts:
            text = part.value if isinstance(part, ast.Constant) else None
            if isinstance(text, str) and any(c.isascii() and c.isalpha() for c in text):
                found.append((node.lineno, text))
    return found


# The same in both languages.
SAME_IN_BOTH = {"CSV"}


def test_history_and_call_pages_write_no_english_of_their_own():
    # `/history`, `/call/<id>` and `/worklist`: every word via `t`.
    for name in ("pages/history.py", "pages/call.py", "pages/worklist.py"):
        found = [(n, s) for n, s in _english_literals(WEB / name) if s not in SAME_IN_BOTH]
        assert found == [], name
