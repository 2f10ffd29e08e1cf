"""What a board's payload says besides the state: the server's levels (with the time each
began) and the open alerts of the board's queues (web/levels.py, pages/alerts.py)."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any, cast

from tests.floor import floor_events
from wallboard.config import AlertRule, AlertSettings, Settings
from wallboard.core.events import ConnectionChanged, ConnectionState
from wallboard.runtime.hub import Hub
from wallboard.services.alerts import Alerts
from wallboard.web.boards import DEFAULT_BOARD, board_specs
from wallboard.web.pages.alerts import board_alerts
from wallboard.web.publisher import Publisher


class Tab:
    board = DEFAULT_BOARD

    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []

    async def send(self, payload: str) -> bool:
        self.got.append(json.loads(payload))
        return True


def _hub() -> Hub:
    hub = Hub()
    # Queue 7: seven callers, who joined 10, 20 ... 70 s ago.
    for e in floor_events({7: [f"c{i}" for i in range(7)]}, {}):
        hub.feed(e)
    return hub


async def test_levels_come_with_the_snapshot_and_then_only_when_they_change() -> None:
    hub = _hub()
    pub = Publisher(hub, Settings())
    tab = Tab()
    pub.attach(tab)
    await pub.tick()
    snap = tab.got[0]
    level, since = snap["lv"]["q"]["7"]["waiting_now"]
    # 6 waiting (the alarm line) since the 6th of them joined 20 s ago, + the 10 s hold: the
    # alarm began 10 s ago, before this page opened, so the page will not flash for it.
    assert level == "alarm" and since is not None and since <= snap["now"] - 9
    assert snap["lv"]["floor"]["waiting_now"][0] == "alarm"
    assert snap["lv"]["q"]["7"]["service_level"] == ["ok", None]
    hub.feed(ConnectionChanged(time.time(), ConnectionState.RECONNECTING, "vendor", "eio3"))
    await pub.tick()
    assert tab.got[1]["full"] is False and "lv" not in tab.got[1]  # unchanged: not resent


async def test_a_boards_open_alerts_name_its_own_queues_only() -> None:
    hub = _hub()
    rule = AlertRule(metric="waiting", fire=5, clear=3)
    settings = Settings(alerts=AlertSettings(rules={"busy": rule}))
    alerts = Alerts(settings, hub, cast(Any, None), deliver=False)  # no store: not delivered
    fired = await alerts.check()
    assert [a.queue for a in fired] == [7]
    specs = board_specs(settings)
    of = board_alerts(alerts)
    got = of(specs[DEFAULT_BOARD])
    assert got == [
        {
            "id": "busy:7",
            "q": 7,
            "x": None,
            "n": "Queue 7 תור",
            "t": "⚠ Queue 7 תור: callers waiting past 5 (7)",
            "th": "⚠ Queue 7 תור: ממתינים עבר 5 (7)",
            "ack": False,
        }
    ]
    other = replace(specs[DEFAULT_BOARD], queues=frozenset({8}))
    assert of(other) == []


def test_a_boards_own_levels_judge_its_queues() -> None:
    from wallboard.config import BoardSettings
    from wallboard.web.levels import BoardLevels

    b = BoardSettings.model_validate({"thresholds": {7: {"waiting": {"warn": 5, "alarm": 9}}}})
    spec = board_specs(Settings(), {"vip": b})["vip"]
    hub = _hub()
    now = time.time()
    assert (
        BoardLevels(Settings(), spec).update(hub.state, now)["q"]["7"]["waiting_now"][0] == "warn"
    )
    plain = board_specs(Settings())[DEFAULT_BOARD]
    assert (
        BoardLevels(Settings(), plain).update(hub.state, now)["q"]["7"]["waiting_now"][0] == "alarm"
    )
