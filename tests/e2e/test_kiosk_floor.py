"""The kiosk on a busy floor: 200 agents, 20 queues, a surge, 1080p and 4K, English and Hebrew.

One `wallboard demo` per language (the simulator through the real connector), one browser;
every check is measured from the page (computed styles, bounding boxes, PerformanceObserver).
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bench.kiosk_cls import STILL, report
from bench.screens import start_demo, stop, surge_now
from tests.e2e.conftest import SHOTS

pytestmark = pytest.mark.e2e

T = TypeVar("T")

AGENTS = 200
QUEUES = 20
SLOW = 60_000  # generous: a loaded machine must not fail a test by being slow

# Every text box on the kiosk that a person reads: no two may overlap.
TEXT = (
    ".wb-ktop .wb-title bdi, .wb-ktop .wb-short, .wb-ktop .wb-last, .wb-ktop .wb-callbacks, "
    ".wb-fig .wb-val, "
    ".wb-fig .wb-lbl, .wb-kq .wb-queue-name, .wb-kq .wb-badge, .wb-kq .wb-val, .wb-kq .wb-lbl, "
    ".wb-ktile .wb-icon, .wb-ktile .wb-name, .wb-ktile .wb-clock, .wb-ktile .wb-status-name, "
    ".wb-ktile .wb-q, .wb-ktile .wb-dir, .wb-more > *"
)
# Numbers: never clipped, by their own box or by the tile around them.
NUMBERS = ".wb-fig .wb-val, .wb-kq .wb-val, .wb-ktile .wb-clock"

# Measured when no tile is gliding to a new place (a re-sort moves them for 0.6 s).
MEASURE = """async ([text, numbers]) => {
  const gliding = () => document.getAnimations().some((a) => a.transitionProperty === 'transform');
  for (let i = 0; i < 100 && gliding(); i++) await new Promise((r) => setTimeout(r, 50));
  const seen = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
    && getComputedStyle(e).visibility !== 'hidden' && getComputedStyle(e).display !== 'none'; };
  const els = [...document.querySelectorAll(text)].filter(seen);
  const boxes = els.map((e) => e.getBoundingClientRect());
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 1 && h > 1) overlaps.push([els[i].className + ':' + els[i].textContent,
                                      els[j].className + ':' + els[j].textContent]);
  }
  const clipped = [];
  for (const e of [...document.querySelectorAll(numbers)].filter(seen)) {
    const r = e.getBoundingClientRect();
    const box = e.closest('.wb-fig, .wb-stat, .wb-ktile').getBoundingClientRect();
    const cut = e.scrollWidth > e.clientWidth + 1 || r.right > box.right + 1
      || r.left < box.left - 1 || r.bottom > box.bottom + 1 || r.top < box.top - 1
      || r.right > innerWidth || r.bottom > innerHeight;
    const at = (x) => Math.round(x);
    if (cut) clipped.push(`${e.parentElement.className} ${e.textContent} `
      + `${e.scrollWidth}/${e.clientWidth} [${at(r.left)}, ${at(r.right)}]`
      + ` in [${at(box.left)}, ${at(box.right)}]`);
  }
  return { texts: els.length, overlaps, clipped };
}"""

# A queue's name keeps at least half its tile's head with both badges showing ("at risk" and
# an alarm once cut "Technical" to "T…"): every tile is given both for one synchronous
# measurement, then put back; each name's shown width against min(its width, half the head).
QUEUE_NAMES = """() => {
  const tiles = [...document.querySelectorAll('.wb-kq:not(.wb-kq-rest)')];
  const badge = (t) => t.querySelector('.wb-badge-lv');
  const saved = tiles.map((t) => [t.dataset.risk, t.dataset.lv, badge(t).textContent]);
  for (const t of tiles) {
    t.dataset.risk = '1';
    t.dataset.lv = 'alarm';
    badge(t).textContent = '⚠ Alarm';
  }
  const cut = tiles.map((t) => t.querySelector('.wb-queue-name'))
    .filter((e) => e.clientWidth + 1 < Math.min(e.scrollWidth, e.parentElement.clientWidth / 2))
    .map((e) => `${e.textContent} ${e.clientWidth}/${e.scrollWidth}`);
  tiles.forEach((t, i) => {
    const [risk, lv, text] = saved[i];
    if (risk === undefined) delete t.dataset.risk; else t.dataset.risk = risk;
    if (lv === undefined) delete t.dataset.lv; else t.dataset.lv = lv;
    badge(t).textContent = text;
  });
  return cut;
}"""

NAMES = """() => [...document.querySelectorAll('.wb-kq .wb-queue-name')]
  .filter((e) => e.clientWidth + 1 < Math.min(e.scrollWidth, e.parentElement.clientWidth / 2))
  .map((e) => `${e.textContent} ${e.clientWidth}/${e.scrollWidth}`)"""

NAMES = """() => [...document.querySelectorAll('.wb-ktile .wb-name, .wb-kq .wb-queue-name')]
  .filter((e) => /^[A-Za-z]/.test(e.textContent) && e.scrollWidth > e.clientWidth)
  .map((e) => getComputedStyle(e).direction)"""


# Nothing lies over the board: the element at the centre of every floor figure, queue tile
# and agent tile is that element (or inside it); the alerts' strip stays within a tenth of
# the height.
UNCOVERED = """async () => {
  const gliding = () => document.getAnimations().some((a) => a.transitionProperty === 'transform');
  for (let i = 0; i < 100 && gliding(); i++) await new Promise((r) => setTimeout(r, 50));
  const covered = [];
  const els = [...document.querySelectorAll('.wb-fig, .wb-kq, .wb-ktile')];
  for (const e of els) {
    const r = e.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (!hit || !e.contains(hit)) covered.push(`${e.className} under ${hit && hit.className}`);
  }
  const strip = document.querySelector('.wb-alerts');
  return { checked: els.length, covered, figs: document.querySelectorAll('.wb-fig').length,
    queues: document.querySelectorAll('.wb-kq').length,
    strip: strip ? strip.getBoundingClientRect().height : null, text: strip && strip.innerText,
    n: document.querySelectorAll('.wb-alerts-name').length,
    names: [...document.querySelectorAll('.wb-alerts-name')].filter((e) => !e.hidden).length,
    marked: document.querySelectorAll('.wb-kq[data-alert="open"]').length };
}"""

# Type sizes a person reads from across the room, and badges that show a cut word.
LEGIBLE = """() => {
  const px = (sel) => [...document.querySelectorAll(sel)].filter((e) => e.offsetWidth > 0)
    .map((e) => parseFloat(getComputedStyle(e).fontSize));
  const least = (sel) => Math.min(...px(sel));
  const cut = [...document.querySelectorAll('.wb-badge, .wb-badge *, .wb-kq .wb-lbl')]
    .filter((e) => e.offsetWidth > 0 && e.scrollWidth > e.clientWidth + 1)
    .map((e) => e.textContent);
  const rest = document.querySelector('.wb-kq-rest');
  const box = rest && rest.getBoundingClientRect();
  const hidden = rest ? [...rest.querySelectorAll('bdi')].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.bottom > box.bottom + 1 || r.right > box.right + 1 || r.left < box.left - 1; })
    .map((e) => e.textContent) : [];
  return { hidden, figure: least('.wb-kq .wb-val'), label: least('.wb-kq .wb-lbl, .wb-rest-names'),
    name: least('.wb-ktile .wb-name'), clock: least('.wb-ktile .wb-clock'), cut,
    tiles: document.querySelectorAll('.wb-kq:not(.wb-kq-rest)').length,
    rest: rest ? Number(rest.dataset.rest) : 0, restText: rest && rest.innerText };
}"""

COUNTS = (
    "['shown', 'more', 'out'].map(k => Number(document.querySelector('.wb-kagents').dataset[k]))"
)


# Alerts open on most queues at once: a service level under 95 % with a single call counted
# (and the "more than 5 waiting").
ALERT_RULES = """
[alerts.rules.sl]
metric = "service_level"
fire = 95
clear = 96
min_sample = 1

