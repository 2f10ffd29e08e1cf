"""Which queues and agents a board covers: the one resolution the boards' screens
(`web/boards.py`) and the editor's check of a lead's board (`services/editor.py`) share."""

from __future__ import annotations

from dataclasses import dataclass

from wallboard.config import BoardSettings, Settings

__all__ = ["Reach", "board_reach"]


@dataclass(frozen=True, slots=True)
class Reach:
    """A board's queues and agents (None: every one)."""

    queues: frozenset[int] | None
    extensions: frozenset[int] | None


def board_reach(b: BoardSettings, settings: Settings) -> Reach:
    """Its queues (none named: all); its agents: those picked, of its teams and
    departments, and (`queue_agents`) of the teams answering its queues; none: all."""
    exts: set[int] = set(b.extensions)
    queues: set[int] = set(b.queues)
    answering: set[int] = set()  # the agents of the teams that answer its queues
    for team_name, team in settings.teams.items():
        if team_name in b.teams or (team.department and team.department in b.departments):
            exts |= set(team.extensions)
        if queues & set(team.queues):
            answering |= set(team.extensions)
    by_queue = b.queue_agents and bool(answering)
    exts |= answering if by_queue else set()
    picks_agents = bool(b.extensions or b.teams or b.departments or by_queue)
    return Reach(frozenset(queues) if queues else None, frozenset(exts) if picks_agents else None)
