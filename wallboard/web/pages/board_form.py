"""The board editor's form: queues, agents, teams and departments picked by name from the
live lists (searchable, with chips), each chosen queue's warn and alarm levels as fields
whose placeholders are the levels in force. `services/editor.by_names` turns the names
back into ids."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from nicegui import ui

from wallboard.config import BoardSettings, QueueThresholds, Settings
from wallboard.core.models import State
from wallboard.core.picks import Lists, labels
from wallboard.core.scope import Scope
from wallboard.web.i18n import Lang, t

__all__ = ["BoardForm", "live_lists", "scoped_lists"]

_WIDGETS = ["summary", "queues", "waiting", "agents"]
# The levels a board may set per queue, and their words.
_LEVELS = {
    "waiting": "lv_waiting",
    "longest_wait_seconds": "lv_longest",
    "service_level_percent": "lv_sl",
    "abandon_rate_percent": "lv_abandon",
}


def live_lists(state: State, settings: Settings, boards: Mapping[str, BoardSettings]) -> Lists:
    """What a board is picked from: the floor's queues and agents as the vendor names them
    now, plus any a saved board names that the floor does not have today (so editing it
    keeps them), the configured teams and their departments."""
    queues = {q.queue_id: q.name for q in state.queues.values()}
    agents = {a.extension: a.record.display_name for a in state.agents.values()}
    for b in boards.values():
        for q in [*b.queues, *b.thresholds]:
            queues.setdefault(q, "")
        for x in b.extensions:
            agents.setdefault(x, "")
    teams = {key: team.name or key for key, team in settings.teams.items()}
    departments = {d: d for d in sorted({t.department for t in settings.teams.values()} - {""})}
    return Lists(queues, agents, teams, departments)


def scoped_lists(lists: Lists, scope: Scope, settings: Settings) -> Lists:
    """What this reader may pick: a lead only her queues and agents, the teams whose
    agents are all hers and the departments of such teams (`BoardEditor.save` refuses
    anything else anyway, by name)."""
    if scope.admin:
        return lists
    teams = {
        k: v
        for k, v in lists.teams.items()
        if k in settings.teams and all(scope.shows_agent(x) for x in settings.teams[k].extensions)
    }
    departments = {
        d: v
        for d, v in lists.departments.items()
        if all(k in teams for k, team in settings.teams.items() if team.department == d)
    }
    return Lists(
        {q: n for q, n in lists.queues.items() if scope.shows_queue(q)},
        {x: n for x, n in lists.agents.items() if scope.shows_agent(x)},
        teams,
        departments,
    )


def _picker(options: dict[Any, str], label: str, css: str) -> ui.select:
    """A searchable multi-select with chips: type a few letters, pick, see what is chosen."""
    names = sorted(options.values(), key=str.casefold)
    picker = ui.select(names, multiple=True, with_input=True, value=[], label=label)
    return picker.props("dark outlined use-chips options-dense").classes(f"w-full {css}")


class _Levels:
    """Each chosen queue's levels: empty fields use the level in force (the placeholder)."""

    def __init__(self, settings: Settings, lang: Lang, changed: Callable[[], None]) -> None:
        self.settings, self.lang, self.changed = settings, lang, changed
        self.values: dict[tuple[str, str, str], float | None] = {}  # (queue, level, warn|alarm)
        self.queues: list[tuple[str, int]] = []  # (label, id) in the order chosen
        self.box = ui.column().classes("w-full gap-1 wb-f-levels")

    def defaults(self, queue: int) -> QueueThresholds:
        th = self.settings.thresholds
        return th.queues.get(queue, th.queue)

    def show(self, queues: list[tuple[str, int]]) -> None:
        self.queues = queues
        self.box.clear()
        with self.box:
            if queues:
                ui.label(t("board_levels_named", self.lang)).classes("text-lg mt-2")
            for label, qid in queues:
                self._row(label, self.defaults(qid))

    def _row(self, queue: str, d: QueueThresholds) -> None:
        row = ui.row().classes("items-center gap-2 no-wrap wb-level-row")
        with row.props(f'data-queue="{queue}"'):
            ui.label(queue).classes("w-40 font-bold").props("dir=auto")
            for level, word in _LEVELS.items():
                for which, mark in (("warn", "▲"), ("alarm", "⚠")):
                    default = getattr(getattr(d, level), which)
                    field = ui.number(
                        f"{t(word, self.lang)} {mark}",
                        value=self.values.get((queue, level, which)),
                        placeholder="—" if default is None else f"{default:g}",
                    ).props(f"dark outlined dense stack-label data-level={level}-{which}")
                    field.classes("w-24")
                    field.on_value_change(lambda e, k=(queue, level, which): self._set(k, e.value))

    def _set(self, key: tuple[str, str, str], value: float | None) -> None:
        self.values[key] = value
        self.changed()

    def read(self) -> dict[str, dict[str, dict[str, float | None]]]:
        """The queues with a level of their own (by name), the others as in force."""
        out: dict[str, dict[str, dict[str, float | None]]] = {}
        for label, qid in self.queues:
            if not any(
                self.values.get((label, lv, w)) is not None
                for lv in _LEVELS
                for w in ("warn", "alarm")
            ):
                continue
            d = self.defaults(qid).model_dump()
            for lv in _LEVELS:
                for w in ("warn", "alarm"):
                    v = self.values.get((label, lv, w))
                    d[lv][w] = d[lv][w] if v is None else float(v)
            out[label] = d
        return out

    def fill(self, board: BoardSettings, names: dict[int, str]) -> None:
        """A saved board's own levels where they differ from those in force."""
        self.values = {}
        for qid, th in board.thresholds.items():
            d = self.defaults(qid)
            for lv in _LEVELS:
                for w in ("warn", "alarm"):
                    v = getattr(getattr(th, lv), w)
                    if v != getattr(getattr(d, lv), w):
                        self.values[(names.get(qid, str(qid)), lv, w)] = v


