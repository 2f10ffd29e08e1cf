"""Alerts that leads handle, in Chromium, English and Hebrew: a lead acknowledges one open
alert and snoozes another on `/alerts`; the kiosk's strip (`.wb-alerts`) no longer names
them while their tiles keep the marker; both actions are in the audit log. An admin makes a
rule in the page (queues and boards picked by name), its mistakes named at their fields, its
preview of today, and the rule in force on the kiosk without a restart; the webhook's test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import SHOTS, App, launch
from tests.e2e.test_access import Hook
from wallboard.web.auth import hash_password

pytestmark = pytest.mark.e2e

PASSWORD = "alert-handling-pass"
TOKEN = "kiosk-sales-alerts-4c1b"
SECRET = "cdr-secret-alerts"
SLOW = 20_000
QUEUES = {101: "Sales", 102: "Support"}
AGENTS = [
    (201, "Dana Levi", 1, 300),
    (202, "Avi Cohen", 1, 120),
    (205, "Maya Katz", 1, 600),  # Support: not on the Sales kiosk
]
LUNCH, AVAILABLE = 3, 1

CONFIG = """
[alerts]
every_seconds = 0.5
webhook_url = "http://127.0.0.1:{hook_port}/hook"

[alerts.rules.long_break]
metric = "break_seconds"
fire = 2
clear = 1
boards = ["sales"]
message = "on break too long"
message_he = "בהפסקה ארוכה מדי"

[web]
stale_after_seconds = 30
publish_interval_seconds = 0.2

[cdr]
secret = "{secret}"
time_stamps = "utc"
backfill = false

[auth.users.boss]
password_hash = "{password_hash}"
admin = true

[auth.users.rina]
password_hash = "{password_hash}"
boards = ["sales"]

[auth.users.noa]
password_hash = "{password_hash}"
language = "he"
boards = ["sales"]

[auth.users.sam]
password_hash = "{password_hash}"
boards = ["support"]

[kiosk.tokens.sales]
token = "{token}"
boards = ["sales"]

[teams.sales]
extensions = [201, 202]
queues = [101]

[teams.support]
extensions = [205]
queues = [102]

[boards.sales]
title = "Sales team"
teams = ["sales"]
queues = [101]