[alerts.rules.waiting]
metric = "waiting"
fire = 5
clear = 3
"""


def _start_demo(work: Path, lang: str) -> tuple[subprocess.Popen[bytes], str]:
    scenario = surge_now(work, 30)  # a surge from the first minute
    config = work / "alerts.toml"
    config.write_text(ALERT_RULES, encoding="utf-8")
    args = argparse.Namespace(
        seed=13,
        agents=AGENTS,
        queues=QUEUES,
        scenario=str(scenario),
        start="11:30",
        config=str(config),
    )
    env = {
        # Latin names on a Hebrew board: they must be cut at their own end.
        "WALLBOARD_SIMULATOR_LANGUAGE": "en",
        # Half a day of warm-up, not a week: the week's CDRs are the history test's.
        "WALLBOARD_SIMULATOR_HISTORY_DAYS": "0",
    }
    if lang == "he":
        # In Hebrew no queue has "enough" calls: every service level must read "—", not red.
        env["WALLBOARD_KPI_MIN_CALLS"] = "1000000"
    return start_demo(args, lang, work, env)


@pytest.fixture(scope="module", params=["en", "he"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    lang = str(request.param)
    proc, url = _start_demo(tmp_path_factory.mktemp(f"kiosk-{lang}"), lang)
    yield lang, url
    stop(proc)


def _kiosk(browser: Any, url: str, w: int = 1920, h: int = 1080) -> tuple[Any, Any]:
    ctx = browser.new_context(viewport={"width": w, "height": h})
    page = ctx.new_page()
    page.goto(url)
    return ctx, page


def _font(page: Any, selector: str) -> float:
    sizes = page.locator(selector).evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert sizes, selector
    return float(min(sizes))


def _more_when_the_room_runs_out(page: Any) -> None:
    """Squeeze the agents' room: who does not fit is counted in "+N more", none is lost."""
    page.evaluate(
        "() => { const e = document.querySelector('.wb-kagents');"
        " e.style.flex = 'none'; e.style.height = '120px'; }"
    )
    page.wait_for_function(f"() => {COUNTS}[1] > 0", timeout=SLOW)
    tiles_drawn, shown, more, out = page.evaluate(
        f"() => [document.querySelectorAll('.wb-ktile').length, ...{COUNTS}]"
    )
    assert tiles_drawn == shown and shown + more + out == AGENTS
    assert page.locator(".wb-more-n").inner_text().startswith(f"+{more} ")
    # Who matters keeps a place: agents on a call come before available ones (one reading of
    # the floor header's "on call" and the tiles, from the same render).
    on_call, tiles = page.evaluate(
        "() => [Number(document.querySelector('.wb-fig.cat-on_call .wb-val').textContent),"
        " [...document.querySelectorAll('.wb-ktile')].map(e => e.dataset.state)]"
    )
    calling = sum(1 for st in tiles if st in ("ringing", "dialing", "talking", "hold"))
    assert calling == min(len(tiles), on_call), (on_call, tiles)
    print(f"squeezed: {shown} tiles, +{more} more; {calling} of {on_call} on a call shown")


