"""The board element: one Vue component (static/board.js) per tab, patched by deltas."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from nicegui.element import Element
from nicegui.events import GenericEventArguments

from wallboard.web.publisher import Publisher

__all__ = ["Board"]


class Board(Element, component="../../static/board.js"):
    """Shows one board; the publisher sends it JSON deltas, the browser ticks the clocks."""

    def __init__(self, publisher: Publisher, board: str, config: dict[str, Any]) -> None:
        super().__init__()
        self.board = board
        self.publisher = publisher
        self._props["config"] = config
        self.on("resync", self._resync)
        self.client.on_connect(self._resync)
        self.client.on_disconnect(self._gone)
        publisher.attach(self)

    def _resync(self, _: GenericEventArguments | None = None) -> None:
        self.publisher.resync(self)

    def _gone(self) -> None:
        # NiceGUI deletes the client after its reconnect timeout; until then the tab may
        # come back, so keep the element attached and let send() report a deleted client.
        if self.client.is_deleted:
            self.publisher.detach(self)

    def send(self, payload: str) -> bool:
        """Queue a delta (already JSON) for this tab; False once the tab is gone."""
        if self.is_deleted or self.client.is_deleted:
            return False
        if not self.client.has_socket_connection:
            return True  # reconnecting: the snapshot on reconnect will catch it up
        self.client.run_javascript(f'return runMethod({self.id},"apply",[{payload}])')
        return True

    def _handle_delete(self) -> None:
        self.publisher.detach(self)
        super()._handle_delete()


# Registered once: the board's stylesheet (served from static/ by the app).
def board_head() -> None:
    """Link the board's stylesheet into the current page."""
    ui.add_head_html('<link rel="stylesheet" href="/static/board.css">')
