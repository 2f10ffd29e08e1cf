"""Supervisor actions on web nodes of simulator accounts, with real processes: NATS,
PostgreSQL, two accounts whose ingest workers each run their own simulator (`source =
"simulator"` on any free port, as `wallboard cluster` runs deploy/cluster/), one web node
each, and Debian's Chromium pressing the web node's own buttons.

A status change on acme's agent page and a call back on its worklist reach acme's
simulator (its Login/Logout and Click2Call, at the address its ingest worker wrote in the
bucket), show in the simulator's truth and in acme's audit log; globex's simulator gets
no request and globex's audit log no row. With acme's ingest worker (and so its
simulator) gone, the web node still serves, and a status change fails with the reason in
words, audited too. Times are printed with `-s`.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from tests.integration.cluster.env import (
    Account,
    Cluster,
    abandoned_cdr,
    get_json,
    published_sim_url,
    wait_up,
)
from wallboard.web.auth import hash_password

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]
PASSWORD = "lead-pass-7"
TRAINING = 11  # the vendor's status code (docs/voicenter.md, "Fields")
SLOW = 30_000  # ms
EXTRA = (
    '[api]\nallowed_actors = ["boss"]\n'
    f'[auth.users.boss]\npassword_hash = "{hash_password(PASSWORD)}"\nadmin = true\n'
)


async def _until(what: str, check: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> Any:
    """The first truthy `check()` within `timeout` seconds."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.3)
    raise AssertionError(f"never: {what}")


async def _rows(pg_url: str, query: str, *args: object) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(pg_url)
    try:
        return [tuple(r) for r in await conn.fetch(query, *args)]
    finally:
        await conn.close()


async def _audit(pg_url: str, account: str) -> list[tuple[Any, ...]]:
    q = "SELECT actor, action, target, ok, detail FROM audit WHERE account=$1 ORDER BY id"
    return await _rows(pg_url, q, account)


async def _requests(s: aiohttp.ClientSession, sim: str) -> dict[str, int]:
    """The REST requests the simulator received, per API (`/sim/status`)."""
    return dict((await get_json(s, f"{sim}/sim/status"))["api_requests"])


async def test_actions_on_a_web_node_reach_its_own_accounts_simulator(tmp_path: Path, pg_url: str):
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is required: `make browser` installs it")
    acme = Account("acme", agents=8, queues=2, seed=3, own_sim=True)
    globex = Account("globex", agents=6, queues=2, seed=7, own_sim=True)
    cluster = Cluster(tmp_path, [acme, globex], 1, pg_url, speed=1.0, extra=EXTRA)
    times: dict[str, float] = {}
    cluster.start()
    try:
        async with aiohttp.ClientSession() as s, async_playwright() as pw:
            for a in (acme, globex):
                await wait_up(s, f"http://127.0.0.1:{a.ingest_port}/healthz")
                await wait_up(s, f"{a.web(0)}/healthz")
            sims = [await published_sim_url(cluster.nats.url, a.name) for a in (acme, globex)]
            assert sims[0] != sims[1]
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = await _signed_in(browser, acme)
                ext = await _status_change(page, s, (acme, sims[0]), pg_url, times)
                await _call_back(page, s, (acme, sims[0]), pg_url, times)
                # Tenant isolation: nothing of this reached globex's simulator or rows.
                got = await _requests(s, sims[1])
                assert "LoginLogout" not in got and "Click2Call" not in got, got
                assert await _audit(pg_url, "globex") == []
                cluster.kill("ingest-acme")  # its simulator with it
                await _simulator_gone(page, s, acme, ext, pg_url)
            finally:
                await browser.close()
    finally:
        cluster.stop()
    print("\nactions on a web node (s):")
    for what, secs in times.items():
        print(f"  {what}: {secs:.1f}")


async def _signed_in(browser: Any, a: Account) -> Any:
    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    await page.goto(f"{a.web(0)}/login?next=/healthz")
    await page.get_by_label("User").fill("boss")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/healthz", timeout=SLOW)
    return page


