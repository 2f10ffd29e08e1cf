"""Alert rules made in `/alerts`: checked (`core.alert_rules`), stored with who and when like
the editor's boards, in force at once (`Alerts.set_ui_rules`); and the preview of how often
a draft would have fired today (`core.alert_preview`) from today's stored calls and the
live state's breaks. The configuration file's rules stay, read-only here.

Who may change what: an admin any rule; a team lead the rules of her boards only — a rule
she makes names at least one of her boards, and queues of hers only (none named: all of
hers, as a message to "all" of a lead's boards is).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from dataclasses import dataclass

from pydantic import ValidationError

from wallboard.config import AlertRule, Settings
from wallboard.core.alert_preview import BreakSpan, Firing, PreviewRule, QueueCall, would_have_fired
from wallboard.core.alert_rules import Problem, RuleDraft, RuleRights, check_rule
from wallboard.core.calls import TimeRule, to_call_completed
from wallboard.core.models import AgentState, State
from wallboard.core.scope import Role, Scope
from wallboard.errors import ActionDenied
from wallboard.runtime import timebase
from wallboard.store.base import CdrStore
from wallboard.store.db import dumps_detail
from wallboard.store.rows import AuditRow, BoardRow, CdrRow

__all__ = ["AlertRuleEditor", "Known", "RuleProblems", "day_breaks", "day_calls", "preview"]


class RuleProblems(ActionDenied):
    """A draft refused: every problem, by field (the page words them)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Known:
    """What a rule may name now: the live queues and the boards in force."""

    queues: Collection[int]
    boards: Collection[str]


def _may_edit(scope: Scope, boards: Collection[str]) -> bool:
    """An admin any rule; a lead one that names boards, all of them hers."""
    if scope.admin:
        return True
    return scope.role is Role.LEAD and bool(boards) and all(scope.shows_board(b) for b in boards)


class AlertRuleEditor:
    """The rules made in /alerts, and the changes people make to them."""

    def __init__(
        self,
        settings: Settings,
        store: CdrStore,
        apply: Callable[[dict[str, AlertRule]], None],
        clock: Callable[[], float] = timebase.now,
    ) -> None:
        """`apply` puts the UI's rules in force (`Alerts.set_ui_rules`)."""
        self.settings = settings
        self.store = store
        self._apply = apply
        self._clock = clock
        self.rules: dict[str, AlertRule] = {}
        self.updated: dict[str, tuple[str, float]] = {}  # rule → (who, when)

    @property
    def fixed(self) -> dict[str, AlertRule]:
        """The configuration file's rules (changed there, not here)."""
        return self.settings.alerts.rules

    async def load(self) -> None:
        """Read the UI's rules (again: another process of the account changed them)."""
        rows = await self.store.alert_rules()
        rules, updated = {}, {}
        for r in rows:
            try:
                rules[r.name] = AlertRule.model_validate_json(r.body)
            except ValidationError:
                continue  # a row this version cannot read: the others still work
            updated[r.name] = (r.updated_by, r.updated_at)
        self.rules, self.updated = rules, updated
        self._apply(dict(self.rules))

    def may_edit(self, scope: Scope, name: str) -> bool:
        """Whether this reader may change (or delete) this UI rule."""
        rule = self.rules.get(name)
        return rule is not None and _may_edit(scope, rule.boards)

    def rights(self, scope: Scope, known: Known, new: bool) -> RuleRights:
        """What a draft of this reader may name."""
        lead = not scope.admin
        return RuleRights(
            known_queues=known.queues,
            known_boards=known.boards,
            fixed_names=self.fixed.keys(),
            taken_names=self.rules.keys() if new else (),
            boards=(scope.boards or frozenset()) if lead and scope.boards is not None else None,
            queues=scope.queues if lead else None,
        )

    async def save(
        self, actor: str, scope: Scope, draft: RuleDraft, known: Known, *, new: bool
    ) -> AlertRule:
        """Create (`new`) or change a rule; refused with every problem of the draft."""
        if not actor or not (scope.admin or scope.role is Role.LEAD):
            raise ActionDenied("only a signed-in admin or team lead may change alert rules")
        if not new and draft.name in self.rules and not self.may_edit(scope, draft.name):
            raise ActionDenied(f"alert rule {draft.name!r} is not for your boards")
        problems = check_rule(draft, self.rights(scope, known, new))
        if problems:
            raise RuleProblems(problems)
        queues = list(draft.queues)
        if not queues and not scope.admin and scope.queues is not None:
            queues = sorted(scope.queues)  # "every queue" of a lead: every queue of hers
        rule = AlertRule(
            metric=draft.metric,  # checked against METRICS by check_rule
            fire=float(draft.fire or 0),
            clear=float(draft.clear or 0),
            queues=queues,
            min_sample=int(draft.min_sample or 0),
            boards=list(draft.boards),
            message=draft.message.strip(),
            message_he=draft.message_he.strip(),
        )
        now = self._clock()
        action = "edit" if draft.name in self.rules else "create"
        await self.store.save_alert_rule(BoardRow(draft.name, rule.model_dump_json(), actor, now))
        await self._audit(actor, f"alert_rule_{action}", draft.name, rule.model_dump())
        self.rules[draft.name] = rule
        self.updated[draft.name] = (actor, now)
        self._apply(dict(self.rules))
        return rule

    async def delete(self, actor: str, scope: Scope, name: str) -> None:
        """Delete a UI rule (its open alerts go with it)."""
        if not actor or not self.may_edit(scope, name):
            raise ActionDenied(f"alert rule {name!r} is not yours to delete")
        await self.store.delete_alert_rule(name)
        await self._audit(actor, "alert_rule_delete", name, {})
        self.rules.pop(name, None)
        self.updated.pop(name, None)
        self._apply(dict(self.rules))

    async def _audit(self, actor: str, action: str, target: str, detail: dict[str, object]) -> None:
        await self.store.add_audit(
            AuditRow(self._clock(), actor, action, target, dumps_detail(detail), True)
        )


