"""Boards from configuration, and what one board shows of the state (compact, masked JSON).

Built on `core.view` projections; caller numbers are masked here, on the server, so a
masked number never reaches a browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wallboard.config import ALL_BOARD, BoardSettings, Level, QueueThresholds, Settings
from wallboard.core import kpis
from wallboard.core.kpis import AgentTally, QueueTally
from wallboard.core.models import Agent, AgentState, Queue, State, status_key
from wallboard.core.scope import mask_number
from wallboard.core.view import agent_view, queue_numbers, queue_view
from wallboard.services.reach import board_reach
from wallboard.web.i18n import Lang, t

__all__ = [
    "BoardSpec",
    "Membership",
    "QueueModel",
    "agent_json",
    "board_specs",
    "board_tally",
    "board_title",
    "floor_json",
    "mask_number",
    "queue_json",
    "queue_model",
    "thresholds_json",
]

JSON = dict[str, Any]

DEFAULT_BOARD = ALL_BOARD


@dataclass(frozen=True, slots=True)
class BoardSpec:
    """One board, resolved: which agents and queues (None: all), language and options."""

    name: str
    title: str
    language: Lang
    queues: frozenset[int] | None
    extensions: frozenset[int] | None
    widgets: tuple[str, ...]
    sort: str
    sound: bool
    mask: bool
    # The board's own queue levels, over the configured ones: (queue id, levels) pairs.
    levels: tuple[tuple[int, QueueThresholds], ...] = ()
    # Queues besides its own whose name an agent's call may show: its reader's, when
    # they see more (None: every queue). A board shared by every reader names only its
    # own; `web/pages/layout.desk_spec` makes a reader's variant (docs/access.md).
    names: frozenset[int] | None = frozenset()
    nav: bool = True  # listed in the desk pages' navigation

    def shows_agent(self, extension: int) -> bool:
        return self.extensions is None or extension in self.extensions

    def shows_queue(self, queue_id: int) -> bool:
        return self.queues is None or queue_id in self.queues

    def names_queue(self, queue_id: int) -> bool:
        """Whether an agent's call from this queue may say which queue it is."""
        return self.shows_queue(queue_id) or self.names is None or queue_id in self.names


def _spec(name: str, b: BoardSettings, settings: Settings) -> BoardSpec:
    reach = board_reach(b, settings)
    return BoardSpec(
        name=name,
        title=b.title or name,
        language=b.language or settings.web.language,
        queues=reach.queues,
        extensions=reach.extensions,
        widgets=tuple(b.widgets),
        sort=b.sort,
        sound=b.sound,
        mask=settings.privacy.mask_callers if b.mask_callers is None else b.mask_callers,
        levels=tuple(sorted(b.thresholds.items())),
        nav=b.nav,
    )


def board_specs(
    settings: Settings, boards: dict[str, BoardSettings] | None = None
) -> dict[str, BoardSpec]:
    """Every board (the configured ones, or `boards` from the editor), and always the
    built-in 'all' showing everything (after them: `/` still opens the first configured
    one) unless one of them is 'all' itself."""
    found = dict(settings.boards if boards is None else boards)
    found.setdefault(DEFAULT_BOARD, BoardSettings(title=""))
    return {name: _spec(name, b, settings) for name, b in found.items()}


def board_title(spec: BoardSpec, lang: Lang) -> str:
    """The board's title in this language: the unnamed default board is "All queues"."""
    if spec.name == DEFAULT_BOARD and spec.title == DEFAULT_BOARD:
        return t("all_board", lang)
    return spec.title


