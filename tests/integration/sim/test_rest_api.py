"""The simulator's REST APIs and CDR poster, with the vendor's URLs, fields and limits."""

from __future__ import annotations

import asyncio
import json
import xmlrpc.client
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import aiohttp
import pytest
from aiohttp import web

from tests.integration.sim_env import running_simulator
from wallboard.config import SimulatorSettings
from wallboard.sim.cdr_poster import encode, reply_ok
from wallboard.sim.http import rest_api
from wallboard.sim.server import Simulator

pytestmark = pytest.mark.integration

START = 1_763_888_400.0
CODE = "demo-code"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "cdr"


def _settings(**kw: Any) -> SimulatorSettings:
    base: dict[str, Any] = {"agents": 20, "queues": 3, "speed": 30.0, "seed": 4, "port": 0}
    base.update(kw)
    return SimulatorSettings.model_validate(base)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with running_simulator(_settings(), START) as simulator:
        yield simulator


async def _post(http: aiohttp.ClientSession, url: str, body: Any) -> Any:
    async with http.post(url, json=body) as r:
        return await r.json()


async def test_active_calls_and_extension_list(sim: Simulator) -> None:
    await asyncio.sleep(1.0)  # 30 simulated seconds
    base = sim.base_url
    async with aiohttp.ClientSession() as http:
        ext = await _post(http, f"{base}/comet/API/GetExtensionsCalls", {"code": CODE})
        assert ext["ERR"] == 0 and len(ext["EXTENSIONS"]) == 20
        row = ext["EXTENSIONS"][0]
        assert {"name", "username", "userID", "onlineUserID", "onlineUserStatus", "calls"} <= set(
            row
        )
        one = await _post(
            http,
            f"{base}/comet/API/GetExtensionsCalls",
            {"code": CODE, "extension": row["username"]},
        )
        assert [e["username"] for e in one["EXTENSIONS"]] == [row["username"]]
        q = await _post(http, f"{base}/comet/API/GetQueuesCallers", {"code": CODE})
        assert q["ERR"] == 0 and [x["ID"] for x in q["QUEUES"]] == [
            x.queue_id for x in sim.model.queues
        ]
        missing = await _post(
            http, f"{base}/comet/API/GetQueuesCallers", {"code": CODE, "queue": "1"}
        )
        assert missing["ERR"] == 2
        bad = await _post(http, f"{base}/comet/API/GetQueuesCallers", {"code": "nope"})
        assert bad["ERR"] == 1
        async with http.get(f"{base}/Comet/api/GetExtensions", params={"code": CODE}) as r:
            lst = await r.json()
        assert lst["ERR"] == 0
        assert {
            "SIP",
            "Name",
            "SpeedDial",
            "AccountID",
            "AccountName",
            "UserName",
            "UserEmail",
        } <= set(lst["EXTENSIONS"][0])
        assert len({e["AccountName"] for e in lst["EXTENSIONS"]}) == 3
        wrong = await _post(http, f"{base}/Comet/api/GetExtensions", {"code": "nope"})
        assert wrong["EXTENSIONS"] == []


async def test_login_logout_changes_the_agent_and_the_socket_says_so(sim: Simulator) -> None:
    agent = sim.model.agents[0]
    base = sim.base_url
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{base}/monitorAPI/Login/Account", json={"username": "demo", "password": "demo"}
        ) as r:
            token = (await r.json())["Data"]["Socket"]["Token"]
        url = f"{base}/socket.io/?EIO=3&transport=websocket&token={token}"
        async with http.ws_connect(url) as ws:
            body = {"Code": CODE, "UserId": str(agent.user_id), "ExtensionUser": agent.sip}
            reply = await _post(http, f"{base}/Agents/LoginLogout", {**body, "Status": 11})
            assert reply == {"Status": 1, "StatusError": 1, "StatusErroMessage": "OK"}
            assert agent.status == 11
            found = False
            for _ in range(10_000):
                text = await asyncio.wait_for(ws.receive_str(), 10)
                if '"userStatusUpdate"' in text and f'"number":{agent.extension},' in text:
                    payload = json.loads(text[2:])[1]
                    found = payload["data"]["representativeStatus"] == 11
                    break
            assert found
            assert (await _post(http, f"{base}/Agents/LoginLogout", {**body, "Status": 4}))[
                "Status"
            ] == 4
            assert (
                await _post(http, f"{base}/Agents/LoginLogout", {**body, "ExtensionUser": "x"})
            )["Status"] == 2  # Status missing
            assert (
                await _post(
                    http, f"{base}/Agents/LoginLogout", {**body, "ExtensionUser": "x", "Status": 1}
                )
            )["Status"] == 3


