"""The peer of bench/fanout.py: a minimal python-socketio server under uvicorn.

It holds no state and folds nothing: it replays the deltas the project's board sent in the
same run (recorded by bench/fanout.py, one JSON object a line, with the time each was
sent), at the same times, each encoded once and sent to one room with one `emit` — as
the project's own broadcast does, in the same form (`run_javascript` with the call to
`wallboardApply`), so the bytes on the wire are the same. Each delta is stamped with the
time it is sent ("ev" and "at") and numbered anew ("seq"); a connecting client joins the
room and gets the recorded snapshot numbered like the deltas that follow it. What the
project spends beyond this — the fold, the publisher, NiceGUI — is what the ratios show.

    .venv/bin/python bench/fanout_peer.py PORT RECORDING PING_INTERVAL PING_TIMEOUT

The pings are the project's (NiceGUI derives them from `[web] reconnect_seconds`): a tab
that does not answer in time is dropped by either server alike.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import socketio
import uvicorn

ROOM = "board"
BOARD = "all"


def _code(payload: dict[str, Any]) -> str:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f"window.wallboardApply&&wallboardApply({json.dumps(BOARD)},{body})"


class Peer:
    def __init__(
        self,
        snapshot: dict[str, Any],
        deltas: list[tuple[float, dict[str, Any]]],
        pings: tuple[float, float],
    ) -> None:
        self.sio = socketio.AsyncServer(
            async_mode="asgi", ping_interval=pings[0], ping_timeout=pings[1]
        )
        self.app = socketio.ASGIApp(self.sio)
        self.snapshot = snapshot
        self.deltas = deltas
        self.seq = 0
        self.sio.on("connect", self._connect)

    async def _connect(self, sid: str, environ: dict[str, Any]) -> None:
        await self.sio.enter_room(sid, ROOM)
        now = round(time.time(), 4)
        snap = {**self.snapshot, "ev": None, "at": now, "seq": self.seq}
        await self.sio.emit("run_javascript", {"code": _code(snap)}, to=sid)

    async def replay(self) -> None:
        """The recorded deltas at their recorded times, over and over."""
        loop = asyncio.get_running_loop()
        span = self.deltas[-1][0] + 0.1
        start = loop.time()
        while True:
            for t, delta in self.deltas:
                delay = start + t - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                self.seq += 1
                now = round(time.time(), 4)
                code = _code({**delta, "ev": now, "at": now, "seq": self.seq})
                await self.sio.emit("run_javascript", {"code": code}, room=ROOM)
            start += span


async def main(port: int, recording: Path, pings: tuple[float, float]) -> None:
    lines = [json.loads(line) for line in recording.read_text(encoding="utf-8").splitlines()]
    snapshot = lines[0]["payload"]
    deltas = [(float(x["t"]), x["payload"]) for x in lines[1:]]
    if not deltas:
        raise SystemExit("fanout_peer: the recording holds no delta")
    peer = Peer(snapshot, deltas, pings)
    server = uvicorn.Server(
        uvicorn.Config(
            peer.app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            ws=os.environ.get("FANOUT_PEER_WS", "auto"),
        )
    )
    replaying = asyncio.create_task(peer.replay(), name="peer-replay")
    try:
        await server.serve()
    finally:
        replaying.cancel()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), Path(sys.argv[2]), (float(sys.argv[3]), float(sys.argv[4]))))