def _fits(page: Any, lang: str, w: int, h: int) -> None:
    """Everything measured of one kiosk page at one size."""
    page.wait_for_selector(".wb-ktile", timeout=SLOW)
    page.wait_for_function(f"() => {COUNTS}.reduce((a, b) => a + b) === {AGENTS}", timeout=SLOW)
    # At least 5 alerts open (judged every 2 s), named in the strip.
    page.wait_for_function(
        "() => Number(document.querySelector('.wb-alerts')?.dataset.n) >= 5", timeout=SLOW
    )
    page.wait_for_timeout(1500)  # clocks ticked, the strip fitted
    page.screenshot(path=str(SHOTS / f"kiosk-floor-{lang}-{w}x{h}.png"))
    # One reading of the page: tiles drawn, and the board's own counts beside them.
    tiles_drawn, shown, more, out = page.evaluate(
        f"() => [document.querySelectorAll('.wb-ktile').length, ...{COUNTS}]"
    )
    # Every agent who is not logged out is a tile or counted in "+N more".
    assert tiles_drawn == shown > 0
    assert shown + more + out == AGENTS
    assert not page.locator('.wb-ktile[data-state="logged_out"]').count()
    if more:
        assert page.locator(".wb-more-n").inner_text().startswith(f"+{more}")
    # Every tile lies inside the screen.
    tiles = page.locator(".wb-ktile, .wb-more").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect()).map(r => [r.right, r.bottom])"
    )
    assert all(r <= w + 1 and b <= h + 1 for r, b in tiles), "a tile is off screen"
    seen = page.evaluate(UNCOVERED)
    print(f"{lang} {w}x{h}: strip {seen['strip']:.0f} px: {seen['text']!r}; {more} not shown")
    assert not seen["covered"], seen["covered"][:5]
    assert seen["figs"] == 6 and seen["queues"] > 1 and seen["marked"] >= 5
    assert seen["strip"] <= 0.1 * h
    # As many names as fit, whole, then "+N" for the rest: every open alert counted.
    hidden = seen["n"] - seen["names"]
    assert seen["names"] >= 1 and (hidden == 0 or seen["text"].endswith(f"+{hidden}"))
    # At least 95 % of the working agents (all but the logged out) have a tile.
    assert shown >= 0.95 * (shown + more), (shown, more)
    scale = w / 1920
    # Legible at 1080p (and twice that at 4K): queue figures, labels, agents' names and
    # clocks; queues that get no tile are counted in the compact place, none lost.
    got = page.evaluate(LEGIBLE)
    print(f"{lang} {w}x{h}: {got}")
    assert got["figure"] >= 28 * scale and got["label"] >= 14 * scale
    assert got["name"] >= 16 * scale and got["clock"] >= 16 * scale
    assert not got["cut"], got["cut"][:5]
    assert got["tiles"] + got["rest"] == QUEUES and not got["hidden"], got["hidden"]
    numbers = _font(page, ".wb-fig .wb-val")
    labels = _font(page, ".wb-fig .wb-lbl")
    print(
        f"{lang} {w}x{h}: {shown} tiles, +{more} more, {out} logged out; "
        f"floor numbers {numbers:.1f} px, labels {labels:.1f} px"
    )
    assert numbers >= 90 * scale and labels >= 24 * scale
    found = page.evaluate(MEASURE, [TEXT, NUMBERS])
    assert found["texts"] > shown
    assert not found["overlaps"], found["overlaps"][:5]
    assert not found["clipped"], found["clipped"][:5]
    cut = page.evaluate(QUEUE_NAMES)
    assert not cut, cut[:5]
    # Latin names cut on a Hebrew board are cut at their own end (left-to-right).
    assert set(page.evaluate(NAMES)) <= {"ltr"}
    # Fewer calls than the minimum: "—" for service level, never a red tile for it.
    if lang == "he":
        assert page.locator(".wb-kq[data-few]").count() == got["tiles"]
        assert page.locator('.wb-fig[data-metric="service_level"] .wb-val').inner_text() == "—"
    for q in page.locator(".wb-kq[data-few]").all():
        sl = q.locator('[data-metric="service_level"]')
        assert sl.locator(".wb-val").inner_text() == "—"
        assert sl.get_attribute("data-lv") in (None, "ok")


