"""Open alerts handled by a team lead: acknowledged (who, when, an optional note) or snoozed
for 15, 30 or 60 minutes. A handled alert leaves the kiosks' strip (its tile keeps the
marker); a snooze ends by itself, and the alert is back if still open. Both go to the audit
log. The right is checked when the action runs, with the reader's scope as of then (her
page may be hours old: she may have been deleted or narrowed since).

Stored (`alert_ack`, one row per rule and subject), so every process of the account —
a cluster's web nodes each judge the rules for their own kiosks — reads it back
(`load`, on a workspace change). An action is about the firing open when it was taken:
an alert that clears and fires again later is a new alert, shown again. Each process
judges on its own beat (`[alerts] every_seconds`), so another process's firing of the
same alert may come up to two beats (and 5 s) after the action, and still be it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass

from wallboard.core.scope import Role, Scope
from wallboard.errors import ActionDenied
from wallboard.runtime import timebase
from wallboard.services.alerts import Alert, Alerts
from wallboard.store.base import CdrStore
from wallboard.store.db import dumps_detail
from wallboard.store.rows import AuditRow, BoardRow

__all__ = ["SNOOZE_MINUTES", "AlertDesk", "Handled", "alert_id"]

log = logging.getLogger(__name__)

SNOOZE_MINUTES = (15, 30, 60)
NOTE_MAX = 200


@dataclass(frozen=True, slots=True)
class Handled:
    """What a lead did about one open alert (`until` None: acknowledged for good)."""

    by: str
    at: float
    note: str
    until: float | None


def alert_id(a: Alert) -> str:
    """The alert's id as boards and pages name it: 'rule:subject'."""
    return f"{a.rule}:{a.queue if a.queue is not None else a.extension}"


def may_handle(a: Alert, scope: Scope) -> bool:
    """Whether this reader may acknowledge or snooze `a`: a signed-in lead whose boards show
    its queue (or agent) and, for an alert meant for some boards only, one of those."""
    if not scope.user or scope.role not in (Role.LEAD, Role.ADMIN):
        return False
    if a.queue is not None:
        if not scope.shows_queue(a.queue):
            return False
    elif not scope.shows_agent(a.extension):
        return False
    return not a.boards or scope.boards is None or any(scope.shows_board(b) for b in a.boards)


class AlertDesk:
    """Acknowledgements and snoozes of the open alerts."""

    def __init__(
        self, alerts: Alerts, store: CdrStore, clock: Callable[[], float] = timebase.now
    ) -> None:
        self.alerts = alerts
        self.store = store
        self._clock = clock
        self._handled: dict[str, Handled] = {}
        # The firing (its `seq` here) each handling was found to be about in this process:
        # an alert that clears and fires again within the window below is a new alert.
        self._firing: dict[str, int] = {}
        self._same_firing = 2 * alerts.settings.every_seconds + 5.0

    async def load(self) -> None:
        """Read what leads did (again: another process of the account did something)."""
        found: dict[str, Handled] = {}
        for r in await self.store.alert_acks():
            try:
                found[r.name] = Handled(**json.loads(r.body))
            except (ValueError, TypeError):
                log.warning("alert acknowledgement %r not readable: left out", r.name)
        for aid, h in found.items():
            if self._handled.get(aid) != h:
                self._firing.pop(aid, None)  # a new handling: about whichever firing is open
        self._handled = found

    def _open(self, aid: str) -> Alert | None:
        for a in self.alerts.active.values():
            if alert_id(a) == aid:
                return a
        return None

    def handled(self, a: Alert) -> Handled | None:
        """What was done about this firing, if anything (an ended snooze: nothing)."""
        aid = alert_id(a)
        h = self._handled.get(aid)
        if h is None:
            return None
        about = self._firing.get(aid)
        if about is None:
            if a.at > h.at + self._same_firing:
                return None  # about an earlier firing of it
            self._firing[aid] = a.seq
        elif about != a.seq:
            return None  # the firing it was about cleared; this one is new
        if h.until is not None and h.until <= self._clock():
            return None
        return h

    def quiet(self, a: Alert) -> bool:
        """Whether the kiosks' strip leaves `a` out now (acknowledged, or snoozed)."""
        return a.acknowledged or self.handled(a) is not None

    async def acknowledge(self, actor: str, scope: Scope, aid: str, note: str = "") -> Handled:
        """Acknowledge an open alert (it stays off the strip until it clears)."""
        return await self._handle(actor, scope, aid, note, None)

    async def snooze(
        self, actor: str, scope: Scope, aid: str, minutes: int, note: str = ""
    ) -> Handled:
        """Snooze an open alert for 15, 30 or 60 minutes."""
        if minutes not in SNOOZE_MINUTES:
            raise ActionDenied(f"a snooze lasts {', '.join(map(str, SNOOZE_MINUTES))} minutes")
        return await self._handle(actor, scope, aid, note, minutes)

    async def _handle(
        self, actor: str, scope: Scope, aid: str, note: str, minutes: int | None
    ) -> Handled:
        note = note.strip()
        if len(note) > NOTE_MAX:
            raise ActionDenied(f"the note is longer than {NOTE_MAX} characters")
        a = self._open(aid)
        action = "alert_ack" if minutes is None else "alert_snooze"
        detail: dict[str, object] = {"note": note} if note else {}
        if minutes is not None:
            detail["minutes"] = minutes
        if a is None:
            raise ActionDenied("this alert is no longer open")
        if not actor or not may_handle(a, scope):
            await self._audit(actor, action, aid, {**detail, "error": "not allowed"}, ok=False)
            raise ActionDenied("only a signed-in team lead of its boards may handle this alert")
        now = self._clock()
        until = None if minutes is None else now + minutes * 60
        h = Handled(actor, max(now, a.at), note, until)
        # Written first: an action the audit log does not hold did not happen.
        await self._audit(actor, action, aid, {**detail, "alert": a.text})
        await self.store.save_alert_ack(BoardRow(aid, json.dumps(asdict(h)), actor, now))
        self._handled[aid] = h
        self._firing[aid] = a.seq
        return h

    async def _audit(
        self, actor: str, action: str, target: str, detail: dict[str, object], ok: bool = True
    ) -> None:
        await self.store.add_audit(
            AuditRow(self._clock(), actor, action, target, dumps_detail(detail), ok)
        )