async def test_click2call_places_a_two_leg_call(sim: Simulator) -> None:
    agent = next(a for a in sim.model.agents if a.status == 1)
    base = sim.base_url
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{base}/ForwardDialer/click2call.aspx",
            params={
                "code": CODE,
                "phone": agent.sip,
                "target": "0501234567",
                "action": "call",
                "format": "json",
            },
        ) as r:
            reply = await r.json(content_type=None)
        assert reply["ERRORCODE"] == 0 and reply["CALLID"]
        assert reply["CALLID"] in agent.calls
        call = agent.calls[reply["CALLID"]]
        assert call.direction == "Click2Call" and call.c2c == 1
        async with http.get(
            f"{base}/ForwardDialer/click2call.aspx",
            params={"code": CODE, "phone": agent.sip, "target": "050"},
        ) as r:
            xml = await r.text()
        (params,), _ = xmlrpc.client.loads(xml)
        assert params["ERRORCODE"] == "0"  # XML (XML-RPC struct) is the default format
        async with http.get(
            f"{base}/ForwardDialer/click2call.aspx",
            params={"code": CODE, "phone": agent.sip, "action": "terminate", "format": "json"},
        ) as r:
            assert (await r.json(content_type=None))["ERRORCODE"] == 0
        assert not agent.calls


async def test_call_log_filters_fields_and_limits_requests(sim: Simulator) -> None:
    sim.clock.set_speed(600.0)
    await asyncio.sleep(1.5)  # 15 simulated minutes
    base = sim.base_url
    body = {
        "code": CODE,
        "fields": ["CallID", "Type", "CdrType", "DialStatus", "Duration", "Date", "QueueName"],
        "search": {"fromdate": "2025-11-23T00:00:00", "todate": "2025-11-24T00:00:00"},
        "sort": [{"field": "date", "order": "desc"}],
    }
    async with aiohttp.ClientSession() as http:
        log = await _post(http, f"{base}/hub/cdr/", body)
        assert log["ERROR_NUMBER"] == 0 and log["TOTAL_HITS"] == log["RETURN_HITS"] > 10
        row = log["CDR_LIST"][0]
        assert set(row) == {
            "CallID",
            "Type",
            "CdrType",
            "DialStatus",
            "Duration",
            "Date",
            "QueueName",
        }
        assert row["Date"].endswith("Z")
        only_queue = await _post(
            http, f"{base}/hub/cdr/", {**body, "search": {**body["search"], "cdrTypes": [8]}}
        )
        assert {r["Type"] for r in only_queue["CDR_LIST"]} == {"Queue"}
        bad_range = await _post(http, f"{base}/hub/cdr/", {"code": CODE, "search": {}})
        assert bad_range["ERROR_NUMBER"] == 5
        replies = [await _post(http, f"{base}/hub/cdr/", body) for _ in range(30)]
    numbers = [r["ERROR_NUMBER"] for r in replies]
    assert numbers.count(1) >= 2  # 30 a minute: the 31st and later are refused
    assert rest_api.CALL_LOG_PER_MINUTE == 30


def test_cdr_encodings_match_the_fixtures() -> None:
    want = json.loads((FIXTURES / "outgoing-answer.json").read_text())
    data, ctype = encode(want, "xmlrpc")
    assert ctype == "text/xml"
    (params,), method = xmlrpc.client.loads(data.decode())
    assert method == "cdr" and params == want
    fixture_xml = (FIXTURES / "outgoing-answer.xmlrpc.xml").read_text()
    assert xmlrpc.client.loads(fixture_xml)[0][0] == want
    form, ctype = encode(want, "form")
    assert ctype == "application/x-www-form-urlencoded"
    assert parse_qs(form.decode()) == parse_qs(
        (FIXTURES / "outgoing-answer.form.txt").read_text().strip()
    )
    assert reply_ok(200, '{"Err":0,"Errdesc":"OK"}')
    assert not reply_ok(200, '{"Err":2,"Errdesc":"DB down"}')
    assert not reply_ok(500, '{"Err":0}')
    ok_xml = xmlrpc.client.dumps(({"Err": 0, "Errdesc": "OK"},), methodresponse=True)
    assert reply_ok(200, ok_xml)
    assert not reply_ok(200, xmlrpc.client.dumps(({"Err": 1},), methodresponse=True))


@pytest.mark.parametrize("fmt", ["json", "form", "xmlrpc"])
async def test_cdrs_are_posted_and_retried_until_err_0(fmt: str) -> None:
    """A receiver that fails the first try of each CDR gets every CDR again, then Err 0."""
    seen: dict[str, int] = {}
    bodies: list[str] = []

    async def receive(request: web.Request) -> web.Response:
        text = await request.text()
        bodies.append(text)
        if fmt == "json":
            cid = json.loads(text)["ivruniqueid"]
        elif fmt == "form":
            cid = parse_qs(text)["ivruniqueid"][0]
        else:
            cid = xmlrpc.client.loads(text)[0][0]["ivruniqueid"]
        seen[cid] = seen.get(cid, 0) + 1
        err = 2 if seen[cid] == 1 else 0
        return web.json_response({"Err": err, "Errdesc": "OK" if err == 0 else "busy"})

    app = web.Application()
    app.router.add_post("/cdr", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    s = _settings(
        speed=300.0,
        cdr_url=f"http://127.0.0.1:{port}/cdr",
        cdr_format=fmt,
        cdr_retry_seconds=[0.2, 0.2],
    )
    try:
        async with running_simulator(s, START) as sim:
            for _ in range(100):
                await asyncio.sleep(0.1)
                if sim.poster.delivered >= 5:
                    break
    finally:
        await runner.cleanup()
    assert sim.poster.delivered >= 5
    assert all(n <= 2 for n in seen.values())
    assert sum(1 for n in seen.values() if n == 2) >= sim.poster.delivered
