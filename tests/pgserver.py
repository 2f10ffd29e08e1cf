"""A real PostgreSQL for tests and benchmarks, from the machine's PostgreSQL 15 binaries.

`initdb` and `pg_ctl` into a temporary directory, listening on 127.0.0.1 only, on a free
port. PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user
(Debian's `postgresql-15` package creates it) through `runuser`. No binaries: a clear
error that says what to install — never a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

__all__ = ["PG_BIN", "PostgresServer"]

PG_BIN = Path(os.environ.get("WALLBOARD_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One throw-away PostgreSQL cluster; `url` once started."""

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(
                f"PostgreSQL binaries not found in {PG_BIN} (apt-get install postgresql-15,"
                " or set WALLBOARD_PG_BIN to the directory holding initdb and pg_ctl)"
            )
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="wallboard-pg-"))
        self.data = self.dir / "data"
        self._as: list[str] = []
        if os.geteuid() == 0:
            self._as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres")
        self.url = f"postgresql://wallboard@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        out = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {out.stderr.strip() or out.stdout.strip()}")

    def _opts(self) -> str:
        return (
            f"-c listen_addresses=127.0.0.1 -c port={self.port}"
            f" -c unix_socket_directories={self.dir}"
            " -c max_connections=200 -c shared_buffers=64MB"
        )

    def start(self) -> PostgresServer:
        """initdb (trust auth on 127.0.0.1, user `wallboard`) and start; wait until ready."""
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "wallboard",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        return self.restart()

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (mode "immediate" is a crash) and keep the files for `start`."""
        subprocess.run(
            [*self._as, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
            capture_output=True,
            timeout=60,
        )

    def restart(self) -> PostgresServer:
        """Start (again, after `stop`) on the same port and data; wait until it listens."""
        pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", self._opts()]
        self._run(*pg_ctl, "-l", str(self.dir / "log"), "-w", "-t", "60", "start")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL did not listen on {self.port}")

    def remove(self) -> None:
        """Stop and delete everything."""
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
