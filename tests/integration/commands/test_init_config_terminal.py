"""`wallboard init-config` on a terminal (a real pseudo-terminal): the questions, the hidden
password, the check against the simulator standing in for Voicenter, the start command."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.integration.sim_env import running_simulator
from wallboard.config import SimulatorSettings, load_settings

pytestmark = pytest.mark.integration

PASSWORD = "hidden-vendor-pass"


class Terminal:
    """A command on a pseudo-terminal: wait for its words, type answers; bounded waits."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env
        )
        os.close(slave)
        self.seen = ""
        self.pos = 0  # what was matched is behind: a prompt asked twice is waited for twice

    def expect(self, words: str, limit: float = 60.0) -> None:
        """Wait for `words` after the last match. Answers are typed only once their prompt
        is out: getpass flushes what was typed ahead (TCSAFLUSH)."""
        deadline = time.monotonic() + limit
        while words not in self.seen[self.pos :]:
            assert time.monotonic() < deadline, f"never saw {words!r} in:\n{self.seen}"
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.seen += os.read(self.master, 4096).decode(errors="replace")
                except OSError:  # the command ended and closed the terminal
                    assert words in self.seen[self.pos :], f"ended before {words!r}:\n{self.seen}"
        self.pos = self.seen.index(words, self.pos) + len(words)

    def type(self, answer: str) -> None:
        os.write(self.master, answer.encode() + b"\r")

    def close(self) -> int:
        try:
            code = self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            os.close(self.master)
        return code


def _converse(term: Terminal, login_url: str) -> int:
    term.expect("How does the wallboard log in?")
    term.expect("[account]: ")
    term.type("")  # the default
    term.expect("Which login stack?")
    term.expect("[legacy]: ")
    term.type("sideways")  # not one of them: asked again
    term.expect("one of: legacy, identity")
    term.type("legacy")
    term.expect("Login URL [https://loginapi.voicenter.co.il/monitorAPI/Login]: ")
    term.type(login_url)
    term.expect("Account username: ")
    term.type("demo")
    term.expect("Password (hidden): ")
    term.type(PASSWORD)
    term.expect("First admin user of the wallboard [admin]: ")
    term.type("rina")
    term.expect("Password for rina (hidden): ")
    term.type("one")
    term.expect("Again: ")
    term.type("two")
    term.expect("the two entries differ")
    term.expect("Password for rina (hidden): ")
    term.type("lead-pass")
    term.expect("Again: ")
    term.type("lead-pass")
    term.expect("start it with: wallboard run --config wb.toml")
    return term.close()


async def test_the_wizard_asks_hides_the_password_checks_and_says_how_to_start(
    tmp_path: Path,
) -> None:
    env = subprocess_env(WALLBOARD_DATA_DIR=str(tmp_path / "data"), HOME=str(tmp_path))
    sim_settings = SimulatorSettings(agents=4, queues=2, password=PASSWORD)
    async with running_simulator(sim_settings, time.time()) as sim:
        term = Terminal(
            [sys.executable, "-m", "wallboard.cli", "init-config", "wb.toml"], tmp_path, env
        )
        code = await asyncio.to_thread(_converse, term, f"{sim.base_url}/monitorAPI/Login")
    assert code == 0, term.seen
    assert PASSWORD not in term.seen and "lead-pass" not in term.seen  # never echoed
    assert "queues:     2:" in term.seen and "\nok" in term.seen  # check-config logged in
    settings = load_settings(tmp_path / "wb.toml", {})
    assert settings.vendor.username == "demo" and settings.auth.users["rina"].admin
    assert settings.vendor.password is not None
    assert settings.vendor.password.get_secret_value() == PASSWORD
