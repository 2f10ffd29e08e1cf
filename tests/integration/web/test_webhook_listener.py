"""The webhook's own listener (`[cdr] port`) over real HTTP, in-process with a real store:
its secret, acknowledged only once stored, repeats, bad input, proxies' addresses."""

from __future__ import annotations

import ipaddress
import json
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bench.cdr_intake import _ok, free_port
from tests.conftest import CDR
from wallboard.config import load_settings
from wallboard.runtime.hub import Hub
from wallboard.services.intake import CdrIntake
from wallboard.store.db import Store
from wallboard.web.webhook_listener import WebhookListener, client_address

pytestmark = pytest.mark.integration

SECRET = "listener-secret"
JSON = {"Content-Type": "application/json"}


@dataclass
class Running:
    url: str
    db: Path
    store: Store
    intake: CdrIntake


async def _start(tmp_path: Path, **env: str) -> tuple[WebhookListener, Running]:
    db = tmp_path / "db.sqlite"
    settings = load_settings(
        None,
        {
            "WALLBOARD_STORE_PATH": str(db),
            "WALLBOARD_CDR_SECRET": SECRET,
            "WALLBOARD_CDR_PORT": str(free_port()),
            "WALLBOARD_CDR_MAX_BODY_BYTES": "50000",
            **env,
        },
    )
    store = Store(settings.store.path)
    store.open()
    intake = CdrIntake(settings, store, Hub(settings.fold_settings()))
    listener = WebhookListener(intake, "127.0.0.1", settings.web.trusted_proxies)
    await listener.start()
    url = f"http://127.0.0.1:{settings.cdr.port}{settings.cdr.path}"
    return listener, Running(url, db, store, intake)


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    listener, run = await _start(tmp_path)
    try:
        yield run
    finally:
        await listener.stop()
        run.store.close()


def _rows(db: Path) -> list[tuple[str, bytes]]:
    """What another connection reads: only what is committed."""
    conn = sqlite3.connect(db)
    try:
        return [(r[0], bytes(r[1])) for r in conn.execute("SELECT ivruniqueid, raw FROM cdr")]
    finally:
        conn.close()


async def test_only_with_the_secret_in_the_path_or_the_header(running: Running) -> None:
    body = (CDR / "outgoing-answer.json").read_bytes()
    async with aiohttp.ClientSession() as s:
        for url, headers in (
            (running.url, JSON),
            (f"{running.url}/wrong", JSON),
            (running.url, {**JSON, "X-Wallboard-Secret": "wrong"}),
        ):
            async with s.post(url, data=body, headers=headers) as r:
                assert r.status == 403
                assert await r.json() == {"Err": 2, "Errdesc": "forbidden"}
        assert _rows(running.db) == []
        async with s.post(f"{running.url}/{SECRET}", data=body, headers=JSON) as r:
            assert r.status == 200
            assert await r.json() == {"Err": 0, "Errdesc": "OK"}
    assert running.intake.stats.refused == 3
    assert len(_rows(running.db)) == 1


async def test_acknowledged_once_stored_and_a_repeat_is_stored_once(running: Running) -> None:
    hdr = {"X-Wallboard-Secret": SECRET}
    first = (CDR / "outgoing-answer.json").read_bytes()
    async with aiohttp.ClientSession() as s:
        for name, ctype, rows in (
            ("outgoing-answer.json", "application/json", 1),
            # The same call in the other encodings: repeats, acknowledged, not stored again.
            ("outgoing-answer.form.txt", "application/x-www-form-urlencoded", 1),
            ("outgoing-answer.xmlrpc.xml", "text/xml", 1),
            ("incoming-queue-answer.json", "application/json", 2),
        ):
            body = (CDR / name).read_bytes()
            async with s.post(running.url, data=body, headers={**hdr, "Content-Type": ctype}) as r:
                assert r.status == 200
                assert _ok(await r.text()), name
            # Acknowledged means committed: another connection reads it at once.
            stored = _rows(running.db)
            assert len(stored) == rows, name
            assert first in [raw for _, raw in stored]
            if rows == 2:
                assert body in [raw for _, raw in stored]
    stats = running.intake.stats
    assert (stats.stored, stats.duplicates) == (2, 2)


