"""`wallboard config-reference`: every settings key, from the settings model itself.

`wallboard config-reference --output docs/configuration.md` writes the reference that
`tests/unit/test_config_reference.py` compares with the model, so the documentation
cannot drift: a key added to `config.py` without regenerating fails that test, which
names this command. Keys, types, defaults and environment variables come from the
pydantic model; descriptions from the field's `description`, else the comment above the
field in `config.py`, else the key's comment in the documented example
(`config.example.toml`), which every key must keep anyway.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import tokenize
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time
from functools import cache
from pathlib import Path
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from wallboard.config import ENV_PREFIX, Settings, example_config

__all__ = ["REGENERATE", "add_parser", "reference", "run"]

REGENERATE = "wallboard config-reference --output docs/configuration.md"

_INTRO = """\
# Configuration reference

<!-- Generated from the settings model (wallboard/config.py) by
     `{regenerate}`; do not edit by hand. -->

The wallboard reads one TOML file (`wallboard --config FILE <command>`, or `--config`
after the command). `wallboard init-config FILE` writes one: on a terminal it asks for your
Voicenter login and writes the secrets to an environment file beside it; otherwise it
writes the documented example ([config.example.toml](../config.example.toml)) with every
key.

* **Environment**: every key of a section can be set as `WALLBOARD_<SECTION>_<KEY>` (for
  example `WALLBOARD_VENDOR_PASSWORD`), and the top-level keys as `WALLBOARD_<KEY>`. That is
  where secrets belong. The variable wins over the file. Tables inside a section (for
  example `[auth.users.<name>]`) have no variable.
