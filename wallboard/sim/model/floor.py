"""The floor: calls through queues to agents, the event engine, and the CallCentre facade.

A discrete-event simulation of a floor: queues whose arrivals follow a daily curve, agents
with skills, ring-all groups, talk, holds and wrap-up from skewed distributions, callers who
give up, outgoing and click-to-call calls, breaks and shifts. `advance(t)` runs every
scheduled action up to simulated time `t` and returns the wire events the vendor would
send, shaped exactly like `tests/fixtures/realtime/` (both ExtensionEvent shapes). No
clock reads and no I/O: the server owns the clock and the sockets. The roster, the wire
encoding and the CDRs live in their own modules; this one owns the state and the time.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from wallboard.sim.model.calllog import CallLog, MemoryCallLog
from wallboard.sim.model.cdrs import build_cdrs
from wallboard.sim.model.demand import Demand
from wallboard.sim.model.engine import Agenda
from wallboard.sim.model.entities import (
    ANSWERED_ELSEWHERE,
    LOGIN,
    LOGOUT,
    NORMAL,
    REJECTED,
    Frame,
    Json,
    ModelConfig,
    SimAgent,
    SimCall,
    SimQueue,
)
from wallboard.sim.model.names import first_names, last_names
from wallboard.sim.model.roster import (
    PEAK_COVERAGE,
    build_agents,
    build_queues,
    coverage,
    first_shift,
    forced_status,
    mark_on_shift,
    next_shift,
    planned_status,
    shift_breaks,
)
from wallboard.sim.model.wire import (
    all_extensions,
    ext_event,
    login_status,
    login_success,
    queue_event,
    status_event,
    wire_call,
    wire_extension,
    wire_queue,
)
from wallboard.sim.scenario import Scenario

__all__ = ["CallCentre"]

# Seconds: the longest wait before a queue's arrival rate is looked at again.
_LOOK_AGAIN = 60.0


class CallCentre:
    """The simulated floor; `advance(t)` moves it to simulated time `t`."""

    def __init__(self, config: ModelConfig, call_log: CallLog | None = None) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.now: float = config.start
        self.zone = ZoneInfo(config.timezone)
        self.offset_minutes = self._offset(config.start)
        self._agenda = Agenda()
        self._out: list[Frame] = []
        # While True no wire event is built: a warm-up's fast run of past days has nobody
        # to see them, and building them was two thirds of its time (py-spy).
        self.quiet = False
        self._call_no = 0
        self.cdrs: list[Json] = []  # outbox: CDRs not yet taken by the poster
        self.history: CallLog = MemoryCallLog() if call_log is None else call_log
        self.events_emitted = 0
        self.queues: list[SimQueue] = []
        self.agents: list[SimAgent] = []
        self.by_ext: dict[int, SimAgent] = {}
        self.by_sip: dict[str, SimAgent] = {}
        self.by_queue: dict[int, SimQueue] = {}
        self.surge: dict[int, float] = {}  # queue id -> current factor
        hebrew = config.language == "he"
        # Caller names the CRM knows, in the floor's display language.
        self._first_names = first_names(hebrew)
        self._last_names = last_names(hebrew)
        self._build()

    # ------------------------------------------------------------ set-up

    def _build(self) -> None:
        """Queues, agents, everyone's first shift, the first arrivals and the scenario."""
        self.queues = build_queues(self.config)
        self.by_queue = {q.queue_id: q for q in self.queues}
        self.agents = build_agents(self.config, self.rng, self.queues)
        self.by_ext = {a.extension: a for a in self.agents}
        self.by_sip = {a.sip.lower(): a for a in self.agents}
        self._plan_shifts()
        # After the shifts are drawn: the demand follows the roster as planned.
        self.demand = Demand(self.config, self.queues, self.zone)
        for q in self.queues:
            self._at(self.now + self.rng.expovariate(1.0) * 5, self._arrival, q)
        self.start_scenario(self.config.scenario, self.config.start)

    def _plan_shifts(self) -> None:
        """Who works which shift, who is in at the start, and everyone's first shift."""
        cfg, rng, t0 = self.config, self.rng, self.config.start
        for a in self.agents:
            begin, end = first_shift(a, cfg, rng, self.zone, t0)
            if cfg.rostered:
                self._plan_shift(a, begin, end)
            if cfg.outgoing_per_hour > 0:
                first = t0 + rng.expovariate(cfg.outgoing_per_hour / 3600.0)
                self._at(first, self._agent_dials, a)

    def _plan_shift(self, a: SimAgent, begin: float, end: float) -> None:
        """One shift: log in, a short break, lunch, another break, log out (then the next)."""
        rng, now = self.rng, self.now
        if begin <= now:
            a.status = LOGIN
            mark_on_shift(a, True)
            a.status_updated_ms = int(begin * 1000)
            a.idle_since = now - rng.uniform(0, 120)
        else:
            if a.status_updated_ms == 0:
                # Logged out since some time last night, not since the epoch.
                a.status_updated_ms = int((begin - rng.uniform(8, 16) * 3600) * 1000)
            self._at(begin, self._shift, a, True)
        for when, back, code in shift_breaks(rng, begin, end):
            if when > now:
                self._at(when, self._set_status, a, code)
                self._at(when + back * 60, self._set_status, a, LOGIN)
        self._at(end, self._shift_end, a, begin, end)

    def _shift_end(self, a: SimAgent, begin: float, end: float) -> None:
        """Log out at the end of a shift and plan the next one."""
        self._shift(a, False)
        self._plan_shift(a, *next_shift(a, self.config, self.rng, self.zone, begin, end))

    def start_scenario(self, sc: Scenario, t0: float) -> None:
        """Schedule a scenario's changes, its minutes counted from `t0`."""
        for s in sc.surges:
            ids = [self.queues[p - 1].queue_id for p in s.queues if 0 < p <= len(self.queues)]
            ids = ids or [q.queue_id for q in self.queues]
            self._at(t0 + s.at_minutes * 60, self._set_surge, ids, s.factor)
            self._at(t0 + (s.at_minutes + s.duration_minutes) * 60, self._set_surge, ids, 1.0)
        for b in sc.breaks:
            start = t0 + b.at_minutes * 60
            self._at(start, self._break_wave, b.fraction, b.status, b.duration_minutes * 60)
        for e in sc.empty_queues:
            if 0 < e.queue <= len(self.queues):
                self._at(t0 + e.at_minutes * 60, self._close_queue, self.queues[e.queue - 1])

    # ------------------------------------------------------------ engine

    def _at(self, t: float, fn: Callable[..., None], *args: Any) -> None:
        self._agenda.at(t, fn, *args)

    def advance(self, until: float) -> list[Frame]:
        """Run every action due up to simulated time `until`; return the wire events."""
        for t, fn, args in self._agenda.due(until):
            self.now = max(self.now, t)
            fn(*args)
        self.now = max(self.now, until)
        out, self._out = self._out, []
        self.events_emitted += len(out)
        return out

    def run_action(self, at: float, fn: Callable[[], object]) -> list[Frame]:
        """Advance to `at`, then apply an outside action (REST call); return its events."""
        frames = self.advance(at)
        fn()
        out, self._out = self._out, []
        self.events_emitted += len(out)
        return frames + out

    def _offset(self, t: float) -> int:
        off = datetime.fromtimestamp(t, self.zone).utcoffset()
        return int(off.total_seconds() // 60) if off is not None else 0

    def _st(self) -> int:
        return int(self.now)

    def _new_id(self) -> str:
        self._call_no += 1
        stamp = datetime.fromtimestamp(self.now, self.zone).strftime("%Y%m%d%H%M%S")
        return f"{stamp}{self._call_no:06d}{self.rng.getrandbits(32):08x}"

    def _phone(self) -> str:
        return f"05{self.rng.choice('0234578')}{self.rng.randrange(10**7):07d}"

    # ------------------------------------------------------------ traffic

    def curve(self, t: float) -> float:
        """Traffic at simulated time `t` relative to the day's peak (staffing-shaped)."""
        if self.config.flat_curve:
            return 1.0
        local = datetime.fromtimestamp(t, self.zone)
        hour = local.hour + local.minute / 60.0
        return coverage(hour) / PEAK_COVERAGE

    def rate(self, q: SimQueue, t: float) -> float:
        """Arrivals per second into `q` at time `t`.

        The roster is built to the forecast (the shifts above), so traffic follows the
        roster as planned (`demand.Demand`: the daily curve at the target utilisation,
        the week's rhythm, noise, drift and the odd unusual day); who is actually in,
        breaks, lunch and scenarios then make the floor busier or quieter than planned.
        With a flat curve (daytime traffic at any hour) traffic follows the agents on
        shift now instead.
        """
        cfg = self.config
        surge = self.surge.get(q.queue_id, 1.0)
        if cfg.flat_curve:
            handle = cfg.mean_talk + cfg.mean_wrap + 8.0
            return cfg.utilisation * q.staffed / handle * surge
        return self.demand.rate(q.queue_id, t) * surge

    def _arrival(self, q: SimQueue, arrive: bool = True) -> None:
        rng = self.rng
        rate = self.rate(q, self.now)
        # Next arrival (rate re-read each time: a piecewise Poisson process). A gap longer
        # than a minute is only a look again in a minute (no arrival in it, at that rate, is
        # what such a gap means): a draw at night's tiny rate could land a day or more ahead
        # and leave the queue silent through the next day's peak (days of demo history
        # faded to a fifth in a week).
        gap = rng.expovariate(rate) if rate > 0 else _LOOK_AGAIN + 1
        if gap <= _LOOK_AGAIN:
            self._at(self.now + gap, self._arrival, q)
        else:
            self._at(self.now + _LOOK_AGAIN, self._arrival, q, False)
        if rate <= 0 or not arrive:
            return
        st = self._st()
        # Some callers are known to the CRM, so the vendor shows their name.
        known = rng.random() < 0.3
        call = SimCall(
            ivrid=self._new_id(),
            direction="Incoming",
            caller_phone=self._phone(),
            caller_name=(
                f"{rng.choice(self._first_names)} {rng.choice(self._last_names)}" if known else ""
            ),
            did=q.did,
            started=st - rng.randrange(3, 15),  # time in the IVR before the queue
            queue=q,
            joined=st,
        )
        q.waiting[call.ivrid] = call
        q.offered += 1
        self._queue_event(q, "JOIN", call.ivrid)
        patience = rng.lognormvariate(math.log(self.config.mean_patience) - 0.5, 1.0)
        self._at(self.now + patience, self._abandon, call)
        self._dispatch(q)

    def _dispatch(self, q: SimQueue) -> None:
        """Offer the oldest waiting calls of `q` that are not ringing to free agents."""
        if q.closed:
            return
        for call in list(q.waiting.values()):
            if call.ringing:
                continue
            free = [a for a in q.members if a.free(self.now)]
            if not free:
                return
            if q.ring_all:
                targets = free[:5]
            else:
                targets = [min(free, key=lambda a: (a.idle_since, a.extension))]
            self._ring(call, targets)

    def _agent_free_now(self, a: SimAgent) -> None:
        """An agent became free: offer them the longest-waiting call in their queues."""
        if not a.free(self.now):
            return
        best = self._longest_waiting(a)
        if best is None or best.queue is None:
            return
        if best.queue.ring_all:
            free = [m for m in best.queue.members if m.free(self.now) and m is not a]
            self._ring(best, [a, *free[:4]])
        else:
            self._ring(best, [a])

    @staticmethod
    def _longest_waiting(a: SimAgent) -> SimCall | None:
        """The earliest-joined call not yet ringing across the agent's open queues."""
        best: SimCall | None = None
        for q in a.skills:
            if q.closed:
                continue
            # Waiting lists are in join order: the first not ringing is the queue's oldest.
            call = next((c for c in q.waiting.values() if not c.ringing), None)
            if call is not None and (best is None or call.joined < best.joined):
                best = call
        return best

    def _ring(self, call: SimCall, agents: list[SimAgent]) -> None:
        rng = self.rng
        call.ringing = list(agents)
        call.ring_started = self._st()
        for a in agents:
            self._add_leg(a, call, "Ringing")
            self._ext_event(a, "NEWCALL", call)
        if len(agents) == 1 and rng.random() < self.config.miss_share:
            self._at(self.now + 15.0, self._ring_timeout, call, agents[0])
        else:
            self._at(self.now + rng.uniform(2.0, 9.0), self._answer, call, rng.choice(agents))

    def _ring_timeout(self, call: SimCall, a: SimAgent) -> None:
        if call.ended or call.agent is not None or a not in call.ringing:
            return
        call.ringing.remove(a)
        leg = self._drop_leg(a, call)
        a.missed += 1
        self._ext_event(a, "HANGUP", call, cause=NORMAL, leg=leg)
        # A missed ring usually means the agent stepped away: the phone system keeps
        # offering the call to others.
        a.idle_since = self.now
        if call.queue is not None:
            self._dispatch(call.queue)

    def _answer(self, call: SimCall, a: SimAgent) -> None:
        if call.ended or call.agent is not None or a not in call.ringing:
            return
        q = call.queue
        st = self._st()
        call.agent = a
        call.answered_at = st
        call.status = "Talking"
        others = [o for o in call.ringing if o is not a]
        call.ringing = []
        if q is not None:
            del q.waiting[call.ivrid]
            q.answered += 1
            self._queue_event(q, "EXIT", call.ivrid)
        a.leg_status[call.ivrid] = "Talking"
        a.last_answered = st
        a.answered += 1
        self._ext_event(a, "ANSWER", call)
        for o in others:
            leg = self._drop_leg(o, call)
            self._ext_event(o, "HANGUP", call, cause=ANSWERED_ELSEWHERE, leg=leg)
            self._agent_free_now(o)
        self._talk(call)

    def _talk(self, call: SimCall) -> None:
        rng, cfg = self.rng, self.config
        talk = max(8.0, rng.lognormvariate(math.log(cfg.mean_talk) - 0.32, 0.8))
        if rng.random() < cfg.hold_share:
            hold_at = self.now + talk * rng.uniform(0.2, 0.6)
            hold_for = rng.uniform(10, 90)
            self._at(hold_at, self._hold, call, True)
            self._at(hold_at + hold_for, self._hold, call, False)
            talk += hold_for
        self._at(self.now + talk, self._hangup, call)

    def _hold(self, call: SimCall, on: bool) -> None:
        a = call.agent
        if call.ended or a is None:
            return
        call.status = "Hold" if on else "Talking"
        a.leg_status[call.ivrid] = call.status
        self._ext_event(a, "HOLD" if on else "UNHOLD", call)

    def _hangup(self, call: SimCall) -> None:
        a = call.agent
        if call.ended or a is None:
            return
        call.ended = True
        st = self._st()
        leg = self._drop_leg(a, call)
        a.last_hangup = st
        self._ext_event(a, "HANGUP", call, cause=NORMAL, leg=leg)
        self._cdr(call, a, "ANSWER")
        a.wrap_until = self.now + self.rng.expovariate(1.0 / self.config.mean_wrap)
        a.idle_since = a.wrap_until
        self._at(a.wrap_until, self._after_wrap, a)

    def _after_wrap(self, a: SimAgent) -> None:
        if a.calls or a.wrap_until > self.now:
            return
        if a.pending_status is not None:
            code, a.pending_status = a.pending_status, None
            self._set_status(a, code)
            return
        self._agent_free_now(a)

    def _abandon(self, call: SimCall) -> None:
        q = call.queue
        if call.ended or call.agent is not None or q is None:
            return
        call.ended = True
        del q.waiting[call.ivrid]
        q.abandoned += 1
        ringing, call.ringing = call.ringing, []
        self._queue_event(q, "ABANDONED", call.ivrid)
        for a in ringing:
            leg = self._drop_leg(a, call)
            a.missed += 1
            self._ext_event(a, "HANGUP", call, cause=NORMAL, leg=leg)
            self._agent_free_now(a)
        self._cdr(call, None, "ABANDONE")

    # ------------------------------------------------------------ agent-initiated calls

    def _agent_dials(self, a: SimAgent) -> None:
        rng, cfg = self.rng, self.config
        self._at(self.now + rng.expovariate(cfg.outgoing_per_hour / 3600.0), self._agent_dials, a)
        if not a.free(self.now) or a.idle_since > self.now - 30:
            return
        if rng.random() < cfg.click2call_share:
            self.click2call(a, self._phone())
        else:
            self._outgoing(a, self._phone())

    def _outgoing(self, a: SimAgent, target: str) -> None:
        call = SimCall(
            ivrid=self._new_id(),
            direction="Outgoing",
            caller_phone=target,
            caller_name=target,
            did="",
            started=self._st(),
            status="Dialing",
            target=target,
            agent=a,
        )
        a.outgoing += 1
        self._add_leg(a, call, "Dialing")
        self._ext_event(a, "NEWCALL", call)
        if self.rng.random() < 0.7:
            self._at(self.now + self.rng.uniform(4, 20), self._remote_answers, call)
        else:
            self._at(self.now + self.rng.uniform(15, 40), self._no_answer, call, "NOANSWER")

    def _remote_answers(self, call: SimCall) -> None:
        a = call.agent
        if call.ended or a is None:
            return
        call.answered_at = self._st()
        call.status = "Talking"
        a.leg_status[call.ivrid] = "Talking"
        a.last_answered = call.answered_at
        self._ext_event(a, "ANSWER", call)
        self._talk(call)

    def _no_answer(self, call: SimCall, status: str) -> None:
        a = call.agent
        if call.ended or a is None:
            return
        call.ended = True
        leg = self._drop_leg(a, call)
        a.last_hangup = self._st()
        cause = REJECTED if status == "NOTCALLED" else NORMAL
        self._ext_event(a, "HANGUP", call, cause=cause, leg=leg)
        self._cdr(call, a, status)
        a.idle_since = self.now
        self._agent_free_now(a)

    def click2call(self, a: SimAgent, target: str) -> SimCall:
        """Click2Call: leg 1 rings the agent's extension, then leg 2 dials the target."""
        call = SimCall(
            ivrid=self._new_id(),
            direction="Click2Call",
            caller_phone=target,
            caller_name=target,
            did="",
            started=self._st(),
            status="Dialing",
            c2c=1,
            target=target,
            agent=a,
        )
        a.outgoing += 1
        self._add_leg(a, call, "Dialing")
        self._ext_event(a, "NEWCALL", call)
        if a.status == LOGIN and len(a.calls) == 1 and self.rng.random() < 0.92:
            self._at(self.now + self.rng.uniform(1.5, 5), self._c2c_leg1_answered, call)
        else:
            self._at(self.now + self.rng.uniform(15, 30), self._no_answer, call, "NOTCALLED")
        return call

    def _c2c_leg1_answered(self, call: SimCall) -> None:
        a = call.agent
        if call.ended or a is None:
            return
        call.answered_at = call.leg1_answered_at = self._st()
        call.status = "Talking"
        a.leg_status[call.ivrid] = "Talking"
        self._ext_event(a, "ANSWER", call)
        self._at(self.now + 1.0, self._c2c_leg2, call)

    def _c2c_leg2(self, call: SimCall) -> None:
        a = call.agent
        if call.ended or a is None:
            return
        call.c2c = 2
        call.answered_at = 0
        self._ext_event(a, "NEWCALL", call)
        if self.rng.random() < 0.75:
            self._at(self.now + self.rng.uniform(4, 15), self._remote_answers, call)
        else:
            self._at(self.now + self.rng.uniform(20, 40), self._no_answer, call, "NOANSWER")

    # ------------------------------------------------------------ statuses and scenarios

    def _shift(self, a: SimAgent, start: bool) -> None:
        """The start or end of an agent's shift: log in or out."""
        mark_on_shift(a, start)
        self._set_status(a, LOGIN if start else LOGOUT)

    def _set_status(self, a: SimAgent, code: int) -> None:
        """A planned status change (shift, break, lunch)."""
        if planned_status(a, code, self.now):
            self._status_changed(a, code)

    def set_status(self, a: SimAgent, code: int) -> None:
        """Login/Logout API: change an agent's status now (a call in progress continues)."""
        if forced_status(a, code, self.now):
            self._status_changed(a, code)

    def _status_changed(self, a: SimAgent, code: int) -> None:
        """Tell the socket; an agent back at work takes the next waiting call."""
        self._status_event(a)
        if code == LOGIN:
            self._agent_free_now(a)

    def terminate(self, a: SimAgent) -> None:
        """Click2Call `terminate`: end every call on the agent's extension now."""
        for call in list(a.calls.values()):
            if call.agent is a and call.answered_at:
                self._hangup(call)
            elif call.agent is a:
                self._no_answer(call, "CANCEL")
            elif a in call.ringing:
                call.ringing.remove(a)
                leg = self._drop_leg(a, call)
                a.missed += 1
                self._ext_event(a, "HANGUP", call, cause=REJECTED, leg=leg)
                if call.ringing:  # a ring-all group: someone else picks up
                    self._at(self.now + 2.0, self._answer, call, call.ringing[0])
                elif call.queue is not None:
                    self._dispatch(call.queue)

    def _set_surge(self, queue_ids: list[int], factor: float) -> None:
        for qid in queue_ids:
            if factor == 1.0:
                self.surge.pop(qid, None)
            else:
                self.surge[qid] = factor

    def _break_wave(self, fraction: float, code: int, duration: float) -> None:
        inside = [a for a in self.agents if a.status == LOGIN]
        chosen = self.rng.sample(inside, int(len(inside) * fraction))
        for a in chosen:
            self._set_status(a, code)
            self._at(self.now + duration + self.rng.uniform(-120, 180), self._set_status, a, 1)

    def _close_queue(self, q: SimQueue) -> None:
        q.closed = True

    # ------------------------------------------------------------ legs and wire events

    def _add_leg(self, a: SimAgent, call: SimCall, status: str) -> None:
        a.calls[call.ivrid] = call
        a.leg_status[call.ivrid] = status
        a.last_call_event = self._st()

    def _drop_leg(self, a: SimAgent, call: SimCall) -> str:
        """Take a call off an extension; returns the status it had there."""
        a.calls.pop(call.ivrid, None)
        a.last_call_event = self._st()
        return a.leg_status.pop(call.ivrid, call.status)

    def wire_call(self, call: SimCall, leg_status: str) -> Json:
        """One call as it appears in `calls[]` / `currentCall` on an extension."""
        return wire_call(call, leg_status)

    def wire_extension(self, a: SimAgent) -> Json:
        """An extension's full record, as in AllExtensionsStatus and ExtensionEvent."""
        return wire_extension(a)

    def wire_queue(self, q: SimQueue) -> Json:
        """A queue with its full current waiting list."""
        return wire_queue(q)

    def _queue_event(self, q: SimQueue, reason: str, ivrid: str) -> None:
        if self.quiet:
            return
        self._out.append(queue_event(q, reason, ivrid, self._st(), self.offset_minutes))

    def _ext_event(
        self, a: SimAgent, reason: str, call: SimCall, cause: str = "", leg: str | None = None
    ) -> None:
        if self.quiet:
            return
        frame = ext_event(a, reason, call, self._st(), self.offset_minutes, cause, leg)
        self._out.append(frame)

    def _status_event(self, a: SimAgent) -> None:
        if self.quiet:
            return
        self._out.append(status_event(a, self._st(), self.offset_minutes))

    # ------------------------------------------------------------ snapshots

    def login_success(self) -> Json:
        """The `loginSuccess` payload."""
        return login_success(self._st(), self.offset_minutes)

    def login_status(self, queues: Iterable[SimQueue] | None = None) -> Json:
        """The `loginStatus` payload: queues with their waiting calls."""
        return login_status(self._st(), self.queues if queues is None else queues)

    def all_extensions(self, agents: Iterable[SimAgent] | None = None) -> Json:
        """The `AllExtensionsStatus` payload: every extension's record."""
        return all_extensions(self._st(), self.agents if agents is None else agents)

    # ------------------------------------------------------------ CDRs

    def _cdr(self, call: SimCall, a: SimAgent | None, status: str) -> None:
        """Record an ended call: into the poster's outbox and the Call Log."""
        index = self.queues.index(call.queue) if call.queue is not None else 0
        for body in build_cdrs(call, a, status, self._st(), index, self.rng, self.config.ai_share):
            self.cdrs.append(body)
            # The Call Log has no AI data (the vendor's has none either).
            self.history.append({k: v for k, v in body.items() if k != "aiData"})

    def take_cdrs(self) -> list[Json]:
        """Hand the CDRs of ended calls to the poster."""
        out, self.cdrs = self.cdrs, []
        return out

    # ------------------------------------------------------------ truth

    def truth(self) -> Json:
        """The model's own view of the floor, for the agreement test and `GET /sim/truth`."""
        return {
            "servertime": self._st(),
            "agents": {
                str(a.extension): {
                    "status": a.status,
                    "calls": {i: a.leg_status[i] for i in a.calls},
                    "answered": a.answered,
                    "missed": a.missed,
                    "outgoing": a.outgoing,
                }
                for a in self.agents
            },
            "queues": {
                str(q.queue_id): {
                    "name": q.name,
                    "waiting": list(q.waiting),
                    "offered": q.offered,
                    "answered": q.answered,
                    "abandoned": q.abandoned,
                }
                for q in self.queues
            },
            "events_emitted": self.events_emitted,
        }
