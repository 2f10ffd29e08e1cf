"""`wallboard replay FILE`: feed a recorded stream through the fold, print state and numbers."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

from wallboard.config import Settings, load_settings
from wallboard.core.events import ConnectionChanged, ConnectionState
from wallboard.core.view import state_view
from wallboard.errors import PayloadError
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.voicenter.ingest import FrameParser
from wallboard.voicenter.recording import RecordedFrame, read_recording

__all__ = ["add_parser", "run"]

log = logging.getLogger(__name__)

# A recording without receive times is paced by server time; cap the gap between two
# frames so the decades between fixture dates do not stall a demo.
_MAX_GAP_SECONDS = 5.0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `wallboard replay`."""
    p = sub.add_parser("replay", help="replay a recorded stream (JSON Lines) through the fold")
    p.add_argument("file", type=Path, help="recording (.jsonl), a frame file, or a folder of them")
    p.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    p.add_argument(
        "--speed", type=float, default=None, help="play in real time × SPEED instead of at once"
    )
    p.add_argument("--serve", action="store_true", help="serve the board while replaying")
    p.add_argument("--loop", action="store_true", help="start again at the end (with --speed)")
    p.add_argument(
        "--follow",
        action="store_true",
        help="after the end, keep feeding lines appended to the file (like tail -f)",
    )
    p.set_defaults(handler=run)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".json", ".jsonl"))
    return [path]


def input_problem(path: Path) -> str | None:
    """Why `path` cannot be replayed (missing, empty, binary, unreadable), or None."""
    if not path.exists():
        return "no such file or folder"
    files = _files(path)
    if not files:
        return "the folder holds no recordings (*.jsonl, *.json)"
    for f in files:
        try:
            with f.open("rb") as fh:
                head = fh.read(65536)
        except OSError as e:
            return f"{f}: cannot read: {e.strerror}"
        if not head.strip():
            return f"{f}: empty" if f != path else "empty"
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as e:
            if e.start < len(head) - 4:  # not just a character cut at the 64 KB boundary
                return f"{f}: not a text recording (binary data)"
            text = ""
        if "\0" in text:
            return f"{f}: not a text recording (binary data)"
    return None


def frames(path: Path) -> Iterator[RecordedFrame | PayloadError]:
    """Every frame of a recording, a frame file or a folder of either, in order."""
    for f in _files(path):
        yield from read_recording(f)


def replay_all(hub: Hub, path: Path) -> int:
    """Feed a whole recording as fast as possible; returns the number of bad lines."""
    bad = 0
    parser = FrameParser(hub)
    for item in frames(path):
        if isinstance(item, PayloadError):
            bad += 1
            log.warning("%s", item)
            continue
        parser.feed_frame(item.frame, item.received)
    return bad


def _frame_server_time(frame: str) -> float | None:
    # Cheap pacing hint for recordings without receive times.
    for key in ('"servertime":', '"servertime" :'):
        i = frame.find(key)
        if i >= 0:
            digits = ""
            for ch in frame[i + len(key) :].lstrip():
                if not ch.isdigit():
                    break
                digits += ch
            return float(digits) if digits else None
    return None


async def replay_paced(hub: Hub, path: Path, speed: float, loop: bool) -> None:
    """Feed a recording in real time × `speed`, stamping frames as received now."""
    hub.feed(ConnectionChanged(timebase.now(), ConnectionState.CONNECTED, f"replay:{path.name}"))
    parser = FrameParser(hub)
    while True:
        last: float | None = None
        for item in frames(path):
            if isinstance(item, PayloadError):
                log.warning("%s", item)
                continue
            t = item.received if item.received is not None else _frame_server_time(item.frame)
            if t is not None and last is not None and t > last:
                await asyncio.sleep(min(_MAX_GAP_SECONDS, t - last) / speed)
            if t is not None:
                last = t
            parser.feed_frame(item.frame, timebase.now())
            await asyncio.sleep(0)
        if not loop:
            return
        await asyncio.sleep(1.0)


def _line_frame(line: str) -> str | None:
    """The frame text of one recording line (`{"t":..,"event":[..]}` or a bare frame)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        log.warning("follow: skipped a line that is not JSON")
        return None
    if isinstance(obj, list):
        return line
    if isinstance(obj, dict) and isinstance(obj.get("event"), list):
        return json.dumps(obj["event"], separators=(",", ":"), ensure_ascii=False)
    log.warning('follow: skipped a line that is not {"t":..,"event":[..]}')
    return None


async def replay_follow(hub: Hub, path: Path, poll: float = 0.05) -> None:
    """Feed every line of a growing recording as it is appended, stamped as received now."""
    hub.feed(ConnectionChanged(timebase.now(), ConnectionState.CONNECTED, f"follow:{path.name}"))
    parser = FrameParser(hub)
    buf = ""
    with path.open(encoding="utf-8") as f:
        while True:
            chunk = f.readline()
            if not chunk:
                await asyncio.sleep(poll)
                continue
            buf += chunk
            if not buf.endswith("\n"):
                continue  # a line still being written
            line, buf = buf.strip(), ""
            if line and (frame := _line_frame(line)) is not None:
                parser.feed_frame(frame, timebase.now())


def run(args: argparse.Namespace) -> int:
    """Replay at once (print the state), paced, or while serving the board."""
    settings: Settings = load_settings(args.config)
    problem = input_problem(args.file)
    if problem is not None:
        print(f"wallboard replay: {args.file}: {problem}", file=sys.stderr)
        return 2
    if args.serve:
        from wallboard.app import serve

        def feed(served: Hub) -> Coroutine[Any, Any, None]:
            if args.follow:
                return replay_follow(served, args.file)
            return replay_paced(served, args.file, args.speed or 1.0, args.loop)

        serve(settings, feed)
        return 0
    hub = Hub(settings.fold_settings())
    if args.speed is not None:
        asyncio.run(replay_paced(hub, args.file, args.speed, args.loop))
        now = timebase.now()
    else:
        try:
            bad = replay_all(hub, args.file)
        except (OSError, UnicodeDecodeError) as e:
            print(f"wallboard replay: {args.file}: cannot read: {e}", file=sys.stderr)
            return 2
        if bad and not hub.state.events_applied and not hub.unknown_events:
            print(
                f"wallboard replay: {args.file}: no readable event ({bad} unreadable line(s))",
                file=sys.stderr,
            )
            return 2
        if bad:
            print(f"wallboard replay: {bad} unreadable line(s) skipped", file=sys.stderr)
        now = None
    view = state_view(hub.state, now)
    view["malformed_events"] = dict(hub.malformed_events)
    view["unknown_events"] = dict(hub.unknown_events)
    json.dump(view, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0
