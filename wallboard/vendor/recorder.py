"""Recording the wire: every event as one JSON Lines record, for `wallboard replay`.

Files are `events-YYYYMMDD-NNN.jsonl` (UTC date of receipt) in `record_dir`: a new file
each day and whenever one reaches `record_file_max_mb`; the oldest files are deleted when
the folder's recordings pass `record_max_mb`, so a kiosk running for months never fills
its disk. Lines use `recording.encode_line`, so the names sort in time order and
`wallboard replay <record_dir>` reads them all.
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import TextIO

from wallboard.recording import encode_line

__all__ = ["Recorder"]

log = logging.getLogger(__name__)

_FLUSH_SECONDS = 1.0


class Recorder:
    """Appends frames to daily, size-capped JSON Lines files (writes are buffered)."""

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
            now = time.monotonic()
            if now - self._last_flush >= _FLUSH_SECONDS:
                self._file.flush()
                self._last_flush = now
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
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        """Flush and close the current file."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
