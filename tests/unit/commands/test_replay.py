"""`wallboard replay`: recordings in, final state and numbers out."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import REALTIME, realtime
from wallboard.cli import main
from wallboard.voicenter.recording import RecordedFrame, encode_line, read_recording


def test_recording_lines_round_trip_with_exact_frame_text(tmp_path):
    frame = realtime("03").strip()
    compact = json.dumps(json.loads(frame), separators=(",", ":"))
    path = tmp_path / "r.jsonl"
    path.write_text(encode_line(1700000000.25, compact) + "\n" + compact + "\n", encoding="utf-8")
    items = list(read_recording(path))
    assert items == [RecordedFrame(1, 1700000000.25, compact), RecordedFrame(3, None, compact)]


def test_bad_lines_are_reported_not_fatal(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"t": 1, "event": ["closeme", {}]}\nnot json\n{"x": 1}\n', encoding="utf-8")
    items = list(read_recording(path))
    assert isinstance(items[0], RecordedFrame) and items[0].received == 1.0
    assert [type(i).__name__ for i in items[1:]] == ["PayloadError", "PayloadError"]
    assert "r.jsonl:2" in str(items[1])


def _replay(capsys, *args: str) -> dict:
    assert main(["replay", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_replay_prints_final_state_and_numbers(tmp_path, capsys):
    path = tmp_path / "calls.jsonl"
    lines = [realtime(p) for p in ("06", "07", "08")]
    path.write_text(
        "".join(
            encode_line(1606908124.0 + i, json.dumps(json.loads(t))) for i, t in enumerate(lines)
        ),
        encoding="utf-8",
    )
    out = _replay(capsys, str(path))
    (agent,) = out["agents"]
    assert agent["extension"] == 1234567 and agent["state"] == "available"
    assert agent["today"]["answered"] == 1
    assert agent["today"]["talk_time"] == 5
    assert out["events_applied"] == 3


def test_replay_a_folder_of_fixture_frames(capsys):
    out = _replay(capsys, str(REALTIME))
    assert out["events_applied"] == len(list(REALTIME.glob("*.json")))
    assert out["malformed_events"] == {} and out["unknown_events"] == {}
    names = {a["name"] for a in out["agents"]}
    assert names == {"Clark Kent", "Lois Lane"}


def test_replay_missing_file(capsys, tmp_path: Path):
    assert main(["replay", str(tmp_path / "none.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