class Membership:
    """Which agents answer which queue: team config plus queues of calls seen today.

    The vendor's realtime events do not say who belongs to a queue, so this is a best
    effort: configured teams, and any agent who took a call from the queue today.
    """

    def __init__(self, settings: Settings) -> None:
        self.configured: dict[int, set[int]] = {}
        for team in settings.teams.values():
            for q in team.queues:
                self.configured.setdefault(q, set()).update(team.extensions)
        self.seen: dict[int, set[int]] = {}

    def observe(self, a: Agent) -> None:
        """Remember the queues of this agent's live calls."""
        for c in a.calls.values():
            q = c.info.queue_id
            if q:
                self.seen.setdefault(q, set()).add(a.extension)

    def reset_day(self) -> None:
        self.seen.clear()

    def members(self, queue_id: int) -> set[int]:
        return self.configured.get(queue_id, set()) | self.seen.get(queue_id, set())

    def available(self, queue_id: int, state: State) -> int | None:
        """Members of the queue who are available now; None when no member is known.

        None rather than 0: "0 agents available" on a wall screen is an alarm, and with no
        team configured and no call taken yet it would be a false one.
        """
        members = self.members(queue_id)
        if not members:
            return None
        n = 0
        for ext in members:
            a = state.agents.get(ext)
            if a is not None and a.state is AgentState.AVAILABLE:
                n += 1
        return n


def agent_json(a: Agent, state: State, spec: BoardSpec, visible: int) -> JSON:
    """One agent tile: who, status, since when, the current call, today's counts.

    A call's queue is named (`qn`) only when the board may name it; a queue outside the
    reader's scope is neither named nor numbered.
    """
    mask = spec.mask
    v = agent_view(a)
    day = state.day
    t = day.agents.get(a.extension, AgentTally()) if day else AgentTally()
    calls = []
    for c in v["calls"]:
        number = c["caller_number"] or ""
        since = c["answered_at"] if c["status"] == "talking" and c["answered_at"] else None
        qid = c["queue_id"] if c["queue_id"] and spec.names_queue(c["queue_id"]) else None
        queue = state.queues.get(qid) if qid is not None else None
        calls.append(
            {
                "dir": c["direction"],
                "st": c["status"],
                "q": qid,
                "qn": (queue.name or str(qid)) if queue is not None else "",
                "since": since if since is not None else c["status_since"],
                "num": mask_number(number, visible) if mask else number,
                "name": "" if mask else (c["caller_name"] or ""),
            }
        )
    return {
        "x": v["extension"],
        "n": v["name"] or str(v["extension"]),
        "s": v["state"],
        "k": status_key(a.state, a.break_code),
        "c": v["status_code"],
        "since": v["state_since"],
        "known": v["since_known"],
        "calls": calls,
        "missed": t.missed,
        "answered": t.answered,
        **({"f": agent_figures(a, t, state)} if "agent_figures" in spec.widgets else {}),
    }


def agent_figures(a: Agent, t: AgentTally, state: State) -> list[float | int | None]:
    """A desk tile's day figures: calls handled, handle time (`kpis.agent_handle_time`), and
    what occupancy (`kpis.occupancy`) ticks from in the browser: the closed seconds busy
    and logged in today, and when the open status began (not before the day's reset)."""
    closed = t.status_seconds
    busy = sum(v for k, v in closed.items() if k in kpis.BUSY_STATUSES)
    logged_in = sum(v for k, v in closed.items() if k != "logged_out")
    start = state.day.bounds.start if state.day is not None else a.state_since
    aht = kpis.agent_handle_time(t)
    return [t.handled, None if aht is None else round(aht), busy, logged_in,
            max(a.state_since, start)]  # fmt: skip


@dataclass(frozen=True, slots=True)
class QueueModel:
    """What the board's Erlang C figures need besides the queue: settings and the floor's AHT."""

    min_calls: int = 0
    handle: float | None = None
    targets: dict[int, float | None] | None = None
    default_target: float | None = None

    def target(self, queue_id: int) -> float | None:
        if self.targets and queue_id in self.targets:
            return self.targets[queue_id]
        return self.default_target


def queue_model(settings: Settings, state: State) -> QueueModel:
    """Today's floor-wide handle time and the SL targets (each queue's SL warn level)."""
    th = settings.thresholds

    def target(t: QueueThresholds) -> float | None:
        warn = t.service_level_percent.warn
        return None if warn is None else warn / 100

    return QueueModel(
        min_calls=settings.kpi.min_calls,
        handle=kpis.average_handle_time(state.day.agents.values()) if state.day else None,
        targets={q: target(t) for q, t in th.queues.items()},
        default_target=target(th.queue),
    )


