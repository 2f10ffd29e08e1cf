"""`/messages`: a team lead posts a short message to the floor (text, until when, which
boards) and sees those running; kiosks show them as a ticker (`ticker`)."""

from __future__ import annotations

import html
import logging
from datetime import datetime

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from wallboard.core.clock import zone
from wallboard.core.scope import Scope
from wallboard.errors import WallboardError
from wallboard.services.messages import MAX_LENGTH, FloorMessages
from wallboard.web.boards import BoardSpec, board_title
from wallboard.web.i18n import Lang, t
from wallboard.web.pages.layout import desk_page, needs_users
from wallboard.web.session import Session

__all__ = ["register", "ticker"]

log = logging.getLogger(__name__)

_TICKER_EVERY = 2.0  # seconds between a kiosk's looks at the running messages
_DURATIONS = (15, 30, 60, 120, 240, 480)  # minutes a lead can pick

# A strip of its own along the bottom of the wall screen: the kiosk board above it is made
# shorter by the strip's height (nothing is covered), and the text scrolls in the reading
# direction at a fixed speed whatever its length: TICKER_SPEED of the screen's width per
# second (≈125 px/s at 1080p), its duration set from the text's width when it changes.
TICKER_SPEED = 0.065
_TICKER_CSS = """
<style>
:root{--wb-tk-fs:clamp(28px,3.2vw,64px);--wb-tk-h:calc(var(--wb-tk-fs) * 1.5)}
.wb-ticker{position:fixed;inset-inline:0;bottom:0;z-index:50;overflow:hidden;white-space:nowrap;
 background:#f2c94c;color:#111;font-size:var(--wb-tk-fs);line-height:var(--wb-tk-h);
 height:var(--wb-tk-h);font-weight:700}
.wb-ticker:empty{display:none}
body:has(.wb-ticker:not(:empty)) .wb-kiosk{height:calc(100vh - var(--wb-tk-h))}
.wb-ticker .wb-ticker-run{display:inline-block;padding-inline-start:100%}
.wb-ticker .wb-msg{margin-inline-end:3em}
@keyframes wb-ticker-ltr{from{transform:translateX(0)}to{transform:translateX(-100%)}}
@keyframes wb-ticker-rtl{from{transform:translateX(0)}to{transform:translateX(100%)}}
@media (prefers-reduced-motion: reduce){.wb-ticker .wb-ticker-run{padding:0 .5em}}
</style>
<script>
(() => {
  const fit = (run) => {
    if (matchMedia("(prefers-reduced-motion: reduce)").matches) return;
    const secs = run.offsetWidth / (innerWidth * SPEED);
    const name = getComputedStyle(run).direction === "rtl" ? "wb-ticker-rtl" : "wb-ticker-ltr";
    const anim = `${name} ${secs.toFixed(2)}s linear infinite`;
    if (run.dataset.anim !== anim) {
      run.dataset.anim = anim;
      run.style.animation = anim;
    }
  };
  const seen = new WeakSet();
  setInterval(() => {
    for (const strip of document.querySelectorAll(".wb-ticker")) {
      if (seen.has(strip)) continue;
      seen.add(strip);
      const all = () => strip.querySelectorAll(".wb-ticker-run").forEach(fit);
      new MutationObserver(all).observe(strip, { childList: true, subtree: true });
      all();
    }
  }, 250);
})();
</script>
""".replace("SPEED", str(TICKER_SPEED))


def ticker(messages: FloorMessages, boards: list[str]) -> None:
    """The kiosk's ticker: the running messages of these boards, re-read every 2 s."""
    ui.add_head_html(_TICKER_CSS)
    strip = ui.html("").classes("wb-ticker")
    shown: list[str] = []

    def refresh() -> None:
        seen: dict[int, str] = {}
        for b in boards:
            for m in messages.active(b):
                seen[m.id] = m.text
        texts = list(seen.values())
        if texts == shown:
            return  # unchanged: do not restart the scroll
        shown[:] = texts
        spans = "".join(f'<span class="wb-msg" dir="auto">{html.escape(x)}</span>' for x in texts)
        strip.content = f'<span class="wb-ticker-run">{spans}</span>' if texts else ""

    refresh()
    ui.timer(_TICKER_EVERY, refresh)


