"""Status stripes and warning rings stand out from the tile: WCAG 3:1 for non-text contrast."""

from __future__ import annotations

import re

from wallboard.web.components.board.board import STATIC

CSS = (STATIC / "board.css").read_text(encoding="utf-8")


def _colour(name: str) -> str:
    m = re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", CSS)
    assert m, name
    return m.group(1)


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_stripes_and_rings_reach_three_to_one_against_tile_and_page() -> None:
    for stripe in ("out", "warn", "alarm", "avail", "call", "ring", "brk"):
        for ground in ("panel", "bg"):
            ratio = _contrast(_colour(stripe), _colour(ground))
            assert ratio >= 3.0, f"--{stripe} on --{ground}: {ratio:.2f}:1"


def test_text_reaches_four_and_a_half_to_one_on_every_status_tint() -> None:
    for tint in ("t-avail", "t-call", "t-ring", "t-brk"):
        for text in ("text", "tdim"):
            ratio = _contrast(_colour(text), _colour(tint))
            assert ratio >= 4.5, f"--{text} on --{tint}: {ratio:.2f}:1"
