"""A team lead's pages in Chromium, English and Hebrew (issue 25): the worklist's filters,
order, pages and counts per queue; the agent page's status that began before the
wallboard connected; and, in open mode, no form that would be refused.

The app runs as a subprocess fed by a recording (tests/e2e/feed.py); abandoned callers
come in through the CDR webhook, as the vendor sends them.
"""

from __future__ import annotations

import re
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import SHOTS, App, _free_port
from tests.e2e.feed import Feed
from tests.e2e.test_access import CONFIG as ACCESS_CONFIG
from tests.e2e.test_access import PASSWORD, _cdr, _signed_in
from wallboard.web.auth import hash_password

pytestmark = pytest.mark.e2e

SECRET = "cdr-secret-lp"
SLOW = 20_000
TZ = "Asia/Jerusalem"
QUEUES = {101: "Sales", 102: "Support"}  # as test_access's `_cdr` names them
AGENTS = [
    (201, "Dana Levi", 1, 300),
    (202, "Avi Cohen", 3, 1900),  # at lunch since 31 minutes before the wallboard started
    (205, "Maya Katz", 1, 600),
    (206, "Omer Friedman", 3, 0),  # at lunch since a time the vendor does not say
]
UNKNOWN_SINCE = 206
SALES_CALLERS, SUPPORT_CALLERS = 40, 20  # 60 waiting: three pages of 25
PAGE = 25

USERS = """
[auth.users.boss]
password_hash = "{password_hash}"
admin = true
show_numbers = true

[auth.users.rina]
password_hash = "{password_hash}"
boards = ["sales"]
show_numbers = true
"""

CONFIG = """
[day]
timezone = "{tz}"

[web]
stale_after_seconds = 30
publish_interval_seconds = 0.2

[cdr]
secret = "{secret}"
time_stamps = "utc"
backfill = false

{users}
"""
# test_access's teams and boards (Sales, Support, the whole floor), each team with its
# department: the history's departments follow the teams that answer each queue.
TEAMS_AND_BOARDS = (
    ACCESS_CONFIG[ACCESS_CONFIG.index("[teams.sales]") :]
    .replace("[teams.sales]\n", '[teams.sales]\ndepartment = "Sales Department"\n')
    .replace("[teams.support]\n", '[teams.support]\ndepartment = "Support Department"\n')
)


