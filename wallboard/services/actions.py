"""Supervisor actions: check permission, call the vendor, write the audit log — one place.

Used by the agent page (change an agent's status) and the worklist (call back an
abandoned caller). Every attempt, allowed or not, succeeded or not, leaves an audit row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection

from wallboard.core.worklist import CallbackRow
from wallboard.errors import ActionDenied, WallboardError
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.store.db import AuditRow, Store, dumps_detail
from wallboard.voicenter.api import VendorApi

__all__ = ["Actions"]

log = logging.getLogger(__name__)


class Actions:
    """What a team lead can do to the floor."""

    def __init__(
        self,
        api: VendorApi,
        store: Store,
        hub: Hub,
        *,
        allowed_actors: Collection[str] = (),
        status_codes: Collection[int] = (),
        record_calls: bool = True,
        clock: Callable[[], float] = timebase.now,
    ) -> None:
        self.api = api
        self.store = store
        self.hub = hub
        self.allowed_actors = frozenset(allowed_actors)
        self.status_codes = frozenset(status_codes)
        self.record_calls = record_calls
        self._clock = clock
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

    async def _check(self, actor: str, action: str, target: str, detail: dict[str, object]) -> None:
        if not self.may_act(actor):
            await self._audit(actor, action, target, {**detail, "error": "not allowed"}, False)
            raise ActionDenied(f"{actor or 'anonymous'} may not {action}")

    async def set_status(self, actor: str, extension: int, status_code: int) -> None:
        """Set the status of the agent on `extension` (vendor Login/Logout API)."""
        action, target = "set_status", str(extension)
        detail: dict[str, object] = {"status": status_code}
        await self._check(actor, action, target, detail)
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
            await self.api.set_status(str(user), rec.sip_user, status_code)
        except WallboardError as e:
            await self._audit(actor, action, target, {**detail, "error": str(e)}, False)
            raise
        await self._audit(actor, action, target, detail, True)
        log.info("%s set extension %s to status %s", actor, extension, status_code)

    async def click_to_call(self, actor: str, from_extension: int, number: str) -> None:
        """Ring `from_extension`, then dial `number` (vendor Click2Call)."""
        await self._click_to_call(actor, from_extension, number)

    async def _click_to_call(self, actor: str, from_extension: int, number: str) -> str:
        action, target = "click_to_call", number
        detail: dict[str, object] = {"from_extension": from_extension}
        await self._check(actor, action, target, detail)
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

    async def call_back(self, actor: str, from_extension: int, call_id: str, number: str) -> None:
        """Worklist "call back": Click2Call, then record who called back and when."""
        at = self._server_utc_now()
        try:
            new_id = await self._click_to_call(actor, from_extension, number)
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
