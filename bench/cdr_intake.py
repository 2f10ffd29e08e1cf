"""CDR intake: rate, and exactly-once through `kill -9` restarts. Prints its figures.

Starts `wallboard cdr-server` (a real process with a real SQLite file), posts CDRs in all
three encodings from several concurrent senders that retry like the vendor does (until
they get Err 0), re-sends some acknowledged ones as duplicates, and — in the durability
phase — kills the server with SIGKILL at intervals and restarts it. At the end every
acknowledged CDR must be in the database exactly once, with its raw body.

    .venv/bin/python bench/cdr_intake.py            # 10,000 CDRs, 3 kills
    .venv/bin/python bench/cdr_intake.py --n 2000 --kills 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_cdr(i: int, now: int) -> dict[str, object]:
    """A realistic queue or outgoing CDR, unique by index."""
    queue = i % 3 != 0
    return {
        "caller": f"05{i % 100_000_000:08d}",
        "target": "" if queue else f"05{(i * 7) % 100_000_000:08d}",
        "time": now - (i % 3600),
        "duration": i % 300,
        "ivruniqueid": f"bench{i:08d}",
        "type": "Queue" if queue else "Extension Outgoing",
        "status": ("ANSWER" if i % 5 else "ABANDONE") if queue else "ANSWER",
        "targetextension": f"SIP{i % 40}" if queue else "",
        "callerextension": "" if queue else f"SIP{i % 40}",
        "queueid": 1000 + i % 4 if queue else 0,
        "queuename": f"Queue {i % 4}" if queue else "",
        "seconds_waiting_in_queue": i % 90 if queue else 0,
        "representative_name": f"Agent {i % 40}",
        "DepartmentName": f"Dept {i % 3}",
        "DepartmentID": i % 3,
        "unknown_field_kept_raw": "x",
    }


def encode(cdr: dict[str, object], kind: int) -> tuple[bytes, str]:
    """Body and content type in one of the three encodings."""
    if kind == 0:
        return json.dumps(cdr).encode(), "application/json"
    if kind == 1:
        return urlencode(cdr).encode(), "application/x-www-form-urlencoded"
    return xmlrpc.client.dumps((cdr,), methodname="cdr").encode(), "text/xml"


class Server:
    """One `wallboard cdr-server` process that can be killed and restarted."""

    def __init__(
        self, db: Path, port: int, log: Path, extra_env: dict[str, str] | None = None
    ) -> None:
        self.db, self.port, self.log = db, port, log
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # NiceGUI's ui.run does nothing when it sees it runs under pytest: hide that.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env = {
            **env,
            "WALLBOARD_WEB_PORT": str(self.port),
            "WALLBOARD_STORE_PATH": str(self.db),
            # NiceGUI's session files beside the database, not in the user's data directory.
            "WALLBOARD_DATA_DIR": str(self.db.parent / "data"),
            "WALLBOARD_CDR_SECRET": SECRET,
            "WALLBOARD_CDR_BACKFILL": "false",
            **self.extra_env,
        }
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "wallboard.cli", "cdr-server"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill9(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    async def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as s:
            while time.monotonic() < deadline:
                try:
                    async with s.get(f"http://127.0.0.1:{self.port}/healthz") as r:
                        await r.read()
                        return
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
        raise RuntimeError(f"server did not start; see {self.log}")


@dataclass
class Tally:
    acked: set[str] = field(default_factory=set)
    posts: int = 0
    retries: int = 0
    duplicates_sent: int = 0


async def sender(
    url: str, work: asyncio.Queue[tuple[str, bytes, str]], tally: Tally, dup_rate: float
) -> None:
    """Posts until acknowledged (Err 0), like the vendor; sometimes re-sends (duplicates)."""
    rng = random.Random()
    headers = {"X-Wallboard-Secret": SECRET}
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as s:
        while True:
            try:
                cid, body, ctype = work.get_nowait()
            except asyncio.QueueEmpty:
                return
            sends = 2 if rng.random() < dup_rate else 1
            for n in range(sends):
                while True:
                    tally.posts += 1
                    try:
                        async with s.post(
                            url, data=body, headers={**headers, "Content-Type": ctype}
                        ) as r:
                            text = await r.text()
                            if r.status == 200 and ("Err" in text) and _ok(text):
                                tally.acked.add(cid)
                                break
                    except (aiohttp.ClientError, TimeoutError):
                        pass
                    tally.retries += 1
                    await asyncio.sleep(0.05 + rng.random() * 0.2)
                if n:
                    tally.duplicates_sent += 1


def _ok(text: str) -> bool:
    compact = text.replace(" ", "")
    return '"Err":0' in compact or "Err=0" in compact or "<int>0</int>" in compact


async def run(
    n: int, kills: int, concurrency: int, dup_rate: float, workdir: Path
) -> dict[str, float]:
    db = workdir / "cdr.sqlite"
    port = free_port()
    server = Server(db, port, workdir / "server.log")
    url = f"http://127.0.0.1:{port}/vendor/cdr"
    now = int(time.time())
    work: asyncio.Queue[tuple[str, bytes, str]] = asyncio.Queue()
    sent_ids = []
    for i in range(n):
        cdr = make_cdr(i, now)
        body, ctype = encode(cdr, i % 3)
        work.put_nowait((str(cdr["ivruniqueid"]), body, ctype))
        sent_ids.append(str(cdr["ivruniqueid"]))
    tally = Tally()
    server.start()
    await server.wait_ready()
    t0 = time.monotonic()
    senders = [
        asyncio.create_task(sender(url, work, tally, dup_rate), name=f"sender{k}")
        for k in range(concurrency)
    ]
    killed = 0
    downtime = 0.0
    try:
        while not all(t.done() for t in senders):
            await asyncio.sleep(0.2)
            if killed < kills and len(tally.acked) >= (killed + 1) * n // (kills + 1):
                server.kill9()
                killed += 1
                down0 = time.monotonic()
                server.start()
                await server.wait_ready()
                downtime += time.monotonic() - down0
        await asyncio.gather(*senders)
    finally:
        elapsed = time.monotonic() - t0
        server.stop()
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT ivruniqueid, raw FROM cdr").fetchall()
    conn.close()
    ids = [r[0] for r in rows]
    missing = tally.acked - set(ids)
    doubled = len(ids) - len(set(ids))
    stray = set(ids) - set(sent_ids)
    raw_bad = sum(1 for cid, raw in rows if cid.encode() not in bytes(raw))
    return {
        "cdrs": n,
        "acknowledged": len(tally.acked),
        "stored_rows": len(ids),
        "missing_acknowledged": len(missing),
        "stored_twice": doubled,
        "stray_rows": len(stray),
        "raw_body_mismatch": raw_bad,
        "posts": tally.posts,
        "retries": tally.retries,
        "duplicates_sent": tally.duplicates_sent,
        "kills": killed,
        "seconds": round(elapsed, 2),
        "seconds_down": round(downtime, 2),
        "cdrs_per_second": round(n / elapsed, 1),
        "cdrs_per_second_up": round(n / max(0.001, elapsed - downtime), 1),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--kills", type=int, default=3)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--dup-rate", type=float, default=0.1)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="cdr-bench-") as d:
        a, b = Path(d) / "steady", Path(d) / "killed"
        a.mkdir()
        b.mkdir()
        steady = asyncio.run(run(args.n, 0, args.concurrency, args.dup_rate, a))
        killed = asyncio.run(run(args.n, args.kills, args.concurrency, args.dup_rate, b))
    print("steady (no kills):", json.dumps(steady))
    print(f"kill -9 ×{args.kills}:", json.dumps(killed))
    ok = all(
        r["missing_acknowledged"] == 0
        and r["stored_twice"] == 0
        and r["stray_rows"] == 0
        and r["raw_body_mismatch"] == 0
        and r["acknowledged"] == r["cdrs"]
        for r in (steady, killed)
    )
    print(
        f"intake rate: {steady['cdrs_per_second']} CDRs/s (steady, {args.concurrency} senders);"
        f" exactly-once through kill -9: {'OK' if ok else 'FAILED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
