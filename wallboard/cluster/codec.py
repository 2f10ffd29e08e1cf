"""The live state as key-value entries, and back: what the ingest worker writes to NATS.

One bucket per account; one key per agent (`agent.<ext>`, with today's tallies), per
queue (`queue.<id>`, with today's tallies and its newest minute's), per queue with calls in
the last two hours (`recent.<id>`: those minutes, for the rolling windows; rewritten once a
minute at most, the newest minute travelling with the queue meanwhile), per waiting call
(`call.<queue>.<id>`), plus
`link` (the vendor link's health and the server clock), `day` (the day's bounds) and, for
an account whose ingest worker runs the simulator, `sim.url` (where it serves: the web
nodes send their REST actions there).
Values are compact JSON. A web node rebuilds a `State` the board code renders as is; it
never folds, so the fold's bookkeeping (calls seen per queue) is not carried.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlsplit

from wallboard.core.clock import DayBounds, ServerClock
from wallboard.core.events import (
    CallDirection,
    CallInfo,
    CallStatus,
    ConnectionState,
    ExtensionRecord,
    WaitingCallInfo,
)
from wallboard.core.kpis import AgentTally, QueueTally
from wallboard.core.models import Agent, AgentCall, AgentState, Connection, Day, Queue, State

__all__ = [
    "DAY",
    "LINK",
    "SIM_URL",
    "agent_key",
    "call_key",
    "decode_agent",
    "decode_call",
    "decode_day",
    "decode_link",
    "decode_queue",
    "decode_recent",
    "decode_sim_url",
    "encode_agent",
    "encode_call",
    "encode_day",
    "encode_link",
    "encode_queue",
    "encode_recent",
    "encode_sim_url",
    "queue_key",
    "recent_key",
    "split_call_key",
]

JSON = dict[str, Any]
LINK = "link"
DAY = "day"
SIM_URL = "sim.url"


def _dumps(v: object) -> bytes:
    return json.dumps(v, ensure_ascii=False, separators=(",", ":")).encode()


def agent_key(extension: int) -> str:
    """The key of one agent."""
    return f"agent.{extension}"


def queue_key(queue_id: int) -> str:
    """The key of one queue (its name and today's tallies; waiting calls are keys of their own)."""
    return f"queue.{queue_id}"


def recent_key(queue_id: int) -> str:
    """The key of one queue's recent minutes (`Day.recent`: the rolling windows)."""
    return f"recent.{queue_id}"


def call_key(queue_id: int, call_id: str) -> str:
    """The key of one waiting call; the vendor's id in base64url (keys allow few characters)."""
    enc = base64.urlsafe_b64encode(call_id.encode()).decode().rstrip("=")
    return f"call.{queue_id}.{enc}"


def split_call_key(key: str) -> tuple[int, str]:
    """(queue id, call id) of a `call.` key."""
    _, qid, enc = key.split(".", 2)
    return int(qid), base64.urlsafe_b64decode(enc + "=" * (-len(enc) % 4)).decode()


def _call_info(c: CallInfo) -> list[Any]:
    return list(c)


def _call_info_back(v: list[Any]) -> CallInfo:
    return CallInfo(v[0], CallDirection(v[1]), CallStatus(v[2]), *v[3:])


def encode_agent(a: Agent, tally: AgentTally | None, ev: float | None = None) -> bytes:
    """One agent: the vendor's record, what the fold made of it, today's counts; `ev`: when
    the ingest worker received the oldest event of this write (latency, bench/cluster.py)."""
    r = a.record
    return _dumps(
        {
            "ev": ev,
            "r": [*r[:-1], [_call_info(c) for c in r.calls]],
            "c": {cid: [_call_info(c.info), c.status_since] for cid, c in a.calls.items()},
            "s": a.state.value,
            "b": a.break_code,
            "ss": a.state_since,
            "k": a.since_known,
            "t": None
            if tally is None
            else [
                tally.answered,
                tally.missed,
                tally.outgoing,
                tally.talk_seconds,
                tally.status_seconds,
                tally.handled,
            ],
        }
    )


def decode_agent(data: bytes) -> tuple[Agent, AgentTally | None, float | None]:
    """An agent, its tally and `ev` from `encode_agent`'s bytes."""
    v = json.loads(data)
    r = v["r"]
    record = ExtensionRecord._make([*r[:-1], tuple(_call_info_back(c) for c in r[-1])])
    calls = {cid: AgentCall(_call_info_back(c[0]), c[1]) for cid, c in v["c"].items()}
    agent = Agent(record, calls, AgentState(v["s"]), v["b"], v["ss"], v["k"])
    t = v["t"]
    tally = None if t is None else _tally(t)
    return agent, tally, v.get("ev")


def _tally(t: list[Any]) -> AgentTally:
    # An ingest worker of the previous release sends no `handled` (a rolling upgrade).
    return AgentTally(
        answered=t[0],
        missed=t[1],
        outgoing=t[2],
        talk_seconds=t[3],
        status_seconds=dict(t[4]),
        handled=t[5] if len(t) > 5 else 0,
    )


def encode_queue(
    q: Queue,
    tally: QueueTally | None,
    ev: float | None = None,
    minute: tuple[int, QueueTally] | None = None,
) -> bytes:
    """One queue's name and today's tallies (`ev` as for an agent); `minute`: its newest
    minute (server time // 60) and that minute's tally, for the rolling windows."""
    t = None if tally is None else list(_tally_fields(tally))
    v: JSON = {"n": q.name, "t": t, "ev": ev}
    if minute is not None:
        v["m"] = [minute[0], *_tally_fields(minute[1])]
    return _dumps(v)


def _tally_fields(t: QueueTally) -> tuple[int, ...]:
    return (
        t.offered, t.answered, t.answered_within_sl, t.answered_wait_total,
        t.answered_wait_known, t.abandoned, t.short_abandoned, t.abandoned_wait_total,
        t.abandoned_wait_known, t.longest_wait,
    )  # fmt: skip


def decode_queue(
    queue_id: int, data: bytes
) -> tuple[Queue, QueueTally | None, float | None, tuple[int, QueueTally] | None]:
    """A queue (no waiting calls yet), its tally, `ev` and its newest minute's tally."""
    v = json.loads(data)
    t = v["t"]
    m = v.get("m")
    minute = None if m is None else (int(m[0]), QueueTally(*m[1:]))
    return Queue(queue_id, v["n"], {}), None if t is None else QueueTally(*t), v.get("ev"), minute


def encode_recent(minutes: dict[int, QueueTally]) -> bytes:
    """One queue's tallies by the minute (`Day.recent`), oldest first."""
    return _dumps([[m, *_tally_fields(minutes[m])] for m in sorted(minutes)])


def decode_recent(data: bytes) -> dict[int, QueueTally]:
    """A queue's tallies by the minute, from `encode_recent`'s bytes."""
    return {int(v[0]): QueueTally(*v[1:]) for v in json.loads(data)}


def encode_call(c: WaitingCallInfo, order: int) -> bytes:
    """One waiting call and its place in the queue (the writer's counter: the vendor's
    order, which a web node cannot rebuild from join times that tie or disagree)."""
    return _dumps([*c, order])


def decode_call(data: bytes) -> tuple[WaitingCallInfo, int]:
    """A waiting call and its place, from `encode_call`'s bytes."""
    v = json.loads(data)
    return WaitingCallInfo._make(v[:4]), int(v[4])


def encode_link(state: State, published: float) -> bytes:
    """The vendor link's health and the server clock, stamped with when it was written."""
    c, k = state.connection, state.clock
    return _dumps(
        {
            "state": c.state.value,
            "server": c.server,
            "since": c.since,
            "last": c.last_event,
            "alive": c.last_alive,
            "detail": c.detail,
            "clock": [k.anchor_server, k.anchor_local, k.offset_minutes, k.shift],
            "at": published,
        }
    )


def decode_link(data: bytes) -> tuple[Connection, ServerClock, float]:
    """The link's health, the clock, and when the ingest worker wrote them."""
    v = json.loads(data)
    conn = Connection(
        ConnectionState(v["state"]), v["server"], v["since"], v["last"], v["alive"], v["detail"]
    )
    a, b, off, shift = v["clock"]
    return conn, ServerClock(a, b, off, shift), float(v["at"])


def encode_day(day: Day) -> bytes:
    """The day's bounds (the tallies travel with their agent or queue)."""
    b = day.bounds
    return _dumps([b.key, b.start, b.end])


def decode_day(data: bytes) -> Day:
    """An empty day with these bounds; the mirror fills its tallies."""
    key, start, end = json.loads(data)
    return Day(DayBounds(key, start, end))


def encode_sim_url(base_url: str) -> bytes:
    """Where the account's simulator serves (`http://host:port`: no credential, no path)."""
    return _dumps({"url": base_url})


def decode_sim_url(data: bytes) -> str | None:
    """The simulator's base URL, or None unless the value is a bare `http(s)://host:port`.

    A web node sends the simulator's API code there: anything else (a path, a query,
    credentials, another scheme) is refused rather than followed.
    """
    try:
        url = json.loads(data)["url"]
        parts = urlsplit(url if isinstance(url, str) else "")
        port = parts.port
    except (ValueError, TypeError, KeyError):
        return None
    bare = parts.path in ("", "/") and not (
        parts.username or parts.password or parts.query or parts.fragment
    )
    if parts.scheme not in ("http", "https") or not parts.hostname or port is None or not bare:
        return None
    return f"{parts.scheme}://{parts.netloc}"