def _ages() -> list[tuple[int, int]]:
    """(queue, seconds ago) of each abandoned caller: distinct seconds, all of them today
    (spread over at most the time since the centre's midnight)."""
    since_midnight = (
        time.time()
        - datetime.now(ZoneInfo(TZ)).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    )
    step = max(1, min(97, int(since_midnight - 120) // (SALES_CALLERS + SUPPORT_CALLERS)))
    queues = [101] * SALES_CALLERS + [102] * SUPPORT_CALLERS
    order = sorted(range(len(queues)), key=lambda i: (i * 7) % len(queues))  # interleaved
    return [(queues[i], 30 + step * rank) for rank, i in enumerate(order)]


class _Feed(Feed):
    """The recording, with one agent whose status start the vendor leaves out (0)."""

    def _ext(self, ext: int, name: str, status: int, since_ago: int = 0) -> dict[str, Any]:
        e = super()._ext(ext, name, status, since_ago)
        if ext == UNKNOWN_SINCE:
            e["representativeUpdated"] = 0
        return e


def _start(work: Path, users: str) -> App:
    config = CONFIG.format(tz=TZ, secret=SECRET, users=users) + TEAMS_AND_BOARDS
    (work / "wallboard.toml").write_text(config, encoding="utf-8")
    feed = _Feed(work / "live.jsonl")
    feed.login(QUEUES, {101: [], 102: []})
    feed.agents(AGENTS)
    port = _free_port()
    app = App(f"http://127.0.0.1:{port}", feed, port, work, None)  # type: ignore[arg-type]
    app.start()
    return app


@pytest.fixture(scope="module")
def lead_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    app = _start(
        tmp_path_factory.mktemp("wallboard-lead-pages"),
        USERS.format(password_hash=hash_password(PASSWORD)),
    )
    try:
        for n, (queue, ago) in enumerate(_ages()):
            req = urllib.request.Request(
                f"{app.url}/vendor/cdr/{SECRET}",
                data=_cdr(f"lp-{n}", f"05{queue}{n:06d}", queue, ago),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(req, timeout=10) as r:
                assert r.status == 200
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="module")
def open_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    app = _start(tmp_path_factory.mktemp("wallboard-open-mode"), "")
    yield app
    app.stop()


def _numbers(page: Any) -> list[str]:
    return [s.strip() for s in page.locator(".wb-item .wb-number").all_inner_texts()]


def _counts(page: Any) -> dict[str, int]:
    """The counts per queue at the top: data-queue → data-count."""
    chips = page.locator(".wb-queue-count[data-queue]")
    return {
        chips.nth(i).get_attribute("data-queue"): int(chips.nth(i).get_attribute("data-count"))
        for i in range(chips.count())
    }


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not drawn"
    return dict(box)


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("lang", ["en", "he"])
def test_worklist_filters_order_and_pages(browser: Any, lead_app: App, lang: str) -> None:
    from playwright.sync_api import expect

    ctx = _signed_in(browser, lead_app, "boss")
    try:
        page = ctx.new_page()
        page.goto(f"{lead_app.url}/worklist?lang={lang}")
        cards = page.locator(".wb-item")
        expect(cards).to_have_count(PAGE, timeout=SLOW)
        assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "he" else "ltr")
        # The counts per queue at the top, above the list, in view without scrolling.
        assert _counts(page) == {"101": SALES_CALLERS, "102": SUPPORT_CALLERS}
        counts, first = _box(page, ".wb-queue-counts"), _box(page, ".wb-item")
        filters = _box(page, ".wb-filters")
        assert counts["y"] + counts["height"] <= first["y"] and counts["y"] < 900
        assert not _overlap(filters, counts)
        font = page.locator(".wb-queue-count").first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert font >= 14
        if lang == "he":  # right to left: the filters start at the right edge
            assert filters["x"] + filters["width"] > 1400 * 0.7
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"worklist-filters-{lang}.png"))
        # Newest first by default: the newest caller (abandoned 30 s before the CDRs came)
        # at the top; "1–25 of 60" and the pages.
        newest = _numbers(page)
        expect(page.locator(".wb-pager .wb-shown")).to_contain_text("60")
        page.locator(".wb-pager").get_by_role("button", name="2", exact=True).click()
        page.wait_for_url(re.compile(r"page=2"), timeout=SLOW)
        expect(cards).to_have_count(PAGE, timeout=SLOW)
        second = _numbers(page)
        assert not set(second) & set(newest)
        # Oldest first: the order turns over (the toggle, as a lead clicks it).
        page.get_by_role("button", name="Oldest first" if lang == "en" else "הוותיקים קודם").click()
        page.wait_for_url(re.compile(r"order=oldest"), timeout=SLOW)
        expect(cards).to_have_count(PAGE, timeout=SLOW)
        page.goto(f"{lead_app.url}/worklist?lang={lang}&order=oldest&page=3")
        expect(cards).to_have_count(60 - 2 * PAGE, timeout=SLOW)
        assert _numbers(page)[::-1] == newest[: 60 - 2 * PAGE]
        # One queue: its count chip opens it; only its callers, and the count stays.
        page.goto(f"{lead_app.url}/worklist?lang={lang}")
        page.locator('.wb-queue-count[data-queue="102"]').click()
        page.wait_for_url(re.compile(r"queue=102"), timeout=SLOW)
        expect(cards).to_have_count(SUPPORT_CALLERS, timeout=SLOW)
        assert all(n.startswith("05102") for n in _numbers(page))
        expect(page.locator(".wb-pager .wb-shown")).to_have_count(0)  # one page
        page.screenshot(path=str(SHOTS / f"worklist-queue-{lang}.png"))
        # A board: its queues only (the Sales board → Sales callers, still 40, two pages).
        page.goto(f"{lead_app.url}/worklist?lang={lang}&board=sales")
        expect(cards).to_have_count(PAGE, timeout=SLOW)
        assert _counts(page) == {"101": SALES_CALLERS}
        assert all(n.startswith("05101") for n in _numbers(page))
    finally:
        ctx.close()


def test_a_lead_filters_only_within_her_boards(browser: Any, lead_app: App) -> None:
    from playwright.sync_api import expect

    ctx = _signed_in(browser, lead_app, "rina")
    try:
        page = ctx.new_page()
        page.goto(f"{lead_app.url}/worklist")
        expect(page.locator(".wb-item")).to_have_count(PAGE, timeout=SLOW)
        assert _counts(page) == {"101": SALES_CALLERS}
        assert all(n.startswith("05101") for n in _numbers(page))
        # Her board picker offers her boards only.
        page.locator(".wb-board-filter").click()
        options = page.locator(".q-menu .q-item").all_inner_texts()
        assert any("Sales team" in o for o in options)
        assert not any("Support team" in o or "Whole floor" in o for o in options)
        page.keyboard.press("Escape")
        # Another team's queue or board by address: "Not allowed", nothing of it.
        for query in ("queue=102", "board=support", "board=nosuch"):
            page.goto(f"{lead_app.url}/worklist?{query}")
            expect(page.locator(".wb-forbidden")).to_be_visible(timeout=SLOW)
            assert page.locator(".wb-item").count() == 0
            assert "05102" not in page.content()
    finally:
        ctx.close()


HHMM = r"(\d\d:\d\d)"
# The current status, as the page says it: (agent, language) → pattern; the connect time
# is the last group.
NOW_LINES = {
    (UNKNOWN_SINCE, "en"): rf"On Lunch since before {HHMM} \(connected at {HHMM}\)",
    (UNKNOWN_SINCE, "he"): rf"הפסקת צהריים מאז לפני {HHMM} \(הלוח התחבר ב־{HHMM}\)",
    (202, "en"): rf"On Lunch since {HHMM} \(before the wallboard connected at {HHMM}\)",
    (202, "he"): rf"הפסקת צהריים מאז {HHMM} \(לפני שהלוח התחבר ב־{HHMM}\)",
}


