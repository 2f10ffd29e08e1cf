"""`/alerts`, the open alerts: each of the reader's, with what was done about it, and (a
lead of its boards) a note, "Acknowledge" and "Snooze 15 / 30 / 60 min"; and an admin's
"send a test" to the alert webhook."""

from __future__ import annotations

from datetime import datetime

from nicegui import ui

from wallboard.core.clock import zone
from wallboard.core.scope import Scope
from wallboard.errors import WallboardError
from wallboard.services.alert_acks import SNOOZE_MINUTES, AlertDesk, Handled, alert_id, may_handle
from wallboard.services.alerts import Alert
from wallboard.web.i18n import Lang, t
from wallboard.web.session import Session, timer_once_connected

__all__ = ["open_alerts", "webhook_test"]

_LOOK_EVERY = 2.0  # seconds between looks at what is open (the rules are judged as often)


def _hhmm(at: float, tz: str) -> str:
    return datetime.fromtimestamp(at, zone(tz)).strftime("%H:%M")


def _in_scope(a: Alert, scope: Scope) -> bool:
    return scope.shows_queue(a.queue) if a.queue is not None else scope.shows_agent(a.extension)


def _handled_text(h: Handled, lang: Lang, tz: str) -> str:
    if h.until is None:
        text = t("acked_by", lang).format(who=h.by, at=_hhmm(h.at, tz))
    else:
        text = t("snoozed_by", lang).format(who=h.by, until=_hhmm(h.until, tz))
    return f"{text} · {h.note}" if h.note else text


def open_alerts(desk: AlertDesk, session: Session, lang: Lang, tz: str) -> None:
    """The reader's open alerts, redrawn when one opens, clears or is handled."""
    scope = session.scope()
    ui.label(t("open_alerts", lang)).classes("text-2xl p-2")
    if not scope.user:
        ui.label(t("handle_sign_in", lang)).classes("p-2 wb-handle-hint")
    box = ui.column().classes("wb-open-alerts w-full gap-1 p-2")
    drawn: list[object] = [None]

    def mine() -> list[Alert]:
        found = sorted(desk.alerts.active.values(), key=lambda a: a.seq)
        return [a for a in found if a.fired and _in_scope(a, scope)]

    def now() -> object:
        return [(alert_id(a), a.seq, desk.handled(a)) for a in mine()]

    async def act(aid: str, minutes: int | None, note: str) -> None:
        user, scope_now = session.who()  # as of now: she may have been narrowed since
        try:
            if minutes is None:
                await desk.acknowledge(user, scope_now, aid, note)
            else:
                await desk.snooze(user, scope_now, aid, minutes, note)
        except WallboardError as e:
            ui.notify(f"{t('failed', lang)}: {e}", type="negative")
        draw()

    def one(a: Alert) -> None:
        aid, h = alert_id(a), desk.handled(a)
        row = ui.row().classes("wb-open-alert items-center gap-3 w-full")
        # What a test (or a person's script) finds it by: its id, state, and its tile's key
        # on the boards (`.wb-queue[data-q]`, `.wb-tile[data-ext]`).
        tile = f'data-q="{a.queue}"' if a.queue is not None else f'data-ext="{a.extension}"'
        row.props(f'data-id="{aid}" data-state="{"open" if h is None else "handled"}" {tile}')
        with row:
            ui.label(a.text_he if lang == "he" else a.text).props("dir=auto").classes("text-lg")
            ui.label(t("alert_since", lang).format(at=_hhmm(a.at, tz))).classes("opacity-70")
            if h is not None:
                ui.label(_handled_text(h, lang, tz)).props("dir=auto").classes("wb-alert-handled")
            if not may_handle(a, scope) or (h is not None and h.until is None):
                return  # not hers, or acknowledged (a snoozed one may still be)
            note = ui.input(t("ack_note", lang)).props("dark dense outlined dir=auto maxlength=200")
            note.classes("wb-ack-note w-56")
            ui.button(t("ack", lang), on_click=lambda: act(aid, None, note.value or "")).props(
                "dense color=positive"
            ).classes("wb-ack")
            for m in SNOOZE_MINUTES:
                ui.button(
                    t("snooze_n", lang).format(n=m),
                    on_click=lambda _, m=m: act(aid, m, note.value or ""),
                ).props("dense outline").classes(f"wb-snooze wb-snooze-{m}")

    def draw() -> None:
        drawn[0] = now()
        box.clear()
        with box:
            alerts = mine()
            if not alerts:
                ui.label(t("no_open_alerts", lang)).classes("opacity-70 wb-no-open-alerts")
            for a in alerts:
                one(a)

    def look() -> None:
        if now() != drawn[0]:  # unchanged: a note being typed is not wiped
            draw()

    draw()
    timer_once_connected(_LOOK_EVERY, look)


def webhook_test(desk: AlertDesk, session: Session, lang: Lang) -> None:
    """An admin's "send a test" to the alert webhook, and its outcome in plain words."""
    if not session.scope().admin:
        return
    with ui.row().classes("items-center gap-3 p-2"):

        async def send() -> None:
            if not session.who()[1].admin:  # as of now
                result.text = f"{t('failed', lang)}: {t('forbidden', lang)}"
                return
            why = await desk.alerts.test_webhook()
            ok = why is None
            result.text = t("webhook_ok", lang) if ok else t("webhook_failed", lang).format(why=why)
            result.classes(replace="wb-webhook-result " + ("text-green-4" if ok else "text-red-4"))

        ui.button(t("webhook_test", lang), on_click=send).props("outline").classes(
            "wb-webhook-test"
        )
        result = ui.label("").props("dir=auto").classes("wb-webhook-result")
