""" "How often would this rule have fired today?" (`/alerts`): the time to answer on a busy
day, per figure, and the time to turn the day's stored CDRs into its queue calls.

A synthetic day (seeded): `--calls` queue calls over `--queues` queues from 08:00 to 20:00
with bursts every hour (waits of 0–240 s, a fifth abandoned), and `--agents` agents with
five breaks each. Each rule is judged on every call's join and end, looking every 2 s
between (`core.alert_preview`, as the live check's default); the figure printed is the
best of `--runs` passes, as `timeit` advises on a shared machine (other processes only
slow a pass down).

    .venv/bin/python bench/alert_preview.py
    .venv/bin/python bench/alert_preview.py --calls 50000 --queues 40 --agents 2000
"""

from __future__ import annotations

import argparse
import random
import time

from wallboard.core.alert_preview import BreakSpan, PreviewRule, QueueCall, would_have_fired
from wallboard.core.calls import Cdr, TimeRule
from wallboard.services.alert_rules import day_calls
from wallboard.store.rows import CdrRow

DAY = 1_800_000_000.0  # a day's start (UTC)
RULES = {
    "waiting > 5": PreviewRule("waiting", 5, 2),
    "longest wait > 120 s": PreviewRule("longest_wait", 120, 30),
    "service level < 80 %": PreviewRule("service_level", 80, 85, 10),
    "break > 15 min": PreviewRule("break_seconds", 900, 0),
}


def _day(
    calls: int, queues: int, agents: int, rng: random.Random
) -> tuple[list[QueueCall], list[BreakSpan]]:
    out = []
    for i in range(calls):
        hour = rng.randrange(8, 20)
        burst = rng.random() < 0.3  # a third of the calls come in the hour's first 5 minutes
        at = DAY + hour * 3600 + (rng.uniform(0, 300) if burst else rng.uniform(0, 3600))
        out.append(QueueCall(i % queues, at, rng.randrange(0, 240), rng.random() > 0.2))
    breaks = []
    for ext in range(agents):
        for k in range(5):
            start = DAY + 8 * 3600 + k * 7200 + rng.uniform(0, 3600)
            breaks.append(BreakSpan(1000 + ext, start, start + rng.uniform(60, 1500)))
    return out, breaks


def _cdrs(calls: list[QueueCall]) -> list[CdrRow]:
    rows = []
    for i, c in enumerate(calls):
        cdr = Cdr.model_validate(
            {
                "ivruniqueid": f"call-{i}",
                "time": int(c.joined),
                "type": "incoming",
                "status": "ANSWER" if c.answered else "ABANDONE",
                "queueid": c.queue,
                "seconds_waiting_in_queue": c.wait,
                "duration": 60,
            }
        )
        rows.append(CdrRow(i, cdr, c.joined, "webhook", "json"))
    return rows


def _best(runs: int, fn: object) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=20_000)
    ap.add_argument("--queues", type=int, default=20)
    ap.add_argument("--agents", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    calls, breaks = _day(a.calls, a.queues, a.agents, random.Random(25))
    now = DAY + 20 * 3600
    print(f"{a.calls:,} queue calls over {a.queues} queues, {a.agents} agents with 5 breaks each")
    rows = _cdrs(calls)
    rule = TimeRule("Asia/Jerusalem", "utc")
    secs = _best(a.runs, lambda: day_calls(rows, rule))
    print(f"  stored CDRs → queue calls: {secs:.2f} s")
    for name, r in RULES.items():
        fired: list[int] = []

        def one(r: PreviewRule = r, fired: list[int] = fired) -> None:
            fired.append(len(would_have_fired(r, calls, breaks, DAY, now)))

        secs = _best(a.runs, one)
        print(f"  {name:<22} {secs:.2f} s  (would have fired {fired[-1]} times)")


if __name__ == "__main__":
    main()
