"""The vendor's REST APIs the simulator owns, with the vendor's URLs and field names.

* Active Calls: `/comet/API/GetExtensionsCalls`, `/comet/API/GetQueuesCallers`
* Organizational Extension List: `/Comet/api/GetExtensions` (departments in `AccountName`)
* Call Log: `/hub/cdr/` (dates in GMT, up to 10,000 rows a request, 30 requests a minute)
* Login/Logout: `/Agents/LoginLogout` (the docs give no path; this one is ours) — changes
  the agent's status in the model, which the realtime socket then reports
* Click2Call: `/ForwardDialer/click2call.aspx` — places a two-leg call in the model

Each accepts GET (query string) and POST-JSON, and authenticates with the account `code`.
"""

from __future__ import annotations

import hmac
import json
import time
import xmlrpc.client
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from wallboard.sim.http.common import SimulatorApp, sim_of
from wallboard.sim.model import BREAK_CODES, LOGIN, LOGOUT, LUNCH

__all__ = [
    "CALL_LOG_MAX_ROWS",
    "CALL_LOG_PER_MINUTE",
    "CDR_TYPE_IDS",
    "CallLog",
    "CallLogQuery",
    "add_routes",
    "matches",
    "parse_query",
    "shape_reply",
    "sort_rows",
]

CALL_LOG_MAX_ROWS = 10_000
CALL_LOG_PER_MINUTE = 30

CDR_TYPE_IDS = {
    "Incoming Call": 1,
    "CC": 2,
    "Extension Outgoing": 4,
    "Queue": 8,
    "Click2Call leg1": 9,
    "Click2Call leg2": 10,
    "VoiceMail": 11,
}
_STATUSES = {LOGIN, LOGOUT, LUNCH, *BREAK_CODES}

Json = dict[str, Any]


async def _params(request: web.Request) -> Json:
    """GET query or POST-JSON body, keys as sent; repeated query keys become lists."""
    if request.method == "POST" and request.can_read_body:
        try:
            body = json.loads(await request.text() or "{}")
        except ValueError:
            return {"__bad__": True}
        return body if isinstance(body, dict) else {"__bad__": True}
    out: Json = {}
    for k in set(request.query.keys()):
        values = request.query.getall(k)
        out[k] = values if len(values) > 1 or k.lower() in ("phones", "fields") else values[0]
    return out


def _get(p: Json, key: str) -> Any:
    """A parameter by name, case-insensitively (the vendor's docs mix `code` and `Code`)."""
    if key in p:
        return p[key]
    low = key.lower()
    for k, v in p.items():
        if k.lower() == low:
            return v
    return None


def _code_ok(sim: SimulatorApp, p: Json) -> bool:
    code = _get(p, "code")
    return isinstance(code, str) and hmac.compare_digest(
        code.encode(), sim.settings.api_code.get_secret_value().encode()
    )


# ---------------------------------------------------------------- Active Calls


async def get_extensions_calls(request: web.Request) -> web.Response:
    """Active Calls: `GetExtensionsCalls`."""
    sim = sim_of(request)
    p = await _params(request)
    if not _code_ok(sim, p):
        return web.json_response({"ERR": 1, "DESC": "Authorization failed."})
    sim.catch_up()
    model = sim.model
    wanted = _get(p, "extension")
    agents = model.agents
    if isinstance(wanted, str) and wanted:
        agents = [a for a in agents if a.sip.lower() == wanted.lower()]
        if not agents:
            return web.json_response({"ERR": 2, "DESC": "Internal error."})
    rows = []
    for a in agents:
        logged = a.status != LOGOUT
        calls = []
        for ivrid, c in a.calls.items():
            wire = model.wire_call(c, a.leg_status[ivrid])
            wire.pop("c2cdirection", None)
            wire.pop("queueID", None)
            wire.pop("calldurationinterval", None)
            calls.append(wire)
        rows.append(
            {
                "name": a.name,
                "representative": a.name if logged else "",
                "username": a.sip,
                "extensionID": a.extension,
                "userID": a.user_id,
                "onlineUserID": a.user_id if logged else 0,
                "onlineUserStatus": a.status,
                "calls": calls,
            }
        )
    return web.json_response({"ERR": 0, "DESC": "OK", "EXTENSIONS": rows})


