"""One web node process serves two accounts, each on its own port: real NATS, simulators,
ingest workers and one `wallboard web` process.

Both accounts have a user `lead` with the same password — the worst case. A browser
(one cookie jar: a cookie is per host, not per port, so both accounts get the same
session cookie) signed in on acme is a stranger on globex; signed in on both, it signs
out of one and stays on the other. No path reaches another account's routes through the
node's port, and /metrics names each account's link.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from tests.integration.cluster.env import Account, Cluster, wait_up
from wallboard.web.auth import hash_password

pytestmark = pytest.mark.integration

PASSWORD = "same-pass-both-9"
EXTRA = f'[auth.users.lead]\npassword_hash = "{hash_password(PASSWORD)}"\n'


async def _status(s: aiohttp.ClientSession, url: str) -> int:
    async with s.get(url, allow_redirects=False, timeout=aiohttp.ClientTimeout(total=10)) as r:
        await r.read()
        return r.status


async def _sign_in(s: aiohttp.ClientSession, base: str) -> None:
    form = {"user": "lead", "password": PASSWORD, "next": "/"}
    async with s.post(f"{base}/login", data=form, allow_redirects=False) as r:
        assert r.status == 303, r.status
        assert r.headers["Location"] == "/", r.headers["Location"]  # not /login?failed=1


async def _agents(s: aiohttp.ClientSession, base: str, want: int) -> int:
    """The number of agents on the board at `base` once it is `want` (30 s at most)."""
    n = -1
    for _ in range(150):
        async with s.get(f"{base}/api/state") as r:
            n = len((await r.json())["agents"])
        if n == want:
            break
        await asyncio.sleep(0.2)
    return n


async def test_one_process_keeps_two_accounts_apart(tmp_path: Path) -> None:
    acme = Account("acme", agents=5, queues=2, seed=3)
    globex = Account("globex", agents=4, queues=2, seed=7)
    cluster = Cluster(tmp_path, [acme, globex], 1, None, extra=EXTRA)
    cluster.start()
    try:
        jar = aiohttp.CookieJar(unsafe=True)  # keeps cookies for 127.0.0.1, as a browser
        async with aiohttp.ClientSession(cookie_jar=jar) as s:
            a, g = acme.web(0), globex.web(0)
            for base in (a, g):
                await wait_up(s, f"{base}/healthz")
            assert list(cluster.procs).count("web0") == 1  # one process for both
            assert (await _status(s, f"{a}/api/state"), await _status(s, f"{g}/api/state")) == (
                401,
                401,
            )
            await _sign_in(s, a)
            # The same session cookie goes to both ports; only acme knows the login.
            assert await _status(s, f"{a}/api/state") == 200
            assert await _status(s, f"{g}/api/state") == 401
            assert await _status(s, f"{g}/board/main") == 303  # to globex's login
            await _sign_in(s, g)  # a new session id: acme's login is carried over
            assert await _status(s, f"{a}/api/state") == 200
            assert await _status(s, f"{g}/api/state") == 200
            await _status(s, f"{g}/logout")
            assert await _status(s, f"{g}/api/state") == 401
            assert await _status(s, f"{a}/api/state") == 200
            # Each account's floor on its own port (once its ingest worker has written it).
            for base, account in ((a, acme), (g, globex)):
                await _sign_in(s, base)
                assert await _agents(s, base, account.agents) == account.agents
            # No way into another account's routes, nor one's own by their inner name.
            for path in ("/_a/globex/api/state", "/_a/acme/api/state", "/_a/globex/login"):
                assert await _status(s, f"{a}{path}") == 404, path
            async with s.get(f"{a}/metrics") as r:
                text = await r.text()
            for name in ("acme", "globex"):
                assert f'wallboard_vendor_link_up{{account="{name}"}}' in text
    finally:
        cluster.stop()
