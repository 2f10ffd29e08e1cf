"""The call-centre model: pure and deterministic given a seed and simulated time.

A discrete-event simulation of a floor: queues whose arrivals follow a daily curve, agents
with skills, ring-all groups, talk, holds and wrap-up from skewed distributions, callers who
give up, outgoing and click-to-call calls, breaks and shifts. `advance(t)` runs every
scheduled action up to simulated time `t` and returns the wire events the vendor would
send, shaped exactly like `tests/fixtures/realtime/` (both ExtensionEvent shapes). No
clock reads and no I/O: the server owns the clock and the sockets.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from wallboard.sim.scenario import Scenario

__all__ = [
    "BREAK_CODES",
    "CallCentre",
    "Frame",
    "ModelConfig",
    "SimAgent",
    "SimCall",
    "SimQueue",
]

Json = dict[str, Any]

LOGIN, LOGOUT, LUNCH = 1, 2, 3
# The vendor's break codes (PROTOCOL.md §4), lunch aside.
BREAK_CODES = (5, 7, 9, 11, 12, 13)

ANSWERED_ELSEWHERE = "Answered elsewhere"
NORMAL = "Normal hangup"
REJECTED = "Call Rejected"

# Shifts as (local start hour, hours, share of agents): the floor is staffed to the
# forecast, so the staffing is the daily curve — a ramp from 07:00, the busiest hours
# from late morning to mid-afternoon, a long evening tail and a skeleton night shift.
SHIFTS = (
    (7.0, 8.0, 0.30),
    (8.0, 8.0, 0.25),
    (10.0, 8.0, 0.20),
    (13.0, 8.0, 0.12),
    (16.0, 7.0, 0.08),
    (23.0, 8.0, 0.05),
)


def _coverage(hour: float) -> float:
    """Share of agents whose shift covers this local hour of the day."""
    total = 0.0
    for start, length, share in SHIFTS:
        if (hour - start) % 24.0 < length:
            total += share
    return total


_PEAK_COVERAGE = max(_coverage(h / 4.0) for h in range(96))

_FIRST = (
    "Noa", "Tamar", "Yael", "Maya", "Shira", "Michal", "Dana", "Lior", "Adi", "Roni",
    "Avi", "Yossi", "David", "Moshe", "Eitan", "Omer", "Itai", "Amit", "Yonatan", "Daniel",
    "Rana", "Lina", "Samir", "Nadia", "Olga", "Igor", "Sara", "Rivka", "Ariel", "Gal",
)  # fmt: skip
_LAST = (
    "Cohen", "Levi", "Mizrahi", "Peretz", "Biton", "Dahan", "Avraham", "Friedman", "Azulay",
    "Katz", "Yosef", "Amar", "Ohana", "Shapira", "Golan", "Ben-David", "Haddad", "Khoury",
    "Nasser", "Ivanov", "Segal", "Weiss", "Klein", "Barak", "Tal",
)  # fmt: skip
# The same people in Hebrew script, as an Israeli account usually names its users.
_FIRST_HE = (
    "נועה", "תמר", "יעל", "מאיה", "שירה", "מיכל", "דנה", "ליאור", "עדי", "רוני",
    "אבי", "יוסי", "דוד", "משה", "איתן", "עומר", "איתי", "עמית", "יונתן", "דניאל",
    "ראנה", "לינה", "סמיר", "נדיה", "אולגה", "איגור", "שרה", "רבקה", "אריאל", "גל",
)  # fmt: skip
_LAST_HE = (
    "כהן", "לוי", "מזרחי", "פרץ", "ביטון", "דהן", "אברהם", "פרידמן", "אזולאי",
    "כץ", "יוסף", "עמר", "אוחנה", "שפירא", "גולן", "בן דוד", "חדאד", "ח'ורי",
    "נאסר", "איבנוב", "סגל", "וייס", "קליין", "ברק", "טל",
)  # fmt: skip
_QUEUE_NAMES_HE = (
    "מכירות", "תמיכה", "גבייה", "VIP", "תמיכה טכנית", "שימור", "הזמנות", "החזרות",
    "עסקים", "קו עברית", "קו ערבית", "קו רוסית",
)  # fmt: skip
_QUEUE_NAMES = (
    "Sales", "Support", "Billing", "VIP", "Technical", "Retention", "Orders", "Returns",
    "Business", "Hebrew Line", "Arabic Line", "Russian Line",
)  # fmt: skip
_SUMMARIES = (
    ("billing issue", "The caller asked about an unexpected charge; the agent explained it."),
    ("technical issue", "The caller's line dropped calls; the agent reset the device remotely."),
    ("sales", "The caller asked for a new number; the agent opened the order."),
    ("general support", "The caller asked about opening hours and got them."),
)


@dataclass(frozen=True, slots=True)
class ModelConfig:
    """Size and character of the simulated floor."""

    agents: int = 40
    queues: int = 5
    seed: int = 1
    start: float = 1_700_000_000.0  # simulated epoch seconds at t=0
    timezone: str = "Asia/Jerusalem"
    utilisation: float = 0.7  # target share of the staff's time on calls
    mean_talk: float = 180.0
    mean_wrap: float = 20.0
    mean_patience: float = 150.0
    ring_all_every: int = 4  # every Nth queue rings all its free agents at once
    logged_in_share: float = 0.85
    outgoing_per_hour: float = 1.5  # per available agent
    click2call_share: float = 0.25  # of agent-initiated calls
    hold_share: float = 0.15
    miss_share: float = 0.04  # rings on one agent and is not picked up
    ai_share: float = 0.3  # answered calls whose CDR carries aiData
    flat_curve: bool = False  # ignore the daily curve (constant peak-level traffic)
    language: str = "en"  # "he": agents and queues named in Hebrew
    scenario: Scenario = field(default_factory=Scenario)


@dataclass(slots=True)
class Frame:
    """One wire event and who may see it (an extension, a queue, or everyone)."""

    name: str
    payload: Json
    extension: int | None = None
    queue: int | None = None


@dataclass(slots=True)
class SimQueue:
    """One queue: its members, its waiting calls and today's counts."""

    queue_id: int
    name: str
    did: str
    ring_all: bool
    members: list[SimAgent] = field(default_factory=list)
    weight: float = 0.0
    staffed: float = 0.0  # like weight, counting only the agents on shift now
    waiting: dict[str, SimCall] = field(default_factory=dict)
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    closed: bool = False  # nobody takes its calls (scenario)


