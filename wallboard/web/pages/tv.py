""" "Show on a TV": one click makes (or shows again) a board's kiosk token and gives its full
kiosk address, a QR code for a TV's browser, and the one-line Chromium command for a kiosk
PC; revoking it is one click on the same panel.

The address holds a secret: it is built here for a reader who may manage the board
(`BoardEditor.may_manage`), sent to her browser only, and never logged (the log filter
also hides any `token=` in an address, runtime/logs.py).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from urllib.parse import urlencode

import segno
from fastapi import Request
from nicegui import ui

from wallboard.core.scope import Role, Scope
from wallboard.errors import WallboardError
from wallboard.services.editor import BoardEditor
from wallboard.web.i18n import Lang, t

__all__ = [
    "CHROMIUM_SWITCHES",
    "base_url",
    "kiosk_address",
    "kiosk_command",
    "qr_svg",
    "tv_button",
]

Who = Callable[[], tuple[str, Scope]]

# The switches of deploy/wallboard-kiosk.service (a test holds them equal; why each one:
# there): full screen, no error dialogs or "restore pages?" after a power cut, no keyring
# prompt, alarm sounds without a click (nobody clicks a TV), no translation bar, no update
# checks.
CHROMIUM_SWITCHES = (
    "--kiosk",
    "--noerrdialogs",
    "--hide-crash-restore-bubble",
    "--password-store=basic",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-features=Translate,HttpsUpgrades",
    "--check-for-update-interval=31536000",
)


def base_url(request: Request) -> str:
    """The address this browser reached the wallboard at (scheme, host and port): a TV on
    the same network opens the kiosk the same way."""
    return str(request.base_url).rstrip("/")


def kiosk_address(base: str, board: str, token: str | None) -> str:
    """The kiosk address of one board (without a token: the open mode's, no users)."""
    query = {"boards": board, **({"token": token} if token else {})}
    return f"{base}/kiosk?{urlencode(query)}"


def kiosk_command(address: str) -> str:
    """The one line a kiosk PC runs (or puts in its autostart) to show the board."""
    return shlex.join(["chromium", *CHROMIUM_SWITCHES, address])


def qr_svg(address: str) -> str:
    """The address as a QR code, an SVG data URI (black on white, a quiet zone: phones and
    TVs read it off a dark page)."""
    qr = segno.make(address, error="m")
    return str(qr.svg_data_uri(scale=4, border=4, dark="#000", light="#fff"))


class _Panel:
    """The dialog of one board: address, copy, QR code, command, revoke."""

    def __init__(self, editor: BoardEditor, who: Who, board: str, base: str, lang: Lang) -> None:
        self.editor, self.who, self.board, self.base, self.lang = editor, who, board, base, lang
        self.dialog = ui.dialog()
        with self.dialog, ui.card().classes("wb-tv-panel gap-3").style("min-width: 34rem"):
            ui.label(f"{t('tv_title', lang)}: {board}").classes("text-xl").props("dir=auto")
            self.body = ui.column().classes("w-full gap-2")

    async def open(self) -> None:
        actor, scope = self.who()
        token: str | None = None
        if scope.role is not Role.OPEN:
            try:
                token = await self.editor.show_on_tv(actor, scope, self.board)
            except WallboardError as e:
                ui.notify(f"{t('failed', self.lang)}: {e}", type="negative")
                return
        self.draw(token, open_mode=scope.role is Role.OPEN)
        self.dialog.open()

    def _copyable(self, text: str, css: str, label: str) -> None:
        with ui.row().classes("w-full items-center no-wrap gap-2"):
            # A text area: the whole address or command wraps into view, to read or check.
            ui.textarea(label, value=text).props(
                "readonly outlined dense autogrow dir=ltr"
            ).classes(f"grow font-mono {css}")
            ui.button(t("copy", self.lang), on_click=lambda: self._copy(text)).props(
                "outline dense"
            ).classes(f"{css}-copy")

    def _copy(self, text: str) -> None:
        ui.clipboard.write(text)
        ui.notify(t("copied", self.lang))

    def draw(self, token: str | None, open_mode: bool) -> None:
        address = kiosk_address(self.base, self.board, token)
        self.body.clear()
        with self.body:
            ui.label(t("tv_open_mode" if open_mode else "tv_secret", self.lang)).classes(
                "opacity-80"
            )
            self._copyable(address, "wb-tv-url", t("tv_address", self.lang))
            with ui.row().classes("items-start gap-4 no-wrap"):
                ui.image(qr_svg(address)).classes("w-56 h-56 shrink-0 wb-tv-qr").props("no-spinner")
                ui.label(t("tv_qr", self.lang)).classes("opacity-80 max-w-xs")
            self._copyable(kiosk_command(address), "wb-tv-command", t("tv_command", self.lang))
            with ui.row().classes("gap-2"):
                if not open_mode:
                    ui.button(t("tv_revoke", self.lang), on_click=self.revoke).props(
                        "color=negative"
                    ).classes("wb-tv-revoke")
                ui.button(t("close", self.lang), on_click=self.dialog.close).props("flat")

    async def revoke(self) -> None:
        try:
            await self.editor.revoke_tv(*self.who(), self.board)
        except WallboardError as e:
            ui.notify(f"{t('failed', self.lang)}: {e}", type="negative")
            return
        self.body.clear()
        with self.body:
            ui.label(t("tv_revoked", self.lang)).classes("wb-tv-revoked")
            ui.button(t("close", self.lang), on_click=self.dialog.close).props("flat")


def tv_button(
    editor: BoardEditor, who: Who, board: str, request: Request, lang: Lang, dense: bool = False
) -> None:
    """The "Show on a TV" button of one board, for a reader who may manage it (or anyone
    in the open mode, where a kiosk needs no token); nothing for anyone else."""
    actor, scope = who()
    if scope.role is not Role.OPEN and not editor.may_manage(actor, scope, board):
        return
    panel = _Panel(editor, who, board, base_url(request), lang)
    ui.button(t("show_on_tv", lang), icon="tv", on_click=panel.open).props(
        "flat dense" if dense else "outline"
    ).classes("wb-tv-button").props(f'data-board="{board}"')
