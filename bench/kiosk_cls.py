"""Cumulative layout shift of the kiosk over two minutes of a busy floor (the still-board goal).

Starts `wallboard demo` (200 agents, 20 queues, a surge from the first minute; half a day of
warm-up), opens `/kiosk` at 1920×1080 in Debian chromium and sums every `layout-shift` entry
(PerformanceObserver) for `--seconds`, after the board filled. Prints the figure and how many
shifts made it. Run from the repository root: `python bench/kiosk_cls.py`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.screens import CHROMIUM, start_demo, stop

CLS = """(ms) => new Promise((done) => {
  let cls = 0, shifts = 0, tiles = 0;
  const po = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) { cls += e.value; shifts += 1; }
  });
  po.observe({ type: 'layout-shift', buffered: false });
  setTimeout(() => { po.disconnect();
    done({ cls, shifts, tiles: document.querySelectorAll('.wb-ktile').length }); }, ms);
})"""


def main() -> None:
    """Start the demo, measure, print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--queues", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "surge.toml").write_text(
            'name = "surge-now"\ndescription = "surge at once"\n\n'
            "[[surge]]\nat_minutes = 0\nduration_minutes = 60\nfactor = 3.0\n",
            encoding="utf-8",
        )
        demo = argparse.Namespace(
            seed=13,
            agents=args.agents,
            queues=args.queues,
            scenario=str(work / "surge.toml"),
            start="11:30",
        )
        proc, url = start_demo(demo, "en", work, {"WALLBOARD_SIMULATOR_HISTORY_DAYS": "0"})
        try:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                page.goto(f"{url}/kiosk")
                page.wait_for_selector(".wb-ktile", timeout=60_000)
                page.wait_for_timeout(3000)
                got = page.evaluate(CLS, int(args.seconds * 1000))
                browser.close()
        finally:
            stop(proc)
    print(
        f"kiosk 1920x1080, {args.agents} agents / {args.queues} queues in a surge: "
        f"CLS {got['cls']:.4f} over {args.seconds:.0f} s ({got['shifts']} layout shifts, "
        f"{got['tiles']} agent tiles on screen)"
    )


if __name__ == "__main__":
    main()
