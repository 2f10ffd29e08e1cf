"""Soak: `wallboard demo` on a big floor for N minutes; resident memory and CPU per minute.

Runs `wallboard demo --agents 2000 --queues 200 --speed 10 --flat` as its own process (the
simulator posts a CDR per finished call to the real webhook, so the store, the worklist,
the callback figures and today's history all grow as they would over a day), on a free
port with a fresh database, and samples the process from /proc: resident memory (VmRSS)
and CPU time. Prints one line per minute, then the growth over the second half (least
squares over its samples; the first half is start-up and the floor filling up).

Goal (docs/benchmarks.md, "Soak"): at most 2 MB/min of memory growth over the second half, and CPU
flat (its slope near 0 percentage points per minute).

    .venv/bin/python bench/soak.py                  # 30 minutes
    .venv/bin/python bench/soak.py --minutes 4      # a quick look
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_EVERY = 5.0  # seconds between samples
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Sample:
    """One look at the process."""

    at: float  # seconds since the demo answered its first request
    rss_mb: float
    cpu_s: float  # user + system CPU seconds so far
    heap_blocks: float  # small Python objects alive (/metrics), NaN if unread


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def heap_blocks(url: str) -> float:
    """`wallboard_python_heap_blocks` from the demo's /metrics (NaN if it cannot be read).

    Resident memory keeps its highest point: the start-up (a big floor's today read and
    parsed once) leaves hundreds of MB of freed pages that later growth fills unseen. The
    objects alive show growth at once.
    """
    try:
        with urllib.request.urlopen(f"{url}/metrics", timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return float("nan")
    for line in text.splitlines():
        if line.startswith("wallboard_python_heap_blocks "):
            return float(line.split()[1])
    return float("nan")


def sample(pid: int, t0: float, url: str) -> Sample:
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    # Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(stat[11]) + int(stat[12])) / TICKS
    return Sample(time.monotonic() - t0, rss_kb / 1024, cpu, heap_blocks(url))


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    den = sum((x - mx) ** 2 for x in xs)
    return 0.0 if den == 0 else sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den


def cdrs_stored(db: Path) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return int(conn.execute("SELECT count(*) FROM cdr").fetchone()[0])
    except sqlite3.Error:
        return -1
    finally:
        conn.close()


def start_demo(args: argparse.Namespace, work: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "WALLBOARD_WEB_PORT": str(port),
        "WALLBOARD_WEB_HOST": "127.0.0.1",
        "WALLBOARD_STORE_PATH": str(work / "soak.sqlite"),
        "WALLBOARD_WEB_STORAGE_SECRET": "soak-session-secret",
    }
    cmd = [sys.executable, "-m", "wallboard.cli", "demo", "--flat"]
    cmd += ["--agents", str(args.agents), "--queues", str(args.queues), "--speed", str(args.speed)]
    log = (work / "demo.log").open("ab")
    return subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_up(proc: subprocess.Popen[bytes], url: str, work: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"demo exited:\n{(work / 'demo.log').read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # 503 while the feed is stale: the server is up
        except OSError:
            time.sleep(0.5)
    raise SystemExit("demo did not answer in 120 s")


def report(samples: list[Sample], minute: int, db: Path, prev: Sample | None) -> Sample:
    last = samples[-1]
    base = prev if prev is not None else samples[0]
    cpu = 100 * (last.cpu_s - base.cpu_s) / max(1e-9, last.at - base.at)
    print(
        f"minute {minute:3d}: RSS {last.rss_mb:7.1f} MB, CPU {cpu:5.1f}% of a core,"
        f" {last.heap_blocks:,.0f} Python objects, {cdrs_stored(db):,} CDRs stored",
        flush=True,
    )
    return last


def summary(samples: list[Sample]) -> None:
    half = [s for s in samples if s.at >= samples[-1].at / 2]
    if len(half) < 3:
        print("too short for a second-half figure")
        return
    minutes = [s.at / 60 for s in half]
    growth = slope(minutes, [s.rss_mb for s in half])
    # CPU per interval (as % of a core), and its trend over the second half.
    rates = [100 * (b.cpu_s - a.cpu_s) / (b.at - a.at) for a, b in itertools.pairwise(half)]
    trend = slope(minutes[1:], rates)
    print(
        f"second half ({minutes[0]:.1f}–{minutes[-1]:.1f} min): RSS {half[0].rss_mb:.1f} →"
        f" {half[-1].rss_mb:.1f} MB, growth {growth:+.2f} MB/min (goal ≤ 2);"
        f" CPU mean {sum(rates) / len(rates):.1f}% of a core, trend {trend:+.2f} points/min"
    )
    blocks = [(m, s.heap_blocks) for m, s in zip(minutes, half, strict=True) if s.heap_blocks > 0]
    if len(blocks) >= 3:
        per_min = slope([m for m, _ in blocks], [b for _, b in blocks])
        print(
            f"Python objects alive: {blocks[0][1]:,.0f} → {blocks[-1][1]:,.0f},"
            f" {per_min:+,.0f} a minute (≈ {per_min * 64 / 1e6:+.2f} MB/min at 64 bytes each)"
        )
        print(f"FIGURE soak_heap_blocks_per_min {per_min:.0f}")
    print(f"FIGURE soak_rss_growth_mb_per_min {growth:.2f}")
    print(f"FIGURE soak_cpu_trend_points_per_min {trend:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--agents", type=int, default=2000)
    ap.add_argument("--queues", type=int, default=200)
    ap.add_argument("--speed", type=float, default=10.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        port = free_port()
        proc = start_demo(args, work, port)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_up(proc, url, work)
            t0 = time.monotonic()
            samples = [sample(proc.pid, t0, url)]
            prev: Sample | None = None
            end = t0 + 60 * args.minutes
            minute = 0
            while time.monotonic() < end and proc.poll() is None:
                time.sleep(min(SAMPLE_EVERY, max(0.0, end - time.monotonic())))
                samples.append(sample(proc.pid, t0, url))
                if samples[-1].at >= 60 * (minute + 1):
                    minute += 1
                    prev = report(samples, minute, work / "soak.sqlite", prev)
            if proc.poll() is not None:
                raise SystemExit(f"demo died:\n{(work / 'demo.log').read_text()[-3000:]}")
            summary(samples)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)


if __name__ == "__main__":
    main()