async def get_queues_callers(request: web.Request) -> web.Response:
    """Active Calls: `GetQueuesCallers`."""
    sim = sim_of(request)
    p = await _params(request)
    if not _code_ok(sim, p):
        return web.json_response({"ERR": 1, "DESC": "Authorization failed."})
    sim.catch_up()
    model = sim.model
    queues = model.queues
    wanted = _get(p, "queue")
    if wanted not in (None, ""):
        queues = [q for q in queues if str(q.queue_id) == str(wanted)]
        if not queues:
            return web.json_response({"ERR": 2, "DESC": "Queue is not found in this account"})
    now = int(model.now)
    rows = [
        {
            "Name": q.name,
            "ID": q.queue_id,
            "Weight": 0,
            "Callers": [
                {
                    "Phone": c.caller_phone,
                    "CallID": c.ivrid,
                    "JoinTime": c.joined,
                    "Duration": max(0, now - c.joined),
                }
                for c in q.waiting.values()
            ],
        }
        for q in queues
    ]
    return web.json_response({"ERR": 0, "DESC": "OK", "QUEUES": rows})


# ---------------------------------------------------------------- Extension List


async def get_extensions(request: web.Request) -> web.Response:
    """Organizational Extension List: `GetExtensions`."""
    sim = sim_of(request)
    p = await _params(request)
    if _get(p, "code") is None or p.get("__bad__"):
        return web.json_response({"ERR": 1, "DESC": "Unauthorized", "EXTENSIONS": []})
    if not _code_ok(sim, p):
        # The vendor answers an unknown code with an empty list, not an error.
        return web.json_response({"ERR": 0, "DESC": "OK", "EXTENSIONS": []})
    rows = [
        {
            "SIP": a.sip,
            "Name": f"Extension {a.speed_dial}",
            "SpeedDial": a.speed_dial,
            "AccountID": a.department_id,
            "AccountName": a.department,
            "UserName": a.name,
            "UserEmail": a.email,
        }
        for a in sim.model.agents
    ]
    return web.json_response({"ERR": 0, "DESC": "OK", "EXTENSIONS": rows})


# ---------------------------------------------------------------- Login/Logout


def _login_reply(status: int, error: int, message: str) -> web.Response:
    return web.json_response({"Status": status, "StatusError": error, "StatusErroMessage": message})


async def login_logout(request: web.Request) -> web.Response:
    """Login/Logout: set an agent's status in the model."""
    sim = sim_of(request)
    p = await _params(request)
    if p.get("__bad__"):
        return _login_reply(2, 0, "Wrong request format.")
    user, ext, status = _get(p, "UserId"), _get(p, "ExtensionUser"), _get(p, "Status")
    if _get(p, "Code") is None or user is None or ext is None or status is None:
        return _login_reply(2, 6, "Missing parameters.")
    if not _code_ok(sim, p):
        return _login_reply(2, 1, "Authorization Failed")
    agent = sim.model.by_sip.get(str(ext).lower())
    if agent is None:
        return _login_reply(3, 1, "Extension error.")
    if str(agent.user_id) != str(user):
        return _login_reply(2, 1, "User error.")
    try:
        code = int(status)
    except (TypeError, ValueError):
        return _login_reply(4, 1, "Status not supported.")
    if code not in _STATUSES:
        return _login_reply(4, 1, "Status not supported.")
    sim.act(lambda: sim.model.set_status(agent, code))
    return _login_reply(1, 1, "OK")


# ---------------------------------------------------------------- Click2Call


def _c2c_reply(p: Json, code: int, message: str, call_id: str = "") -> web.Response:
    body = {"ERRORCODE": code, "ERRORMESSAGE": message, "CALLID": call_id}
    if str(_get(p, "format") or "xml").lower() == "json":
        return web.json_response(body)
    xml = xmlrpc.client.dumps(({k: str(v) for k, v in body.items()},), methodresponse=True)
    return web.Response(text=xml, content_type="text/xml")