[boards.support]
title = "Support team"
teams = ["support"]
queues = [102]
"""


@pytest.fixture(scope="module")
def hook() -> Iterator[Hook]:
    h = Hook()
    h.start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def alert_app(tmp_path_factory: pytest.TempPathFactory, hook: Hook) -> Iterator[App]:
    work = tmp_path_factory.mktemp("wallboard-alerts")
    config = CONFIG.format(
        hook_port=hook.port, password_hash=hash_password(PASSWORD), secret=SECRET, token=TOKEN
    )
    (work / "wallboard.toml").write_text(config, encoding="utf-8")
    app = launch(work, {101: [("0501234567", 40)], 102: []}, AGENTS, QUEUES)
    yield app
    app.stop()


def _signed_in(browser: Any, app: App, user: str, lang: str = "en") -> Any:
    """A browser context signed in by posting the login form."""
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale=lang)
    form = {"user": user, "password": PASSWORD, "next": "/healthz"}
    r = ctx.request.post(
        f"{app.url}/login", form=form, headers={"Origin": app.url}, max_redirects=0
    )
    assert r.status == 303, r.text()[-500:]
    return ctx


def _strip_names(kiosk: Any) -> list[str]:
    return list(
        kiosk.evaluate(
            "() => [...document.querySelectorAll('.wb-alerts .wb-alerts-name,"
            " .wb-alerts .wb-alerts-one')].filter((e) => !e.hidden && e.offsetParent)"
            ".map((e) => e.textContent)"
        )
    )


@pytest.mark.parametrize(("user", "lang"), [("rina", "en"), ("noa", "he")])
def test_a_lead_acknowledges_one_alert_and_snoozes_another(
    browser: Any, alert_app: App, user: str, lang: str
) -> None:
    from playwright.sync_api import expect

    feed = alert_app.feed
    kiosk_ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    ctx = _signed_in(browser, alert_app, user, lang)
    try:
        kiosk = kiosk_ctx.new_page()
        kiosk.goto(f"{alert_app.url}/kiosk?boards=sales&token={TOKEN}")
        kiosk.locator(".wb-tile").first.wait_for(timeout=SLOW)
        feed.status(201, "Dana Levi", LUNCH)
        feed.status(202, "Avi Cohen", LUNCH)
        # Both on the strip, both tiles marked "open".
        expect(kiosk.locator(".wb-alerts")).to_have_attribute("data-n", "2", timeout=SLOW)
        for ext in (201, 202):
            tile = kiosk.locator(f'.wb-tile[data-ext="{ext}"]')
            expect(tile).to_have_attribute("data-alert", "open", timeout=SLOW)

        page = ctx.new_page()
        page.goto(f"{alert_app.url}/alerts")
        dana = page.locator('.wb-open-alert[data-id="long_break:201"]')
        avi = page.locator('.wb-open-alert[data-id="long_break:202"]')
        expect(dana).to_be_visible(timeout=SLOW)
        expect(avi).to_be_visible(timeout=SLOW)
        expect(dana).to_have_attribute("data-ext", "201")  # her tile on the boards
        page.screenshot(path=str(SHOTS / f"alerts-open-{lang}.png"), full_page=True)
        # Step: acknowledge Dana's, with a note.
        dana.locator(".wb-ack-note input").fill("called her, back at 13:00")
        dana.locator(".wb-ack").click()
        expect(dana).to_have_attribute("data-state", "handled", timeout=SLOW)
        expect(dana.locator(".wb-alert-handled")).to_contain_text(user)
        expect(dana.locator(".wb-alert-handled")).to_contain_text("called her, back at 13:00")
        # Step: snooze Avi's for 15 minutes.
        avi.locator(".wb-snooze-15").click()
        expect(avi).to_have_attribute("data-state", "handled", timeout=SLOW)
        expect(avi.locator(".wb-alert-handled")).to_contain_text(user)
        page.screenshot(path=str(SHOTS / f"alerts-handled-{lang}.png"), full_page=True)

        # The wall: the strip names neither; each tile keeps the (quiet) marker.
        for ext in (201, 202):
            tile = kiosk.locator(f'.wb-tile[data-ext="{ext}"]')
            expect(tile).to_have_attribute("data-alert", "ack", timeout=SLOW)
        expect(kiosk.locator(".wb-alerts")).to_have_count(0, timeout=SLOW)
        assert not [n for n in _strip_names(kiosk) if "Dana" in n or "Avi" in n]
        # The marker a person sees: a thin red frame on each tile, inside it.
        frames = kiosk.evaluate(
            "() => [201, 202].map((x) => getComputedStyle("
            "document.querySelector(`.wb-tile[data-ext='${x}']`)).boxShadow)"
        )
        assert all("255, 107, 110" in f and "inset" in f for f in frames), frames
        kiosk.screenshot(path=str(SHOTS / f"kiosk-alerts-handled-{lang}.png"))

        # Both in the audit log, by her.
        page.goto(f"{alert_app.url}/audit")
        rows = page.locator(".wb-audit tbody tr")
        expect(rows.filter(has_text="alert_ack").filter(has_text="long_break:201")).to_have_count(
            1, timeout=SLOW
        )
        snoozed = rows.filter(has_text="alert_snooze").filter(has_text="long_break:202")
        expect(snoozed).to_have_count(1)
        expect(snoozed).to_contain_text(user)
        expect(snoozed).to_contain_text("minutes: 15")
    finally:
        # Back to work: both alerts clear (the next language's run fires new ones, shown
        # on the strip again: a new firing is a new alert).
        feed.status(201, "Dana Levi", AVAILABLE)
        feed.status(202, "Avi Cohen", AVAILABLE)
        try:
            expect_cleared(kiosk_ctx)
        finally:
            kiosk_ctx.close()
            ctx.close()


def expect_cleared(kiosk_ctx: Any) -> None:
    from playwright.sync_api import expect

    for page in kiosk_ctx.pages:
        for ext in (201, 202):
            tile = page.locator(f'.wb-tile[data-ext="{ext}"]')
            expect(tile).not_to_have_attribute("data-alert", "ack", timeout=SLOW)


def test_a_lead_of_other_boards_cannot_handle_them(browser: Any, alert_app: App) -> None:
    from playwright.sync_api import expect

    feed = alert_app.feed
    ctx = _signed_in(browser, alert_app, "sam")
    try:
        feed.status(201, "Dana Levi", LUNCH)
        page = ctx.new_page()
        page.goto(f"{alert_app.url}/alerts")
        expect(page.locator(".wb-open-alerts")).to_be_visible(timeout=SLOW)
        page.wait_for_timeout(3000)  # the alert fired meanwhile: still not hers
        expect(page.locator('.wb-open-alert[data-id="long_break:201"]')).to_have_count(0)
    finally:
        feed.status(201, "Dana Levi", AVAILABLE)
        ctx.close()


def test_an_admin_makes_a_rule_by_name_and_it_is_in_force_at_once(
    browser: Any, alert_app: App, hook: Hook
) -> None:
    from playwright.sync_api import expect

    kiosk_ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    ctx = _signed_in(browser, alert_app, "boss")
    try:
        kiosk = kiosk_ctx.new_page()
        kiosk.goto(f"{alert_app.url}/kiosk?boards=sales&token={TOKEN}")
        kiosk.locator(".wb-tile").first.wait_for(timeout=SLOW)
        # A break today of a few seconds, for the preview below.
        alert_app.feed.status(205, "Maya Katz", LUNCH)
        page = ctx.new_page()
        page.goto(f"{alert_app.url}/alerts")
        page.wait_for_timeout(2500)
        alert_app.feed.status(205, "Maya Katz", AVAILABLE)
        page.locator(".wb-rule-new").click()
        form = page.locator(".wb-rule-form")
        # "How often today?" for a break rule of 1 s: today's breaks counted.
        form.locator(".wb-rule-metric").click()
        page.get_by_role("option", name="Time on break (seconds)").click()
        form.locator(".wb-rule-fire input").fill("1")
        form.locator(".wb-rule-clear input").fill("0")
        form.locator(".wb-rule-preview").click()
        expect(form.locator(".wb-preview-result")).to_contain_text("Would have fired", timeout=SLOW)
        page.screenshot(path=str(SHOTS / "alerts-rule-preview-en.png"), full_page=True)
        form.locator(".wb-rule-metric").click()
        page.get_by_role("option", name="Callers waiting").click()
        form.locator(".wb-rule-name input").fill("sales-queue")
        form.locator(".wb-rule-fire input").fill("0")
        form.locator(".wb-rule-clear input").fill("3")  # above the level: refused
        # Queues and boards by name: typed into the picker, picked from its list.
        form.locator(".wb-rule-queues input").fill("Sal")
        page.get_by_role("option", name="Sales").click()
        form.locator(".wb-rule-boards input").fill("Sales")
        page.get_by_role("option", name="Sales team").click()
        page.keyboard.press("Escape")
        form.locator(".wb-rule-message input").fill("a caller waits in Sales")
        form.locator(".wb-rule-message-he input").fill("מתקשר ממתין במכירות")
        form.locator(".wb-rule-save").click()
        expect(form.locator(".wb-rule-clear")).to_contain_text("must be 0 or less", timeout=SLOW)
        page.screenshot(path=str(SHOTS / "alerts-rule-error-en.png"), full_page=True)
        form.locator(".wb-rule-clear input").fill("0")
        form.locator(".wb-rule-preview").click()
        expect(form.locator(".wb-preview-result")).to_contain_text("today", timeout=SLOW)
        page.screenshot(path=str(SHOTS / "alerts-rule-form-en.png"), full_page=True)
        form.locator(".wb-rule-save").click()
        rule = page.locator('.wb-rule[data-rule="sales-queue"]')
        expect(rule).to_contain_text("Sales", timeout=SLOW)
        expect(rule).to_contain_text("Sales team")
        # In force without a restart: the caller waiting in Sales is on the strip now.
        expect(kiosk.locator(".wb-alerts")).to_contain_text("a caller waits in Sales", timeout=SLOW)
        expect(
            kiosk.locator('.wb-queue[data-alert="open"], .wb-kq[data-alert="open"]')
        ).not_to_have_count(0)

        # The webhook's test, reported plainly.
        before = len(hook.posts)
        page.locator(".wb-webhook-test").click()
        expect(page.locator(".wb-webhook-result")).to_contain_text("took the test", timeout=SLOW)
        assert any("test" in p["text"] for p in hook.posts[before:])

        # Stored: after a reload it is still there; deleted, it leaves the strip.
        page.reload()
        rule = page.locator('.wb-rule[data-rule="sales-queue"]')
        expect(rule).to_be_visible(timeout=SLOW)
        rule.locator(".wb-rule-delete").click()
        expect(rule).to_have_count(0, timeout=SLOW)
        expect(kiosk.locator(".wb-alerts", has_text="a caller waits")).to_have_count(
            0, timeout=SLOW
        )
    finally:
        kiosk_ctx.close()
        ctx.close()


def test_the_rule_form_in_hebrew(browser: Any, alert_app: App) -> None:
    from playwright.sync_api import expect

    ctx = _signed_in(browser, alert_app, "noa", "he")
    try:
        page = ctx.new_page()
        page.goto(f"{alert_app.url}/alerts")
        page.locator(".wb-rule-new").click()
        form = page.locator(".wb-rule-form")
        form.locator(".wb-rule-name input").fill("Bad Name")
        form.locator(".wb-rule-save").click()
        expect(form.locator(".wb-rule-name")).to_contain_text("אותיות לטיניות", timeout=SLOW)
        # A lead's rule names one of her boards.
        expect(form.locator(".wb-rule-boards")).to_contain_text("יש לבחור לפחות לוח אחד שלך")
        assert page.evaluate("() => getComputedStyle(document.body).direction") == "rtl"
        # Each error takes its own lines: none lies over the field below it.
        overlap = page.evaluate(
            """() => {
              const box = (s) => document.querySelector(s).getBoundingClientRect();
              const msg = box('.wb-rule-name .q-field__messages');
              const boards = box('.wb-rule-boards .q-field__messages');
              return [msg.height > 0 && msg.bottom <= box('.wb-rule-fire').top,
                      boards.height > 0 && boards.bottom <= box('.wb-rule-message').top];
            }"""
        )
        assert overlap == [True, True]
        page.screenshot(path=str(SHOTS / "alerts-rule-form-he.png"), full_page=True)
    finally:
        ctx.close()
