"""What a team lead sees of the day ahead: /forecast (forecast against actual calls, agents
needed against those in, the short hours, the rolling windows), the "short" line on a desk
board and a kiosk; in English and Hebrew, measured in Debian chromium."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import CDR
from tests.e2e.conftest import (
    AGENTS,
    KIOSK_TOKEN,
    PASSWORD,
    QUEUES,
    SHOTS,
    App,
    _free_port,
    write_config,
)
from tests.e2e.feed import Feed
from tests.e2e.test_board import _login
from wallboard.store.db import Store
from wallboard.voicenter.cdr import parse_cdr
from wallboard.web.auth import hash_password

pytestmark = pytest.mark.e2e

SLOW = 60_000  # the first look reads four weeks of CDRs: generous on a loaded machine
TZ = ZoneInfo("Asia/Jerusalem")
BASE = json.loads((CDR / "incoming-queue-answer.json").read_text())
PER_HALF_HOUR = {101: 30, 102: 4}  # Sales is busy (3 of its 4 agents in), Support quiet


def _bodies(now: float) -> list[bytes]:
    """The same weekday's queue calls 1 to 4 weeks ago, every half-hour, and today's until
    two hours ago (the days between are not needed: each week's level is then 1)."""
    today = datetime.fromtimestamp(now, TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    for k in range(5):
        day = today - timedelta(days=7 * k)
        for s in range(48):
            start = day + timedelta(minutes=30 * s)
            for q, n in PER_HALF_HOUR.items():
                for i in range(n):
                    t = start + timedelta(minutes=i * 30 / n)
                    if t.timestamp() > now - 7200:
                        continue  # today's calls until two hours ago: none in a window
                    answered = i % 6 != 0
                    body = dict(
                        BASE,
                        ivruniqueid=f"fc-{q}-{t:%Y%m%d%H%M%S}-{i}",
                        time=int(t.timestamp()),
                        status="ANSWER" if answered else "ABANDONE",
                        seconds_waiting_in_queue=9 if answered else 50,
                        queueid=q,
                        queuename=QUEUES[q],
                        targetextension="SIP201" if answered else "",
                        duration=240 if answered else 0,
                    )
                    out.append(json.dumps(body).encode())
    return out


def _seed(path: Path, bodies: list[bytes]) -> None:
    async def run() -> None:
        store = Store(str(path))
        store.open()
        try:
            for k in range(0, len(bodies), 2000):
                part = bodies[k : k + 2000]
                cdrs = [parse_cdr(b, "application/json")[0] for b in part]
                await asyncio.gather(
                    *(
                        store.store_cdr(
                            c,
                            b,
                            received=0.0,
                            source="webhook",
                            encoding="json",
                            content_type="json",
                        )
                        for c, b in zip(cdrs, part, strict=True)
                    )
                )
        finally:
            store.close()

    # Its own thread and loop: the browser fixture's sync Playwright may be running one.
    t = threading.Thread(target=asyncio.run, args=(run(),))
    t.start()
    t.join()


@pytest.fixture(scope="module")
def forecast_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    work = tmp_path_factory.mktemp("wallboard-forecast")
    write_config(work / "wallboard.toml")
    with (work / "wallboard.toml").open("a", encoding="utf-8") as f:
        f.write('\n[cdr]\ntime_stamps = "utc"\n\n[kpi]\nwrap_seconds = 20\n')
        # A lead of the Sales board only.
        rina = f'password_hash = "{hash_password(PASSWORD)}"\nboards = ["sales"]\n'
        f.write(f"\n[auth.users.rina]\n{rina}")
        # A desk board with each agent's day on its tile.
        f.write('\n[boards.figures]\ntitle = "Sales figures"\nteams = ["sales"]\n')
        f.write('widgets = ["summary", "top", "agents", "agent_figures"]\n')
    (work / "data").mkdir()
    _seed(work / "data" / "wallboard.db", _bodies(time.time()))
    feed = Feed(work / "live.jsonl")
    feed.login(QUEUES, {101: [], 102: []})
    feed.agents(AGENTS)
    now = int(time.time())
    # The last hour of Sales, live: (joined, left) seconds ago, answered or not.
    for i, (ago, wait, answered) in enumerate(
        [(50 * 60, 30, True), (25 * 60, 8, True), (20 * 60, 70, False), (5 * 60, 6, True)]
    ):
        feed.queue_call(101, "Sales", f"live-{i}", now - ago, now - ago + wait, answered=answered)
    port = _free_port()
    app = App(f"http://127.0.0.1:{port}", feed, port, work, None)  # type: ignore[arg-type]
    app.start()
    yield app
    app.stop()


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return dict(box)


def _apart(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["y"] + a["height"] <= b["y"] + 1 or b["y"] + b["height"] <= a["y"] + 1


def _check_page(page: Any, lang: str) -> None:
    page.wait_for_selector(".wb-fc-ratio", timeout=SLOW)
    page.wait_for_selector(".wb-fc-offered canvas", timeout=SLOW)
    ratio = page.locator(".wb-fc-ratio").inner_text()
    assert ratio.strip()
    size = page.locator(".wb-fc-ratio").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 20
    offered, agents, table = (
        _box(page, s) for s in (".wb-fc-offered", ".wb-fc-agents", ".wb-fc-rolling")
    )
    # The two charts and the table one under the other, each wide and tall enough to read.
    assert _apart(offered, agents) and _apart(agents, table)
    for b in (offered, agents):
        assert b["width"] > 900 and b["height"] > 200
    short = page.locator(".wb-fc-short").first.inner_text()
    span = r"\u2066\d\d:\d\d–\d\d:\d\d\u2069"
    pattern = (
        rf"short (\d+ agents|1 agent) {span}"
        if lang == "en"
        else rf"חסר(ים \d+ נציגים| נציג אחד) {span}"
    )
    assert re.search(pattern, short), short
    rows = page.locator(".wb-fc-rolling tbody tr")
    assert rows.count() == 3  # Sales: 15, 30, 60 minutes
    text = page.locator(".wb-fc-rolling").inner_text()
    assert "/ 80%" in text and re.search("[▲▼▶◀]", text)
    # The hand-counted hour: 4 calls joined in the last 60 minutes, 3 in the last 30, 1 in
    # the last 15 (each shown left to right, isolated, then its arrow).
    cells = [rows.nth(i).locator("td").nth(2).inner_text() for i in range(3)]
    assert [c.strip("\u2066\u2069 ▲▼▶◀") for c in cells] == ["1", "3", "4"], cells
    # The hour's service level beside its target:
    sl = rows.nth(2).locator("td").nth(3).inner_text()
    assert re.search(r"\d+% / 80%", sl), sl


def test_forecast_page_in_english(browser: Any, forecast_app: App) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    _login(page, forecast_app, "/forecast?queue=101")
    _check_page(page, "en")
    assert "Where the day is heading" in page.locator("body").inner_text()
    assert "4 weeks" in page.locator("body").inner_text()
    page.screenshot(path=str(SHOTS / "forecast-en-1400.png"), full_page=True)
    ctx.close()


def test_forecast_page_in_hebrew(browser: Any, forecast_app: App) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    _login(page, forecast_app, "/forecast?queue=101")
    page.goto(f"{forecast_app.url}/forecast?queue=101&lang=he")
    _check_page(page, "he")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert "לאן היום הולך" in page.locator("body").inner_text()
    # Right to left: the title starts at the right.
    title = page.get_by_text("לאן היום הולך").bounding_box()
    assert title is not None and title["x"] > 1400 / 2
    page.screenshot(path=str(SHOTS / "forecast-he-1400.png"), full_page=True)
    ctx.close()


# Every box of the board the short line must never cover, and the header it lives in.
_LAYOUT = """(header) => {
  const r = (e) => { const b = e.getBoundingClientRect();
    return { x: b.left, y: b.top, r: b.right, b: b.bottom, w: b.width, h: b.height }; };
  const short = document.querySelector('.wb-short');
  const others = [...document.querySelectorAll(
    '.wb-tile, .wb-queue, .wb-fig, .wb-count, .wb-title, .wb-last, .wb-sound, .wb-kq, .wb-more')]
    .filter((e) => !short.contains(e) && e.offsetParent !== null).map(r);
  return { short: r(short), header: r(document.querySelector(header)),
           title: r(document.querySelector(header + ' .wb-title')), others,
           cut: short.scrollWidth > short.clientWidth + 1,
           font: parseFloat(getComputedStyle(short).fontSize),
           view: { w: innerWidth, h: innerHeight },
           below: Math.max(0, ...[...document.querySelectorAll('.wb-ktile, .wb-tile')]
             .map((e) => e.getBoundingClientRect().bottom)) };
}"""


def _overlap(a: dict[str, float], b: dict[str, float]) -> float:
    """The area two boxes share (px²)."""
    w = min(a["r"], b["r"]) - max(a["x"], b["x"])
    h = min(a["b"], b["b"]) - max(a["y"], b["y"])
    return max(0.0, w) * max(0.0, h)


def _short_in_layout(page: Any, header: str, lang: str, kiosk: bool) -> str:
    """The board's short line: Sales short of agents, nothing of a queue it does not show,
    inside the board's header (a place of the layout), over no tile, figure or count,
    whole, readable, and at the reading end of the title."""
    short = page.locator(".wb-short")
    short.wait_for(state="visible", timeout=SLOW)
    text = short.inner_text()
    word = r"short (\d+ agents|1 agent)" if lang == "en" else r"חסר(ים \d+ נציגים| נציג אחד)"
    assert re.search(rf"\u2068Sales\u2069: {word} \u2066\d\d:\d\d–\d\d:\d\d\u2069", text), text
    assert "Support" not in text
    m = page.evaluate(_LAYOUT, header)
    s, h, title = m["short"], m["header"], m["title"]
    assert s["w"] > 0 and s["h"] > 0
    assert h["x"] - 1 <= s["x"] and s["r"] <= h["r"] + 1, (s, h)
    assert h["y"] - 1 <= s["y"] and s["b"] <= h["b"] + 1, (s, h)
    assert s["x"] >= 0 and s["r"] <= m["view"]["w"] and s["y"] >= 0 and s["b"] <= m["view"]["h"]
    touched = [o for o in m["others"] if _overlap(s, o) > 0.5]
    assert not touched, (s, touched)
    assert not m["cut"], text  # one queue short: the whole line shows
    assert m["font"] >= (20 if kiosk else 16), m["font"]
    # Read after the title: to its right in English, to its left in Hebrew.
    assert s["x"] >= title["r"] - 1 if lang == "en" else s["r"] <= title["x"] + 1, (s, title)
    if kiosk:  # the floor keeps the screen: every agent's tile inside it
        assert m["below"] <= m["view"]["h"] + 1
    return str(text)


@pytest.mark.parametrize("lang", ["en", "he"])
@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)], ids=["1080p", "4K"])
def test_short_hours_in_the_layout_of_desk_and_kiosk(
    browser: Any, forecast_app: App, lang: str, size: tuple[int, int]
) -> None:
    w, h = size
    ctx = browser.new_context(viewport={"width": w, "height": h})
    page = ctx.new_page()
    _login(page, forecast_app, "/board/sales")
    page.goto(f"{forecast_app.url}/board/sales?lang={lang}")
    page.locator(".wb-tile").first.wait_for(timeout=SLOW)
    _short_in_layout(page, ".wb-head", lang, kiosk=False)
    page.screenshot(path=str(SHOTS / f"short-desk-{lang}-{w}.png"))
    # The wall: compact, in the kiosk's header row, never over the floor (issue 22).
    page.goto(f"{forecast_app.url}/kiosk?boards=sales&token={KIOSK_TOKEN}&lang={lang}")
    page.locator(".wb-ktile").first.wait_for(timeout=SLOW)
    _short_in_layout(page, ".wb-ktop", lang, kiosk=True)
    page.screenshot(path=str(SHOTS / f"short-kiosk-{lang}-{w}.png"))
    ctx.close()


