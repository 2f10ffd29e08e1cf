"""The worklist follows the simulator: abandon → "call back" (Click2Call) → reached → closed.

The simulator (the vendor's REST APIs and CDR poster) and the wallboard run as real
servers; a real Chromium presses the button. The simulator runs fast (×20) with a queue
nobody answers, so callers abandon within seconds.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from pathlib import Path

import pytest

from bench.cdr_intake import SECRET, Server, free_port
from wallboard.config import SimulatorSettings
from wallboard.sim.model import LOGIN
from wallboard.sim.server import Simulator

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# With the other browser tests' pictures (ignored by git), not in the temp dir, which a
# run must leave as it found it.
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def _abandons(db: Path) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM cdr WHERE status='ABANDONE'").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def _free_agent(sim: Simulator) -> int:
    for a in sim.model.agents:
        if a.status == LOGIN and not a.calls:
            return a.extension
    return next(a.extension for a in sim.model.agents if a.status == LOGIN)


async def test_worklist_follows_the_simulator(tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    wport, sport = free_port(), free_port()
    sim = Simulator(
        SimulatorSettings(
            port=sport,
            agents=10,
            queues=2,
            speed=20,
            seed=7,
            scenario="empty-queue",
            flat_curve=True,
            cdr_url=f"http://127.0.0.1:{wport}/vendor/cdr/{SECRET}",
            cdr_format="xmlrpc",
            cdr_retry_seconds=[0.5, 1, 2, 5, 10],
        )
    )
    base = await sim.start()
    db = tmp_path / "wb.sqlite"
    server = Server(
        db,
        wport,
        tmp_path / "server.log",
        {
            "WALLBOARD_API_CODE": "demo-code",
            "WALLBOARD_API_CLICK2CALL_URL": f"{base}/ForwardDialer/click2call.aspx",
        },
    )
    server.start()
    try:
        await server.wait_ready()
        deadline = time.monotonic() + 90
        while _abandons(db) == 0:
            assert time.monotonic() < deadline, "no abandoned call came from the simulator"
            await asyncio.sleep(0.5)
        ext = _free_agent(sim)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = await browser.new_page(viewport={"width": 1400, "height": 900})
            await page.goto(f"http://127.0.0.1:{wport}/worklist?user=dana&ext={ext}")
            item = page.locator(".wb-item").first
            await item.wait_for(timeout=30_000)
            number = (await item.locator(".font-mono").inner_text()).strip()
            card = page.locator(".wb-item", has_text=number)
            SHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SHOTS / "worklist-open.png"), full_page=True)
            closed = page.locator(".wb-closed", has_text=number)
            presses = 0
            last_press = 0.0
            deadline = time.monotonic() + 120
            while not await closed.count():
                assert time.monotonic() < deadline, f"{number} never reached"
                if presses == 0 or (presses < 5 and time.monotonic() > last_press + 25):
                    # Press again if the last call back was not answered (the simulator's
                    # callee answers 3 times in 4); use an agent who is free now.
                    if presses:
                        ext = _free_agent(sim)
                        await page.goto(f"http://127.0.0.1:{wport}/worklist?user=dana&ext={ext}")
                    if await card.count():
                        await card.get_by_role("button", name="Call back").click()
                        await page.get_by_text("called back by dana").first.wait_for(timeout=15_000)
                        presses += 1
                        last_press = time.monotonic()
                        if presses == 1:
                            await page.screenshot(
                                path=str(SHOTS / "worklist-called-back.png"), full_page=True
                            )
                await asyncio.sleep(1.0)
            text = await closed.first.inner_text()
            assert "called back by dana" in text
            ttc = await page.locator(".wb-ttc").inner_text()
            assert "—" not in ttc  # a time to callback is shown
            await page.screenshot(path=str(SHOTS / "worklist-reached.png"), full_page=True)
            # The live board carries the same figure: callers to call back, time to callback.
            await page.goto(f"http://127.0.0.1:{wport}/board/all")
            chip = page.locator(".wb-callbacks")
            await chip.wait_for(timeout=30_000)
            await page.locator(".wb-callbacks .wb-clock").wait_for(timeout=30_000)
            assert (await chip.get_attribute("data-open")) is not None
            await page.goto(f"http://127.0.0.1:{wport}/history")
            await page.locator("text=Queues: today").wait_for(timeout=15_000)
            await page.wait_for_timeout(1500)  # let echarts draw
            await page.screenshot(path=str(SHOTS / "history.png"), full_page=True)
            # One call's page: when it started, in the centre's time, and the way back.
            conn = sqlite3.connect(db)
            try:
                (call_id,) = conn.execute("SELECT ivruniqueid FROM cdr LIMIT 1").fetchone()
            finally:
                conn.close()
            await page.goto(f"http://127.0.0.1:{wport}/call/{call_id}")
            await page.get_by_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")).wait_for(
                timeout=15_000
            )
            await page.get_by_role("link", name="History").wait_for(timeout=5_000)
            await browser.close()
        # The audit log has the Click2Call and who placed it.
        conn = sqlite3.connect(db)
        try:
            rows = conn.execute(
                "SELECT actor, action, target, ok FROM audit WHERE action='click_to_call'"
            ).fetchall()
            cb = conn.execute("SELECT actor, number, ok FROM callback").fetchall()
        finally:
            conn.close()
        # Open mode: nobody has the right to see numbers, so the page showed the last digits
        # only; the vendor was still asked to dial the full number.
        assert number.startswith("•")
        tail = number.lstrip("•")
        assert any(r[0] == "dana" and r[2].endswith(tail) and r[3] == 1 for r in rows)
        assert any(c[0] == "dana" and c[1].endswith(tail) and c[2] == 1 for c in cb)
        assert not any(len(c[1]) <= len(tail) for c in cb)
    finally:
        server.stop()
        await sim.stop()