def _again_after_a_reload(page: Any, check: Callable[[], T]) -> T:
    """`check()`, again (up to three times) if the page reloaded meanwhile: NiceGUI reloads a
    tab whose socket missed its 2 s ping timeout, which a machine loaded by other work makes
    happen (measured on this 2-core machine at a load of 15: the tab of an unchanged main
    branch reloaded three times in 40 s)."""
    from playwright.sync_api import Error

    for _ in range(3):
        try:
            return check()
        except Error as e:
            if "Execution context was destroyed" not in str(e) and "navigat" not in str(e):
                raise
        page.wait_for_selector(".wb-tile", timeout=SLOW)
    return check()


def test_kiosk_fits_the_floor_at_1080p_and_4k(browser: Any, demo: Any) -> None:
    lang, url = demo
    for w, h in ((1920, 1080), (3840, 2160)):
        ctx, page = _kiosk(browser, f"{url}/kiosk", w, h)
        _again_after_a_reload(page, lambda: _fits(page, lang, w, h))  # noqa: B023
        if (lang, w) == ("en", 1920):
            _again_after_a_reload(page, lambda: _more_when_the_room_runs_out(page))  # noqa: B023
        ctx.close()


# The desk board's layout shift over `ms`, started now and read later (window.wbDesk), so it
# runs beside the kiosk's measurement.
DESK_CLS = """(ms) => { window.wbDesk = new Promise((done) => {
  let cls = 0, shifts = 0;
  const po = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) { cls += e.value; shifts += 1; }
  });
  po.observe({ type: 'layout-shift', buffered: false });
  setTimeout(() => { po.disconnect(); done({ cls, shifts }); }, ms);
}); }"""