async def test_not_acknowledged_when_it_cannot_be_stored(running: Running) -> None:
    running.store.close()  # the store is gone: the vendor must keep the CDR and retry
    body = (CDR / "outgoing-answer.json").read_bytes()
    async with (
        aiohttp.ClientSession() as s,
        s.post(running.url, data=body, headers={**JSON, "X-Wallboard-Secret": SECRET}) as r,
    ):
        assert r.status == 500
        reply = await r.json()
    assert reply["Err"] == 2
    assert running.intake.stats.store_errors == 1


async def test_bad_input_is_refused_in_words_and_kept(running: Running) -> None:
    hdr = {**JSON, "X-Wallboard-Secret": SECRET}
    async with aiohttp.ClientSession() as s:
        async with s.post(running.url, data=b'{"ivruniqueid": "x", "time": ', headers=hdr) as r:
            assert r.status == 200  # the vendor's protocol: Err 1 says "do not resend"
            reply = await r.json()
        assert reply["Err"] == 1 and "invalid JSON" in reply["Errdesc"]
        big = b'{"ivruniqueid": "big", "time": 1, "pad": "' + b"x" * 60000 + b'"}'
        async with s.post(running.url, data=big, headers=hdr) as r:
            assert r.status == 413
            assert (await r.json()) == {"Err": 1, "Errdesc": "body too large"}
        async with s.get(running.url, headers=hdr) as r:
            assert r.status == 405
            assert "POST only" in (await r.json())["Errdesc"]
        async with s.post(running.url.rsplit("/", 1)[0] + "/other", data=b"{}", headers=hdr) as r:
            assert r.status == 404
    assert _rows(running.db) == []
    # Nothing lost: the body refused for its content is kept, to replay after a fix.
    (kept,) = await running.store.quarantined()
    assert kept.raw == b'{"ivruniqueid": "x", "time": '
    assert "invalid JSON" in kept.reason


async def test_allow_ips_sees_the_sender_behind_a_trusted_proxy(tmp_path: Path) -> None:
    listener, run = await _start(
        tmp_path,
        WALLBOARD_CDR_ALLOW_IPS="192.0.2.0/24",
        WALLBOARD_WEB_TRUSTED_PROXIES="127.0.0.1",
    )
    body = (CDR / "outgoing-answer.json").read_bytes()
    hdr = {**JSON, "X-Wallboard-Secret": SECRET}
    try:
        async with aiohttp.ClientSession() as s:
            async with s.post(run.url, data=body, headers=hdr) as r:
                assert r.status == 403  # the proxy itself is not an allowed sender
            fwd = {**hdr, "X-Forwarded-For": "203.0.113.9, 192.0.2.7"}
            async with s.post(run.url, data=body, headers=fwd) as r:
                assert r.status == 200
                assert json.loads(await r.text())["Err"] == 0
            # The sender's own claim (left of what the proxy added) is never believed.
            fwd = {**hdr, "X-Forwarded-For": "192.0.2.7, 203.0.113.9"}
            async with s.post(run.url, data=body, headers=fwd) as r:
                assert r.status == 403
    finally:
        await listener.stop()
        run.store.close()


def test_client_address_believes_only_trusted_proxies() -> None:
    nets = [ipaddress.ip_network("10.0.0.0/8")]
    assert client_address("10.1.1.1", "192.0.2.7", nets) == "192.0.2.7"
    assert client_address("10.1.1.1", "192.0.2.7, 10.2.2.2", nets) == "192.0.2.7"
    assert client_address("198.51.100.1", "192.0.2.7", nets) == "198.51.100.1"
    assert client_address("10.1.1.1", None, nets) == "10.1.1.1"
    assert client_address("10.1.1.1", "10.2.2.2", nets) == "10.1.1.1"
    assert client_address("10.1.1.1", "192.0.2.7", []) == "10.1.1.1"
    assert client_address(None, "192.0.2.7", nets) is None


async def test_a_taken_port_is_an_error(running: Running, tmp_path: Path) -> None:
    port = int(running.url.split(":")[2].split("/")[0])
    settings = load_settings(
        None,
        {"WALLBOARD_STORE_PATH": str(tmp_path / "other.sqlite"), "WALLBOARD_CDR_PORT": str(port)},
    )
    second = WebhookListener(
        CdrIntake(settings, running.store, Hub(settings.fold_settings())), "127.0.0.1", []
    )
    with pytest.raises(OSError):
        await second.start()
