"""A web node on the shared PostgreSQL store, with real processes: NATS, PostgreSQL, two
accounts each with its simulator, ingest worker and web node.

What the editor stores for one account (a board, a kiosk token, its revocation) is in
force on that account's web node within seconds, and unknown to the other's; a CDR
posted to the ingest worker's webhook reaches the web node's worklist and call page
(not the other account's); the web node itself takes no CDR. Times are printed with `-s`.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from tests.integration.cluster.env import Account, Cluster, abandoned_cdr, wait_up
from wallboard.config import Settings
from wallboard.core.scope import Role, Scope
from wallboard.services.editor import BoardEditor
from wallboard.store.postgres import PostgresStore

pytestmark = pytest.mark.integration

ADMIN = Scope(Role.ADMIN, "boss", act=True)
# Words as the pages put them in their elements (the board's dictionary also carries some
# of them, so the bare words are not enough).
FORBIDDEN = re.compile(r'"text":\s*"Not allowed"')
NO_BOARD = re.compile(r'"text":\s*"No such board"')
NO_CDR = re.compile(r'"text":\s*"No CDR for call ')
WALL = re.compile(r'"board":\s*"wall"')


async def _page(s: aiohttp.ClientSession, url: str) -> str:
    async with s.get(url, timeout=aiohttp.ClientTimeout(total=10)) as r:
        assert r.status == 200, (url, r.status)
        return await r.text()


async def _until(
    s: aiohttp.ClientSession, url: str, ok: Callable[[str], object], timeout: float = 30.0
) -> float:
    """Seconds until the page at `url` satisfies `ok`."""
    t0 = time.monotonic()
    page = ""
    while time.monotonic() - t0 < timeout:
        page = await _page(s, url)
        if ok(page):
            return time.monotonic() - t0
        await asyncio.sleep(0.3)
    raise AssertionError(f"{url}: never as expected; last page ends {page[-300:]!r}")


async def _stored(pg_url: str, call_id: str) -> list[str]:
    conn = await asyncpg.connect(pg_url)
    try:
        rows = await conn.fetch("SELECT account FROM cdr WHERE ivruniqueid=$1", call_id)
    finally:
        await conn.close()
    return [r[0] for r in rows]


async def test_a_web_node_serves_its_accounts_shared_store(tmp_path: Path, pg_url: str):
    acme = Account("acme", agents=6, queues=2, seed=3)
    globex = Account("globex", agents=5, queues=2, seed=7)
    cluster = Cluster(tmp_path, [acme, globex], 1, pg_url, speed=1.0)
    times: dict[str, float] = {}
    cluster.start()
    try:
        async with aiohttp.ClientSession() as s:
            for a in (acme, globex):
                await wait_up(s, f"http://127.0.0.1:{a.ingest_port}/healthz")
                await wait_up(s, f"{a.web(0)}/healthz")
            await _editor_on_the_ingest_side(s, pg_url, acme, globex, times)
            await _a_cdr_through_the_ingest_worker(s, pg_url, acme, globex, times)
    finally:
        cluster.stop()
    print("\nweb node on the shared store (s):")
    for what, secs in times.items():
        print(f"  {what}: {secs:.1f}")


async def _editor_on_the_ingest_side(
    s: aiohttp.ClientSession, pg_url: str, acme: Account, globex: Account, times: dict[str, float]
) -> None:
    # The editor's service on acme's rows, as the ingest worker's /admin runs it.
    store = PostgresStore(pg_url, "acme")
    await store.start()
    try:
        editor = BoardEditor(Settings(), store)
        await editor.load(seed=False)
        await editor.save("boss", ADMIN, "wall", {"title": "Wall of acme", "queues": []})
        token = await editor.create_token("boss", ADMIN, "tv-made", ("wall",))
        kiosk = f"{acme.web(0)}/kiosk?token={token}"
        times["editor's board and token → open on the web node"] = await _until(
            s, kiosk, lambda p: not FORBIDDEN.search(p) and WALL.search(p)
        )
        assert not NO_BOARD.search(await _page(s, f"{acme.web(0)}/board/wall"))
        # The other account's node knows neither the token nor the board.
        assert FORBIDDEN.search(await _page(s, f"{globex.web(0)}/kiosk?token={token}"))
        assert NO_BOARD.search(await _page(s, f"{globex.web(0)}/board/wall"))
        await editor.revoke_token("boss", ADMIN, "tv-made")
        times["token revoked → refused on the web node"] = await _until(s, kiosk, FORBIDDEN.search)
    finally:
        await store.stop()


async def _a_cdr_through_the_ingest_worker(
    s: aiohttp.ClientSession, pg_url: str, acme: Account, globex: Account, times: dict[str, float]
) -> None:
    call_id = f"ws-{uuid.uuid4().hex[:12]}"
    headers = {"Content-Type": "application/json"}
    async with s.post(acme.hook, data=abandoned_cdr(call_id), headers=headers) as r:
        assert r.status == 200, await r.text()
    t0 = time.monotonic()
    await _until(s, f"{acme.web(0)}/worklist", lambda p: call_id in p)
    times["CDR posted to the ingest worker → on the web node's worklist"] = time.monotonic() - t0
    assert call_id in await _page(s, f"{acme.web(0)}/call/{call_id}")
    async with s.get(f"{acme.web(0)}/readyz") as r:
        assert (await r.json())["store"] == "writable"  # the web node's own store: PostgreSQL
    # The other account's node: not on its worklist, no such call.
    assert call_id not in await _page(s, f"{globex.web(0)}/worklist")
    assert NO_CDR.search(await _page(s, f"{globex.web(0)}/call/{call_id}"))
    # A web node takes no CDR, even with the account's secret: not acknowledged, not stored.
    other = f"ws-{uuid.uuid4().hex[:12]}"
    # As the vendor posts (no Origin), and as if from the node's own pages (past the
    # same-site check): neither is a CDR.
    for extra in ({}, {"Origin": acme.web(0)}):
        async with s.post(
            f"{acme.web(0)}/vendor/cdr/s-acme",
            data=abandoned_cdr(other),
            headers={**headers, **extra},
        ) as r:
            assert r.status != 200, (extra, r.status, await r.text())
    assert await _stored(pg_url, other) == [] and await _stored(pg_url, call_id) == ["acme"]
