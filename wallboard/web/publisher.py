"""The one publisher: the hub's changes become one delta per board, sent the moment
something changes after a quiet spell and coalesced only under load, at most once per
`publish_interval_seconds` (100 ms by default; runtime/pace.py); a tab that (re)connects
gets a full snapshot.

Each delta is serialised once per board group (orjson) and sent to the group's socket.io
room with one emit (components/board: `broadcaster`), so a delta costs no Python work per
tab: the cost of a tick grows with the number of boards, not with the number of tabs.
A group is a board as one kind of reader may see it (a reader's variant `<board>~…` is a
group and a room of its own), so a tab only ever gets frames of what its reader may see.
Deltas are numbered per group; a tab that sees a gap asks for a snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import orjson

from wallboard.config import Settings
from wallboard.core.health import last_proof_of_life
from wallboard.core.models import Changes
from wallboard.runtime import metrics, timebase
from wallboard.runtime.hub import FirstChange, Hub
from wallboard.runtime.pace import Pace
from wallboard.web.boards import (
    BoardSpec,
    Membership,
    agent_json,
    board_specs,
    floor_json,
    queue_json,
    queue_model,
)
from wallboard.web.levels import BoardLevels
from wallboard.web.site import Site

__all__ = ["BoardSink", "Publisher"]

log = logging.getLogger(__name__)

JSON = dict[str, Any]

# Send at least this often even without changes: it carries the server's now and the
# connection state, so a browser knows the server is alive and data age keeps counting.
_HEARTBEAT_SECONDS = 1.0
# After the first change of a quiet spell, wait this long for the rest of its burst (a
# call arriving changes its queue and then its agent within a few ms): one delta, not two,
# and still "at once" to a person (the cluster's NATS writer waits as long).
_GATHER = 0.005


class BoardSink(Protocol):
    """A board element in one browser tab (the publisher only needs these)."""

    board: str

    async def send(self, payload: str) -> bool:
        """Send a JSON delta or snapshot to this tab; False when the tab is gone."""
        ...


# Sends one payload to every tab of a board at once (a socket.io room): the message is
# encoded once, not once per tab. Without it, each tab is sent its own copy.
Broadcast = Callable[[str, str], Awaitable[None]]


def _dumps(payload: JSON) -> str:
    # Compact, and Hebrew as itself (not as \u escapes): fewer bytes to every tab. orjson
    # (already NiceGUI's encoder) takes a 2,000-agent snapshot ~5× faster than `json`;
    # integer keys (a queue's id in the levels) are written as strings, as `json` did.
    return orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS).decode()


@dataclass(slots=True)
class _Group:
    spec: BoardSpec
    seq: int = 0
    sinks: set[BoardSink] = field(default_factory=set)
    fresh: set[BoardSink] = field(default_factory=set)
    # What this board's tabs last got for each queue, so unchanged queues are not resent.
    queues_sent: dict[str, JSON] = field(default_factory=dict)
    # The board's threshold levels (kept while tabs watch: the hold), and what the tabs
    # last got of them and of the open alerts: sent again only when they change.
    levels: BoardLevels | None = None
    marks_sent: JSON = field(default_factory=dict)


class Publisher:
    """Owns the open board elements and feeds them coalesced deltas."""

    def __init__(
        self,
        hub: Hub,
        settings: Settings,
        broadcast: Broadcast | None = None,
        site: Site | None = None,
    ) -> None:
        self.hub = hub
        self.broadcast = broadcast
        self.site = site if site is not None else Site()  # whose boards (their rooms)
        self.settings = settings
        self.specs = board_specs(settings)
        self.membership = Membership(settings)
        self._groups = {name: _Group(spec) for name, spec in self.specs.items()}
        self._first = FirstChange(hub)  # dates each batch by its oldest change
        self._last_sent = 0.0
        # Figures from outside the live state (today's callbacks, from the CDR store), sent
        # in every delta's head; whoever owns them replaces the entry.
        self.extras: dict[str, Any] = {}
        # Figures that differ per board (its queues' callbacks), merged over `extras`.
        self.board_extras: Callable[[BoardSpec], JSON] | None = None
        # The open alerts one board shows (set when alerts are judged in this process).
        self.board_alerts: Callable[[BoardSpec], list[JSON]] | None = None
        self.ticks = 0
        self._wake = asyncio.Event()  # set by every change, from the start: none is missed
        hub.on_change(self._wake.set)
        for a in hub.state.agents.values():
            self.membership.observe(a)

    # ------------------------------------------------------------ tabs

    def ensure(self, name: str, spec: BoardSpec) -> BoardSpec:
        """A board made for one page (an agent's or a queue's detail); kept up to date."""
        g = self._groups.get(name)
        if g is None:
            self._groups[name] = _Group(spec)
        elif g.spec != spec:
            g.spec = spec
            g.levels = None  # judged anew with the board's levels
        return spec

    def set_boards(self, specs: dict[str, BoardSpec]) -> None:
        """The boards changed (the editor): new ones get a group, changed ones resend.

        `specs` is updated in place: the pages hold the same mapping. A deleted board's
        open tabs keep their last picture until they reload (then: "No such board").
        """
        for name in [n for n in self.specs if n not in specs]:
            del self.specs[name]
        for name, spec in specs.items():
            self.specs[name] = spec
            g = self._groups.get(name)
            if g is None:
                self._groups[name] = _Group(spec)
            elif g.spec != spec:
                g.spec = spec
                g.levels = None
                g.fresh |= g.sinks  # a full snapshot with the new settings
        for name, g in self._groups.items():
            # A reader's variant (`<board>~…`, layout.desk_spec) follows its board at once,
            # keeping its masking and the other queues it may name: a queue taken off the
            # board leaves her payload now, not when she reloads.
            base, sep, _rest = name.partition("~")
            if sep and base in specs:
                mine = replace(specs[base], name=name, mask=g.spec.mask, names=g.spec.names)
                if mine != g.spec:
                    g.spec = mine
                    g.fresh |= g.sinks

    def attach(self, sink: BoardSink) -> None:
        """A new tab shows this board; it gets a snapshot on the next tick."""
        g = self._groups[sink.board]
        g.sinks.add(sink)
        g.fresh.add(sink)

    def resync(self, sink: BoardSink) -> None:
        """The tab (re)connected or saw a gap: send it a full snapshot next tick."""
        g = self._groups.get(sink.board)
        if g is not None and sink in g.sinks:
            g.fresh.add(sink)

    def resync_all(self, board: str) -> None:
        """Every tab of this board gets a full snapshot next tick (the editor's preview)."""
        g = self._groups.get(board)
        if g is not None:
            g.fresh |= g.sinks

    def detach(self, sink: BoardSink) -> None:
        g = self._groups.get(sink.board)
        if g is not None:
            g.sinks.discard(sink)
            g.fresh.discard(sink)
            if not g.sinks:
                # Nobody watches: its hold is not kept; the next tab's levels are judged
                # from the state afresh, as after a restart (core/levels.py).
                g.levels = None

    @property
    def tabs(self) -> int:
        return sum(len(g.sinks) for g in self._groups.values())

    def tabs_by_view(self) -> dict[str, int]:
        """Open tabs by view: "agent" and "queue" detail pages, "board" for the rest."""
        out: dict[str, int] = {}
        for name, g in self._groups.items():
            view = name.split(":", 1)[0] if ":" in name else "board"
            out[view] = out.get(view, 0) + len(g.sinks)
        return out

    # ------------------------------------------------------------ the loop

    async def run(self) -> None:
        """The publisher task: a change goes out as soon as it comes after a quiet spell,
        later ones together at most once per interval (`Pace`: leading and trailing edge).

        The interval is counted from the last tick's start, so a slow tick does not delay
        the next. Without changes it still ticks every interval (new tabs' snapshots, the
        heartbeat); those ticks send no delta and do not count for the pace."""
        interval = self.settings.web.publish_interval_seconds
        loop = asyncio.get_running_loop()
        wake = self._wake
        pace = Pace(interval, _GATHER)
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await wake.wait()
            if wake.is_set():
                await asyncio.sleep(max(0.0, pace.due(loop.time()) - loop.time()))
                pace.sent(loop.time())
            wake.clear()
            try:
                await self.tick()
            except Exception:  # one bad tick must not stop the boards
                log.exception("publisher tick failed")

    async def tick(self) -> None:
        """Take the hub's changes and send each board its delta (and snapshots to new tabs)."""
        self.ticks += 1
        changes = self.hub.take_changes()
        first = self._first.take()
        local_now = timebase.now()
        self._observe(changes)
        beat = local_now - self._last_sent >= _HEARTBEAT_SECONDS
        if not (changes or beat or any(g.fresh for g in self._groups.values())):
            return
        self._last_sent = local_now
        head = self._head(local_now, first)
        for g in list(self._groups.values()):  # a page may add a group while we await
            if not g.sinks:
                continue
            marks = self._marks(g, local_now)
            if changes or beat:
                await self._send_delta(g, head, changes, local_now, marks)
            if g.fresh:
                await self._send_snapshots(g, {**head, **marks}, local_now)
        if first is not None and changes and self.tabs:
            metrics.PUBLISH_LATENCY.observe(max(0.0, timebase.now() - first))

    def _observe(self, changes: Changes) -> None:
        """Who answers which queue, from the agents that changed (reset at a new day)."""
        if changes.day_reset:
            self.membership.reset_day()
        for ext in changes.agents:
            a = self.hub.state.agents.get(ext)
            if a is not None:
                self.membership.observe(a)

    def _marks(self, g: _Group, local_now: float) -> JSON:
        """The board's levels (`lv`) and open alerts (`alerts`), judged now."""
        if g.levels is None:
            g.levels = BoardLevels(self.settings, g.spec)
        marks: JSON = {"lv": g.levels.update(self.hub.state, self._server_now(local_now))}
        if self.board_alerts is not None:
            marks["alerts"] = self.board_alerts(g.spec)
        return marks

    async def _send_delta(
        self, g: _Group, head: JSON, changes: Changes, local_now: float, marks: JSON
    ) -> None:
        """One delta for this board, encoded once, to every tab that has its snapshot."""
        g.seq += 1
        own = self.board_extras(g.spec) if self.board_extras is not None else {}
        # Levels and alerts only when they changed: a tab keeps what it got last.
        changed = {k: v for k, v in marks.items() if g.marks_sent.get(k) != v}
        g.marks_sent.update(changed)
        delta = self._delta(g.spec, changes, local_now)
        payload = _dumps({**head, **own, **changed, **delta, "seq": g.seq})
        if self.broadcast is not None:
            # Tabs still waiting for their snapshot ignore it (no sequence yet).
            await self.broadcast(g.spec.name, payload)
            return
        for sink in list(g.sinks - g.fresh):
            if not await sink.send(payload):
                self.detach(sink)

    async def _send_snapshots(self, g: _Group, head: JSON, local_now: float) -> None:
        """A full snapshot to each tab of this board that is new or asked to resync."""
        own = self.board_extras(g.spec) if self.board_extras is not None else {}
        snap = _dumps({**head, **own, **self.snapshot(g.spec, local_now), "seq": g.seq})
        fresh, g.fresh = g.fresh, set()
        for sink in fresh:
            if not await sink.send(snap):
                self.detach(sink)

    # ------------------------------------------------------------ payloads

    def _head(self, local_now: float, first_event: float | None) -> JSON:
        state = self.hub.state
        clock = state.clock
        server_now = clock.now(local_now)
        skew = clock.skew() if server_now is not None else 0.0
        conn = state.connection

        def server(t: float | None) -> float | None:
            return None if t is None else round(t + skew, 3)

        return {
            **self.extras,
            "now": round(server_now if server_now is not None else local_now, 3),
            "shift": clock.shift,
            "conn": {
                "state": conn.state.value,
                "since": server(conn.since),
                "last": server(conn.last_event),
                # Staleness runs from the last proof of life (an event or the connector's
                # liveness report), so a quiet but healthy night is not "stale".
                "alive": server(last_proof_of_life(conn)),
                "detail": conn.detail,
                "link": conn.link,  # which link the banner names
            },
            # Local receive time of the oldest event in this batch, and when the delta was
            # built: bench/fanout.py splits latency into batching and delivery with them.
            "ev": None if first_event is None else round(first_event, 4),
            "at": round(local_now, 4),
        }

    def _server_now(self, local_now: float) -> float:
        sn = self.hub.state.clock.now(local_now)
        return sn if sn is not None else local_now

    def _queues(self, spec: BoardSpec, ids: set[int] | None, local_now: float) -> JSON:
        state = self.hub.state
        privacy = self.settings.privacy
        sn = self._server_now(local_now)
        model = queue_model(self.settings, state)
        out: JSON = {}
        for q in state.queues.values():
            if not spec.shows_queue(q.queue_id) or (ids is not None and q.queue_id not in ids):
                continue
            avail = self.membership.available(q.queue_id, state)
            out[str(q.queue_id)] = queue_json(
                q, state, sn, avail, spec.mask, privacy.visible_digits, model
            )
        return out

    def _delta(self, spec: BoardSpec, changes: Changes, local_now: float) -> JSON:
        if changes.snapshot or changes.day_reset:
            return self.snapshot(spec, local_now)
        state = self.hub.state
        privacy = self.settings.privacy
        agents: JSON = {}
        gone: list[int] = []
        for ext in changes.agents:
            if not spec.shows_agent(ext):
                continue
            a = state.agents.get(ext)
            if a is None:
                gone.append(ext)
            else:
                agents[str(ext)] = agent_json(a, state, spec, privacy.visible_digits)
        queues = self._changed_queues(spec, changes, local_now)
        qgone = [q for q in changes.queues if q not in state.queues and spec.shows_queue(q)]
        out = {"full": False, "agents": agents, "gone": gone, "queues": queues, "qgone": qgone}
        if queues or qgone:
            out["floor"] = floor_json(state, spec, self.settings.kpi.min_calls)
        return out

    def _changed_queues(self, spec: BoardSpec, changes: Changes, local_now: float) -> JSON:
        # Agents available per queue may change with any agent: resend this board's queues
        # when agents changed (a handful of queues, cheap), else only the changed ones.
        qids = None if changes.agents else set(changes.queues)
        queues: JSON = {}
        if changes.agents or changes.queues:
            g = self._groups[spec.name]
            for k, v in self._queues(spec, qids, local_now).items():
                if g.queues_sent.get(k) != v:
                    queues[k] = g.queues_sent[k] = v
        return queues

    def snapshot(self, spec: BoardSpec, local_now: float) -> JSON:
        """Everything this board shows, for a new or resyncing tab."""
        state = self.hub.state
        privacy = self.settings.privacy
        agents = {
            str(ext): agent_json(a, state, spec, privacy.visible_digits)
            for ext, a in state.agents.items()
            if spec.shows_agent(ext)
        }
        queues = self._queues(spec, None, local_now)
        self._groups[spec.name].queues_sent = dict(queues)
        floor = floor_json(state, spec, self.settings.kpi.min_calls)
        return {
            "full": True,
            "agents": agents,
            "gone": [],
            "queues": queues,
            "qgone": [],
            "floor": floor,
        }
