"""The board publisher sends a change soon after it happens, not at a timer's next beat,
and still sends at most one delta per interval."""

from __future__ import annotations

import asyncio
import json
import time

from tests.floor import floor_events
from wallboard.config import Settings
from wallboard.core.events import ConnectionChanged, ConnectionState
from wallboard.runtime.hub import Hub
from wallboard.web.boards import DEFAULT_BOARD
from wallboard.web.publisher import Publisher

# Longer than any wait below: a delta that arrives within a wait was not sent by a timer.
INTERVAL = 60.0


class Tab:
    board = DEFAULT_BOARD

    def __init__(self) -> None:
        self.got: list[dict[str, object]] = []

    async def send(self, payload: str) -> bool:
        self.got.append(json.loads(payload))
        return True

    def deltas(self) -> int:
        return sum(p["full"] is False for p in self.got)


async def _until(check: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:  # type: ignore[operator]
        await asyncio.sleep(0.01)
    return bool(check())  # type: ignore[operator]


async def test_a_change_goes_out_at_once_then_at_most_one_delta_per_interval() -> None:
    settings = Settings()
    # Past the config's own limit (2 s), so no timer could have sent what this test sees.
    web = settings.web.model_copy(update={"publish_interval_seconds": INTERVAL})
    settings = settings.model_copy(update={"web": web})
    hub = Hub()
    for e in floor_events({7: ["a1"]}, {101: "c9"}):
        hub.feed(e)
    pub = Publisher(hub, settings)
    tab = Tab()
    pub.attach(tab)
    await pub.tick()  # the new tab's snapshot
    assert tab.got and tab.got[0]["full"] is True
    task = asyncio.create_task(pub.run())
    try:
        hub.feed(ConnectionChanged(time.time(), ConnectionState.RECONNECTING, "vendor", "eio3"))
        assert await _until(lambda: tab.deltas() == 1, 30.0), tab.got
        # A second change within the interval waits for it: no second delta meanwhile.
        hub.feed(ConnectionChanged(time.time(), ConnectionState.CONNECTED, "vendor", "eio3"))
        await asyncio.sleep(0.5)
        assert tab.deltas() == 1
    finally:
        task.cancel()
