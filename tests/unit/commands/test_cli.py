"""The command line as an operator meets it: options anywhere, clear one-line failures."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REALTIME, subprocess_env
from wallboard.cli import build_parser, main
from wallboard.config import load_settings


@pytest.mark.parametrize("before", [True, False])
def test_config_is_taken_before_or_after_the_command(tmp_path, capsys, before):
    cfg = tmp_path / "wb.toml"
    cfg.write_text("[web]\nprot = 1\n", encoding="utf-8")  # a mistake, so we see it was read
    args = ["replay", str(REALTIME)]
    args = ["--config", str(cfg), *args] if before else [*args, "--config", str(cfg)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"wallboard replay: {cfg}: web.prot: unknown key" in err


@pytest.mark.parametrize("before", [True, False])
@pytest.mark.parametrize("command", ["ingest", "web", "cluster"])
def test_the_cluster_commands_take_the_cluster_file_either_way(tmp_path, capsys, command, before):
    # The global options are taken out before the sub-command's parser runs: a `--config`
    # the sub-command itself required was never seen, and every role refused to start.
    cfg = tmp_path / "cluster.toml"  # missing, so we see it was read
    rest = [command, "--account", "acme"] if command != "cluster" else [command]
    args = ["--config", str(cfg), *rest] if before else [*rest, "--config", str(cfg)]
    assert main(args) == 2
    assert f"wallboard {command}: {cfg}: (file): no such file" in capsys.readouterr().err
    assert main(rest) == 2
    assert "--config: the cluster file is required" in capsys.readouterr().err


def _replay_error(capsys, path: Path) -> str:
    assert main(["replay", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    # Logged warnings about single lines may come first; the reason is one line, the last.
    reasons = [line for line in err.splitlines() if line.startswith("wallboard replay: ")]
    assert len(reasons) == 1, err
    return reasons[0]


def test_replay_refuses_binary_empty_unreadable_and_empty_folder(tmp_path, capsys):
    binary = tmp_path / "b.jsonl"
    binary.write_bytes(bytes(range(256)) * 4)
    assert "binary" in _replay_error(capsys, binary)
    empty = tmp_path / "e.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    assert _replay_error(capsys, empty).endswith("empty")
    junk = tmp_path / "j.jsonl"
    junk.write_text("not json\n{also not\n", encoding="utf-8")
    assert "no readable event (2 unreadable line(s))" in _replay_error(capsys, junk)
    folder = tmp_path / "nothing"
    folder.mkdir()
    assert "holds no recordings" in _replay_error(capsys, folder)
    assert "no such file" in _replay_error(capsys, tmp_path / "missing.jsonl")


def test_init_config_prints_or_writes_the_documented_example(tmp_path, capsys):
    assert main(["init-config"]) == 0
    text = capsys.readouterr().out
    assert "[store]" in text and "[metrics]" in text
    path = tmp_path / "wallboard.toml"
    assert main(["init-config", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == text
    assert load_settings(path, env={}) == load_settings(None, env={})
    assert main(["init-config", str(path)]) == 1  # never over an existing file
    assert "exists" in capsys.readouterr().err


def test_a_taken_port_is_reported_before_any_url(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = subprocess_env(WALLBOARD_WEB_PORT=str(port), WALLBOARD_DATA_DIR=str(tmp_path))
        out = subprocess.run(
            [sys.executable, "-m", "wallboard.cli", "demo", "--agents", "5"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert out.returncode == 2
    assert "open http" not in out.stdout
    assert f"web.port: 127.0.0.1:{port} is taken" in out.stderr
    assert "WALLBOARD_WEB_PORT" in out.stderr and "Traceback" not in out.stderr


def _commands(
    parser: argparse.ArgumentParser | None = None, prefix: str = ""
) -> dict[str, argparse.ArgumentParser]:
    """Every command by its full name, the sub-commands of a command too."""
    out: dict[str, argparse.ArgumentParser] = {}
    for action in (parser or build_parser())._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out[f"{prefix}{name}"] = sub
                out.update(_commands(sub, f"{prefix}{name} "))
    return out


def test_every_commands_help_has_a_description_an_example_and_its_environment():
    commands = _commands()
    assert {"run", "demo", "init-config", "check-config", "config-reference"} <= set(commands)
    for name, parser in commands.items():
        text = parser.format_help()
        assert parser.description, name
        example = text.split("example:\n", 1)[1].splitlines()[0].strip()
        assert example.startswith(f"wallboard {name}"), (name, example)
        assert "environment:\n" in text and "WALLBOARD_DATA_DIR" in text, name
    run_help = commands["run"].format_help()
    for var in ("WALLBOARD_VENDOR_PASSWORD", "WALLBOARD_CDR_SECRET", "WALLBOARD_WEB_PORT"):
        assert var in run_help


def test_every_message_on_stderr_starts_with_the_command(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[web]\nport = 0\nprot = 1\n")
    assert main(["check-config", "--config", str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err and all(line.startswith("wallboard check-config: ") for line in err), err
    assert main(["run", "--config", str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"wallboard run: {tmp_path / 'missing.toml'}: (file): no such file"]
    assert sys.stderr is not None and not hasattr(sys.stderr, "prefix")  # put back after
