"""Deltas are numbered: a tab that misses one sees the gap in the next, asks for a
snapshot and shows what it missed — in Debian chromium, in English and in Hebrew."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import KIOSK_TOKEN, App

pytestmark = pytest.mark.e2e

SLOW = 10_000  # generous: a loaded machine must not fail the test by being slow

# Wraps the page's entry point so that the first delta naming agent `ext` is lost on the
# way (as a frame lost to a broken socket would be), and counts the snapshots that follow.
_LOSE_ONE = """ext => {
  const apply = window.wallboardApply;
  window.lost = 0;
  window.snapshotsAfter = 0;
  window.wallboardApply = (board, p) => {
    if (!window.lost && p.full === false && p.agents && p.agents[String(ext)]) {
      window.lost = p.seq;
      return;
    }
    if (window.lost && p.full === true) window.snapshotsAfter += 1;
    apply(board, p);
  };
}"""


@pytest.mark.parametrize(
    ("lang", "ext", "name"), [("en", 201, "Dana Levi"), ("he", 204, "Yossi Ben David")]
)
def test_a_lost_delta_is_noticed_and_a_snapshot_mends_the_board(
    browser: Any, app_server: App, lang: str, ext: int, name: str
) -> None:
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = ctx.new_page()
    page.goto(f"{app_server.url}/kiosk?boards=floor&token={KIOSK_TOKEN}&lang={lang}")
    tile = page.locator(f'.wb-tile[data-ext="{ext}"]')
    expect(tile).to_have_count(1, timeout=SLOW)
    expect(page.locator(".wb").first).to_have_attribute("dir", "rtl" if lang == "he" else "ltr")
    app_server.feed.status(ext, name, 1)
    expect(tile).to_have_attribute("data-state", "available", timeout=SLOW)

    page.evaluate(_LOSE_ONE, ext)
    app_server.feed.status(ext, name, 3)  # this delta is lost
    page.wait_for_function("window.lost > 0", timeout=SLOW)
    # The next delta (at the latest the heartbeat, every second) is not lost+1: the tab
    # asks for a snapshot, which carries the change it never got.
    expect(tile).to_have_attribute("data-state", "break", timeout=SLOW)
    assert page.evaluate("window.snapshotsAfter") >= 1
    ctx.close()
