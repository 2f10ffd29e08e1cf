"""The simulator as a server: login, the EIO3 socket, REST APIs, faults, agreement."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.integration.sim_env import running_simulator
from wallboard.config import SimulatorSettings
from wallboard.runtime.hub import Hub
from wallboard.sim.server import Simulator
from wallboard.voicenter.ingest import FrameParser
from wallboard.voicenter.login import parse_expiry

pytestmark = pytest.mark.integration

START = 1_763_888_400.0  # 10:00 in Israel: a busy morning


def _settings(**kw: object) -> SimulatorSettings:
    base: dict[str, object] = {
        "agents": 30,
        "queues": 4,
        "speed": 50.0,
        "seed": 7,
        "port": 0,
        "ping_interval_ms": 1000,
        "ping_timeout_ms": 1000,
    }
    base.update(kw)
    return SimulatorSettings.model_validate(base)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with running_simulator(_settings(), START) as simulator:
        yield simulator


async def _login(http: aiohttp.ClientSession, sim: Simulator) -> str:
    async with http.post(
        f"{sim.base_url}/monitorAPI/Login/Account", json={"username": "demo", "password": "demo"}
    ) as r:
        assert r.status == 200
        body = await r.json()
    socket = body["Data"]["Socket"]
    assert socket["Url"] == sim.base_url and socket["URLList"] == sim.server_urls
    assert len(sim.server_urls) == 2  # a main and a backup monitor server
    assert parse_expiry(socket["TokenExpiry"]) is not None  # an ISO-8601 date
    assert socket["TokenExpiry"].endswith("Z")
    token: str = socket["Token"]
    return token


def _ws_url(sim: Simulator, token: str) -> str:
    return f"{sim.base_url}/socket.io/?EIO=3&transport=websocket&token={token}"


async def test_bad_login_is_401(sim: Simulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{sim.base_url}/monitorAPI/Login/Account", json={"username": "demo", "password": "x"}
        ) as r:
            assert r.status == 401
        async with http.post(f"{sim.base_url}/monitorAPI/Login/Token", data="{nope") as r:
            assert r.status == 500


async def test_refused_token_gets_41_and_close(sim: Simulator) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(_ws_url(sim, "wrong")) as ws:
        got = [m.data async for m in ws if m.type is aiohttp.WSMsgType.TEXT]
    assert got[0].startswith("0{") and got[1:] == ["40", "41"]


async def test_handshake_snapshots_ping_and_live_events(sim: Simulator) -> None:
    hub = Hub()
    names: list[str] = []
    async with aiohttp.ClientSession() as http:
        token = await _login(http, sim)
        async with http.ws_connect(_ws_url(sim, token)) as ws:
            first = await ws.receive_str()
            handshake = json.loads(first[1:])
            assert first[0] == "0" and handshake["pingInterval"] == 1000
            assert handshake["upgrades"] == []
            assert await ws.receive_str() == "40"
            await ws.send_str("2")
            pong = False
            for _ in range(2000):
                msg = await asyncio.wait_for(ws.receive(), 10)
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    break
                if msg.data == "3":
                    pong = True
                    continue
                assert msg.data.startswith("42")
                event = FrameParser(hub).feed_frame(msg.data[2:], None)
                assert event is not None, msg.data[:200]
                names.append(json.loads(msg.data[2:])[0])
                if len(names) >= 60 and pong:
                    break
    assert names[:3] == ["loginSuccess", "loginStatus", "AllExtensionsStatus"]
    assert {"QueueEvent", "ExtensionEvent"} <= set(names)
    assert pong
    assert not hub.malformed_events and not hub.unknown_events


async def test_silent_client_is_dropped(sim: Simulator) -> None:
    async with aiohttp.ClientSession() as http:
        token = await _login(http, sim)
        async with http.ws_connect(_ws_url(sim, token)) as ws:
            closed = False
            for _ in range(100_000):
                msg = await asyncio.wait_for(ws.receive(), 15)
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    closed = True
                    break
    assert closed  # no pings for pingInterval + pingTimeout (2 s here): dropped


async def test_faults_keepalive_and_expiry(sim: Simulator) -> None:
    async with aiohttp.ClientSession() as http:
        token = await _login(http, sim)
        async with http.ws_connect(_ws_url(sim, token)) as ws:
            await ws.send_str(f'42["keepalive","{token}"]')
            async with http.post(f"{sim.base_url}/sim/fault/malformed") as r:
                assert (await r.json())["clients"] == 1
            async with http.post(f"{sim.base_url}/sim/fault/expire") as r:
                assert r.status == 200
            await ws.send_str(f'42["keepalive","{token}"]')
            async with http.post(f"{sim.base_url}/sim/fault/closeme") as r:
                assert r.status == 200
            seen: list[str] = []
            for _ in range(100_000):
                text = await asyncio.wait_for(ws.receive_str(), 10)
                if text.startswith('42["keepaliveResponse"') or text.startswith('42["closeme"'):
                    seen.append(text)
                if text.startswith(
                    '42["ExtensionEvent",{"data":{"reason":"NEWCALL","servertime":"soon"'
                ):
                    seen.append("malformed")
                if len(seen) == 4:
                    break
            await ws.send_str("2")
    assert seen[0] == '42["keepaliveResponse",{"errorCode":0,"errorDesc":"OK"}]'
    assert "malformed" in seen
    assert any('"errorCode":1' in s for s in seen)
    assert seen[-1].startswith('42["closeme"')
    async with aiohttp.ClientSession() as http, http.ws_connect(_ws_url(sim, token)) as ws:
        got = [m.data async for m in ws if m.type is aiohttp.WSMsgType.TEXT]
    assert got[1:] == ["40", "41"]  # the expired token is refused


async def test_agreement_with_truth() -> None:
    """After a simulated hour, the folded state and today's numbers equal the model's truth."""
    s = _settings(agents=60, queues=6, speed=500.0, seed=11)
    # Frozen until the client is in: it must see everything.
    async with running_simulator(s, START, speed=0.0) as sim:
        hub = await _follow_for(sim, 7.5)  # 7.5 s × 500 ≈ 62 simulated minutes
    truth = hub.truth  # type: ignore[attr-defined]
    assert truth["servertime"] - START >= 3600
    _assert_agrees(hub, truth)


async def _follow_for(sim: Simulator, seconds: float) -> Hub:
    """Follow the socket for a while, freeze the model, drain; attach the truth to the hub."""
    hub = Hub()
    async with aiohttp.ClientSession() as http:
        token = await _login(http, sim)
        async with http.ws_connect(_ws_url(sim, token)) as ws:
            if sim.clock.speed == 0:
                async with http.post(f"{sim.base_url}/sim/speed?factor=500") as r:
                    assert r.status == 200
            loop = asyncio.get_running_loop()
            deadline = loop.time() + seconds
            last_ping = loop.time()
            while loop.time() < deadline:
                if loop.time() - last_ping > 0.5:
                    await ws.send_str("2")
                    last_ping = loop.time()
                try:
                    msg = await asyncio.wait_for(ws.receive(), 0.5)
                except TimeoutError:
                    continue
                if msg.type is aiohttp.WSMsgType.TEXT and msg.data.startswith("42"):
                    FrameParser(hub).feed_frame(msg.data[2:], None)
            # Freeze the model, then drain what is in flight.
            async with http.post(f"{sim.base_url}/sim/speed?factor=0") as r:
                assert r.status == 200
            async with http.get(f"{sim.base_url}/sim/truth") as r:
                truth = await r.json()
            await ws.send_str("2")
            while True:
                msg = await asyncio.wait_for(ws.receive(), 10)
                if msg.data == "3":
                    break
                if msg.data.startswith("42"):
                    FrameParser(hub).feed_frame(msg.data[2:], None)
    hub.truth = truth  # type: ignore[attr-defined]
    return hub


def _assert_agrees(hub: Hub, truth: dict[str, Any]) -> None:
    state = hub.state
    assert state.day is not None
    assert not hub.malformed_events
    for qid, q in truth["queues"].items():
        tally = state.day.queues[int(qid)]
        assert list(state.queues[int(qid)].waiting) == q["waiting"]
        assert (tally.answered, tally.abandoned) == (q["answered"], q["abandoned"])
    for ext, a in truth["agents"].items():
        agent = state.agents[int(ext)]
        assert agent.record.status_code == a["status"]
        assert {cid: c.info.status.value for cid, c in agent.calls.items()} == {
            cid: s.lower() for cid, s in a["calls"].items()
        }
        tally = state.day.agents.get(int(ext))
        if tally is not None:
            assert (tally.answered, tally.missed, tally.outgoing) == (
                a["answered"],
                a["missed"],
                a["outgoing"],
            )


async def test_user_login_sees_only_its_extension_and_queues(sim: Simulator) -> None:
    agent = sim.model.agents[3]
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{sim.base_url}/monitorAPI/Login/User",
            json={"email": agent.email, "password": "demo"},
        ) as r:
            assert r.status == 401  # the SDKs send a user's password as `pin`
        async with http.post(
            f"{sim.base_url}/monitorAPI/Login/User", json={"email": agent.email, "pin": "demo"}
        ) as r:
            token = (await r.json())["Data"]["Socket"]["Token"]
        async with http.ws_connect(_ws_url(sim, token)) as ws:
            frames: list[list[Any]] = []
            while len(frames) < 3:
                text = await asyncio.wait_for(ws.receive_str(), 10)
                if text.startswith("42"):
                    frames.append(json.loads(text[2:]))
    (_, status), (_, exts) = frames[1], frames[2]
    assert [e["number"] for e in exts["extensions"]] == [agent.extension]
    assert {q["QueueID"] for q in status["queues"]} == {q.queue_id for q in agent.skills}


async def test_identity_login_settings_and_refresh(sim: Simulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{sim.base_url}/identity/Login",
            json={"identityType": "Token", "token": "demo-token"},
        ) as r:
            login = (await r.json())["Data"]
        access = login["AccessToken"]
        assert access != login["RefreshToken"]
        async with http.get(
            f"{sim.base_url}/identity/Settings", headers={"Authorization": f"Bearer {access}"}
        ) as r:
            data = (await r.json())["Data"]
        by_priority = sorted(data["MonitorList"], key=lambda m: -m["Priority"])
        assert [m["Domain"] for m in by_priority] == sim.server_urls  # main = highest
        assert sim.grant_for(data["IdentityCode"]) is not None
        assert parse_expiry(data["IdentityCodeExpiry"]) is not None
        async with http.get(
            f"{sim.base_url}/identity/Refresh",
            headers={"Authorization": f"Bearer {login['RefreshToken']}"},
        ) as r:
            assert r.status == 200 and (await r.json())["Data"]["AccessToken"] != access
        async with http.post(
            f"{sim.base_url}/monitorAPI/Login/Account",
            json={"username": "demo", "password": "demo"},
        ) as r:
            old = (await r.json())["Data"]["Socket"]
        bearer = {"Authorization": f"Bearer {old['RefreshToken']}"}
        async with http.post(f"{sim.base_url}/monitorAPI/Login/Refresh", headers=bearer) as r:
            assert r.status == 405  # the SDK refreshes with a GET
        async with http.get(f"{sim.base_url}/monitorAPI/Login/Refresh", headers=bearer) as r:
            new = (await r.json())["Data"]["Socket"]
        assert new["Token"] != old["Token"] and sim.grant_for(new["Token"]) is not None
        async with http.get(f"{sim.base_url}/monitorAPI/Login/Refresh", headers=bearer) as r:
            assert r.status == 401  # a refresh token is used once
        async with http.get(f"{sim.base_url}/identity/Settings") as r:
            assert r.status == 401


async def test_only_the_sdks_login_bodies_are_let_in(sim: Simulator) -> None:
    url = f"{sim.base_url}/monitorAPI/Login"
    async with aiohttp.ClientSession() as http:
        for path, body in (
            ("Account", {"username": "demo", "password": "demo", "extra": 1}),
            ("Account", {"user": "demo", "password": "demo"}),
            ("Token", {"token": "demo-token", "identityType": "Token"}),
            ("User", {"email": sim.model.agents[0].email, "pin": "demo", "password": "demo"}),
        ):
            async with http.post(f"{url}/{path}", json=body) as r:
                assert r.status == 401, (path, body)
        for body in ({"username": "demo", "password": "demo"}, {"token": "demo-token"}):
            async with http.post(f"{sim.base_url}/identity/Login", json=body) as r:
                assert r.status == 401, body  # no identityType
        # An identity type the SDK does not spell so: refused as a bad body, as the vendor.
        body = {"identityType": "token", "token": "demo-token"}
        async with http.post(f"{sim.base_url}/identity/Login", json=body) as r:
            assert r.status == 400


async def test_a_client_sending_40_gets_every_event_twice(sim: Simulator) -> None:
    """The socket.io@2 trap, reproduced: an extra `40` doubles the events."""
    async with aiohttp.ClientSession() as http:
        token = await _login(http, sim)
        async with http.ws_connect(_ws_url(sim, token)) as ws:
            await ws.send_str("40")
            await ws.send_str(f'42["keepalive","{token}"]')
            replies = 0
            for _ in range(10_000):
                text = await asyncio.wait_for(ws.receive_str(), 10)
                if text.startswith('42["keepaliveResponse"'):
                    replies += 1
                    if replies == 2:
                        break
    assert replies == 2


async def test_silent_and_drop_faults(sim: Simulator) -> None:
    async with aiohttp.ClientSession() as http:
        token = await _login(http, sim)
        async with http.ws_connect(_ws_url(sim, token)) as ws:
            async with http.post(f"{sim.base_url}/sim/fault/silent") as r:
                assert (await r.json())["clients"] == 1
            await ws.send_str("2")
            texts: list[str] = []
            end: aiohttp.WSMsgType | None = None
            for _ in range(100_000):  # until the server drops us (pings unanswered)
                msg = await asyncio.wait_for(ws.receive(), 15)
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    end = msg.type
                    break
                texts.append(msg.data)
                await ws.send_str("2")
            assert end is not None
            assert "3" not in texts  # pings go unanswered: the client must notice
        token = await _login(http, sim)
        async with http.ws_connect(_ws_url(sim, token)) as ws:
            assert (await ws.receive_str()).startswith("0{")
            async with http.post(f"{sim.base_url}/sim/fault/drop") as r:
                assert (await r.json())["clients"] == 1
            for _ in range(100_000):
                msg = await asyncio.wait_for(ws.receive(), 15)
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    break
        async with http.post(f"{sim.base_url}/sim/fault/nonsense") as r:
            assert r.status == 404


async def test_resync_and_updated_events(sim: Simulator) -> None:
    async with aiohttp.ClientSession() as http:
        token = await _login(http, sim)
        async with http.ws_connect(_ws_url(sim, token)) as ws:
            async with http.post(f"{sim.base_url}/sim/fault/updated") as r:
                assert r.status == 200
            names: list[str] = []
            for _ in range(100_000):
                text = await asyncio.wait_for(ws.receive_str(), 10)
                if not text.startswith("42"):
                    continue
                name = json.loads(text[2:])[0]
                names.append(name)
                if name == "QueuesUpdated":
                    await ws.send_str('42["resync",{"cache":false}]')
                if names.count("AllExtensionsStatus") == 2:
                    break
    assert "ExtensionsUpdated" in names and "QueuesUpdated" in names
    after = names[names.index("QueuesUpdated") :]
    assert "loginStatus" in after and "AllExtensionsStatus" in after


async def test_a_scenario_started_on_command(sim: Simulator) -> None:
    """A trainer starts a lunch wave now: a share of the floor goes to lunch."""
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sim.base_url}/sim/scenario/lunch") as r:
            body = await r.json()
        assert body["ok"] and body["scenario"] == "lunch"
        await asyncio.sleep(4.5)  # 3 simulated minutes at ×50, plus a margin
        sim.catch_up()
        assert sum(a.status == 3 for a in sim.model.agents) >= 5
        async with http.post(f"{sim.base_url}/sim/scenario/nope") as r:
            assert r.status == 404
