"""Staffing by Erlang A and by Erlang C, run through the simulator: the service level each gets.

One queue of the simulated floor (its real week's demand: `sim/model/demand.py`) through a
weekday, with agents logged in and out each half-hour by the Login/Logout API
(`ModelConfig(rostered=False)`: no shifts or breaks of its own):

1. a calibration day (the day before, staffed by Erlang C): its CDRs give the handle time
   (talk per answered call, plus `--wrap` seconds of after-call work and ring time the
   CDRs do not carry) and the callers' patience (`kpis.patience_rate`), as the board
   estimates them from stored days;
2. the day staffed each half-hour with `kpis.agents_needed` (Erlang C);
3. the same day staffed with `kpis.agents_needed_erlang_a` (Erlang A, whole agents);
4. the same day staffed with `kpis.agent_time_erlang_a` (Erlang A as agent-time, as the
   /forecast chart shows it: 16.4 is 17 agents for the first 40 % of the half-hour, then
   16).

Each of 2–4 is run `--days` times (30), each run its own seed (its own noise in the
demand): a half-hour's SL pooled over the runs, so that its calls' noise (a few points
over 10 runs) does not hide the method's own error.

The arrival rate per half-hour is the simulator's own expected rate (the demand model's),
so what is measured is the staffing method, not the forecast's error (bench/forecast.py).
Service level per half-hour is measured from the day's CDRs exactly as the board counts it
(`kpis.service_level`), over the half-hours with at least `--min-calls` calls.

    .venv/bin/python bench/staffing.py
    .venv/bin/python bench/staffing.py --agents 40 200 --seed 2 --target 80 --threshold 20

The last line: for each floor size, the share of half-hours within ±5 points of the
target with Erlang A, whole agents and as agent-time (goal ≥ 80 %), and how far Erlang C
overstaffs. Beside each
half-hour's measured SL is Erlang A's own prediction at the agents it chose (averaged
over the runs), and the report counts the half-hours where that prediction at the least
whole N is already more than 5 points over the target (at 10–20 agents, one agent is
5–10 points): those no run without noise could bring within ±5. A 200-agent floor costs
about eight times the CPU of the default 40 (its dispatch looks at every member).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wallboard.core.calls import Cdr
from wallboard.core.forecast import SLOT_SECONDS, SLOTS, DaySlots, add_cdr, slot_label
from wallboard.core.kpis import (
    QueueTally,
    agent_time_erlang_a,
    agents_needed,
    agents_needed_erlang_a,
    combine,
    patience_rate,
    service_level,
    service_level_erlang_a,
)
from wallboard.core.models import FoldSettings
from wallboard.sim.model import LOGIN, LOGOUT, CallCentre, ModelConfig

ZONE = "Asia/Jerusalem"
# Expected calls per second → agents; a fraction (16.4) is agent-time: one agent more for
# that share of the half-hour (17 for its first 40 %, then 16).
Staff = Callable[[float], float | None]


def _run(
    config: ModelConfig, day_start: float, staff: Staff
) -> tuple[DaySlots, list[float], list[float]]:
    """Run one day with `staff(rate)` agents logged in each half-hour: its calls by
    half-hour, the agents in and the expected rate of each half-hour (its own seed's)."""
    model = CallCentre(config)
    q = model.queues[0]
    plan: list[float] = []
    rates: list[float] = []
    bodies = []
    for s in range(SLOTS):
        t = day_start + s * SLOT_SECONDS
        model.advance(t)
        bodies.extend(model.take_cdrs())
        rate = model.demand.rate(q.queue_id, t + SLOT_SECONDS / 2)
        rates.append(rate)
        want = min(len(model.agents), staff(rate) or 0) if rate > 0 else 0
        plan.append(want)
        whole = math.floor(want)
        _staff_to(model, math.ceil(want))
        if want > whole:  # agent-time: the extra agent for the first share of the half-hour
            model.advance(t + (want - whole) * SLOT_SECONDS)
            bodies.extend(model.take_cdrs())
            _staff_to(model, whole)
    model.advance(day_start + SLOTS * SLOT_SECONDS + 3600)  # the last calls end
    bodies.extend(model.take_cdrs())
    settings = FoldSettings(timezone=ZONE)
    days: dict[str, DaySlots] = {}
    for body in bodies:
        cdr = Cdr.model_validate(body)
        if day_start <= cdr.time < day_start + SLOTS * SLOT_SECONDS:
            add_cdr(days, cdr, settings)
    (day,) = days.values()
    return day, plan, rates


def _staff_to(model: CallCentre, want: int) -> None:
    """Log agents in or out until `want` are in (free ones out first)."""
    inside = [a for a in model.agents if a.status == LOGIN]
    if len(inside) < want:
        out = [a for a in model.agents if a.status != LOGIN]
        for a in out[: want - len(inside)]:
            model.set_status(a, LOGIN)
    elif len(inside) > want:
        inside.sort(key=lambda a: (bool(a.calls), a.extension))  # free ones first
        for a in inside[: len(inside) - want]:
            model.set_status(a, LOGOUT)


@dataclass(frozen=True, slots=True)
class Result:
    """One method's runs of the day (each with its own seed: its own noise in the demand),
    their agents and expected rates per half-hour."""

    name: str
    days: list[DaySlots]
    plans: list[list[float]]
    rates: list[list[float]]

    @property
    def plan(self) -> list[float]:
        """The first run's agents per half-hour (the others differ by their noise)."""
        return self.plans[0]

    def agent_hours(self) -> float:
        """Agent-hours a day, averaged over the runs."""
        return sum(sum(p) for p in self.plans) / 2 / len(self.plans)

    def slot(self, qid: int, s: int, runs: int | None = None) -> QueueTally:
        """A half-hour's calls over the first `runs` runs (None: all)."""
        return combine(d.tally(qid, range(s, s + 1)) for d in self.days[:runs])

    def measured(self, qid: int, min_calls: int, runs: int | None = None) -> dict[int, float]:
        """SL per half-hour (per cent) where it had `min_calls` calls per run."""
        out = {}
        n = len(self.days[:runs])
        for s in range(SLOTS):
            tally = self.slot(qid, s, runs)
            sl = service_level(tally)
            if tally.offered >= min_calls * n and sl is not None and self.plan[s] > 0:
                out[s] = 100.0 * sl
        return out

    def within(
        self, qid: int, args: argparse.Namespace, runs: int | None = None
    ) -> tuple[int, int]:
        """(half-hours within ±5 points of the target, half-hours measured)."""
        sl = self.measured(qid, args.min_calls, runs)
        return sum(1 for v in sl.values() if abs(v - args.target) <= 5.0), len(sl)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--agents",
        type=int,
        nargs="+",
        default=[40],
        help="the floor's sizes (each sets the demand of its one queue)",
    )
    p.add_argument("--days", type=int, default=30, help="runs of the day, each its own seed")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--target", type=float, default=80.0, help="SL target, per cent")
    p.add_argument("--threshold", type=float, default=20.0, help="SL threshold, seconds")
    p.add_argument("--wrap", type=float, default=25.5, help="after-call work + ring, seconds")
    p.add_argument("--min-calls", type=int, default=30, help="per run, for a half-hour to count")
    args = p.parse_args()
    lines = []
    for agents in args.agents:
        print(f"== a floor of {agents} agents, one queue ==", flush=True)
        lines.append(_floor(agents, args))
    print(f"Erlang A within ±5 points of {args.target:g} % (goal ≥ 80 % of half-hours): ", end="")
    print("; ".join(lines))


