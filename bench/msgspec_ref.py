"""The reference bench/fold.py measures against: plain msgspec, the same conversion.

Issue 28 set the bar as "parse + fold at >= 90% of msgspec typed decode + the same
conversion + the same fold". This is that path written the obvious way: the project's
wire schema (`wallboard/voicenter/events.py`) remade as Structs with msgspec's default
options (so no tuning of the project's, such as `gc=False`, carries over), one lax
`Decoder(tuple[str, T])` per event, the event's name taken from the frame's first string,
no malformed-frame handling (every frame of the bench stream is good), and the project's
own conversion functions fed these Structs (they read the same wire names).
"""

from __future__ import annotations

import functools
import operator
import types
import typing
from collections.abc import Callable
from typing import Any

import msgspec
from msgspec.structs import fields

from wallboard.core.events import DomainEvent
from wallboard.voicenter.events import _DECODERS, _Decoder

__all__ = ["reference_decoder"]


def _plain(model: type[msgspec.Struct], made: dict[type, Any]) -> Any:
    """One of the project's Structs remade with msgspec's defaults: same fields, same types."""
    if model not in made:
        spec: list[Any] = []
        for f in fields(model):
            kind = _swap(f.type, made)
            if f.required:
                spec.append((f.name, kind))
            elif f.default is not msgspec.NODEFAULT:
                spec.append((f.name, kind, f.default))
            else:
                spec.append((f.name, kind, msgspec.field(default_factory=f.default_factory)))
        made[model] = msgspec.defstruct(f"Plain{model.__name__}", spec)
    return made[model]


def _swap(kind: Any, made: dict[type, Any]) -> Any:
    """A type with every project Struct in it replaced by its plain remake."""
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        return _plain(kind, made)
    args = typing.get_args(kind)
    if not args:
        return kind
    swapped = tuple(_swap(a, made) for a in args)
    if typing.get_origin(kind) in (types.UnionType, typing.Union):
        return functools.reduce(operator.or_, swapped)
    return typing.get_origin(kind)[swapped]


def reference_decoder() -> Callable[[str, float | None], DomainEvent]:
    """frame text → domain event: plain msgspec decode, then the project's conversion."""
    made: dict[type, Any] = {}
    plans: dict[str, tuple[Callable[[str], Any], Callable[[Any, float | None], DomainEvent]]] = {}
    for name, known in _DECODERS.items():
        if isinstance(known, _Decoder):  # events whose payload is read
            decoder = msgspec.json.Decoder(tuple[str, _plain(known.model, made)], strict=False)
            plans[name] = (decoder.decode, known.convert)

    def decode(text: str, received: float | None = None) -> DomainEvent:
        decode_text, convert = plans[text[2 : text.index('"', 2)]]
        return convert(decode_text(text)[1], received)

    return decode