# Each tile's figures as shown, and whether the line stays inside its tile and clear of
# the tile's other lines.
_FIGURES = """() => [...document.querySelectorAll('.wb-tile')].map((tile) => {
  const f = tile.querySelector('.wb-afig');
  if (!f) return { x: tile.dataset.ext, f: null };
  const r = f.getBoundingClientRect(), t = tile.getBoundingClientRect();
  const lines = [...tile.querySelectorAll('.wb-tile-top, .wb-status, .wb-call, .wb-missed')]
    .map((e) => e.getBoundingClientRect());
  return { x: tile.dataset.ext, text: f.innerText,
    bold: [...f.querySelectorAll('b')].map((b) => b.innerText),
    inside: r.left >= t.left - 1 && r.right <= t.right + 1
      && r.top >= t.top - 1 && r.bottom <= t.bottom + 1,
    clear: lines.every((l) => l.bottom <= r.top + 1 || l.top >= r.bottom - 1),
    font: parseFloat(getComputedStyle(f).fontSize) };
})"""


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = round(seconds)
    return (
        f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


@pytest.mark.parametrize("lang", ["en", "he"])
def test_agent_figures_on_desk_tiles_match_the_agent_numbers(
    browser: Any, forecast_app: App, lang: str
) -> None:
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = ctx.new_page()
    _login(page, forecast_app, "/board/figures")
    page.goto(f"{forecast_app.url}/board/figures?lang={lang}")
    page.locator(".wb-afig .wb-occ").first.wait_for(timeout=SLOW)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.wb-occ')].every((e) => e.textContent)",
        timeout=SLOW,
    )
    shown = {int(f["x"]): f for f in page.evaluate(_FIGURES)}
    api = page.request.get(f"{forecast_app.url}/api/state").json()
    today = {a["extension"]: a["today"] for a in api["agents"]}
    assert shown and set(shown) <= set(today)
    handled = 0
    for ext, f in shown.items():
        n = today[ext]
        calls, aht, occ = f["bold"]
        # One definition: the tile shows the agent's own numbers (core/view.agent_numbers).
        assert int(calls) == n["handled"], (ext, f, n)
        assert aht == _clock(n["handle_time"]), (ext, f, n)
        if n["occupancy"] is None:
            assert occ == "—"
        else:  # ticking in the browser: within a point or two of the server's a moment ago
            assert abs(int(occ.rstrip("%")) - 100 * n["occupancy"]) <= 2, (ext, f, n)
        assert f["inside"] and f["clear"] and f["font"] >= 14, f
        word = "calls" if lang == "en" else "שיחות"
        assert word in f["text"]
        handled += n["handled"]
    assert handled > 0  # today's answered calls (the seeded CDRs) are on the tiles
    # Widget "top": the day's agents with the most calls answered, most first.
    rows = page.locator(".wb-top-row")
    ranked = sorted(
        (a for a in api["agents"] if a["today"]["answered"] > 0),
        key=lambda a: (-a["today"]["answered"], a["name"]),
    )[:5]
    assert rows.count() == len(ranked) > 0
    for i, a in enumerate(ranked):
        row = rows.nth(i)
        assert int(row.get_attribute("data-ext") or 0) == a["extension"]
        assert int(row.locator(".wb-top-n").inner_text()) == a["today"]["answered"]
    top = page.locator(".wb-top").bounding_box()
    first = page.locator(".wb-tile").first.bounding_box()
    assert top is not None and first is not None and top["y"] + top["height"] <= first["y"]
    page.screenshot(path=str(SHOTS / f"agent-figures-{lang}-1920.png"))
    ctx.close()


def test_a_lead_of_one_queue_never_gets_the_other(browser: Any, forecast_app: App) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.goto(f"{forecast_app.url}/login?next=/forecast")
    page.get_by_label("User").fill("rina")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector(".wb-fc-ratio", timeout=SLOW)
    # Everything the page holds came over its socket: Support is nowhere in it, not even
    # asked for by its id (the page shows her queues instead).
    for path in ("/forecast", "/forecast?queue=102"):
        page.goto(f"{forecast_app.url}{path}")
        page.wait_for_selector(".wb-fc-rolling", timeout=SLOW)
        html = page.content()
        assert "Sales" in html and "Support" not in html, path
    ctx.close()
