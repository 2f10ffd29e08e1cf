"""One board's threshold levels, decided on the server (core/levels.py) and sent with the state.

Each board keeps what it showed last per figure (a board's own queue levels may differ from
the configured ones); `update` judges every queue's figures and the floor's at `now` and
returns the levels as JSON: `{"q": {queue id: {metric: [level, since]}}, "floor": {...}}`,
`since` in the server's clock (None: already so when first judged). Pages paint these and
never judge a threshold themselves.
"""

from __future__ import annotations

from typing import Any

from wallboard.config import Level as LevelSettings
from wallboard.config import QueueThresholds, Settings
from wallboard.core import kpis
from wallboard.core.kpis import QueueTally
from wallboard.core.levels import Level, Line, Shown, began_count, began_wait, level_of, settle
from wallboard.core.models import Queue, State
from wallboard.web.boards import BoardSpec, board_tally

__all__ = ["BoardLevels"]

JSON = dict[str, Any]


def _line(lv: LevelSettings, low: bool = False) -> Line:
    return Line(lv.warn, lv.alarm, low)


def _pct(v: float | None) -> float | None:
    return None if v is None else v * 100


class BoardLevels:
    """The levels one board shows, kept from judgement to judgement (the hold)."""

    def __init__(self, settings: Settings, spec: BoardSpec) -> None:
        self.hold = settings.thresholds.hold_seconds
        self.min_calls = settings.kpi.min_calls
        th = settings.thresholds
        own = dict(spec.levels)
        self._default = th.queue
        self._per_queue: dict[int, QueueThresholds] = {**th.queues, **own}
        self.spec = spec
        self._shown: dict[str, Shown] = {}

    def _judge(self, key: str, raw: Level, began: float | None, now: float) -> list[Any]:
        s = self._shown[key] = settle(self._shown.get(key), raw, began, now, self.hold)
        return [s.level, None if s.since is None else round(s.since, 3)]

    def _figures(
        self, key: str, th: QueueThresholds, joined: list[int], t: QueueTally, now: float
    ) -> JSON:
        wait, count = _line(th.longest_wait_seconds), _line(th.waiting)
        first = min(joined) if joined else None
        longest = kpis.longest_waiting_now(joined, now)
        few = kpis.sl_sample(t) < self.min_calls  # "—" on the board: never a red tile
        sl_line = _line(th.service_level_percent, low=True)
        ab_line = _line(th.abandon_rate_percent)
        sl = None if few else _pct(kpis.service_level(t))
        ab = None if few else _pct(kpis.abandon_rate(t))
        lw, lc = level_of(wait, longest), level_of(count, len(joined))
        return {
            "waiting_now": self._judge(f"{key}:n", lc, began_count(count, lc, joined), now),
            "longest_waiting_now": self._judge(f"{key}:w", lw, began_wait(wait, lw, first), now),
            "service_level": self._judge(f"{key}:sl", level_of(sl_line, sl), None, now),
            "abandon_rate": self._judge(f"{key}:ab", level_of(ab_line, ab), None, now),
        }

    def update(self, state: State, now: float) -> JSON:
        """Judge every figure of this board at `now` (server clock)."""
        queues: JSON = {}
        floor_joined: list[int] = []
        for q in state.queues.values():
            if not self.spec.shows_queue(q.queue_id):
                continue
            t = _tally(state, q)
            joined = [c.joined for c in q.waiting.values()]
            floor_joined += joined
            th = self._per_queue.get(q.queue_id, self._default)
            queues[str(q.queue_id)] = self._figures(f"q{q.queue_id}", th, joined, t, now)
        floor = board_tally(state, self.spec)
        whole = self._figures("floor", self._default, floor_joined, floor, now)
        whole.pop("abandon_rate")  # the floor header shows no abandon rate
        return {"q": queues, "floor": whole}


def _tally(state: State, q: Queue) -> QueueTally:
    day = state.day
    return day.queues.get(q.queue_id, QueueTally()) if day else QueueTally()