@dataclass(slots=True)
class SimCall:
    """One call through the floor (both click-to-call legs are one call)."""

    ivrid: str
    direction: str  # Incoming / Outgoing / Click2Call
    caller_phone: str
    caller_name: str
    did: str
    started: int
    queue: SimQueue | None = None
    joined: int = 0
    answered_at: int = 0
    status: str = "Ringing"
    c2c: int | None = None
    agent: SimAgent | None = None
    ringing: list[SimAgent] = field(default_factory=list)
    ended: bool = False
    target: str = ""
    ring_started: int = 0
    hold_seconds: int = 0
    leg1_answered_at: int = 0
    customdata: Json = field(default_factory=dict)


@dataclass(slots=True)
class SimAgent:
    """One extension, the person on it, their calls, status and shift."""

    extension: int
    sip: str
    user_id: int
    name: str
    email: str
    department_id: int
    department: str
    speed_dial: str
    skills: list[SimQueue] = field(default_factory=list)
    status: int = LOGOUT
    status_updated_ms: int = 0
    calls: dict[str, SimCall] = field(default_factory=dict)
    # The agent's own view of each call: status on this extension.
    leg_status: dict[str, str] = field(default_factory=dict)
    last_call_event: int = 0
    last_answered: int = 0
    last_hangup: int = 0
    wrap_until: float = 0.0
    idle_since: float = 0.0
    pending_status: int | None = None
    on_shift: bool = False
    shift: tuple[float, float] = (8.0, 8.0)  # local start hour, hours
    answered: int = 0
    missed: int = 0
    outgoing: int = 0

    def free(self, now: float) -> bool:
        """Logged in, available, not on a call and not wrapping up."""
        return self.status == LOGIN and not self.calls and self.wrap_until <= now


