"""`voicenter.http.vendor_errors`: real aiohttp failures against 127.0.0.1 become our errors.

Each message names the host and says what happened in words: no library class name, no
"ssl:default", never the URL's query (it carries the socket token).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from wallboard.errors import (
    VendorAuthError,
    VendorConnectionError,
    VendorError,
    VendorProtocolError,
    WallboardError,
)
from wallboard.voicenter.http import host_of, summarise_reply, translate, vendor_errors

TOKEN = "sock-secret-token"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _clean(message: str) -> None:
    assert "ssl:default" not in message
    assert "Error" not in message  # no ClientConnectorError, TimeoutError...
    assert TOKEN not in message


@pytest.fixture
async def app_url() -> AsyncIterator[str]:
    """An aiohttp server: /401 and /500 answer so, /ws refuses websockets with /ws?code."""

    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), text="no")

    async def ws(request: web.Request) -> web.Response:
        return web.Response(status=int(request.query.get("code", "400")), text="no")

    app = web.Application()
    app.router.add_get("/ws", ws)
    app.router.add_get("/{code:\\d+}", status)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def raw_server() -> AsyncIterator[tuple[str, dict[str, bytes | None]]]:
    """A TCP server whose reply is set per test: None = never answer, bytes = send, close."""
    reply: dict[str, bytes | None] = {"data": None}
    hold: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        data = reply["data"]
        if data is None:
            hold.append(writer)  # keep the connection open, say nothing
            return
        writer.write(data)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", reply
    for w in hold:
        w.close()
    server.close()
    await server.wait_closed()


async def _get(url: str, *, timeout: float = 5.0, check: bool = False) -> None:
    async with aiohttp.ClientSession() as http:
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        with vendor_errors("login", url, timeout=timeout):
            async with http.get(url, timeout=client_timeout, raise_for_status=check) as resp:
                await resp.read()


async def test_a_closed_port_is_connection_refused() -> None:
    port = _closed_port()
    url = f"http://127.0.0.1:{port}/monitorAPI/Login?token={TOKEN}"
    with pytest.raises(VendorConnectionError) as err:
        await _get(url)
    assert str(err.value) == f"login: cannot reach 127.0.0.1:{port}: connection refused"
    _clean(str(err.value))


async def test_a_server_that_never_answers_is_a_timeout_in_seconds(
    raw_server: tuple[str, dict[str, bytes | None]],
) -> None:
    url, _ = raw_server
    with pytest.raises(VendorConnectionError) as err:
        await _get(url, timeout=0.3)
    assert str(err.value) == f"login: {host_of(url)} did not answer within 0.3 s"
    _clean(str(err.value))


async def test_401_is_an_auth_error_and_500_a_connection_error(app_url: str) -> None:
    with pytest.raises(VendorAuthError) as auth:
        await _get(f"{app_url}/401", check=True)
    assert str(auth.value) == f"login: {host_of(app_url)} refused the credentials (HTTP 401)"
    with pytest.raises(VendorConnectionError) as down:
        await _get(f"{app_url}/500", check=True)
    assert not isinstance(down.value, VendorAuthError)
    assert str(down.value) == f"login: {host_of(app_url)} answered HTTP 500"


async def test_a_refused_websocket_upgrade_says_why(app_url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for code, kind, words in (
            (400, VendorProtocolError, "another Engine.IO version"),
            (401, VendorAuthError, "refused the token (HTTP 401)"),
            (503, VendorConnectionError, "refused the websocket upgrade (HTTP 503)"),
        ):
            url = f"{app_url}/ws?code={code}&token={TOKEN}"
            with pytest.raises(kind) as err, vendor_errors("https://m1", url):
                await http.ws_connect(url)
            assert str(err.value).startswith(f"https://m1: {host_of(app_url)} ")
            assert words in str(err.value)
            _clean(str(err.value))


async def test_a_server_closing_without_an_answer(
    raw_server: tuple[str, dict[str, bytes | None]],
) -> None:
    url, reply = raw_server
    reply["data"] = b""
    with pytest.raises(VendorConnectionError) as err:
        await _get(url)
    assert str(err.value) == f"login: {host_of(url)} closed the connection before answering"


async def test_an_answer_cut_short(raw_server: tuple[str, dict[str, bytes | None]]) -> None:
    url, reply = raw_server
    reply["data"] = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b"
    with pytest.raises(VendorConnectionError) as err:
        await _get(url)
    assert str(err.value) == f"login: {host_of(url)} broke off its answer part-way"


async def test_other_exceptions_and_our_own_pass_through() -> None:
    with pytest.raises(ValueError), vendor_errors("login", "http://h"):
        raise ValueError("a bug")
    mine = VendorAuthError("refused")
    with pytest.raises(VendorAuthError) as err, vendor_errors("login", "http://h"):
        raise mine
    assert err.value is mine


async def test_a_wrapped_library_error_is_found_through_its_causes() -> None:
    port = _closed_port()
    async with aiohttp.ClientSession() as http:
        try:
            try:
                await http.get(f"http://127.0.0.1:{port}/")
            except aiohttp.ClientError:
                # Implicit chaining (no `from`), exactly as python-engineio wraps it.
                raise RuntimeError("Connection error")  # noqa: B904
        except RuntimeError as wrapped:
            got = translate(wrapped, "https://m1", f"http://127.0.0.1:{port}")
    assert isinstance(got, VendorConnectionError)
    assert str(got) == f"https://m1: cannot reach 127.0.0.1:{port}: connection refused"
    assert translate(RuntimeError("unrelated"), "x", "http://h") is None


def test_the_tree() -> None:
    assert issubclass(VendorError, WallboardError)
    for kind in (VendorAuthError, VendorConnectionError, VendorProtocolError):
        assert issubclass(kind, VendorError)
    assert host_of("https://user:pw@m1.example.com:8443/x?token=t") == "m1.example.com:8443"
    assert host_of("m2.example.com") == "m2.example.com"


def test_a_vendor_reply_is_summarised_never_pasted() -> None:
    page = "<html><head><style>b{}</style><title>502 Bad Gateway</title></head><body>" + (
        "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>" * 40
    )
    said = summarise_reply(502, "text/html; charset=utf-8", page)
    assert said.startswith('HTTP 502, text/html, "502 Bad Gateway 502 Bad Gateway nginx')
    assert len(said) < 100 and "<" not in said
    assert summarise_reply(401, "", "") == "HTTP 401, no content type, empty"
    long_word = summarise_reply(500, "application/json", '{"error":"' + "x" * 500 + '"}')
    assert long_word.endswith('…"') and len(long_word) < 100
