"""`/alerts`, the rules: those of the configuration file (read-only) and those made here; a
form to make or change one — queues and boards picked by name, levels, the message in both
languages — whose mistakes are named at their fields, with "how often today?" before it is
saved. An admin edits any rule; a lead those of her boards (`services.alert_rules`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nicegui import ui

from wallboard.config import AlertRule
from wallboard.core.alert_preview import Firing
from wallboard.core.alert_rules import METRICS, RuleDraft, check_rule
from wallboard.core.clock import zone
from wallboard.core.scope import Role, Scope
from wallboard.errors import WallboardError
from wallboard.services.aftercall import CdrService
from wallboard.services.alert_rules import Known, RuleProblems
from wallboard.web.boards import BoardSpec, board_title
from wallboard.web.i18n import Lang, t
from wallboard.web.session import Session

__all__ = ["rules_section"]

_PREVIEW_LISTED = 8  # firings named with their times; the rest counted


@dataclass(frozen=True, slots=True)
class _Page:
    """What the section's parts share: the reader's view of the account."""

    service: CdrService
    session: Session
    specs: Mapping[str, BoardSpec]
    lang: Lang
    tz: str

    def queues(self, scope: Scope) -> dict[int, str]:
        """The live queues the reader may name, by name."""
        qs = self.service.hub.state.queues
        return {q: (v.name or str(q)) for q, v in sorted(qs.items()) if scope.shows_queue(q)}

    def boards(self, scope: Scope) -> dict[str, str]:
        """The boards the reader may name, by title."""
        return {
            n: board_title(s, self.lang)
            for n, s in self.specs.items()
            if "~" not in n and scope.shows_board(n)
        }

    def known(self) -> Known:
        every = self.service.hub.state.queues.keys() | _rule_queues(self.service)
        return Known(every, [n for n in self.specs if "~" not in n])


def _rule_queues(service: CdrService) -> set[int]:
    """Queues named by rules in force: a queue quiet today is still a queue."""
    return {q for r in service.alerts.rules.values() for q in r.queues}


def _where(rule: AlertRule, page: _Page) -> str:
    """Which queues (not for an agent's rule) and which boards' kiosks, by name."""
    names, specs, lang = page.service.hub.state.queues, page.specs, page.lang
    qs = ", ".join(names[q].name if q in names else str(q) for q in rule.queues)
    bs = ", ".join(board_title(specs[b], lang) if b in specs else b for b in rule.boards)
    if rule.metric == "break_seconds":  # about agents: its queues do not matter
        return bs or t("every_board", lang)
    return f"{qs or t('all_queues', lang)} · {bs or t('every_board', lang)}"


def _shown(rule: AlertRule, scope: Scope) -> bool:
    """A lead sees the rules for every board and those naming one of hers."""
    mine = any(map(scope.shows_board, rule.boards))
    return scope.role is not Role.LEAD or not rule.boards or mine


def _num(v: Any) -> float | None:
    if v is None or v == "":
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


class _Form:
    """The rule form: fields, their errors, preview and save."""

    def __init__(self, page: _Page, scope: Scope, saved: Callable[[], None]) -> None:
        self.page, self.saved, lang = page, saved, page.lang
        self.new = True
        self.card = ui.card().classes("wb-rule-form w-full max-w-4xl gap-2")
        self.card.visible = False
        metrics = {m: t(f"metric_{m}", lang) for m in METRICS}
        with self.card:
            with ui.row().classes("w-full gap-3 items-start"):
                self.name = ui.input(t("rule_name", lang)).classes("wb-rule-name w-60")
                self.name.props(f'dark outlined hint="{t("rule_name_hint", lang)}"')
                self.metric = ui.select(metrics, value="waiting", label=t("rule_metric", lang))
                self.metric.classes("wb-rule-metric w-64").props("dark outlined")
            with ui.row().classes("w-full gap-3 items-start"):
                self.fire = ui.number(t("rule_fire", lang)).classes("wb-rule-fire w-40")
                self.clear = ui.number(t("rule_clear", lang)).classes("wb-rule-clear w-40")
                self.min_sample = ui.number(t("rule_min_sample", lang), value=10, format="%d")
                self.min_sample.classes("wb-rule-min w-40")
                for n in (self.fire, self.clear, self.min_sample):
                    n.props("dark outlined")
            opts = "dark outlined multiple use-chips use-input input-debounce=0"
            self.queues = ui.select(page.queues(scope), multiple=True, value=[])
            self.queues.props(f'{opts} label="{t("rule_queues", lang)}"')
            self.queues.classes("wb-rule-queues w-full")
            self.boards = ui.select(page.boards(scope), multiple=True, value=[])
            self.boards.props(f'{opts} label="{t("rule_boards", lang)}"')
            self.boards.classes("wb-rule-boards w-full")
            self.message = ui.input(t("rule_message", lang)).classes("wb-rule-message w-full")
            self.message.props("dark outlined dir=ltr maxlength=200")
            self.message_he = ui.input(t("rule_message_he", lang))
            self.message_he.classes("wb-rule-message-he w-full").props(
                "dark outlined dir=rtl maxlength=200"
            )
            self.problem = ui.label("").classes("text-red-4 wb-rule-problem")
            with ui.row().classes("gap-3 items-center"):
                ui.button(t("save", lang), on_click=self.save).classes("wb-rule-save")
                ui.button(t("preview_today", lang), on_click=self.preview).props("outline").classes(
                    "wb-rule-preview"
                )
                ui.button(t("cancel", lang), on_click=self.close).props("flat")
            self.result = ui.label("").props("dir=auto").classes("wb-preview-result")

    def fields(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "metric": self.metric,
            "fire": self.fire,
            "clear": self.clear,
            "min_sample": self.min_sample,
            "queues": self.queues,
            "boards": self.boards,
            "message": self.message,
            "message_he": self.message_he,
        }

    def open(self, name: str = "", rule: AlertRule | None = None) -> None:
        """Open the form empty (a new rule), or with a rule to change."""
        self.new = rule is None
        r = rule or AlertRule(metric="waiting", fire=5, clear=2)
        self.name.value, self.name.enabled = name, rule is None
        self.metric.value, self.fire.value, self.clear.value = r.metric, r.fire, r.clear
        self.min_sample.value = r.min_sample
        self.queues.value = [q for q in r.queues if q in self.queues.options]
        self.boards.value = [b for b in r.boards if b in self.boards.options]
        self.message.value, self.message_he.value = r.message, r.message_he
        self.result.text = self.problem.text = ""
        self.show_problems({})
        self.card.visible = True

    def close(self) -> None:
        self.card.visible = False

    def draft(self) -> RuleDraft:
        return RuleDraft(
            name=(self.name.value or "").strip(),
            metric=str(self.metric.value or ""),
            fire=_num(self.fire.value),
            clear=_num(self.clear.value),
            min_sample=_num(self.min_sample.value),
            queues=tuple(int(q) for q in self.queues.value or ()),
            boards=tuple(str(b) for b in self.boards.value or ()),
            message=self.message.value or "",
            message_he=self.message_he.value or "",
        )

    def show_problems(self, by_field: dict[str, str]) -> None:
        for key, el in self.fields().items():
            el.error = by_field.get(key)
        self.problem.text = t("rule_fix", self.page.lang) if by_field else ""

    def words(self, e: RuleProblems) -> dict[str, str]:
        out: dict[str, str] = {}
        for p in e.problems:
            text = t(f"rule_err_{p.code}", self.page.lang).format(**p.args)
            out[p.field] = f"{out[p.field]}; {text}" if p.field in out else text
        return out

    async def save(self) -> None:
        user, scope = self.page.session.who()  # as of now, not as the page was built
        try:
            await self.page.service.alert_rules.save(
                user, scope, self.draft(), self.page.known(), new=self.new
            )
        except RuleProblems as e:
            self.show_problems(self.words(e))
            return
        except WallboardError as e:
            ui.notify(f"{t('failed', self.page.lang)}: {e}", type="negative")
            return
        self.show_problems({})
        ui.notify(t("rule_saved", self.page.lang), type="positive")
        self.close()
        self.saved()

    async def preview(self) -> None:
        d = self.draft()
        _, scope = self.page.session.who()
        rights = self.page.service.alert_rules.rights(scope, self.page.known(), False)
        levels = [p for p in check_rule(d, rights) if p.field in ("metric", "fire", "clear")]
        if levels:
            self.show_problems(self.words(RuleProblems(levels)))
            return
        self.show_problems({})
        firings = await self.page.service.alert_preview(d)
        self.result.text = self.preview_text(firings)

    def preview_text(self, firings: list[Firing]) -> str:
        """How many times, and when and about whom the first few."""
        lang = self.page.lang
        if not firings:
            return t("preview_none", lang)
        tz = zone(self.page.tz)
        state = self.page.service.hub.state
        agent = self.metric.value == "break_seconds"

        def about(f: Firing) -> str:
            if agent:
                a = state.agents.get(f.subject)
                return a.record.display_name if a is not None else str(f.subject)
            q = state.queues.get(f.subject)
            return q.name if q is not None else str(f.subject)

        seen = [
            f"{datetime.fromtimestamp(f.at, tz).strftime('%H:%M')} {about(f)}"
            for f in firings[:_PREVIEW_LISTED]
        ]
        more = " …" if len(firings) > _PREVIEW_LISTED else ""
        return t("preview_fired", lang).format(n=len(firings), when=", ".join(seen) + more)


def _rule_row(page: _Page, name: str, rule: AlertRule, actions: dict[str, Any] | None) -> None:
    lang = page.lang
    with ui.row().classes("wb-rule items-center gap-4 w-full").props(f'data-rule="{name}"'):
        ui.label(name).classes("text-lg font-mono w-40")
        ui.label(t(f"metric_{rule.metric}", lang)).classes("w-56")
        levels = t("rule_levels_text", lang).format(fire=f"{rule.fire:g}", clear=f"{rule.clear:g}")
        ui.label(levels).classes("w-48 wb-rule-levels")
        ui.label(_where(rule, page)).classes("w-96")
        if actions is None:
            ui.label(t("from_config", lang)).classes("opacity-70")
            return
        who = page.service.alert_rules.updated.get(name)
        if who is not None:
            ui.label(f"{who[0]}").classes("opacity-70")
        if actions:
            ui.button(t("edit", lang), on_click=actions["edit"]).props("flat dense").classes(
                "wb-rule-edit"
            )
            ui.button(t("delete", lang), on_click=actions["delete"]).props(
                "flat dense color=negative"
            ).classes("wb-rule-delete")


def rules_section(
    service: CdrService, session: Session, specs: Mapping[str, BoardSpec], lang: Lang, tz: str
) -> None:
    """The rules in force, and (admins, leads) the form to make or change one."""
    page = _Page(service, session, specs, lang, tz)
    # A field's error in the flow, not laid over the field below it (Quasar's default):
    # a long message (Hebrew, a narrow number field) takes the lines it needs.
    ui.add_css(".wb-rule-form .q-field__bottom{position:static;transform:none}")
    scope = session.scope()
    editor = service.alert_rules
    may_make = bool(scope.user) and scope.role in (Role.ADMIN, Role.LEAD)
    with ui.row().classes("items-center gap-4 p-2"):
        ui.label(t("alert_rules", lang)).classes("text-2xl")
        new = ui.button(t("new_rule", lang)).classes("wb-rule-new")
        new.visible = may_make
    listing = ui.column().classes("wb-rules w-full p-2 gap-1")

    def draw() -> None:
        listing.clear()
        with listing:
            for name, rule in sorted(editor.fixed.items()):
                if _shown(rule, scope):
                    _rule_row(page, name, rule, None)
            for name, rule in sorted(editor.rules.items()):
                if not _shown(rule, scope):
                    continue
                acts: dict[str, Any] = {}
                if may_make and editor.may_edit(scope, name):
                    acts = {
                        "edit": lambda _, n=name, r=rule: form.open(n, r),
                        "delete": lambda _, n=name: delete(n),
                    }
                _rule_row(page, name, rule, acts)

    async def delete(name: str) -> None:
        user, now = session.who()
        try:
            await editor.delete(user, now, name)
        except WallboardError as e:
            ui.notify(f"{t('failed', lang)}: {e}", type="negative")
            return
        ui.notify(t("rule_deleted", lang), type="positive")
        draw()

    form = _Form(page, scope, draw)
    new.on_click(lambda: form.open())
    draw()
