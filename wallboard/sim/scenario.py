"""Scenario files: scripted situations (a surge, half the team on lunch, a queue nobody takes).

A scenario is TOML; times are minutes after the simulation starts. Bundled ones live in
`wallboard/sim/scenarios/`; `load_scenario("surge")` finds them by name, or takes a path.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from wallboard.errors import ConfigError

__all__ = [
    "BUNDLED",
    "BreakWave",
    "EmptyQueue",
    "Scenario",
    "Surge",
    "bundled_names",
    "load_scenario",
    "parse_scenario",
]

BUNDLED = Path(__file__).parent / "scenarios"


@dataclass(frozen=True, slots=True)
class Surge:
    """Arrivals to some queues (all when empty) multiplied by `factor` for a while."""

    at_minutes: float
    duration_minutes: float
    factor: float
    queues: tuple[int, ...] = ()  # queue positions, 1-based


@dataclass(frozen=True, slots=True)
class BreakWave:
    """A share of the logged-in agents goes on a break (status code) for a while."""

    at_minutes: float
    duration_minutes: float
    fraction: float
    status: int = 3


@dataclass(frozen=True, slots=True)
class EmptyQueue:
    """From `at_minutes` on, no agent takes calls from this queue (1-based position)."""

    queue: int
    at_minutes: float = 0.0


@dataclass(frozen=True, slots=True)
class Scenario:
    """Scripted changes applied on top of the ordinary day."""

    name: str = "ordinary day"
    description: str = ""
    surges: tuple[Surge, ...] = ()
    breaks: tuple[BreakWave, ...] = ()
    empty_queues: tuple[EmptyQueue, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)


def _num(where: str, key: str, value: object, *, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(where, key, f"expected a number, got {value!r}")
    if value < minimum:
        raise ConfigError(where, key, f"must be at least {minimum}")
    return float(value)


def _items(where: str, data: dict[str, object], key: str) -> list[dict[str, object]]:
    raw = data.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        raise ConfigError(where, key, "expected an array of tables ([[...]])")
    return raw


def parse_scenario(text: str, where: str) -> Scenario:
    """Parse a scenario's TOML text; errors name the file and the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(where, "(syntax)", str(e)) from None
    known = {"name", "description", "surge", "break", "empty_queue"}
    for key in data:
        if key not in known:
            raise ConfigError(where, key, f"unknown key (expected one of {sorted(known)})")
    surges = []
    for i, s in enumerate(_items(where, data, "surge")):
        k = f"surge[{i}]"
        queues = s.get("queues", [])
        if not isinstance(queues, list) or not all(isinstance(q, int) for q in queues):
            raise ConfigError(where, f"{k}.queues", "expected a list of queue positions")
        surges.append(
            Surge(
                _num(where, f"{k}.at_minutes", s.get("at_minutes", 0)),
                _num(where, f"{k}.duration_minutes", s.get("duration_minutes", 30)),
                _num(where, f"{k}.factor", s.get("factor", 2.0)),
                tuple(queues),
            )
        )
    breaks = []
    for i, b in enumerate(_items(where, data, "break")):
        k = f"break[{i}]"
        fraction = _num(where, f"{k}.fraction", b.get("fraction", 0.5))
        if fraction > 1:
            raise ConfigError(where, f"{k}.fraction", "must be between 0 and 1")
        breaks.append(
            BreakWave(
                _num(where, f"{k}.at_minutes", b.get("at_minutes", 0)),
                _num(where, f"{k}.duration_minutes", b.get("duration_minutes", 30)),
                fraction,
                int(_num(where, f"{k}.status", b.get("status", 3), minimum=3)),
            )
        )
    empties = []
    for i, item in enumerate(_items(where, data, "empty_queue")):
        k = f"empty_queue[{i}]"
        empties.append(
            EmptyQueue(
                int(_num(where, f"{k}.queue", item.get("queue", 1), minimum=1)),
                _num(where, f"{k}.at_minutes", item.get("at_minutes", 0)),
            )
        )
    name = data.get("name", Path(where).stem)
    return Scenario(
        name=str(name),
        description=str(data.get("description", "")),
        surges=tuple(surges),
        breaks=tuple(breaks),
        empty_queues=tuple(empties),
    )


def bundled_names() -> list[str]:
    """Names of the scenarios that come with the wallboard."""
    return sorted(p.stem for p in BUNDLED.glob("*.toml"))


def load_scenario(name_or_path: str) -> Scenario:
    """A bundled scenario by name, or a scenario file by path."""
    path = Path(name_or_path)
    if not path.exists():
        path = BUNDLED / f"{name_or_path}.toml"
    if not path.exists():
        raise ConfigError(
            name_or_path, "(file)", f"no such scenario (bundled: {', '.join(bundled_names())})"
        )
    return parse_scenario(path.read_text(encoding="utf-8"), str(path))