async def click2call(request: web.Request) -> web.Response:
    """Click2Call: `action=call` places a two-leg call, `terminate` ends calls."""
    sim = sim_of(request)
    p = await _params(request)
    if p.get("__bad__"):
        return _c2c_reply({}, 1, "Invalid request parameters")
    if not _code_ok(sim, p):
        return _c2c_reply(p, 1, "Invalid code")
    phone = str(_get(p, "phone") or "")
    if not phone:
        return _c2c_reply(p, 1, "Phone is missing")
    model = sim.model
    agent = model.by_sip.get(phone.lower()) or next(
        (a for a in model.agents if str(a.extension) == phone or a.speed_dial == phone), None
    )
    if agent is None:
        return _c2c_reply(p, 1, "Phone is not an extension of this account")
    action = str(_get(p, "action") or "call").lower()
    if action == "terminate":
        sim.act(lambda: model.terminate(agent))
        return _c2c_reply(p, 0, "OK")
    target = str(_get(p, "target") or "")
    if not target:
        return _c2c_reply(p, 1, "Target is missing")
    if agent.status == LOGOUT:
        return _c2c_reply(p, 3, "The representative's extension is offline")
    placed: list[str] = []
    sim.act(lambda: placed.append(model.click2call(agent, target).ivrid))
    return _c2c_reply(p, 0, "OK", placed[0])


# ---------------------------------------------------------------- Call Log