def _floor(agents: int, args: argparse.Namespace) -> str:
    """One floor size through the calibration day and each method's runs: its summary."""
    tz = ZoneInfo(ZONE)
    day = datetime(2026, 11, 24, tzinfo=tz)  # a Tuesday
    config = ModelConfig(
        agents=agents,
        queues=1,
        seed=args.seed,
        start=(day - timedelta(days=1)).timestamp(),
        rostered=False,
        outgoing_per_hour=0.0,
        ring_all_every=0,
        ai_share=0.0,
    )
    target, threshold = args.target / 100.0, args.threshold
    t0 = time.process_time()
    # 1. Calibration: the day before, staffed by Erlang C with the model's nominal handle time.
    nominal = config.mean_talk + 0.15 * 50 + args.wrap

    def by_c_nominal(rate: float) -> int | None:
        return agents_needed(rate, nominal, target, threshold)

    before = (day - timedelta(days=1)).timestamp()
    calib, _, _ = _run(config, before, by_c_nominal)
    qid = next(iter(calib.queue_ids()))
    talk = sum(calib.talk(qid, s)[0] for s in range(SLOTS))
    answered = sum(calib.talk(qid, s)[1] for s in range(SLOTS))
    handle = talk / answered + args.wrap
    theta = patience_rate([calib.tally(qid)])
    print(
        f"calibration day: {calib.tally(qid).offered} calls; handle {handle:.0f} s "
        f"(talk {talk / answered:.0f} s + {args.wrap:g} s), patience "
        f"{'—' if theta is None else f'{1 / theta:.0f} s'} (exponential fit)",
        flush=True,
    )

    def by_c(rate: float) -> int | None:
        return agents_needed(rate, handle, target, threshold)

    def by_a(rate: float) -> int | None:
        return agents_needed_erlang_a(rate, handle, theta, target, threshold)

    def by_a_time(rate: float) -> float | None:
        return agent_time_erlang_a(rate, handle, theta, target, threshold)

    args.handle, args.theta = handle, theta
    results: dict[str, Result] = {}
    methods: tuple[tuple[str, Staff], ...] = (
        ("Erlang C", by_c),
        ("Erlang A", by_a),
        ("Erlang A, agent-time", by_a_time),
    )
    for name, staff in methods:
        runs = [
            _run(replace(config, seed=args.seed + 1 + i), day.timestamp(), staff)
            for i in range(args.days)
        ]
        results[name] = Result(
            name, [d for d, _, _ in runs], [p for _, p, _ in runs], [r for _, _, r in runs]
        )
    took = time.process_time() - t0
    print(f"{1 + 3 * args.days} simulated days of one queue in {took:.1f} s CPU")
    return _report(results, qid, args, agents)


