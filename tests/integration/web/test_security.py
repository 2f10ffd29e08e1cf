"""Security by default, over real HTTP: forwarded headers, secrets in logs, logins."""

from __future__ import annotations

import base64
import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bench.cdr_intake import SECRET, Server, free_port, make_cdr
from tests.integration.web.test_webhook_hostile import wait_ready
from wallboard.web.auth import hash_password

pytestmark = pytest.mark.integration

PASSWORD = "correct horse"


def _start(d: Path, **env: str) -> Server:
    users = d / "users.toml"
    users.write_text(f'[users.lead]\npassword_hash = "{hash_password(PASSWORD)}"\n')
    srv = Server(
        d / "db.sqlite",
        free_port(),
        d / "server.log",
        {
            "WALLBOARD_AUTH_USERS_FILE": str(users),
            "WALLBOARD_WEB_STORAGE_SECRET": "test-storage-secret",
            "WALLBOARD_CDR_ALLOW_IPS": "10.9.8.7",
            **env,
        },
    )
    srv.start()
    wait_ready(srv.port, srv.log)
    return srv


@pytest.fixture(scope="module")
def direct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """No proxy configured: forwarded headers are nobody's word."""
    srv = _start(tmp_path_factory.mktemp("direct"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Behind a proxy on 127.0.0.1 that terminates TLS."""
    srv = _start(tmp_path_factory.mktemp("proxied"), WALLBOARD_WEB_TRUSTED_PROXIES="127.0.0.1")
    yield srv
    srv.stop()


def _cookie(r: aiohttp.ClientResponse) -> str:
    return "; ".join(r.headers.getall("Set-Cookie", []))


def _session_id(cookie: str) -> str:
    value = cookie.split("session=", 1)[1].split(".", 1)[0]
    return str(json.loads(base64.b64decode(value + "=="))["id"])


async def _post_cdr(port: int, forwarded_for: str) -> int:
    body = json.dumps(make_cdr(int(time.time() * 1000) % 10**7, int(time.time()))).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Wallboard-Secret": SECRET,
        "X-Forwarded-For": forwarded_for,
    }
    async with (
        aiohttp.ClientSession() as s,
        s.post(f"http://127.0.0.1:{port}/vendor/cdr", data=body, headers=headers) as r,
    ):
        assert "Set-Cookie" not in r.headers  # no session work for the vendor
        return r.status


async def test_forwarded_for_only_from_a_trusted_proxy(direct: Server, proxied: Server):
    assert await _post_cdr(direct.port, "10.9.8.7") == 403  # 127.0.0.1 is no proxy here
    assert await _post_cdr(proxied.port, "10.9.8.7") == 200
    assert await _post_cdr(proxied.port, "192.0.2.1") == 403


async def test_no_secret_in_the_log_and_odd_methods_answered_in_kind(direct: Server):
    base = f"http://127.0.0.1:{direct.port}/vendor/cdr"
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{base}/{SECRET}/extra", data=b"x=1") as r:
            assert r.status == 404 and "Err=1" in await r.text()
        async with s.get(f"{base}/{SECRET}") as r:
            assert r.status == 405
        async with s.post(f"{base}/wrong-{SECRET}", data=b"{}") as r:
            assert r.status == 403
    assert SECRET not in direct.log.read_text()


async def test_the_login_keeps_the_page_asked_for_with_its_query(direct: Server):
    # Before the throttling test below: this one signs in once, with the right password.
    base = f"http://127.0.0.1:{direct.port}"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        async with s.get(f"{base}/history?queue=3&lang=he", allow_redirects=False) as r:
            login = r.headers["Location"]
        assert login == "/login?next=/history%3Fqueue%3D3%26lang%3Dhe"
        async with s.get(f"{base}{login}") as r:
            page = await r.text()
        # The form sends the whole target back (NiceGUI writes the value HTML-escaped into
        # the page; the browser's field holds it as is), and the login itself is in Hebrew.
        assert '"name":"next","value":"/history?queue=3&amp;lang=he"' in page
        assert 'setAttribute("lang","he")' in page
        form = {"user": "lead", "password": PASSWORD, "next": "/history?queue=3&lang=he"}
        async with s.post(f"{base}/login", data=form, allow_redirects=False) as r:
            assert r.headers["Location"] == "/history?queue=3&lang=he"
        async with s.get(f"{base}/?lang=he", allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"].endswith("?lang=he")


async def test_login_renews_the_session_and_throttles_guessing(direct: Server):
    base = f"http://127.0.0.1:{direct.port}"
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as s:
        async with s.get(f"{base}/login", headers={"X-Forwarded-Proto": "https"}) as r:
            first = _cookie(r)
        assert "Max-Age=43200" in first  # [auth] session_hours = 12, as the server enforces
        assert "secure" not in first.lower()  # plain HTTP, and the header is nobody's word
        form = {"user": "lead", "password": PASSWORD, "next": "/%5Cevil.example/"}
        async with s.post(f"{base}/login", data=form, allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"] == "/"
            assert _session_id(_cookie(r)) != _session_id(first)
        async with s.get(f"{base}/api/state") as r:
            assert r.status == 200  # signed in under the new id
        bad = {"user": "lead", "password": "guess", "next": "/history"}
        for _ in range(5):
            async with s.post(f"{base}/login", data=bad, allow_redirects=False) as r:
                assert r.status == 303 and r.headers["Location"].startswith("/login?failed=1")
        async with s.post(f"{base}/login", data=bad, allow_redirects=False) as r:
            assert r.status == 429 and int(r.headers["Retry-After"]) > 0
            wait = r.headers["Retry-After"]
            assert f"try again in {wait} seconds" in await r.text()  # said in words
        async with s.post(f"{base}/login", data=form, allow_redirects=False) as r:
            assert r.status == 429  # the address is throttled, right password or not


async def test_secure_cookie_over_tls_and_a_prompt_clean_stop(proxied: Server):
    async with (
        aiohttp.ClientSession() as s,
        s.get(
            f"http://127.0.0.1:{proxied.port}/login", headers={"X-Forwarded-Proto": "https"}
        ) as r,
    ):
        assert "secure" in _cookie(r).lower()
    assert proxied.proc is not None
    t0 = time.monotonic()
    proxied.proc.send_signal(signal.SIGTERM)
    proxied.proc.wait(timeout=20)
    print(f"stopped {time.monotonic() - t0:.1f} s after SIGTERM")
    assert proxied.proc.returncode is not None