* **`env_file`**: `NAME=value` lines (the format of systemd's `EnvironmentFile=`) read as
  if they were in the environment, the real environment still winning; a relative path
  is relative to the settings file. The file must not be readable by every user.
* **Errors**: a bad setting is refused with every problem at once, each naming its source:
  the file and the key, or the environment variable.
* **Data**: the database and the login sessions live in the data directory
  (`WALLBOARD_DATA_DIR`, else `~/.local/share/wallboard` on Linux), never in the folder the
  wallboard starts in.

Types: *string*, *integer*, *number*, *true/false*, *secret* (a string never logged or
shown), *list of …*, *table*: a TOML table with one entry per name or id. "(none)" means
unset.
"""


@dataclass(frozen=True)
class _Row:
    key: str
    type: str
    default: str
    env: str
    description: str


@dataclass(frozen=True)
class _Section:
    path: str  # "vendor", "auth.users.<name>"
    doc: str
    rows: list[_Row]


# --- descriptions -------------------------------------------------------------------------


@cache
def _source_comments(cls: type[BaseModel]) -> dict[str, str]:
    """field → the comment lines right above it in the class body, plus its inline one."""
    try:
        lines = inspect.getsource(cls).splitlines(keepends=True)
    except (OSError, TypeError):  # pragma: no cover - source not shipped
        return {}
    inline: dict[int, str] = {}
    tokens = tokenize.generate_tokens(iter(lines).__next__)
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            inline[tok.start[0] - 1] = tok.string.lstrip("#").strip()
    out: dict[str, str] = {}
    for i, line in enumerate(lines):
        m = re.match(r"    (\w+)\s*:", line)
        if not m:
            continue
        above: list[str] = []
        j = i - 1
        while j >= 0 and lines[j].strip().startswith("#"):
            above.insert(0, inline.get(j, ""))
            j -= 1
        own = inline.get(i) if not line.strip().startswith("#") else None
        text = " ".join([*above, *([own] if own else [])]).strip()
        if text:
            out[m.group(1)] = text
    return out


_HEADER = re.compile(r"^#?\s*\[([^\]]+)\]\s*(?:#.*)?$")
_KEY = re.compile(r"^(#?)\s*([A-Za-z_]\w*)\s*=\s*(.*)$")


def _inline_comment(value: str) -> str:
    """The comment after a TOML value (a '#' outside quotes)."""
    quote = ""
    for i, ch in enumerate(value):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return value[i + 1 :].strip()
    return ""


def _example_comments(text: str) -> dict[tuple[tuple[str, ...], str], str]:
    """(section path, key) → its comment in the documented example, commented keys too."""
    out: dict[tuple[tuple[str, ...], str], str] = {}
    section: tuple[str, ...] = ()
    pending: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        header = _HEADER.match(line)
        key = _KEY.match(line)
        if not line:
            pending = []
        elif header:
            section = tuple(p.strip().strip('"') for p in header.group(1).split("."))
            pending = []
        elif key:
            text_ = " ".join([*pending, _inline_comment(key.group(3))]).strip()
            out.setdefault((section, key.group(2)), text_)
            pending = []
        elif line.startswith("#"):
            pending.append(line.lstrip("#").strip())
    return out


def _example_lookup(
    comments: dict[tuple[tuple[str, ...], str], str], path: tuple[str, ...], key: str
) -> str:
    """The example's comment for `key` in `path`, where "<…>" segments match any name."""
    for (section, k), text in comments.items():
        if k != key or len(section) != len(path) or not text:
            continue
        if all(p.startswith("<") or p == s for p, s in zip(path, section, strict=True)):
            return text
    return ""


# --- types and defaults -------------------------------------------------------------------

_SCALARS: dict[Any, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "true/false",
    time: "time (HH:MM)",
    SecretStr: "secret",
}


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _type_name(tp: Any) -> str:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Literal:
        names = [f'"{a}"' if isinstance(a, str) else str(a) for a in args]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    if origin in (typing.Union, types.UnionType):
        named = [_type_name(a) for a in args if a is not type(None)]
        optional = len(named) < len(args)
        return " or ".join(named) + (", optional" if optional else "")
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"table: {_type_name(args[0])} → {_type_name(args[1])}"
    if _is_model(tp):
        inner = ", ".join(f"{k} ({_type_name(f.annotation)})" for k, f in tp.model_fields.items())
        return f"table: {inner}"
    return _SCALARS.get(tp, getattr(tp, "__name__", str(tp)))


def _bounds(field: FieldInfo) -> str:
    marks = (
        (annotated_types.Gt, ">", "gt"),
        (annotated_types.Ge, "≥", "ge"),
        (annotated_types.Lt, "<", "lt"),
        (annotated_types.Le, "≤", "le"),
    )
    out = []
    for m in field.metadata:
        for kind, sign, name in marks:
            if isinstance(m, kind):
                out.append(f"{sign} {_toml(getattr(m, name))}")
    return f" ({', '.join(out)})" if out else ""


def _toml(value: Any) -> str:
    """A value as it would be written in the TOML file."""
    if value is None:
        return "(none)"
    if isinstance(value, SecretStr):
        return _toml(value.get_secret_value())
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, BaseModel):
        return _toml({k: getattr(value, k) for k in type(value).model_fields})
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    return str(value)


def _key(k: Any) -> str:
    k = str(k)
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else _toml(k)


def _default(field: FieldInfo, instance: BaseModel | None, key: str) -> str:
    if instance is not None:
        return _toml(getattr(instance, key))
    if field.is_required():
        return "required"
    return _toml(field.get_default(call_default_factory=True))


# --- the walk -----------------------------------------------------------------------------


def _env_ok(cls: type[BaseModel], key: str, tp: Any) -> str:
    """ " (comma-separated)" when a list may come from one variable, "" for a scalar, None
    (as "-") for what no variable can set."""
    origin = typing.get_origin(tp)
    if origin not in (list, dict) and not _is_model(tp):
        return ""
    for dec in cls.__pydantic_decorators__.field_validators.values():
        if key in dec.info.fields and dec.info.mode == "before" and origin is list:
            return " (comma-separated)"
    return "-"


