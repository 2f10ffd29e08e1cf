"""An alert rule as a person fills it in (`/alerts`), checked before it is stored.

Pure: what the rule may name (queues, boards) and what the editor may touch (a lead: her
boards) are handed in. Each problem names its field and a code; the page words it in the
reader's language (web/i18n.py `rule_err_<code>`), so Hebrew readers get Hebrew messages.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from dataclasses import field as _field

__all__ = ["MESSAGE_MAX", "METRICS", "Problem", "RuleDraft", "RuleRights", "check_rule"]

# What a rule may watch; `low`: fires when the figure falls below its level (the rest rise).
METRICS: dict[str, bool] = {
    "waiting": False,
    "longest_wait": False,
    "service_level": True,
    "break_seconds": False,
}
MESSAGE_MAX = 200  # a kiosk strip shows a line, not a paragraph
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True, slots=True)
class RuleDraft:
    """The form's fields as typed (numbers None when left empty)."""

    name: str
    metric: str
    fire: float | None
    clear: float | None
    min_sample: float | None = 10
    queues: tuple[int, ...] = ()
    boards: tuple[str, ...] = ()
    message: str = ""
    message_he: str = ""


@dataclass(frozen=True, slots=True)
class RuleRights:
    """What the rule may name and what its editor may change.

    `boards` / `queues` None: any (an admin); a lead's are those of her boards, and her
    rule must name at least one of her boards (a rule for every board is an admin's).
    """

    known_queues: Collection[int]
    known_boards: Collection[str]
    fixed_names: Collection[str] = ()  # the configuration file's rules: changed there
    taken_names: Collection[str] = ()  # names in use by other UI rules (when creating)
    boards: frozenset[str] | None = None
    queues: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong: the field, a code for the words, and what it is about."""

    field: str
    code: str
    args: dict[str, str] = _field(default_factory=dict)


def _number(
    out: list[Problem], name: str, value: float | None, *, top: float | None = None
) -> None:
    if value is None or not math.isfinite(value):
        out.append(Problem(name, "required"))
    elif value < 0:
        out.append(Problem(name, "negative"))
    elif top is not None and value > top:
        out.append(Problem(name, "over", {"top": f"{top:g}"}))


def _levels(out: list[Problem], d: RuleDraft) -> None:
    """Both levels given and the clear level on the recovering side (hysteresis)."""
    top = 100.0 if d.metric == "service_level" else None
    _number(out, "fire", d.fire, top=top)
    _number(out, "clear", d.clear, top=top)
    if d.metric not in METRICS or any(p.field in ("fire", "clear") for p in out):
        return
    assert d.fire is not None and d.clear is not None
    if METRICS[d.metric] and d.clear < d.fire:
        out.append(Problem("clear", "clear_below", {"fire": f"{d.fire:g}"}))
    elif not METRICS[d.metric] and d.clear > d.fire:
        out.append(Problem("clear", "clear_above", {"fire": f"{d.fire:g}"}))


def _names(out: list[Problem], d: RuleDraft, rights: RuleRights) -> None:
    if not _NAME.match(d.name):
        out.append(Problem("name", "name_form"))
    elif d.name in rights.fixed_names:
        out.append(Problem("name", "name_fixed"))
    elif d.name in rights.taken_names:
        out.append(Problem("name", "name_taken"))


def _where(out: list[Problem], d: RuleDraft, rights: RuleRights) -> None:
    """Queues and boards that exist, and (a lead) that are hers."""
    unknown_q = [str(q) for q in d.queues if q not in rights.known_queues]
    if unknown_q:
        out.append(Problem("queues", "unknown_queues", {"which": ", ".join(unknown_q)}))
    unknown_b = [b for b in d.boards if b not in rights.known_boards]
    if unknown_b:
        out.append(Problem("boards", "unknown_boards", {"which": ", ".join(unknown_b)}))
    if rights.boards is not None:
        if not d.boards:
            out.append(Problem("boards", "boards_needed"))
        outside = [b for b in d.boards if b not in rights.boards and b not in unknown_b]
        if outside:
            out.append(Problem("boards", "not_your_boards", {"which": ", ".join(outside)}))
    if rights.queues is not None:
        outside_q = [str(q) for q in d.queues if q not in rights.queues]
        if outside_q:
            out.append(Problem("queues", "not_your_queues", {"which": ", ".join(outside_q)}))


def check_rule(d: RuleDraft, rights: RuleRights) -> list[Problem]:
    """Everything wrong with the draft, field by field (empty: it may be saved)."""
    out: list[Problem] = []
    _names(out, d, rights)
    if d.metric not in METRICS:
        out.append(Problem("metric", "metric_unknown"))
    _levels(out, d)
    if d.metric == "service_level":
        ms = d.min_sample
        if ms is None or not math.isfinite(ms) or ms < 0 or ms != int(ms):
            out.append(Problem("min_sample", "whole_number"))
    _where(out, d, rights)
    for name, text in (("message", d.message), ("message_he", d.message_he)):
        if len(text) > MESSAGE_MAX:
            out.append(Problem(name, "too_long", {"max": str(MESSAGE_MAX)}))
    return out