class CallCentre:
    """The simulated floor; `advance(t)` moves it to simulated time `t`."""

    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.now: float = config.start
        self.zone = ZoneInfo(config.timezone)
        self.offset_minutes = self._offset(config.start)
        self._heap: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
        self._seq = 0
        self._out: list[Frame] = []
        self._call_no = 0
        self.cdrs: list[Json] = []  # outbox: CDRs not yet taken by the poster
        self.history: deque[Json] = deque(maxlen=200_000)  # the Call Log
        self.events_emitted = 0
        self.queues: list[SimQueue] = []
        self.agents: list[SimAgent] = []
        self.by_ext: dict[int, SimAgent] = {}
        self.by_sip: dict[str, SimAgent] = {}
        self.by_queue: dict[int, SimQueue] = {}
        self.surge: dict[int, float] = {}  # queue id -> current factor
        self._first_names: tuple[str, ...] = _FIRST
        self._last_names: tuple[str, ...] = _LAST
        self._build()

    # ------------------------------------------------------------ set-up

    def _build(self) -> None:
        cfg, rng = self.config, self.rng
        hebrew = cfg.language == "he"
        queue_names = _QUEUE_NAMES_HE if hebrew else _QUEUE_NAMES
        first_names = self._first_names = _FIRST_HE if hebrew else _FIRST
        last_names = self._last_names = _LAST_HE if hebrew else _LAST
        for i in range(cfg.queues):
            base = queue_names[i % len(queue_names)]
            name = base if i < len(queue_names) else f"{base} {i // len(queue_names) + 1}"
            q = SimQueue(
                queue_id=12_345_600 + i,
                name=name,
                did=f"07227{76_000 + i:05d}",
                ring_all=cfg.ring_all_every > 0
                and i % cfg.ring_all_every == cfg.ring_all_every - 1,
            )
            self.queues.append(q)
            self.by_queue[q.queue_id] = q
        for i in range(cfg.agents):
            pick_first, pick_last = rng.randrange(len(_FIRST)), rng.randrange(len(_LAST))
            first, last = first_names[pick_first], last_names[pick_last]
            # E-mail addresses stay Latin whatever the display language.
            mail = f"{_FIRST[pick_first].lower()}.{_LAST[pick_last].lower()}.{i}@sim.example"
            primary = self.queues[i % len(self.queues)] if self.queues else None
            a = SimAgent(
                extension=9_000_000 + i,
                sip="".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(6)) + str(i),
                user_id=7_000_000 + i,
                name=f"{first} {last}",
                email=mail.replace("'", ""),
                department_id=5_000_000 + (primary.queue_id % 1000 if primary else 0),
                department=(
                    (f"מחלקת {primary.name}" if hebrew else f"{primary.name} Department")
                    if primary
                    else "Floor"
                ),
                speed_dial=str(100 + i),
            )
            if primary is not None:
                skills = [primary]
                for _ in range(rng.choice((0, 0, 1, 1, 2))):
                    other = rng.choice(self.queues)
                    if other not in skills:
                        skills.append(other)
                a.skills = skills
                for q in skills:
                    q.members.append(a)
                    q.weight += 1.0 / len(skills)
            self.agents.append(a)
            self.by_ext[a.extension] = a
            self.by_sip[a.sip.lower()] = a
        self._plan_shifts()
        for q in self.queues:
            self._at(self.now + rng.expovariate(1.0) * 5, self._arrival, q)
        self._plan_scenario()

    def _plan_shifts(self) -> None:
        """Who works which shift, who is in at the start, and everyone's first shift."""
        cfg, rng, t0 = self.config, self.rng, self.config.start
        shares = [share for _, _, share in SHIFTS]
        for a in self.agents:
            start_hour, hours, _ = rng.choices(SHIFTS, weights=shares)[0]
            a.shift = (start_hour, hours)
            if cfg.flat_curve:
                # Rolling shifts: about the same number of people in at any hour.
                length = rng.uniform(6 * 3600, 9 * 3600)
                if rng.random() < cfg.logged_in_share:
                    begin = t0 - rng.uniform(0, length - 3600)
                else:
                    begin = t0 + rng.uniform(60, 45 * 60)
                self._plan_shift(a, begin, begin + length)
            else:
                local = datetime.fromtimestamp(t0, self.zone)
                day0 = local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
                # Yesterday's night shift may still be on; otherwise the next one to come.
                for day in (-1, 0, 1):
                    begin = day0 + day * 86400 + start_hour * 3600 + rng.uniform(-600, 600)
                    end = begin + hours * 3600 + rng.uniform(-600, 900)
                    if end > t0:
                        break
                if begin <= t0 and rng.random() >= cfg.logged_in_share:
                    begin += 86400  # off today (sick, holiday): back tomorrow
                    end += 86400
                self._plan_shift(a, begin, end)
            self._at(t0 + rng.expovariate(cfg.outgoing_per_hour / 3600.0), self._agent_dials, a)

    def _plan_shift(self, a: SimAgent, begin: float, end: float) -> None:
        """One shift: log in, a short break, lunch, another break, log out (then the next)."""
        rng, now = self.rng, self.now
        if begin <= now:
            a.status = LOGIN
            self._on_shift(a, True)
            a.status_updated_ms = int(begin * 1000)
            a.idle_since = now - rng.uniform(0, 120)
        else:
            if a.status_updated_ms == 0:
                a.status_updated_ms = int((begin - rng.uniform(8, 16) * 3600) * 1000)
            self._at(begin, self._shift, a, True)
        length = end - begin
        for at, back, code in (
            (rng.uniform(0.2, 0.3), rng.uniform(5, 15), rng.choice(BREAK_CODES)),
            (rng.uniform(0.45, 0.55), rng.uniform(20, 40), LUNCH),
            (rng.uniform(0.7, 0.8), rng.uniform(5, 15), rng.choice(BREAK_CODES)),
        ):
            when = begin + at * length
            if when > now:
                self._at(when, self._set_status, a, code)
                self._at(when + back * 60, self._set_status, a, LOGIN)
        self._at(end, self._shift_end, a, begin, end)

    def _shift_end(self, a: SimAgent, begin: float, end: float) -> None:
        """Log out at the end of a shift and plan the next one."""
        rng = self.rng
        self._shift(a, False)
        if self.config.flat_curve:
            nxt = end + rng.uniform(15 * 60, 60 * 60)
            self._plan_shift(a, nxt, nxt + rng.uniform(6 * 3600, 9 * 3600))
            return
        nxt = begin + 86400 + rng.uniform(-600, 600)
        nxt_end = nxt + a.shift[1] * 3600 + rng.uniform(-600, 900)
        if rng.random() >= self.config.logged_in_share:
            nxt, nxt_end = nxt + 86400, nxt_end + 86400  # a day off
        self._plan_shift(a, nxt, nxt_end)

    def _plan_scenario(self) -> None:
        self.start_scenario(self.config.scenario, self.config.start)

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
        self._seq += 1
        heapq.heappush(self._heap, (t, self._seq, fn, args))

    def advance(self, until: float) -> list[Frame]:
        """Run every action due up to simulated time `until`; return the wire events."""
        heap = self._heap
        while heap and heap[0][0] <= until:
            t, _, fn, args = heapq.heappop(heap)
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
        return _coverage(hour) / _PEAK_COVERAGE

    def rate(self, q: SimQueue, t: float) -> float:
        """Arrivals per second into `q` at time `t`.

        The roster is built to the forecast (the shifts above), so traffic follows the
        agents on shift: the daily curve, at the target utilisation. Breaks, lunch and
        scenarios then make the real floor busier or quieter than planned.
        """
        cfg = self.config
        handle = cfg.mean_talk + cfg.mean_wrap + 8.0
        return cfg.utilisation * q.staffed / handle * self.surge.get(q.queue_id, 1.0)

    def _arrival(self, q: SimQueue) -> None:
        rng = self.rng
        rate = self.rate(q, self.now)
        # Next arrival (rate re-read each time: a piecewise Poisson process).
        self._at(self.now + (rng.expovariate(rate) if rate > 0 else 60.0), self._arrival, q)
        if rate <= 0:
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
        best: SimCall | None = None
        for q in a.skills:
            if q.closed:
                continue
            for call in q.waiting.values():
                if not call.ringing:
                    if best is None or call.joined < best.joined:
                        best = call
                    break
        if best is None or best.queue is None:
            return
        if best.queue.ring_all:
            free = [m for m in best.queue.members if m.free(self.now) and m is not a]
            self._ring(best, [a, *free[:4]])
        else:
            self._ring(best, [a])

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

    def _on_shift(self, a: SimAgent, value: bool) -> None:
        """Mark an agent on or off shift; queues size their traffic to who is on shift."""
        if a.on_shift == value:
            return
        a.on_shift = value
        for q in a.skills:
            q.staffed += (1.0 if value else -1.0) / len(a.skills)

    def _shift(self, a: SimAgent, start: bool) -> None:
        """The start or end of an agent's shift: log in or out."""
        self._on_shift(a, start)
        self._set_status(a, LOGIN if start else LOGOUT)

    def _set_status(self, a: SimAgent, code: int) -> None:
        if not a.on_shift and code != LOGOUT:
            return  # plans of someone not working (yet, or any more)
        if a.calls or a.wrap_until > self.now:
            a.pending_status = code  # breaks wait for the call (and wrap-up) to end
            return
        if code == a.status:
            return
        a.status = code
        a.status_updated_ms = int(self.now * 1000)
        a.idle_since = self.now
        self._status_event(a)
        if code == LOGIN:
            self._agent_free_now(a)

    def set_status(self, a: SimAgent, code: int) -> None:
        """Login/Logout API: change an agent's status now (a call in progress continues)."""
        a.pending_status = None
        self._on_shift(a, code != LOGOUT)
        if code == a.status:
            return
        a.status = code
        a.status_updated_ms = int(self.now * 1000)
        a.idle_since = self.now
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
        answered = call.answered_at if leg_status in ("Talking", "Hold") else 0
        if call.c2c == 2 and not call.answered_at:
            answered = 0
        rec_target = call.target or call.did
        out: Json = {
            "callStarted": call.started,
            "calldurationinterval": call.started,
            "callAnswered": answered,
            "answered": 1 if answered else 0,
            "callername": call.caller_name,
            "callerphone": call.caller_phone,
            "callstatus": leg_status,
            "customdata": call.customdata,
            "direction": call.direction,
            "ivrid": call.ivrid,
            "recording": {"Filename": f"{call.ivrid}-sim-{rec_target}.mp3", "IsMuted": 0},
            "did": call.did,
        }
        if call.queue is not None:
            out["queueID"] = call.queue.queue_id
        if call.c2c is not None:
            out["c2cdirection"] = str(call.c2c)
        return out

    def wire_extension(self, a: SimAgent) -> Json:
        """An extension's full record, as in AllExtensionsStatus and ExtensionEvent."""
        logged = a.status != LOGOUT
        return {
            "calls": [self.wire_call(c, a.leg_status[i]) for i, c in a.calls.items()],
            "userID": a.user_id,
            "userName": a.name,
            "number": a.extension,
            "extenUser": a.sip,
            "summery": {"representative": a.name},
            "onlineUserID": a.user_id if logged else 0,
            "representative": a.user_id if logged else 0,
            "representativeStatus": a.status,
            "lastCallEventEpoch": a.last_call_event,
            "lastAnsweredCallEventEpoch": a.last_answered,
            "lastHangupCallEpoch": a.last_hangup,
            "representativeUpdated": a.status_updated_ms,
            "peerStatus": "OK",
        }

    def wire_queue(self, q: SimQueue) -> Json:
        """A queue with its full current waiting list."""
        return {
            "QueueID": q.queue_id,
            "QueueName": q.name,
            "Calls": [
                {
                    "CallerID": c.caller_phone,
                    "CallerName": c.caller_name,
                    "IvrUniqueID": c.ivrid,
                    "JoinTimeStamp": c.joined,
                    "calldurationinterval": c.joined,
                    "ivrid": c.ivrid,
                }
                for c in q.waiting.values()
            ],
        }

    def _queue_event(self, q: SimQueue, reason: str, ivrid: str) -> None:
        st = self._st()
        payload = {
            "data": self.wire_queue(q),
            "eventName": "queue",
            "reason": reason,
            "servertime": st,
            "servertimeoffset": self.offset_minutes,
            "telephonyservertime": st,
            "ivruniqueid": ivrid,
        }
        self._out.append(Frame("QueueEvent", payload, queue=q.queue_id))

    def _ext_event(
        self, a: SimAgent, reason: str, call: SimCall, cause: str = "", leg: str | None = None
    ) -> None:
        data: Json = {
            "eventName": "extension",
            "reason": reason,
            "servertime": self._st(),
            "servertimeoffset": self.offset_minutes,
        }
        if reason == "HANGUP":
            data["cause"] = cause
            data["callerID"] = call.caller_phone
            data["ivruniqueid"] = call.ivrid
        data.update(self.wire_extension(a))
        if leg is None:
            leg = a.leg_status.get(call.ivrid, call.status)
        data["currentCall"] = self.wire_call(call, leg)
        self._out.append(Frame("ExtensionEvent", {"data": data}, extension=a.extension))

    def _status_event(self, a: SimAgent) -> None:
        payload = {
            "eventName": "extension",
            "reason": "userStatusUpdate",
            "servertime": self._st(),
            "servertimeoffset": self.offset_minutes,
            "data": self.wire_extension(a),
        }
        self._out.append(Frame("ExtensionEvent", payload, extension=a.extension))

    # ------------------------------------------------------------ snapshots

    def login_success(self) -> Json:
        """The `loginSuccess` payload."""
        return {
            "errorCode": 0,
            "errorDesc": "OK",
            "servertime": self._st(),
            "servertimeoffset": self.offset_minutes,
        }

    def login_status(self, queues: Iterable[SimQueue] | None = None) -> Json:
        """The `loginStatus` payload: queues with their waiting calls."""
        qs = self.queues if queues is None else queues
        return {
            "servertime": self._st(),
            "queues": [self.wire_queue(q) for q in qs],
            "errorCode": 0,
        }

    def all_extensions(self, agents: Iterable[SimAgent] | None = None) -> Json:
        """The `AllExtensionsStatus` payload: every extension's record."""
        ags = self.agents if agents is None else agents
        return {
            "servertime": self._st(),
            "extensions": [self.wire_extension(a) for a in ags],
            "errorCode": 0,
        }

    # ------------------------------------------------------------ CDRs

    def _cdr(self, call: SimCall, a: SimAgent | None, status: str) -> None:
        st = self._st()
        q = call.queue
        answered = call.answered_at if status == "ANSWER" else 0
        duration = max(0, st - answered) if answered else 0
        if call.direction == "Incoming":
            kind = "Queue" if q is not None else "Incoming Call"
            caller, target = call.caller_phone, a.sip if a is not None else ""
        elif call.direction == "Click2Call":
            kind = "Click2Call leg2"
            caller, target = q.did if q is not None else "0722776772", call.target
        else:
            kind = "Extension Outgoing"
            caller, target = "0722776772", call.target
        ring_from = call.ring_started or call.started
        body: Json = {
            "caller": caller,
            "target": target,
            "time": call.started,
            "duration": duration,
            "ivruniqueid": call.ivrid,
            "type": kind,
            "status": status,
            "targetextension": a.sip if a is not None and call.direction == "Incoming" else "",
            "callerextension": a.sip if a is not None and call.direction != "Incoming" else "",
            "did": call.did,
            **({"caller_number": call.did} if call.direction == "Incoming" else {}),
            "queueid": q.queue_id if q is not None else 0,
            "queuename": q.name if q is not None else "",
            "record": (
                f"https://recordings.sim.example/CallsHistory/PlayRecord/{call.ivrid}.mp3"
                if answered
                else ""
            ),
            "price": 0 if call.direction == "Incoming" else max(1, duration // 30),
            "dialtime": max(0, (answered or st) - ring_from),
            "representative_name": a.name if a is not None else "",
            "representative_code": str(a.user_id) if a is not None else "",
            "targetextension_name": a.name
            if a is not None and call.direction == "Incoming"
            else "",
            "callerextension_name": a.name
            if a is not None and call.direction != "Incoming"
            else "",
            "target_country": "Israel" if call.direction != "Incoming" else "",
            "caller_country": "Israel" if call.direction == "Incoming" else "",
        }
        if q is not None:
            body["seconds_waiting_in_queue"] = max(0, (answered or st) - call.joined)
            body["IVR"] = [
                {
                    "layer_id": 1234,
                    "layer_name": "Main IVR",
                    "layer_number": 0,
                    "Dtmf": 1 + self.queues.index(q) % 9,
                    "dtmf_order": 1,
                }
            ]
        if a is not None:
            body["DepartmentID"] = a.department_id
            body["DepartmentName"] = a.department
            body["TopDepartmentID"] = 5_000_000
            body["TopDepartmentName"] = "Simulated Account"
        if call.direction == "Click2Call":
            body["leg1DialStatusName"] = "ANSWER" if call.leg1_answered_at else status
            leg1 = dict(body)
            leg1.update(
                type="Click2Call leg1",
                status=body["leg1DialStatusName"],
                target=a.sip if a is not None else "",
                duration=max(0, st - call.leg1_answered_at) if call.leg1_answered_at else 0,
                record="",
            )
            if status == "NOTCALLED":
                body["status"] = "NOTCALLED"
            self._emit_cdr(leg1)
        if answered and a is not None and self.rng.random() < self.config.ai_share:
            body["aiData"] = self._ai_data(a)
        self._emit_cdr(body)

    def _emit_cdr(self, body: Json) -> None:
        self.cdrs.append(body)
        self.history.append(body)

    def take_cdrs(self) -> list[Json]:
        """Hand the CDRs of ended calls to the poster."""
        out, self.cdrs = self.cdrs, []
        return out

    def _ai_data(self, a: SimAgent) -> Json:
        category, summary = self.rng.choice(_SUMMARIES)
        lines = (
            ("Speaker0", "thank you for calling, how can i help"),
            ("Speaker1", "hi, i have a question about my account"),
            ("Speaker0", "let me pull up your account"),
            ("Speaker1", "thank you"),
        )
        t = 1.0
        transcript = []
        for i, (who, text) in enumerate(lines):
            transcript.append(
                {"speaker": who, "text": text, "startTime": t, "endTime": t + 2.5, "sentence_id": i}
            )
            t += 3.0
        mood = self.rng.choice((("satisfied", 1), ("neutral", 0), ("frustrated", -1)))
        return {
            "insights": {
                "questions": [
                    {
                        "key": "category",
                        "question": "Categorize the call to exactly one of the possible "
                        'categories: "technical issue", "billing issue", "sales", '
                        '"general support"',
                        "data_type": "string",
                        "answer": category,
                    },
                    {
                        "key": "issue_resolved",
                        "question": "was the issue resolved? (true/false)",
                        "data_type": "boolean",
                        "answer": self.rng.choice(("true", "true", "false")),
                    },
                ],
                "participants": {
                    "caller": {"name": None, "personality_traits": []},
                    "callee": {"name": a.name.split()[0], "personality_traits": ["helpful"]},
                },
                "summary": summary,
            },
            "emotions": {
                "questions": [],
                "sentences": [
                    {
                        "sentence_id": 1,
                        "emotion": mood[0],
                        "emotion_direction": mood[1],
                        "confidence_emotion": 0.9,
                        "intensity_emotion": 0.7,
                        "personality_trait": None,
                        "confidence_trait": 0,
                    }
                ],
            },
            "transcript": transcript,
        }

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