def _sub_path(path: str, key: str, tp: Any) -> tuple[str, type[BaseModel]] | None:
    """Where a nested table of models is documented: `[path.key]` or `[path.key.<name>]`."""
    if _is_model(tp):
        return f"{path}.{key}" if path else key, tp
    if typing.get_origin(tp) is dict:
        k, v = typing.get_args(tp)
        if _is_model(v):
            name = "<id>" if k is int else "<name>"
            return f"{path}.{key}.{name}" if path else f"{key}.{name}", v
    return None


def _small(cls: type[BaseModel]) -> bool:
    """A model of a few scalars (a warn/alarm pair) reads best inline, as one row."""
    return len(cls.model_fields) <= 3 and all(
        not _is_model(f.annotation) and typing.get_origin(f.annotation) not in (list, dict)
        for f in cls.model_fields.values()
    )


def _walk(
    cls: type[BaseModel],
    path: str,
    instance: BaseModel | None,
    examples: dict[tuple[tuple[str, ...], str], str],
    lead: str = "",
) -> Iterator[_Section]:
    """The section of `cls` at `path` (its rows), then the sections of its tables; `lead`
    is what the parent says of this table (its comment, its built-in entries)."""
    comments = _source_comments(cls)
    rows: list[_Row] = []
    nested: list[tuple[str, type[BaseModel], BaseModel | None, str]] = []
    where = tuple(path.split(".")) if path else ()
    for key, field in cls.model_fields.items():
        tp = field.annotation
        text = field.description or comments.get(key) or _example_lookup(examples, where, key)
        sub = _sub_path(path, key, tp)
        if sub is not None and not (path and _is_model(tp) and _small(sub[1])):
            value = getattr(instance, key) if instance is not None else None
            if value is None and not field.is_required():
                value = field.get_default(call_default_factory=True)
            note = text
            if isinstance(value, dict) and value:
                note = f"{note} Built in, while the file has none: `{_toml(value)}`.".strip()
            nested.append((sub[0], sub[1], value if _is_model(tp) else None, note))
            continue
        rows.append(
            _Row(
                key,
                _type_name(tp) + _bounds(field),
                _default(field, instance, key),
                _env_name(cls, path, key, tp),
                text or "-",
            )
        )
    doc = inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0].replace("\n", " ")
    if rows:
        yield _Section(path, " ".join(p for p in (doc, lead) if p), rows)
    for sub_path, sub_cls, inner, note in nested:
        yield from _walk(sub_cls, sub_path, inner, examples, note)


def _env_name(cls: type[BaseModel], path: str, key: str, tp: Any) -> str:
    """The variable that sets this key, or "-": only a section's own keys have one."""
    kind = _env_ok(cls, key, tp)
    if kind == "-" or "." in path:
        return "-"
    name = f"{ENV_PREFIX}{path}_{key}" if path else f"{ENV_PREFIX}{key}"
    return f"`{name.upper()}`{kind}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def reference() -> str:
    """The whole of docs/configuration.md."""
    examples = _example_comments(example_config())
    out = [_INTRO.format(regenerate=REGENERATE)]
    for section in _walk(Settings, "", Settings(), examples):
        title = f"[{section.path}]" if section.path else "Top level"
        out.append(f"\n## {title}\n")
        if section.doc and section.path:
            out.append(f"\n{section.doc}\n")
        out.append("\n| key | type | default | environment variable | description |")
        out.append("\n|---|---|---|---|---|")
        for r in section.rows:
            cells = (f"`{r.key}`", r.type, f"`{r.default}`", r.env, r.description)
            out.append("\n| " + " | ".join(_cell(c) for c in cells) + " |")
        out.append("\n")
    return "".join(out)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `wallboard config-reference`."""
    p = sub.add_parser(
        "config-reference",
        help="print the reference of every settings key (docs/configuration.md)",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    p.add_argument("--output", type=Path, default=None, help="write it here (default: stdout)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the reference, or write it to --output."""
    text = reference()
    if args.output is None:
        sys.stdout.write(text)
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wallboard config-reference: wrote {args.output}")
    return 0
