"""Every relative link and anchor in README.md and docs/ leads somewhere.

markdown-it-py (the CommonMark parser) finds the links and the headings, so a link inside a
code block is not a link and a heading is one however it is written; the anchors are
GitHub's (lower case, punctuation dropped, spaces to hyphens, "-1" for a repeat), our own
few lines because no well-kept library computes them. Links to other sites are not
fetched: CI has no network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parents[2]
_MD = MarkdownIt("commonmark").enable("table")


def _pages(root: Path) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def _inline(tokens: list[Token]) -> Iterator[Token]:
    for tok in tokens:
        if tok.type == "inline" and tok.children:
            yield tok


def _links(path: Path) -> Iterator[tuple[int, str]]:
    """(line, target) of every link and image in a page."""
    for tok in _inline(_MD.parse(path.read_text(encoding="utf-8"))):
        line = (tok.map[0] + 1) if tok.map else 0
        for child in tok.children or []:
            target = child.attrGet("href") if child.type == "link_open" else None
            if child.type == "image":
                target = child.attrGet("src")
            if isinstance(target, str):
                yield line, target
    for m in re.finditer(r'<a [^>]*href="([^"]+)"', path.read_text(encoding="utf-8")):
        yield 0, m.group(1)


def slug(text: str) -> str:
    """GitHub's anchor for a heading's text."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    """The anchors a page has: one per heading (repeats get -1, -2, …), and explicit ids."""
    tokens = _MD.parse(path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    out: set[str] = set()
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open":
            continue
        words = "".join(c.content for c in tokens[i + 1].children or [] if c.type != "softbreak")
        base = slug(words)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    out.update(re.findall(r'<a (?:name|id)="([^"]+)"', path.read_text(encoding="utf-8")))
    return frozenset(out)


def broken(root: Path) -> list[str]:
    """Every relative link or anchor of the pages under `root` that leads nowhere."""
    problems = []
    for page in _pages(root):
        for line, target in _links(page):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
                continue  # http:, https:, mailto:
            file_part, _, anchor = target.partition("#")
            dest = (page.parent / unquote(file_part)).resolve() if file_part else page
            where = f"{page.relative_to(root)}:{line}: {target}"
            if not dest.exists():
                problems.append(f"{where}: no such file {dest}")
            elif anchor and dest.suffix == ".md" and unquote(anchor) not in anchors(dest):
                problems.append(f"{where}: no heading #{anchor} in {dest.name}")
    return problems


def test_every_relative_link_and_anchor_in_readme_and_docs_leads_somewhere() -> None:
    problems = broken(ROOT)
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_the_checker_finds_a_missing_file_and_a_missing_anchor(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text(
        "# Top\n\n[ok](docs/a.md#the-part-two) [gone](docs/b.md) [no anchor](docs/a.md#nope)\n"
        "[here](#top)\n\n```\n[in code](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    (tmp_path / "docs" / "a.md").write_text(
        "# A\n\n## The `part`: two\n\n[back](../README.md#top)\n", encoding="utf-8"
    )
    problems = broken(tmp_path)
    assert len(problems) == 2, problems
    assert "docs/b.md: no such file" in problems[0]
    assert "no heading #nope in a.md" in problems[1]


def test_anchors_follow_githubs_rules() -> None:
    assert slug("The simulator (`wallboard demo`, `wallboard simulate`)") == (
        "the-simulator-wallboard-demo-wallboard-simulate"
    )
    assert slug("Soak: memory and CPU over time") == "soak-memory-and-cpu-over-time"
    assert slug("[vendor]") == "vendor"
    assert slug("[kpi.queues.<id>]") == "kpiqueuesid"
