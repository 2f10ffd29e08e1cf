"""Names → ids: what a team lead picks by name in the board editor, stored as ids.

A board keeps queue ids and extensions (names change, ids do not), but a person knows
"Sales" and "Dana Levi", not 101 and 203. The editor offers the live lists by name and
turns the picked names back into ids here; a name nobody has is refused with the names
that exist, never dropped in silence (a board that silently showed every queue was the
bug that started this).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["Lists", "UnknownNames", "labels", "resolve"]

K = TypeVar("K", int, str)

_SHOW_KNOWN = 12  # names listed in an error; more would bury the message


class UnknownNames(ValueError):
    """Picked names that match nothing (or more than one thing) in the live list."""


def labels(known: Mapping[K, str]) -> dict[K, str]:
    """Each key's label, unique and never empty: its name, "name (key)" when two share a
    name, "#key" when it has none (a queue the floor does not have today)."""
    seen: dict[str, int] = {}
    for name in known.values():
        key = name.strip().casefold()
        seen[key] = seen.get(key, 0) + 1
    out: dict[K, str] = {}
    for k, name in known.items():
        clean = name.strip()
        if not clean:
            out[k] = f"#{k}"
        else:
            out[k] = clean if seen[clean.casefold()] == 1 else f"{clean} ({k})"
    return out


@dataclass(frozen=True, slots=True)
class _Index(Generic[K]):
    by_label: dict[str, K]
    by_name: dict[str, list[K]]


def _index(known: Mapping[K, str]) -> _Index[K]:
    by_name: dict[str, list[K]] = {}
    for k, name in known.items():
        by_name.setdefault(name.strip().casefold(), []).append(k)
    by_label = {label.casefold(): k for k, label in labels(known).items()}
    return _Index(by_label, by_name)


def resolve(kind: str, picked: Iterable[str], known: Mapping[K, str]) -> list[K]:
    """The keys of the picked names or labels, in the order picked, without repeats.

    Case and surrounding spaces do not matter. A name that matches nothing, or several
    things (two queues called "Sales": pick "Sales (101)"), raises `UnknownNames` naming
    every such pick and what the list has.
    """
    index = _index(known)
    out: list[K] = []
    unknown: list[str] = []
    several: list[str] = []
    for raw in picked:
        name = raw.strip()
        if not name:
            continue
        key = name.casefold()
        found = index.by_label.get(key)
        if found is None:
            matches = index.by_name.get(key, [])
            if len(matches) > 1:
                several.append(name)
                continue
            found = matches[0] if matches else None
        if found is None:
            unknown.append(name)
        elif found not in out:
            out.append(found)
    if unknown or several:
        raise UnknownNames(_message(kind, unknown, several, labels(known)))
    return out


def _message(kind: str, unknown: list[str], several: list[str], known: dict[K, str]) -> str:
    parts = []
    if unknown:
        parts.append(f"no {kind} named {', '.join(repr(n) for n in unknown)}")
    if several:
        parts.append(f"{', '.join(repr(n) for n in several)} names several {kind}s")
    names = sorted(known.values(), key=str.casefold)
    listed = ", ".join(names[:_SHOW_KNOWN]) + (" …" if len(names) > _SHOW_KNOWN else "")
    return "; ".join(parts) + (f" (there are: {listed})" if names else f" (there are no {kind}s)")


@dataclass(frozen=True, slots=True)
class Lists:
    """The live lists a board is picked from: id → name for queues and agents, team key →
    team name, department → itself."""

    queues: dict[int, str] = field(default_factory=dict)
    agents: dict[int, str] = field(default_factory=dict)
    teams: dict[str, str] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)
