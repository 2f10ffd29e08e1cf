"""Supervisor actions: check permission, call the vendor, write the audit log — one place.

Used by the agent page (change an agent's status) and the worklist (call back an
abandoned caller). Every attempt, allowed or not, succeeded or not, leaves an audit row.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection

from wallboard.core.scope import Scope
from wallboard.errors import ActionDenied, ActionUnconfirmed, WallboardError
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.services.status_log import StatusLog
from wallboard.store.base import CdrStore
from wallboard.store.db import AuditRow, CallbackRow, dumps_detail
from wallboard.voicenter.api import VendorApi

__all__ = ["CONFIRM_SECONDS", "Actions"]

log = logging.getLogger(__name__)

# How long a status change may take to show in the vendor's realtime events before the
# lead is told it did not happen (docs/voicenter.md, "REST APIs", Login/Logout).
CONFIRM_SECONDS = 10.0
_CONFIRM_POLL = 0.1


class Actions:
    """What a team lead can do to the floor."""

    def __init__(
        self,
        api: VendorApi,
        store: CdrStore,
        hub: Hub,
        *,
        allowed_actors: Collection[str] = (),
        status_codes: Collection[int] = (),
        record_calls: bool = True,
        clock: Callable[[], float] = timebase.now,
        confirm_seconds: float = CONFIRM_SECONDS,
        status_log: StatusLog | None = None,
    ) -> None:
        self.api = api
        self.store = store
        self.hub = hub
        self.allowed_actors = frozenset(allowed_actors)
        self.status_codes = frozenset(status_codes)
        self.record_calls = record_calls
        self._clock = clock
        self.confirm_seconds = confirm_seconds
        self.status_log = status_log
        # Told every "call back" press once it is stored: today's worklist folds it in.
        self.on_press: list[Callable[[CallbackRow], None]] = []

    def may_act(self, actor: str) -> bool:
        """Whether `actor` may take supervisor actions at all."""
        if not actor:
            return False
        return not self.allowed_actors or actor in self.allowed_actors

    async def _audit(
        self, actor: str, action: str, target: str, detail: dict[str, object], ok: bool
    ) -> None:
        await self.store.add_audit(
            AuditRow(self._clock(), actor, action, target, dumps_detail(detail), ok)
        )

    async def _check(
        self,
        actor: str,
        action: str,
        target: str,
        detail: dict[str, object],
        refused: str | None,
    ) -> None:
        # The reader's scope (core/scope.py) is checked here too, not only by the page that
        # shows the control: an action outside it is refused and audited like any other.
        # Pages pass the scope as it is when the action runs (`Session.who`), not as the
        # page was built: a deleted, narrowed or signed-out lead has lost it already.
        error = None
        if not self.may_act(actor):
            error = f"{actor or 'anonymous'} may not {action}"
        elif refused is not None:
            error = refused
        if error is not None:
            await self._audit(actor, action, target, {**detail, "error": error}, False)
            log.warning("refused %s of %s by %s: %s", action, target, actor or "anonymous", error)
            raise ActionDenied(error)

    async def set_status(self, actor: str, extension: int, status_code: int, scope: Scope) -> None:
        """Set the status of the agent on `extension` (vendor Login/Logout API)."""
        action, target = "set_status", str(extension)
        detail: dict[str, object] = {"status": status_code}
        refused = _refusal(actor, scope, scope.shows_agent(extension), target)
        await self._check(actor, action, target, detail, refused)
        try:
            if self.status_codes and status_code not in self.status_codes:
                raise ActionDenied(f"unknown status code {status_code}")
            agent = self.hub.state.agents.get(extension)
            if agent is None:
                raise ActionDenied(f"unknown extension {extension}")
            rec = agent.record
            user = rec.online_user_id or rec.user_id
            if user is None:
                raise ActionDenied(f"no user on extension {extension}")
            if self.status_log is not None:  # the change, when seen, was this lead's
                self.status_log.expect(extension, status_code, actor)
            await self.api.set_status(str(user), rec.sip_user, status_code)
            took = await self._confirmed(extension, status_code)
        except WallboardError as e:
            await self._audit(actor, action, target, {**detail, "error": str(e)}, False)
            raise
        await self._audit(actor, action, target, {**detail, "confirmed_after": took}, True)
        log.info("%s set extension %s to status %s", actor, extension, status_code)

    async def _confirmed(self, extension: int, status_code: int) -> float:
        """Wait until the realtime events show the agent in `status_code`; seconds taken.

        The vendor's API answering OK only means the request was accepted; the change is
        real once the agent's status event says so, so a lead sees "pending" until then.
        """
        loop = asyncio.get_running_loop()
        start = loop.time()
        while True:
            agent = self.hub.state.agents.get(extension)
            if agent is not None and agent.record.status_code == status_code:
                return round(loop.time() - start, 2)
            if loop.time() - start >= self.confirm_seconds:
                raise ActionUnconfirmed(
                    f"the phone system accepted the change, but extension {extension} did"
                    f" not show status {status_code} within {self.confirm_seconds:g} s"
                )
            await asyncio.sleep(_CONFIRM_POLL)

    async def click_to_call(self, actor: str, from_extension: int, number: str) -> None:
        """Ring `from_extension`, then dial `number` (vendor Click2Call)."""
        await self._click_to_call(actor, from_extension, number, {}, None)

    async def _click_to_call(
        self,
        actor: str,
        from_extension: int,
        number: str,
        more: dict[str, object],
        refused: str | None,
    ) -> str:
        action, target = "click_to_call", number
        detail: dict[str, object] = {"from_extension": from_extension, **more}
        await self._check(actor, action, target, detail, refused)
        clean = "".join(ch for ch in number if ch.isdigit())
        try:
            if not clean:
                raise ActionDenied(f"not a phone number: {number!r}")
            result = await self.api.click2call(str(from_extension), clean, record=self.record_calls)
        except WallboardError as e:
            await self._audit(actor, action, target, {**detail, "error": str(e)}, False)
            raise
        await self._audit(actor, action, target, {**detail, "call_id": result.call_id}, True)
        return result.call_id

    def _server_utc_now(self) -> float:
        """Now in the CDRs' time domain: the telephony server's clock, as true UTC.

        Abandon times come from CDRs stamped by that server; a press stamped by our own
        clock would be off by the clocks' skew (and on a simulated floor run faster than
        real time, ahead by hours), so time to callback could come out negative.
        """
        local = self._clock()
        clock = self.hub.state.clock
        server = clock.now(local)
        return local if server is None else clock.to_utc(server)

    async def call_back(
        self,
        actor: str,
        from_extension: int,
        item: tuple[str, str, int | None],
        scope: Scope,
    ) -> None:
        """Worklist "call back" of (call id, number, queue): Click2Call, then record it.

        Rings `from_extension` first: only one of the lead's own phones (`Scope.phones`,
        from her user record); any other is refused and audited, whatever the page sent.
        """
        call_id, number, queue_id = item
        at = self._server_utc_now()
        refused = _refusal(actor, scope, scope.shows_queue(queue_id), number)
        if refused is None and not scope.may_call_from(from_extension):
            refused = f"extension {from_extension} is not {actor}'s phone"
        more: dict[str, object] = {"queue": queue_id}
        try:
            new_id = await self._click_to_call(actor, from_extension, number, more, refused)
        except WallboardError as e:
            if not isinstance(e, ActionDenied):
                await self._press(
                    CallbackRow(call_id, number, actor, from_extension, at, False, str(e))
                )
            raise
        await self._press(CallbackRow(call_id, number, actor, from_extension, at, True, new_id))

    async def _press(self, row: CallbackRow) -> None:
        await self.store.add_callback(row)
        for listener in self.on_press:
            listener(row)


def _refusal(actor: str, scope: Scope, shown: bool, target: str) -> str | None:
    """Why `actor` may not act on `target` with the scope she has now (None: she may)."""
    if not scope.act:
        return f"{actor or 'anonymous'} is not signed in with the right to act"
    if not shown:
        return f"{target} is outside {actor or 'anonymous'}'s boards"
    return None