async def _free_agent(page: Any, a: Account, but: int = 0) -> int:
    """An agent on the web node's board who is available and off the phone."""

    async def find() -> int | None:
        r = await page.context.request.get(f"{a.web(0)}/api/state")
        agents = (await r.json())["agents"]
        free = [
            x["extension"]
            for x in agents
            if x["state"] == "available" and not x["calls"] and x["extension"] != but
        ]
        return free[0] if free else None

    found: int = await _until(f"an available agent on {a.name}'s web node", find, 90)
    return found


async def _status_change(
    page: Any, s: aiohttp.ClientSession, where: tuple[Account, str], pg_url: str,
    times: dict[str, float],
) -> int:  # fmt: skip
    from playwright.async_api import expect

    a, sim = where
    ext = await _free_agent(page, a)
    await page.goto(f"{a.web(0)}/agent/{ext}")
    control = page.locator(".wb-status-control")
    await control.get_by_label("Change status").click()
    await page.get_by_role("option", name="Training").click()
    t0 = time.monotonic()
    await control.get_by_role("button", name="Change status").click()
    # Confirmed on the web node: the simulator's status event came back through its
    # ingest worker and the bucket.
    state = page.locator(".wb-action-state")
    await expect(state).to_have_attribute("data-state", "done", timeout=SLOW)
    times["status change on the web node → confirmed through the cluster"] = time.monotonic() - t0

    async def in_training() -> bool:
        truth = await get_json(s, f"{sim}/sim/truth")
        return bool(truth["agents"][str(ext)]["status"] == TRAINING)

    await _until(f"{ext} on Training in the simulator's truth", in_training, 10)
    assert (await _requests(s, sim)).get("LoginLogout") == 1
    audit = await _audit(pg_url, a.name)
    assert [r[:4] for r in audit] == [("boss", "set_status", str(ext), True)], audit
    return ext


async def _call_back(
    page: Any, s: aiohttp.ClientSession, where: tuple[Account, str], pg_url: str,
    times: dict[str, float],
) -> None:  # fmt: skip
    a, sim = where
    call_id = f"wa-{uuid.uuid4().hex[:12]}"
    headers = {"Content-Type": "application/json"}
    async with s.post(a.hook, data=abandoned_cdr(call_id), headers=headers) as r:
        assert r.status == 200, await r.text()
    ext = await _free_agent(page, a)
    await page.goto(f"{a.web(0)}/worklist?ext={ext}")
    card = page.locator(".wb-item", has=page.locator(f'a[href="/call/{call_id}"]'))
    await card.wait_for(timeout=SLOW)
    t0 = time.monotonic()
    await card.get_by_role("button", name="Call back").click()
    q = "SELECT actor, from_extension, ok FROM callback WHERE account=$1 AND ivruniqueid=$2"

    async def pressed() -> list[tuple[Any, ...]]:
        return await _rows(pg_url, q, a.name, call_id)

    assert await _until("the press stored", pressed) == [("boss", ext, True)]
    times["call back on the web node → placed by the simulator"] = time.monotonic() - t0
    assert (await _requests(s, sim)).get("Click2Call") == 1
    audit = await _audit(pg_url, a.name)
    assert audit[-1][:4] == ("boss", "click_to_call", "0529876543", True), audit
    assert json.loads(audit[-1][4])["call_id"]  # the simulator's id of the call it placed


async def _simulator_gone(
    page: Any, s: aiohttp.ClientSession, a: Account, ext: int, pg_url: str
) -> None:
    from playwright.async_api import expect

    await page.goto(f"{a.web(0)}/agent/{ext}")  # the last state, marked stale
    control = page.locator(".wb-status-control")
    await control.get_by_label("Change status").click()
    await page.get_by_role("option", name="Lunch").click()
    await control.get_by_role("button", name="Change status").click()
    state = page.locator(".wb-action-state")
    await expect(state).to_have_attribute("data-state", "failed", timeout=SLOW)
    await expect(state).to_contain_text("connection refused")
    last = (await _audit(pg_url, a.name))[-1]
    assert last[:4] == ("boss", "set_status", str(ext), False) and "refused" in last[4], last
    async with s.get(f"{a.web(0)}/healthz") as r:
        assert r.status == 200  # the web node serves on
