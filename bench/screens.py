"""Screenshots of the demo for the README: desk board, kiosk at 1080p (and 4K), Hebrew board,
the desk board on a phone (390×844), and the kiosk of 200 agents / 20 queues in a surge with
alerts open (`kiosk-surge-en-1920x1080.png`; `--no-surge` leaves it out).

Starts `wallboard demo` as a subprocess (its own port, the bundled simulator, a fixed seed),
opens Debian chromium through Playwright and writes PNGs. Run from the repository root:

    python bench/screens.py                      # docs/screens/: what the README shows
    python bench/screens.py --out /tmp/s --agents 200 --queues 20 --scenario surge --all
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_demo(
    args: argparse.Namespace, lang: str, work: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """`wallboard demo` on a free port (options from `args`, more settings in `env`).

    Returns the process and its base URL once the demo says where to open it: by then its
    past days are stored and it is connected to its simulator.
    """
    port = _free_port()
    full_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
        "WALLBOARD_WEB_PORT": str(port),
        "WALLBOARD_WEB_LANGUAGE": lang,
        "WALLBOARD_WEB_STORAGE_SECRET": "screens",
        "WALLBOARD_STORE_PATH": str(work / f"demo-{lang}.sqlite3"),
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    cmd = [sys.executable, "-m", "wallboard.cli", "demo", "--seed", str(args.seed)]
    cmd += ["--agents", str(args.agents), "--queues", str(args.queues)]
    if args.scenario:
        cmd += ["--scenario", args.scenario]
    if args.start:
        cmd += ["--start", args.start]
    if getattr(args, "config", None):
        cmd += ["--config", str(args.config)]
    log_path = work / f"demo-{lang}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(cmd, cwd=work, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while "wallboard demo: open" not in log_path.read_text(encoding="utf-8", errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError(f"demo did not start: {log_path.read_text()}")
        time.sleep(0.3)
    return proc, f"http://127.0.0.1:{port}"


def surge_now(work: Path, minutes: int = 60) -> Path:
    """A scenario file in `work`: calls triple from the first minute, for `minutes` (the
    bundled `surge` begins 5 minutes in, too late for a screenshot or a measurement)."""
    path = work / "surge-now.toml"
    path.write_text(
        'name = "surge-now"\ndescription = "surge at once"\n\n'
        f"[[surge]]\nat_minutes = 0\nduration_minutes = {minutes}\nfactor = 3.0\n",
        encoding="utf-8",
    )
    return path


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then kill after 10 s."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def shoot(url: str, shots: list[tuple[str, str, int, int]], out: Path, settle: float) -> None:
    """Each (file name, path, width, height): open, let the floor fill, screenshot."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for name, path, w, h in shots:
            ctx = browser.new_context(viewport={"width": w, "height": h})
            page = ctx.new_page()
            page.goto(url + path)
            page.wait_for_selector(".wb-tile", timeout=30_000)
            page.wait_for_timeout(int(settle * 1000))
            page.screenshot(path=str(out / name))
            print(f"wrote {out / name}")
            ctx.close()
        browser.close()


def main() -> None:
    """Parse the options, start the demo per language, take the shots."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screens")
    ap.add_argument("--agents", type=int, default=40)
    ap.add_argument("--queues", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scenario", default="")
    ap.add_argument("--start", default="11:30", help="simulated local start time (a busy hour)")
    ap.add_argument(
        "--settle",
        type=float,
        default=12.0,
        help="seconds to let the floor fill (alarms hold 10 s before they show)",
    )
    ap.add_argument("--all", action="store_true", help="also 4K and the Hebrew kiosk")
    ap.add_argument(
        "--no-surge", action="store_true", help="without the 200 agents / 20 queues surge shot"
    )
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for lang in ("en", "he"):
            shots = [(f"kiosk-{lang}-1920x1080.png", "/kiosk", 1920, 1080)]
            shots.append((f"board-{lang}-1920x1080.png", "/board/all", 1920, 1080))
            shots.append((f"board-phone-{lang}-390x844.png", "/board/all", 390, 844))
            if args.all:
                shots.append((f"kiosk-{lang}-3840x2160.png", "/kiosk", 3840, 2160))
            elif lang == "he":
                shots = [shots[1]]
            proc, url = start_demo(args, lang, Path(tmp))
            try:
                shoot(url, shots, args.out, args.settle)
            finally:
                stop(proc)
        if not args.no_surge:
            _surge(Path(tmp), args)


# Two alert rules, as a supervisor would set them: more than 5 waiting; service level under
# 70 % once 10 calls are counted.
_ALERTS = """
[alerts.rules.waiting]
metric = "waiting"
fire = 5
clear = 3

[alerts.rules.sl]
metric = "service_level"
fire = 70
clear = 75
min_sample = 10
"""


def _surge(work: Path, args: argparse.Namespace) -> None:
    """The kiosk of 200 agents and 20 queues in a surge, with alerts open."""
    (work / "alerts.toml").write_text(_ALERTS, encoding="utf-8")
    surge = argparse.Namespace(
        seed=13,
        agents=200,
        queues=20,
        scenario=str(surge_now(work)),
        start="11:30",
        config=str(work / "alerts.toml"),
    )
    env = {"WALLBOARD_SIMULATOR_HISTORY_DAYS": "0"}
    proc, url = start_demo(surge, "en", work, env)
    try:
        # Long enough for the surge to fill the queues and the alerts to fire.
        shoot(url, [("kiosk-surge-en-1920x1080.png", "/kiosk", 1920, 1080)], args.out, 30.0)
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