class BoardForm:
    """The board form: its inputs, read as names (`read`), filled from a saved board."""

    def __init__(self, settings: Settings, lists: Lists, lang: Lang) -> None:
        self.lists = lists
        self.names: dict[str, dict[Any, str]] = {
            "queues": labels(lists.queues),
            "agents": labels(lists.agents),
            "teams": labels(lists.teams),
            "departments": labels(lists.departments),
        }
        self.listeners: list[Callable[[], None]] = []
        with ui.grid(columns=2).classes("gap-2 w-full max-w-3xl wb-board-form"):
            self.name = ui.input(t("board_name", lang)).props("dark outlined").classes("wb-f-name")
            self.title = ui.input(t("board_title", lang)).props("dark outlined dir=auto")
        with ui.column().classes("gap-2 w-full max-w-3xl wb-board-picks"):
            q_label = t("board_queues_named", lang)
            self.queues = _picker(self.names["queues"], q_label, "wb-f-queues")
            self.queue_agents = ui.switch(t("board_queue_agents", lang), value=True)
            self.queue_agents.classes("wb-f-queue-agents")
            self.agents = _picker(self.names["agents"], t("board_agents", lang), "wb-f-agents")
            self.teams = _picker(self.names["teams"], t("board_teams", lang), "wb-f-teams")
            self.departments = _picker(
                self.names["departments"], t("board_departments", lang), "wb-f-departments"
            )
        with ui.grid(columns=2).classes("gap-2 w-full max-w-3xl"):
            self.widgets = ui.select(
                _WIDGETS, multiple=True, value=list(_WIDGETS), label=t("board_widgets", lang)
            ).props("dark outlined use-chips")
            self.sort = ui.select(
                ["status", "name", "extension", "time"], value="status", label=t("board_sort", lang)
            ).props("dark outlined")
            self.language = ui.select(
                {"": "—", "en": "English", "he": "עברית"}, value="", label=t("board_language", lang)
            ).props("dark outlined")
            with ui.row():
                self.sound = ui.switch(t("board_sound", lang))
                self.nav = ui.switch(t("board_nav", lang), value=True).classes("wb-f-nav")
        self.levels = _Levels(settings, lang, self._changed)
        self.queues.on_value_change(lambda _: self._queues_changed())
        for el in (
            self.name,
            self.title,
            self.queue_agents,
            self.agents,
            self.teams,
            self.departments,
            self.widgets,
            self.sort,
            self.language,
            self.sound,
            self.nav,
        ):
            el.on_value_change(lambda _: self._changed())

    def _changed(self) -> None:
        for listener in self.listeners:
            listener()

    def _queues_changed(self) -> None:
        by_label = {v: k for k, v in self.names["queues"].items()}
        picked = [str(v) for v in self.queues.value or []]
        self.levels.show([(q, by_label[q]) for q in picked if q in by_label])
        self._changed()

    def read(self) -> dict[str, Any]:
        """The form as `services/editor.by_names` takes it."""
        return {
            "title": self.title.value or "",
            "queues": list(self.queues.value or []),
            "queue_agents": bool(self.queue_agents.value),
            "agents": list(self.agents.value or []),
            "teams": list(self.teams.value or []),
            "departments": list(self.departments.value or []),
            "widgets": list(self.widgets.value or []),
            "sort": self.sort.value,
            "language": self.language.value or None,
            "sound": bool(self.sound.value),
            "nav": bool(self.nav.value),
            "thresholds": self.levels.read(),
        }

    def fill(self, name: str, b: BoardSettings) -> None:
        """Show a saved board (or, with a fresh one, a new board's defaults)."""
        q, a = self.names["queues"], self.names["agents"]
        self.levels.fill(b, q)
        self.name.value = name
        self.title.value = b.title
        self.queues.value = [q[i] for i in b.queues if i in q]
        self.queue_agents.value = b.queue_agents or not name  # a new board: its queues' agents
        self.agents.value = [a[x] for x in b.extensions if x in a]
        self.teams.value = [self.names["teams"][k] for k in b.teams if k in self.names["teams"]]
        self.departments.value = [d for d in b.departments if d in self.names["departments"]]
        self.widgets.value = list(b.widgets)
        self.sort.value = b.sort
        self.language.value = b.language or ""
        self.sound.value = b.sound
        self.nav.value = b.nav
        self._queues_changed()