def _running(
    messages: FloorMessages,
    specs: dict[str, BoardSpec],
    who: tuple[Lang, Scope, str],
    remove: object,
) -> None:
    """The running messages the reader's boards show (admins: all), naming her boards only."""
    lang, scope, tz = who
    for m in messages.active():
        if m.boards and not any(scope.shows_board(b) for b in m.boards):
            continue  # another team's: not hers to read
        until = datetime.fromtimestamp(m.until, zone(tz)).strftime("%H:%M")
        mine = [b for b in m.boards if b in specs and scope.shows_board(b)]
        names = ", ".join(board_title(specs[b], lang) for b in mine)
        with ui.row().classes("items-center gap-4 wb-message"):
            ui.label(m.text).props('dir="auto"').classes("text-lg")
            ui.label(f"{names or t('all_board', lang)} · {t('until', lang)} {until} · {m.author}")
            ui.button(t("remove", lang), on_click=lambda _, i=m.id: remove(i)).props(  # type: ignore[operator]
                "flat dense color=negative"
            )


Form = tuple[ui.button, tuple[ui.input, ui.select, ui.select]]


def _form(mine: dict[str, str], lang: Lang) -> Form:
    """The message's text, how long it runs, which boards; and its "Post" button."""
    with ui.column().classes("gap-2 p-2 max-w-3xl w-full"):
        text = (
            ui.input(t("message_text", lang))
            .props(f"dark outlined dir=auto maxlength={MAX_LENGTH} counter")
            .classes("w-full wb-message-text")
        )
        with ui.row().classes("items-center gap-4"):
            minutes = ui.select(
                {m: f"{m} {t('minutes_short', lang)}" for m in _DURATIONS},
                value=60,
                label=t("for_how_long", lang),
            ).classes("w-40")
            boards = ui.select(mine, multiple=True, value=[], label=t("message_boards", lang))
            boards.classes("w-80 wb-message-boards")
            post = ui.button(t("post", lang))
    return post, (text, minutes, boards)


def register(
    session: Session, messages: FloorMessages, specs: dict[str, BoardSpec], timezone: str
) -> None:
    """Register `/messages` behind the login."""

    @session.site.page("/messages")
    def messages_page(request: Request) -> RedirectResponse | None:
        lang = desk_page(session, request)
        if isinstance(lang, RedirectResponse):
            return lang
        scope = session.scope()
        mine = {b: board_title(s, lang) for b, s in specs.items() if scope.shows_board(b)}
        ui.label(t("messages", lang)).classes("text-3xl p-2")
        if session.access.open:  # a message needs an author: no form that would be refused
            needs_users("na_post", lang)
            form = None
        else:
            form = _form(mine, lang)
        listing = ui.column().classes("p-2 w-full")

        def draw() -> None:
            listing.clear()
            with listing:
                _running(messages, specs, (lang, scope, timezone), remove)

        async def remove(mid: int) -> None:
            try:  # her scope as of now, not as the page was built
                await messages.remove(mid, session.who()[1])
            except WallboardError as e:
                ui.notify(f"{t('failed', lang)}: {e}", type="negative")
            draw()

        async def send(text: ui.input, minutes: ui.select, boards: ui.select) -> None:
            user, now = session.who()
            try:
                await messages.post(
                    user, now, text.value or "", float(minutes.value), tuple(boards.value or ())
                )
            except WallboardError as e:
                ui.notify(f"{t('failed', lang)}: {e}", type="negative")
                return
            text.value = ""
            ui.notify(t("posted", lang), type="positive")
            draw()

        if form is not None:
            post, fields = form
            post.on_click(lambda: send(*fields))
        draw()
        return None
