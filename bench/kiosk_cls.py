"""Layout shift and tile motion of the kiosk over two minutes of a busy floor (the still board).

Starts `wallboard demo` (200 agents, 20 queues, a surge from the first minute; half a day of
warm-up), opens `/kiosk` at 1920×1080 in Debian chromium and sums every `layout-shift` entry
(PerformanceObserver) for `--seconds`, after the board filled, and counts the agent tiles that
moved among those whose agent kept its status all along (goal: at most 10 %). Prints both.
Run from the repository root: `python bench/kiosk_cls.py`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.screens import CHROMIUM, start_demo, stop, surge_now

# Over `ms`: the cumulative layout shift, and how many agent tiles moved (their transform
# changed) among those whose agent kept the same status all along (the still-board goal: a
# tile moves only when its agent's status group changes). Tiles present from start to end.
STILL = """(ms) => new Promise((done) => {
  let cls = 0, shifts = 0;
  const po = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) { cls += e.value; shifts += 1; }
  });
  po.observe({ type: 'layout-shift', buffered: false });
  const tiles = () => new Map([...document.querySelectorAll('.wb-ktile')]
    .map((e) => [e.dataset.ext, e]));
  const first = new Map([...tiles()].map(([x, e]) => [x, e.style.transform]));
  const changed = new Set(), moved = new Set();
  const mo = new MutationObserver((records) => {
    for (const m of records) {
      const e = m.target, x = e.dataset && e.dataset.ext;
      if (!x || !e.classList.contains('wb-ktile')) continue;
      if (m.attributeName === 'data-state') changed.add(x);
      else if (first.has(x) && e.style.transform !== first.get(x)) moved.add(x);
    }
  });
  mo.observe(document.querySelector('.wb-kagents'),
    { subtree: true, attributes: true, attributeFilter: ['style', 'data-state'] });
  setTimeout(() => {
    po.disconnect();
    mo.disconnect();
    const last = tiles();
    const still = [...first.keys()].filter((x) => last.has(x) && !changed.has(x));
    done({ cls, shifts, tiles: last.size, still: still.length, changed: changed.size,
      moved: still.filter((x) => moved.has(x)).length });
  }, ms);
})"""


def report(got: dict[str, float]) -> str:
    """One line: CLS and tile motion."""
    share = got["moved"] / got["still"] if got["still"] else 0.0
    return (
        f"CLS {got['cls']:.4f} ({got['shifts']:.0f} layout shifts); "
        f"{got['moved']:.0f} of {got['still']:.0f} tiles whose agent kept its status moved "
        f"({share:.1%}), {got['changed']:.0f} agents changed status, {got['tiles']:.0f} tiles"
    )


def main() -> None:
    """Start the demo, measure, print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--queues", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        demo = argparse.Namespace(
            seed=13,
            agents=args.agents,
            queues=args.queues,
            scenario=str(surge_now(work)),
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
                got = page.evaluate(STILL, int(args.seconds * 1000))
                browser.close()
        finally:
            stop(proc)
    print(
        f"kiosk 1920x1080, {args.agents} agents / {args.queues} queues in a surge, "
        f"over {args.seconds:.0f} s: {report(got)}"
    )


if __name__ == "__main__":
    main()
