"""Recorded wire streams: JSON Lines, one wire event per line, with its receive time.

The writer (`Recorder`) and the reader (`read_recording`, for `wallboard replay`) live
together so the line format has one definition.

A line is `{"t": <epoch seconds received>, "event": ["name", {...}]}`; a bare
`["name", {...}]` (as in the fixtures) is accepted too, with no receive time. The writer
keeps `t` first and `event` last so the reader can slice out the frame's exact text and
validate it in one step, as the live connector does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from wallboard.errors import PayloadError

__all__ = ["RecordedFrame", "Recorder", "encode_line", "read_recording"]

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


# Writing: every event received becomes one line.
#
# Files are `events-YYYYMMDD-NNN.jsonl` (UTC date of receipt) in `record_dir`: a new file
# each day and whenever one reaches `record_file_max_mb`; the oldest files are deleted when
# the folder's recordings pass `record_max_mb`, so a kiosk running for months never fills
# its disk. Lines use `encode_line`, so the names sort in time order and
# `wallboard replay <record_dir>` reads them all.

log = logging.getLogger(__name__)

_FLUSH_SECONDS = 1.0


class Recorder:
    """Appends frames to daily, size-capped JSON Lines files (writes are buffered).

    A busy link is flushed at most once a second by `write`; a quiet one by `run_flusher`,
    a task its owner (the connector) runs, so the last frames before a silence reach the
    disk within a second too, not only when the next frame arrives.
    """

    def __init__(self, folder: Path, max_bytes: int, file_max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.file_max_bytes = min(file_max_bytes, max_bytes)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._file: TextIO | None = None
        self._path: Path | None = None
        self._day = ""
        self._size = 0
        self._last_flush = 0.0
        self._unflushed = False
        self.lines = 0
        self._failed = False

    def write(self, received: float, frame: str) -> None:
        """Record one frame; a disk error is logged once and recording stops."""
        if self._failed:
            return
        line = encode_line(received, frame)
        try:
            day = time.strftime("%Y%m%d", time.gmtime(received))
            if self._file is None or day != self._day or self._size >= self.file_max_bytes:
                self._rotate(day)
            assert self._file is not None
            self._file.write(line)
            self._size += len(line.encode("utf-8")) if not line.isascii() else len(line)
            self.lines += 1
            self._unflushed = True
            if time.monotonic() - self._last_flush >= _FLUSH_SECONDS:
                self.flush()
        except OSError as e:
            self._failed = True
            log.error("recording stopped: cannot write to %s: %s", self.folder, e.strerror or e)

    def _rotate(self, day: str) -> None:
        self.close()
        n = 0
        if day == self._day and self._path is not None:
            n = int(self._path.stem.rsplit("-", 1)[1]) + 1
        else:
            existing = sorted(self.folder.glob(f"events-{day}-*.jsonl"))
            if existing:
                n = int(existing[-1].stem.rsplit("-", 1)[1]) + 1
        self._day = day
        self._path = self.folder / f"events-{day}-{n:03d}.jsonl"
        self._file = self._path.open("a", encoding="utf-8")
        self._size = self._path.stat().st_size
        self._prune()

    def _prune(self) -> None:
        """Delete the oldest recordings while the folder holds more than `max_bytes`."""
        files = sorted(self.folder.glob("events-*.jsonl"))
        total = sum(f.stat().st_size for f in files)
        for f in files:
            if total <= self.max_bytes - self.file_max_bytes or f == self._path:
                break
            total -= f.stat().st_size
            f.unlink(missing_ok=True)
            log.info("recording: deleted %s to stay under the size cap", f.name)

    def flush(self) -> None:
        """Push buffered lines to disk."""
        self._last_flush = time.monotonic()
        self._unflushed = False
        if self._file is not None and not self._failed:
            try:
                self._file.flush()
            except OSError as e:
                self._failed = True
                log.error("recording stopped: cannot write to %s: %s", self.folder, e.strerror)

    async def run_flusher(self) -> None:
        """Flush lines left in the buffer when the link goes quiet (runs until cancelled)."""
        while True:
            await asyncio.sleep(_FLUSH_SECONDS / 4)
            if self._unflushed and time.monotonic() - self._last_flush >= _FLUSH_SECONDS / 2:
                self.flush()

    def close(self) -> None:
        """Flush and close the current file."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