# A phone: the page no wider than the screen, and every text shown at 14 px or more.
PHONE = """() => {
  const small = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const n = walk.currentNode, e = n.parentElement;
    if (!n.textContent.trim() || !e.getClientRects().length) continue;
    const cs = getComputedStyle(e);
    if (cs.visibility === 'hidden') continue;
    const px = parseFloat(cs.fontSize);
    if (px < 14) small.push(`${e.className}: ${n.textContent.trim().slice(0, 20)} ${px}px`);
  }
  return { width: document.documentElement.scrollWidth, screen: innerWidth, small };
}"""


def test_busy_floor_is_still(browser: Any, demo: Any) -> None:
    """Kiosk and desk board side by side over the same 30 s of surge; a phone meanwhile."""
    lang, url = demo  # in both languages: a mirrored layout must be as still
    desk_ctx, desk = _kiosk(browser, f"{url}/board/all")
    desk.wait_for_selector(".wb-tile", timeout=SLOW)
    ctx, page = _kiosk(browser, f"{url}/kiosk")
    page.wait_for_selector(".wb-ktile", timeout=SLOW)
    page.wait_for_timeout(3000)
    desk.evaluate(DESK_CLS, 30_000)
    # 30 s rather than the minute of the goal, to keep the suite short: ~50 status changes
    # of the surge; bench/kiosk_cls.py measures longer.
    got = _again_after_a_reload(page, lambda: page.evaluate(STILL, 30_000))
    print(f"{lang}, kiosk over 30 s: {report(got)}")
    assert got["cls"] <= 0.05
    # A tile moves only when its agent's status group changes: of the tiles whose agent
    # kept its status, at most 10 % moved.
    assert got["still"] > 0 and got["moved"] <= 0.1 * got["still"], got
    shift = desk.evaluate("() => window.wbDesk")
    if shift is None:  # the desk's tab reloaded meanwhile (see _again_after_a_reload)
        desk.wait_for_selector(".wb-tile", timeout=SLOW)
        desk.evaluate(DESK_CLS, 30_000)
        shift = desk.evaluate("() => window.wbDesk")
    print(
        f"{lang}, desk board over the same 30 s: CLS {shift['cls']:.4f} ({shift['shifts']} shifts)"
    )
    assert shift["cls"] <= 0.05
    desk_ctx.close()
    ctx.close()
    phone_ctx, phone = _kiosk(browser, f"{url}/board/all", 390, 844)
    phone.wait_for_selector(".wb-tile", timeout=SLOW)
    phone.wait_for_timeout(1000)
    fit = phone.evaluate(PHONE)
    phone.screenshot(path=str(SHOTS / f"board-phone-{lang}-390x844.png"))
    print(f"{lang}, phone: {fit['width']} px wide on a {fit['screen']} px screen")
    assert fit["width"] <= fit["screen"] and not fit["small"], fit["small"][:10]
    phone_ctx.close()


def test_sound_says_when_it_cannot_play(browser: Any, demo: Any) -> None:
    from playwright.sync_api import TimeoutError as ClickTimeout
    from playwright.sync_api import expect

    from wallboard.web.i18n import t

    lang, url = demo
    # No autoplay flag, no click yet: the browser keeps audio suspended, and the board says so
    # in the board's language.
    ctx, page = _kiosk(browser, f"{url}/kiosk?sound=1")
    badge = page.locator(".wb-sound")

    def click() -> None:
        expect(badge).to_contain_text(t("sound_off", "he" if lang == "he" else "en"), timeout=SLOW)
        # A click that a re-laid-out header caught instead is a person's gesture too: Chromium
        # then starts the board's audio itself and the badge leaves before Playwright's retry
        # could land on it. The claim checked next is the same.
        with contextlib.suppress(ClickTimeout):
            badge.click(timeout=SLOW)  # a person's click may start audio
        expect(badge).to_have_count(0, timeout=SLOW)

    _again_after_a_reload(page, click)
    ctx.close()
