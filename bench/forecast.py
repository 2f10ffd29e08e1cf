"""The half-hour forecast against the seasonal naive method, on held-out simulator days.

The simulator's floor (seed, 40 agents, 5 queues) makes `--weeks` weeks of queue calls;
the last `--held-out` days are forecast, each from the days before it only (the weeks
before are the training: the forecast never sees the day it forecasts), by
`core.forecast.forecast_queue` (day-ahead: made before the day starts) and by the seasonal
naive method (each half-hour as the same half-hour of the same weekday a week earlier).
The error is the weighted absolute percentage error of offered calls per half-hour and
queue: Σ |forecast − actual| / Σ actual over every half-hour of every held-out day, per
queue and over all queues. Also printed: the same through the day (each half-hour
forecast with today's running ratio of the half-hours before it), and how far the forecast
is off on the unusual days (the simulator's outage days).

The calls come from the coarse model (`sim/model/archive.py`: the floor's own demand —
weekday shape, week, noise, drift, unusual days — served by each queue's rostered agents),
which makes ten weeks in seconds; `--floor` runs the full floor instead (minutes): the
arrivals, all a forecast of offered calls reads, are the same process in both.

    .venv/bin/python bench/forecast.py
    .venv/bin/python bench/forecast.py --weeks 10 --held-out 21 --seed 3

The last line: `forecast WAPE x % vs seasonal naive y % (ratio r; goal ≤ 0.85)`.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wallboard.core.calls import Cdr
from wallboard.core.forecast import SLOTS, DaySlots, add_cdr, forecast_queue, running_ratio
from wallboard.core.models import FoldSettings
from wallboard.sim.model import CallCentre, ModelConfig
from wallboard.sim.model.archive import archive_cdrs
from wallboard.sim.model.demand import is_unusual
from wallboard.sim.warmup import warmed_up

ZONE = "Asia/Jerusalem"


def _days(args: argparse.Namespace) -> tuple[dict[str, DaySlots], list[int]]:
    tz = ZoneInfo(ZONE)
    end_local = datetime(2026, 11, 30, tzinfo=tz)  # a Monday midnight
    end = end_local.timestamp()
    start = (end_local - timedelta(days=7 * args.weeks)).timestamp()
    config = ModelConfig(seed=args.seed, start=end if args.floor else start)
    t0 = time.process_time()
    if args.floor:
        model, bodies = warmed_up(config, (end - start) / 3600.0)
    else:
        model = CallCentre(config)
        bodies = archive_cdrs(model, start, end)
    made = time.process_time() - t0
    settings = FoldSettings(timezone=ZONE)
    days: dict[str, DaySlots] = {}
    for body in bodies:
        add_cdr(days, Cdr.model_validate(body), settings)
    print(
        f"simulated {args.weeks} weeks ({'full floor' if args.floor else 'coarse model'}, "
        f"seed {args.seed}): {len(bodies)} CDRs in {made:.1f} s CPU",
        flush=True,
    )
    return days, [q.queue_id for q in model.queues]


def _wape(errors: float, actual: float) -> float:
    return 100.0 * errors / actual if actual else float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weeks", type=int, default=9)
    p.add_argument("--held-out", type=int, default=21, help="last days forecast")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--floor", action="store_true", help="the full floor (slow)")
    args = p.parse_args()
    days, queues = _days(args)
    keys = sorted(days)
    last = date.fromisoformat(keys[-1])
    held = [last - timedelta(days=i) for i in range(args.held_out - 1, -1, -1)]
    err = {q: [0.0, 0.0, 0.0, 0.0] for q in queues}  # forecast, naive, through the day, actual
    unusual = [0.0, 0.0, 0.0]  # forecast, naive, actual on unusual days
    t0 = time.process_time()
    for d in held:
        before = {k: v for k, v in days.items() if k < d.isoformat()}
        today = days.get(d.isoformat())
        week_ago = days.get((d - timedelta(days=7)).isoformat())
        for q in queues:
            actual = today.offered(q) if today is not None else [0] * SLOTS
            naive = week_ago.offered(q) if week_ago is not None else [0] * SLOTS
            f = forecast_queue(before, d, q)
            e = err[q]
            for s in range(SLOTS):
                ratio = running_ratio(f, actual, s) or 1.0
                e[0] += abs(f.offered[s] - actual[s])
                e[1] += abs(naive[s] - actual[s])
                e[2] += abs(f.offered[s] * ratio - actual[s])
                e[3] += actual[s]
                if is_unusual(args.seed, d):
                    unusual[0] += abs(f.offered[s] - actual[s])
                    unusual[1] += abs(naive[s] - actual[s])
                    unusual[2] += actual[s]
    took = time.process_time() - t0
    print(f"held out: {held[0]} … {held[-1]} ({len(held)} days), forecasts in {took:.2f} s CPU")
    print(f"{'queue':>10} {'calls':>7} {'forecast':>9} {'naive':>7} {'through day':>12}")
    total = [0.0, 0.0, 0.0, 0.0]
    for q, e in err.items():
        for i in range(4):
            total[i] += e[i]
        print(
            f"{q:>10} {e[3]:>7.0f} {_wape(e[0], e[3]):>8.1f}% {_wape(e[1], e[3]):>6.1f}% "
            f"{_wape(e[2], e[3]):>11.1f}%"
        )
    if unusual[2]:
        print(
            f"unusual days held out: forecast {_wape(unusual[0], unusual[2]):.1f}%, "
            f"naive {_wape(unusual[1], unusual[2]):.1f}%"
        )
    print(f"through the day (today's running ratio applied): {_wape(total[2], total[3]):.1f}%")
    ours, base = _wape(total[0], total[3]), _wape(total[1], total[3])
    print(
        f"forecast WAPE {ours:.1f} % vs seasonal naive {base:.1f} % "
        f"(ratio {ours / base:.2f}; goal ≤ 0.85)"
    )


if __name__ == "__main__":
    main()
