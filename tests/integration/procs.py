"""A server subprocess's output, read as it comes, and its stop: for tests that must see a
line (the address to open) while the process runs, and must leave nothing running."""

from __future__ import annotations

import subprocess
import threading


class Output:
    """The lines of `proc`'s stdout (text mode), read by a thread; `stop()` ends the process
    (SIGTERM, then SIGKILL after 15 s) and returns everything it printed."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        self.proc, self.lines = proc, list[str]()
        stdout = proc.stdout
        self.reader = threading.Thread(target=lambda: self.lines.extend(iter(stdout.readline, "")))
        self.reader.start()

    def has(self, words: str) -> bool:
        return any(words in line for line in list(self.lines))

    def stop(self) -> str:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=15)
        return "".join(self.lines)