def _signif(v: float | None) -> float | None:
    # Three significant digits: a rate that changes every second would make every queue
    # look changed on every delta.
    return None if v is None or v <= 0 else float(f"{v:.3g}")


def _erlang(q: Queue, t: QueueTally, state: State, now: float, model: QueueModel) -> JSON:
    day_start = state.day.bounds.start if state.day else now
    rate = kpis.arrival_rate(t, day_start, now)
    target = model.target(q.queue_id)
    sl = state.settings.sl_for(q.queue_id)
    need = None if target is None else kpis.agents_needed(rate, model.handle, target, sl)
    return {
        "need": need,
        # The browser applies kpis.sl_at_risk every second with this answer rate.
        "ar": _signif(kpis.answer_rate(t, day_start, now)),
    }


def queue_json(
    q: Queue,
    state: State,
    server_now: float,
    available: int | None,
    mask: bool,
    visible: int,
    model: QueueModel | None = None,
) -> JSON:
    """One queue tile: today's numbers with the counts behind them, and who waits now."""
    v = queue_view(q)
    day = state.day
    t = day.queues.get(q.queue_id, QueueTally()) if day else QueueTally()
    nums = queue_numbers(t, q, server_now)
    # Ticks in the browser from the waiting calls' join times; sending it would make every
    # queue look changed on every tick.
    nums.pop("longest_waiting_now", None)
    model = model or QueueModel()
    sample = kpis.sl_sample(t)
    if sample < model.min_calls:
        # Too few calls to judge (docs/metrics.md, "Few calls"): "—", never a red tile.
        nums["service_level"] = nums["abandon_rate"] = None
    return {
        "id": v["queue_id"],
        "n": v["name"] or str(v["queue_id"]),
        "sl_threshold": state.settings.sl_for(q.queue_id),
        "today": nums,
        "avail": available,
        "few": sample < model.min_calls,
        **_erlang(q, t, state, server_now, model),
        "waiting": [
            {
                "id": w["call_id"],
                "num": mask_number(w["caller_number"], visible) if mask else w["caller_number"],
                "name": "" if mask else w["caller_name"],
                "joined": w["joined"],
            }
            for w in v["waiting"]
        ],
    }


def board_tally(state: State, spec: BoardSpec) -> QueueTally:
    """Today's counts over all the board's queues (what its floor service level is of)."""
    total = QueueTally()
    if state.day:
        for qid, t in state.day.queues.items():
            if spec.shows_queue(qid):
                total.answered += t.answered
                total.answered_within_sl += t.answered_within_sl
                total.abandoned += t.abandoned
                total.short_abandoned += t.short_abandoned
    return total


def floor_json(state: State, spec: BoardSpec, min_calls: int) -> JSON:
    """The board's floor header: today's service level over all its queues, and its sample."""
    total = board_tally(state, spec)
    sample = kpis.sl_sample(total)
    sl = kpis.service_level(total) if sample >= min_calls else None
    return {"sl": None if sl is None else round(sl, 4), "n": sample, "few": sample < min_calls}


def _level(lv: Level) -> list[float | None]:
    return [lv.warn, lv.alarm]


def _queue_levels(t: QueueThresholds) -> JSON:
    return {
        "waiting": _level(t.waiting),
        "longest": _level(t.longest_wait_seconds),
        "sl": _level(t.service_level_percent),
        "abandon": _level(t.abandon_rate_percent),
    }


def thresholds_json(settings: Settings, spec: BoardSpec | None = None) -> JSON:
    """Warn/alarm levels for the browser (a board's own levels for a queue win over the
    configured ones): it judges agents' time in status with them; queue and floor levels
    are judged on the server with the same lines (web/levels.py) and sent with the state."""
    th = settings.thresholds
    queues = {**th.queues, **dict(spec.levels if spec is not None else ())}
    return {
        "queue": _queue_levels(th.queue),
        "queues": {str(q): _queue_levels(t) for q, t in queues.items()},
        "agent": {k: _level(v) for k, v in th.agent_seconds.items()},
    }