def _report(results: dict[str, Result], qid: int, args: argparse.Namespace, agents: int) -> str:
    """The table and each method's figures; the summary line of this floor size."""
    c, a, at = results["Erlang C"], results["Erlang A"], results["Erlang A, agent-time"]
    c_sl, a_sl = c.measured(qid, args.min_calls), a.measured(qid, args.min_calls)
    t_sl = at.measured(qid, args.min_calls)
    print(f"SL per half-hour over {args.days} runs of the day (each its own seed):")
    print(
        f"{'half-hour':>9} {'calls':>6} {'C agents':>8} {'C SL':>6} {'A agents':>8} {'A SL':>6}"
        f" {'A model':>8} {'A time':>6} {'its SL':>6}"
    )
    predicted = []
    for s in range(SLOTS):
        if s not in a_sl and s not in c_sl:
            continue
        calls = a.slot(qid, s).offered / args.days
        cs = f"{c_sl[s]:.1f}" if s in c_sl else "—"
        as_ = f"{a_sl[s]:.1f}" if s in a_sl else "—"
        model = (
            100
            * sum(
                service_level_erlang_a(int(p[s]), r[s], args.handle, args.theta, args.threshold)
                for p, r in zip(a.plans, a.rates, strict=True)
            )
            / len(a.plans)
        )
        if s in a_sl:
            predicted.append((model, a_sl[s]))
        ts = f"{t_sl[s]:.1f}" if s in t_sl else "—"
        print(
            f"{slot_label(s):>9} {calls:>6.0f} {c.plan[s]:>8} {cs:>6} {a.plan[s]:>8} {as_:>6}"
            f" {model:>8.1f} {at.plan[s]:>6.1f} {ts:>6}"
        )
    if predicted:
        mean_model = sum(m for m, _ in predicted) / len(predicted)
        mean_seen = sum(v for _, v in predicted) / len(predicted)
        spread = (sum((v - m) ** 2 for m, v in predicted) / len(predicted)) ** 0.5
        # Whole agents: where even Erlang A's own SL at the least N that reaches the target
        # is more than 5 points above it, no noise-free run could land within ±5.
        above = sum(1 for m, _ in predicted if m > args.target + 5.0)
        print(
            f"Erlang A's own SL at its agents, mean over those half-hours: {mean_model:.1f} %; "
            f"measured {mean_seen:.1f} % (measured − model: RMS {spread:.1f} points); "
            f"{above} of {len(predicted)} half-hours have Erlang A's own SL more than 5 points "
            f"over the target at the least whole number of agents that reaches it"
        )
    for r in results.values():
        whole = service_level(combine(d.tally(qid) for d in r.days))
        one, one_n = r.within(qid, args, runs=1)
        many, many_n = r.within(qid, args)
        print(
            f"{r.name}: {r.agent_hours():.0f} agent-hours a day, SL {100 * (whole or 0):.1f} % "
            f"over the runs; within ±5 points of {args.target:g} %: {many}/{many_n} half-hours "
            f"over {args.days} runs, {one}/{one_n} in the first run alone"
        )
    a_hours, c_hours = a.agent_hours(), c.agent_hours()
    within, measured = a.within(qid, args)
    share = 100.0 * within / measured if measured else 0.0
    over = 100.0 * (c_hours - a_hours) / a_hours if a_hours else 0.0
    sizes = [int(a.plan[s]) for s in a.measured(qid, args.min_calls)] or [0]  # measured
    t_within, t_measured = results["Erlang A, agent-time"].within(qid, args)
    return (
        f"{agents} agents (queue of {min(sizes)}–{max(sizes)} agents): {share:.0f} % of "
        f"{measured} half-hours ({100 * t_within / max(1, t_measured):.0f} % as agent-time), "
        f"Erlang C staffs {c_hours - a_hours:.1f} agent-hours a day more (+{over:.1f} %)"
    )


if __name__ == "__main__":
    main()