def day_calls(rows: list[CdrRow], rule: TimeRule) -> list[QueueCall]:
    """Today's queue calls from the stored CDRs (each call once per queue, as /history
    counts them); a caller joins the queue at the call's start."""
    seen: set[tuple[int, str]] = set()
    out = []
    for r in rows:
        ev = to_call_completed(r.cdr, None, rule)
        if ev.queue_id is None or ev.outcome is None or (ev.queue_id, ev.call_id) in seen:
            continue
        seen.add((ev.queue_id, ev.call_id))
        out.append(QueueCall(ev.queue_id, float(ev.started), ev.wait, ev.answered))
    return out


def day_breaks(state: State, server_now: float) -> list[BreakSpan]:
    """Today's breaks of the agents the board knows: closed ones, and the one now."""
    out = []
    day = state.day
    for ext, agent in state.agents.items():
        tally = day.agents.get(ext) if day is not None else None
        if tally is not None:
            out += [BreakSpan(ext, s, e) for k, s, e in tally.spans if k.startswith("break")]
        if agent.state is AgentState.BREAK:
            out.append(BreakSpan(ext, agent.state_since, None))
    return out


async def preview(
    draft: RuleDraft,
    settings: Settings,
    calls: list[QueueCall],
    breaks: list[BreakSpan],
    bounds: tuple[float, float],
) -> list[Firing]:
    """`would_have_fired` for a draft (levels given: `check_rule` passed), in a thread: a
    busy day's calls take a moment, which no board's tick should wait for."""
    fold = settings.fold_settings()
    rule = PreviewRule(
        draft.metric,
        float(draft.fire or 0),
        float(draft.clear or 0),
        int(draft.min_sample or 0),
        frozenset(draft.queues),
        sl_threshold=fold.sl_for,
        short_abandon=fold.short_abandon,
    )
    start, now = bounds
    step = settings.alerts.every_seconds  # looked at as often as the live check looks
    return await asyncio.to_thread(would_have_fired, rule, calls, breaks, start, now, step)