@pytest.mark.parametrize("lang", ["en", "he"])
def test_a_status_from_before_the_wallboard_connected(
    browser: Any, lead_app: App, lang: str
) -> None:
    from playwright.sync_api import expect

    ctx = _signed_in(browser, lead_app, "boss")
    try:
        page = ctx.new_page()
        for ext in (UNKNOWN_SINCE, 202):
            page.goto(f"{lead_app.url}/agent/{ext}?lang={lang}")
            now = page.locator(".wb-status-now")
            expect(now).to_be_visible(timeout=SLOW)
            m = re.fullmatch(NOW_LINES[ext, lang], now.inner_text())
            assert m is not None, now.inner_text()
            connected = m.group(2)
            if ext == UNKNOWN_SINCE:
                assert m.group(1) == connected
            else:  # the vendor's start, 31 minutes before the connect
                assert m.group(1) < connected
            _figures_add_up(page, lang, connected)
            shot = f"agent-before-connect-{ext}-{lang}.png"
            page.screenshot(path=str(SHOTS / shot), full_page=True)
    finally:
        ctx.close()


def _figures_add_up(page: Any, lang: str, connected: str) -> None:
    """The day's calls and the statuses since the connect, each titled as which; no
    "no status changes today" for an agent at lunch since before the connect."""
    from playwright.sync_api import expect

    calls = page.locator(".wb-calls-day").inner_text()
    spans = page.locator(".wb-status-spans").inner_text()
    assert ("whole day" if lang == "en" else "כל היום") in calls.splitlines()[0]
    assert connected in spans.splitlines()[0]
    talk = "Talk time" if lang == "en" else "זמן שיחה"
    assert talk in calls and talk not in spans
    assert ("Lunch" if lang == "en" else "הפסקת צהריים") in spans
    # Lunch since the connect: minutes, not the half hour before it.
    lunch = page.locator(".wb-status-spans tr").first.locator("td").last.inner_text()
    minutes = int(lunch.split(":")[0]) if lunch.count(":") == 1 else 60
    assert minutes < 30, lunch
    first_login = page.locator(".wb-status-spans tr").last.inner_text()
    assert ("before" if lang == "en" else "לפני") in first_login
    changes = page.locator(".wb-changes")
    expect(changes).to_contain_text(connected, timeout=SLOW)
    assert ("today" if lang == "en" else "היום") not in changes.inner_text()
    assert not _overlap(_box(page, ".wb-calls-day"), _box(page, ".wb-status-spans"))
    size = page.locator(".wb-status-now").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 16


@pytest.mark.parametrize("lang", ["en", "he"])
def test_open_mode_offers_no_form_that_would_be_refused(
    browser: Any, open_app: App, lang: str
) -> None:
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = ctx.new_page()
        for path, shot in (
            ("/messages", "messages"),
            ("/agent/201", "agent"),
            ("/admin/boards", "admin"),
            ("/login", "login"),
        ):
            page.goto(f"{open_app.url}{path}?lang={lang}")
            note = page.locator(".wb-needs-users")
            expect(note).to_be_visible(timeout=SLOW)
            text = note.inner_text()
            assert "wallboard hash-password" in text and "[auth.users." in text
            assert "docs/access.md" in text
            page.screenshot(path=str(SHOTS / f"open-mode-{shot}-{lang}.png"), full_page=True)
            # No control that the server would refuse.
            for name in ("Post", "פרסום", "Change status", "שינוי סטטוס", "Log in", "כניסה"):
                assert page.get_by_role("button", name=name, exact=True).count() == 0
            assert page.locator("input[type=password]").count() == 0
        # What can work in open mode still does: the worklist's call back types a name.
        page.goto(f"{open_app.url}/worklist?lang={lang}")
        expect(page.locator(".wb-filters")).to_be_visible(timeout=SLOW)
        assert page.locator(".wb-needs-users").count() == 0
    finally:
        ctx.close()


def test_history_counts_abandons_in_their_queues_departments(browser: Any, lead_app: App) -> None:
    """The abandoned calls (their CDRs name no agent) count in the department of the team
    that answers their queue, not all in "—"."""
    from playwright.sync_api import expect

    ctx = _signed_in(browser, lead_app, "boss")
    try:
        page = ctx.new_page()
        page.goto(f"{lead_app.url}/history")
        table = page.locator(".wb-departments")
        expect(table).to_contain_text("Sales Department", timeout=SLOW)
        rows = {
            r.locator("td").first.inner_text(): r.locator("td").all_inner_texts()
            for r in table.locator("tbody tr").all()
        }
        assert set(rows) == {"Sales Department", "Support Department"}
        # department, offered, answered, abandoned, …, abandon rate (all abandoned here)
        assert rows["Sales Department"][1:4] == [str(SALES_CALLERS), "0", str(SALES_CALLERS)]
        assert rows["Support Department"][3] == str(SUPPORT_CALLERS)
        assert "100.0%" in rows["Sales Department"]
        table.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "history-departments.png"))
    finally:
        ctx.close()