def _iso_gmt(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_date(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        d = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp()


def _row(cdr: Json) -> Json:
    kind = str(cdr.get("type", ""))
    ivr = cdr.get("IVR") or []
    return {
        "CallerNumber": cdr.get("caller", ""),
        "TargetNumber": cdr.get("target", ""),
        "Date": _iso_gmt(int(cdr.get("time", 0))),
        "DateEpoch": cdr.get("time", 0),
        "Duration": cdr.get("duration", 0),
        "CallID": cdr.get("ivruniqueid", ""),
        "CustomData": {},
        "Type": kind,
        "CdrType": CDR_TYPE_IDS.get(kind, 0),
        "DialStatus": cdr.get("leg1DialStatusName") or cdr.get("status", ""),
        "DialStatus2": cdr.get("status", ""),
        "TargetExtension": cdr.get("targetextension", ""),
        "CallerExtension": cdr.get("callerextension", ""),
        "DID": cdr.get("did", ""),
        "QueueName": cdr.get("queuename", ""),
        "QueueID": cdr.get("queueid", 0),
        "RecordURL": cdr.get("record", ""),
        "RecordExpect": bool(cdr.get("record")),
        "Price": cdr.get("price", 0),
        "RingTime": cdr.get("dialtime", 0),
        "RepresentativeName": cdr.get("representative_name", ""),
        "RepresentativeCode": cdr.get("representative_code", ""),
        "UserName": cdr.get("representative_name", ""),
        "DTMFData": [
            {"LayerName": x["layer_name"], "DTMF": x["Dtmf"], "LayerNumber": str(x["layer_number"])}
            for x in ivr
        ],
        "DepartmentName": cdr.get("DepartmentName", ""),
        "DepartmentId": cdr.get("DepartmentID", 0),
        "TargetPrefixName": cdr.get("target_country", ""),
    }


def _error(number: int, text: str, status: int) -> web.Response:
    return web.json_response(
        {"ERROR_NUMBER": number, "ERROR_DESCRIPTION": text, "STATUS_CODE": status}, status=status
    )


@dataclass(frozen=True, slots=True)
class CallLogQuery:
    """A Call Log search: the date range (GMT epoch seconds) and the optional filters."""

    start: float
    end: float
    phones: frozenset[str]
    extensions: frozenset[str]  # lower-case
    types: frozenset[int]  # CdrType ids
    queues: frozenset[int]
    call_id: Any


def parse_query(p: Json) -> CallLogQuery | None:
    """The search of a request (nested in `search`, or flat); None if the dates are bad."""
    search = _get(p, "search")
    search = search if isinstance(search, dict) else p
    start, end = _parse_date(_get(search, "fromdate")), _parse_date(_get(search, "todate"))
    if start is None or end is None or end < start:
        return None
    return CallLogQuery(
        start=start,
        end=end,
        phones=frozenset(_as_list(_get(search, "phones"))),
        extensions=frozenset(e.lower() for e in _as_list(_get(search, "extensions"))),
        types=_int_set(_get(search, "cdrTypes")),
        queues=_int_set(_get(search, "queueID")),
        call_id=_get(search, "callID"),
    )


def _int_set(v: Any) -> frozenset[int]:
    """The whole numbers in a parameter (one or a list); anything else is ignored."""
    return frozenset(int(x) for x in _as_list(v) if str(x).isdigit())


def matches(cdr: Json, q: CallLogQuery) -> bool:
    """Whether a CDR falls in the search's range and passes every filter given."""
    if not q.start <= cdr["time"] <= q.end:
        return False
    if q.phones and cdr["caller"] not in q.phones and cdr["target"] not in q.phones:
        return False
    if q.extensions and not _on_extension(cdr, q.extensions):
        return False
    if q.call_id and cdr["ivruniqueid"] != q.call_id:
        return False
    if q.types and CDR_TYPE_IDS.get(cdr["type"], 0) not in q.types:
        return False
    return not (q.queues and cdr["queueid"] not in q.queues)


def _on_extension(cdr: Json, extensions: frozenset[str]) -> bool:
    """Whether either side of the call is one of the (lower-case) extensions."""
    return (
        str(cdr["targetextension"]).lower() in extensions
        or str(cdr["callerextension"]).lower() in extensions
    )


def sort_rows(rows: list[Json], sort: Any) -> None:
    """Sort in place by the `sort` list: the first entry is the primary key."""
    # Stable sorts applied from the last key to the first give a multi-key sort.
    for s in reversed(_as_list(sort)):
        if isinstance(s, dict) and isinstance(s.get("field"), str):
            field = str(s["field"])
            key = "DateEpoch" if field.lower() == "date" else field
            rows.sort(key=_sort_key(key), reverse=str(s.get("order")).lower() == "desc")


def shape_reply(rows: list[Json], fields: Any) -> Json:
    """The reply: the first CALL_LOG_MAX_ROWS rows, cut to `fields` if any were asked."""
    total = len(rows)
    rows = rows[:CALL_LOG_MAX_ROWS]
    wanted = {f.lower() for f in _as_list(fields) if isinstance(f, str)}
    if wanted:
        rows = [{k: v for k, v in r.items() if k.lower() in wanted} for r in rows]
    return {
        "ERROR_NUMBER": 0,
        "ERROR_DESCRIPTION": "OK",
        "STATUS_CODE": 200,
        "TOTAL_HITS": total,
        "RETURN_HITS": len(rows),
        "CDR_LIST": rows,
    }


class CallLog:
    """The Call Log endpoint with the vendor's request limit (per code, per minute)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.recent: dict[str, deque[float]] = {}

    def admit(self, code: str) -> bool:
        """Count one request for this code; False once the minute's allowance is spent."""
        now = self.clock()
        seen = self.recent.setdefault(code, deque())
        while seen and seen[0] <= now - 60:
            seen.popleft()
        if len(seen) >= CALL_LOG_PER_MINUTE:
            return False
        seen.append(now)
        return True

    async def handle(self, request: web.Request) -> web.Response:
        """One Call Log request."""
        sim = sim_of(request)
        p = await _params(request)
        if not _code_ok(sim, p):
            return _error(2, "Authorization failed.", 403)
        if not self.admit(str(_get(p, "code"))):
            return _error(1, "Request limit exceeded. Please try again later.", 403)
        query = parse_query(p)
        if query is None:
            return _error(5, "Out of range", 404)
        sim.catch_up()
        found = sim.model.history.between(query.start, query.end, query.queues)
        rows = [_row(cdr) for cdr in found if matches(cdr, query)]
        sort_rows(rows, _get(p, "sort"))
        return web.json_response(shape_reply(rows, _get(p, "fields")))


def _sort_key(field: str) -> Callable[[Json], tuple[str, Any]]:
    """Sort by one field; values of different types (or missing) do not break the sort."""

    def key(row: Json) -> tuple[str, Any]:
        """The sort key of one row."""
        value = row.get(field)
        return (type(value).__name__, value if value is not None else 0)

    return key


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


Handler = Callable[[web.Request], Awaitable[web.Response]]


def _counted(api: str, handler: Handler) -> Handler:
    """`handler`, counting each request in the simulator's `api_requests` (`/sim/status`)."""

    async def counted(request: web.Request) -> web.Response:
        sim_of(request).api_requests[api] += 1
        return await handler(request)

    return counted


def add_routes(app: web.Application) -> None:
    """Mount the REST APIs (GET and POST for each)."""
    log = CallLog()
    for path, api, handler in (
        ("/comet/API/GetExtensionsCalls", "GetExtensionsCalls", get_extensions_calls),
        ("/comet/API/GetQueuesCallers", "GetQueuesCallers", get_queues_callers),
        ("/Comet/api/GetExtensions", "GetExtensions", get_extensions),
        ("/Agents/LoginLogout", "LoginLogout", login_logout),
        ("/ForwardDialer/click2call.aspx", "Click2Call", click2call),
        ("/hub/cdr/", "CallLog", log.handle),
    ):
        counted = _counted(api, handler)
        app.router.add_get(path, counted)
        app.router.add_post(path, counted)
