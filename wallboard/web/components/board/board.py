"""The board element: one Vue component (board.js beside this file) per tab, patched by deltas.

Deltas go to a socket.io room per board (every tab showing the board has joined it), so
one message is encoded per board and tick however many tabs watch; a snapshot goes to
one tab's own room. Both call `wallboardApply(board, payload)` in the page, which hands
the payload to that board's component(s).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nicegui import core, ui
from nicegui.element import Element

from wallboard.web.publisher import Broadcast, Publisher
from wallboard.web.site import Site

__all__ = ["STATIC", "Board", "board_head", "broadcaster"]

# The board's JavaScript and CSS ship inside the package (package-data), so a plain
# `pip install .` serves them too. NiceGUI registers no component, silently, when the
# path matches no file: `tests/unit/test_static.py` holds it to an existing one.
STATIC = Path(__file__).resolve().parent


def _code(board: str, payload: str) -> str:
    return f"window.wallboardApply&&wallboardApply({json.dumps(board)},{payload})"


def broadcaster(site: Site) -> Broadcast:
    """What sends one delta to every tab of one of `site`'s boards."""

    async def broadcast(board: str, payload: str) -> None:
        code = _code(board, payload)
        await core.sio.emit("run_javascript", {"code": code}, room=site.room(board))

    return broadcast


class Board(Element, component=STATIC / "board.js"):
    """Shows one board; the publisher sends it JSON deltas, the browser ticks the clocks."""

    def __init__(self, publisher: Publisher, board: str, config: dict[str, Any]) -> None:
        super().__init__()
        self.board = board
        self.publisher = publisher
        self._props["config"] = config
        self.on("resync", lambda _: publisher.resync(self))
        self.client.on_connect(self._connected)
        publisher.attach(self)

    async def _connected(self) -> None:
        # Every (re)connect: join the board's room with the tab's socket, then get a snapshot.
        room = self.publisher.site.room(self.board)
        for sid, _ in list(core.sio.manager.get_participants("/", self.client.id)):
            await core.sio.enter_room(sid, room)
        self.publisher.resync(self)

    async def send(self, payload: str) -> bool:
        """Send a snapshot (or delta) to this tab only; False once the tab is gone."""
        if self.is_deleted or self.client.is_deleted:
            return False
        if self.client.has_socket_connection:
            await core.sio.emit(
                "run_javascript", {"code": _code(self.board, payload)}, room=self.client.id
            )
        return True  # reconnecting: the snapshot on reconnect catches it up

    def _handle_delete(self) -> None:
        self.publisher.detach(self)
        super()._handle_delete()


def board_head() -> None:
    """Link the board's stylesheet into the current page."""
    ui.add_head_html('<link rel="stylesheet" href="/static/board.css">')
