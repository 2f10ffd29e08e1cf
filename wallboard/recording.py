"""Recorded wire streams: JSON Lines, one wire event per line, with its receive time.

A line is `{"t": <epoch seconds received>, "event": ["name", {...}]}`; a bare
`["name", {...}]` (as in the fixtures) is accepted too, with no receive time. The writer
keeps `t` first and `event` last so the reader can slice out the frame's exact text and
validate it in one step, as the live connector does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wallboard.errors import PayloadError

__all__ = ["RecordedFrame", "encode_line", "read_recording"]

_PREFIX = '{"t":'
_EVENT_KEY = ',"event":'


@dataclass(frozen=True, slots=True)
class RecordedFrame:
    """One recorded wire event: its frame text and when it was received (if known)."""

    line_no: int
    received: float | None
    frame: str


def encode_line(received: float, frame: str) -> str:
    """One JSON Lines record for a frame received at `received` (frame text kept as is)."""
    return f"{_PREFIX}{received:.3f}{_EVENT_KEY}{frame}}}\n"


def _decode(line: str, line_no: int, where: str) -> RecordedFrame:
    if line.startswith(_PREFIX):
        cut = line.find(_EVENT_KEY)
        if cut > 0 and line.endswith("}"):
            try:
                t = float(line[len(_PREFIX) : cut])
            except ValueError:
                t = None
            if t is not None:
                return RecordedFrame(line_no, t, line[cut + len(_EVENT_KEY) : -1])
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise PayloadError("recording", f"{where}:{line_no}", f"not JSON ({e.msg})") from None
    if isinstance(obj, list):
        return RecordedFrame(line_no, None, line)
    if isinstance(obj, dict) and isinstance(obj.get("event"), list):
        t = obj.get("t")
        received = float(t) if isinstance(t, int | float) else None
        return RecordedFrame(line_no, received, json.dumps(obj["event"], separators=(",", ":")))
    raise PayloadError("recording", f"{where}:{line_no}", 'expected {"t":..,"event":[..]}')


def read_recording(path: Path) -> Iterator[RecordedFrame | PayloadError]:
    """The frames of a recording, in order; a bad line is yielded as its error, not raised.

    A whole JSON file holding one `["name", {...}]` frame (a fixture) reads as one frame.
    """
    with path.open(encoding="utf-8") as f:
        first = f.read(1)
        f.seek(0)
        if first == "[":
            text = f.read()
            try:
                json.loads(text)
                yield RecordedFrame(1, None, text)
                return
            except json.JSONDecodeError:
                f.seek(0)
        for n, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line:
                continue
            try:
                yield _decode(line, n, str(path))
            except PayloadError as e:
                yield e
