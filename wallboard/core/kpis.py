"""Today's numbers: every metric defined once, here, with its formula in its docstring.

The live fold and the CDR history both fill the same tallies through the same
`record_*` functions, and every screen, export and API reads a metric only through
the functions below. `METRICS` carries the same definitions for the UI's
"what does this number mean" and for `docs/metrics.md` (a test keeps them in step).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields

__all__ = [
    "METRICS",
    "AgentTally",
    "ErlangA",
    "Metric",
    "QueueTally",
    "Spans",
    "abandon_rate",
    "agent_handle_time",
    "agent_time_erlang_a",
    "agents_needed",
    "agents_needed_erlang_a",
    "answer_rate",
    "arrival_rate",
    "average_handle_time",
    "average_speed_of_answer",
    "average_wait",
    "combine",
    "count_agent_call",
    "erlang_a",
    "first_login",
    "handle_time",
    "longest_waiting_now",
    "occupancy",
    "patience_rate",
    "record_abandon",
    "record_agent_call",
    "record_answer",
    "record_offer",
    "service_level",
    "service_level_erlang",
    "service_level_erlang_a",
    "sl_at_risk",
    "sl_sample",
    "talk_time",
    "time_in_status",
    "time_in_status_seen",
    "time_to_callback",
    "today_on_forecast",
    "trend",
    "wait_probability",
    "window",
]


@dataclass(slots=True)
class QueueTally:
    """Counts behind one queue's numbers for one day."""

    offered: int = 0
    answered: int = 0
    answered_within_sl: int = 0
    answered_wait_total: int = 0
    answered_wait_known: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    abandoned_wait_total: int = 0
    abandoned_wait_known: int = 0
    longest_wait: int = 0


class Spans:
    """An agent's closed status spans of the day, (status key, start, end), packed.

    A day of 2,000 agents changes status hundreds of thousands of times: as a list of
    tuples a span took ~130 bytes (a tuple and two floats); here it is two doubles in one
    array and a pointer to the shared key string, ~24 bytes.
    """

    __slots__ = ("_keys", "_times")

    def __init__(self, spans: Iterable[tuple[str, float, float]] = ()) -> None:
        self._keys: list[str] = []
        self._times = array("d")
        for key, start, end in spans:
            self.append(key, start, end)

    def append(self, key: str, start: float, end: float) -> None:
        """Add one closed span."""
        self._keys.append(key)
        self._times.append(start)
        self._times.append(end)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[tuple[str, float, float]]:
        t = self._times
        return ((k, t[2 * i], t[2 * i + 1]) for i, k in enumerate(self._keys))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Spans):
            return NotImplemented
        return self._keys == other._keys and self._times == other._times

    __hash__ = None  # type: ignore[assignment]  # mutable, like the list it replaces

    def __repr__(self) -> str:
        return f"Spans({list(self)!r})"


@dataclass(slots=True)
class AgentTally:
    """Counts behind one agent's numbers for one day."""

    answered: int = 0
    missed: int = 0
    outgoing: int = 0
    talk_seconds: int = 0
    # Calls answered either way (incoming answered, outgoing connected): handle time's
    # divisor, a count so that tallies without call ids (an hour's, a cluster web node's
    # copy, a closed day's summary) still have it.
    handled: int = 0
    status_seconds: dict[str, int] = field(default_factory=dict)
    # The day's closed status spans (status key, start, end), for the agent's timeline.
    spans: Spans = field(default_factory=Spans)
    seen_calls: set[str] = field(default_factory=set)
    answered_calls: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Metric:
    """The definition of one number, as shown to a person."""

    key: str
    label_en: str
    label_he: str
    formula: str
    explanation: str


def combine(tallies: Iterable[QueueTally]) -> QueueTally:
    """Several queues' counts as one (a team lead's boards): counts add, the longest wait is
    the longest of them. Every rate is then computed from the sums, never averaged."""
    out = QueueTally()
    for t in tallies:
        for f in fields(QueueTally):
            if f.name != "longest_wait":
                setattr(out, f.name, getattr(out, f.name) + getattr(t, f.name))
        out.longest_wait = max(out.longest_wait, t.longest_wait)
    return out


def record_offer(tally: QueueTally) -> None:
    """Offered: +1 for every call that entered the queue today (a JOIN)."""
    tally.offered += 1


def record_answer(tally: QueueTally, wait: int | None, sl_threshold: int) -> None:
    """Answered: +1 when a waiting call is answered by an agent (EXIT).

    Within service level when its wait is at most the queue's threshold. A call whose
    join time is unknown counts as answered but outside service level and not in ASA.
    """
    tally.answered += 1
    if wait is None:
        return
    if wait < 0:  # comparisons rather than max(): this runs for every answered call
        wait = 0
    tally.answered_wait_total += wait
    tally.answered_wait_known += 1
    if wait > tally.longest_wait:
        tally.longest_wait = wait
    if wait <= sl_threshold:
        tally.answered_within_sl += 1


def record_abandon(tally: QueueTally, wait: int | None, short_threshold: int) -> None:
    """Abandoned: +1 when the caller hangs up while waiting (ABANDONED).

    A short abandon waited less than the short-abandon threshold; it is counted, but left
    out of service level and abandon rate (the caller dialled wrong, not us being slow).
    A call whose join time is unknown is never a short abandon and has no wait to average.
    """
    tally.abandoned += 1
    if wait is None:
        return
    w = wait if wait > 0 else 0
    tally.abandoned_wait_total += w
    tally.abandoned_wait_known += 1
    if w > tally.longest_wait:
        tally.longest_wait = w
    if w < short_threshold:
        tally.short_abandoned += 1


def record_agent_call(
    t: AgentTally, call_id: str, *, incoming: bool, outgoing: bool, answered: bool, talk: int
) -> bool:
    """A finished call of this agent (CDR / Call Log): counted once per call id.

    Outgoing +1 for an outgoing or click-to-call call; answered +1 for an answered
    incoming call; talk time += its talk seconds when answered. False if already counted.
    """
    if call_id in t.seen_calls:
        return False
    t.seen_calls.add(call_id)
    if answered:
        t.answered_calls.add(call_id)  # the live fold's events must not count it again
    count_agent_call(t, incoming=incoming, outgoing=outgoing, answered=answered, talk=talk)
    return True


def count_agent_call(
    t: AgentTally, *, incoming: bool, outgoing: bool, answered: bool, talk: int
) -> None:
    """`record_agent_call`'s counts, for a call the caller knows to be new to `t` (an hour's
    tally, after the day's has counted it): no call id kept."""
    if outgoing:
        t.outgoing += 1
    if answered:
        t.handled += 1
        if incoming:
            t.answered += 1
        t.talk_seconds += max(0, talk)


def service_level(t: QueueTally) -> float | None:
    """Service level = answered within threshold / (answered + abandoned − short abandons)."""
    denominator = t.answered + t.abandoned - t.short_abandoned
    if denominator <= 0:
        return None
    return t.answered_within_sl / denominator


def abandon_rate(t: QueueTally) -> float | None:
    """Abandon rate = (abandoned − short abandons) / (answered + abandoned − short abandons)."""
    denominator = t.answered + t.abandoned - t.short_abandoned
    if denominator <= 0:
        return None
    return (t.abandoned - t.short_abandoned) / denominator


def average_speed_of_answer(t: QueueTally) -> float | None:
    """ASA = total wait of answered calls / answered calls (with a known join time)."""
    if t.answered_wait_known <= 0:
        return None
    return t.answered_wait_total / t.answered_wait_known


def average_wait(t: QueueTally) -> float | None:
    """Average wait = (wait of answered + wait of abandoned) / (answered + abandoned)."""
    n = t.answered_wait_known + t.abandoned_wait_known
    if n <= 0:
        return None
    return (t.answered_wait_total + t.abandoned_wait_total) / n


def longest_waiting_now(joined: Iterable[int], server_now: float) -> float | None:
    """Longest waiting now = server now − earliest join time of the calls waiting now."""
    earliest = min(joined, default=None)
    if earliest is None:
        return None
    return max(0.0, server_now - earliest)


def talk_time(t: AgentTally, open_answered_at: Iterable[int], server_now: float) -> float:
    """Talk time = Σ (hangup − answer) of today's ended calls + Σ (now − answer) of live ones."""
    live = sum(max(0.0, server_now - a) for a in open_answered_at)
    return t.talk_seconds + live


def time_in_status(
    t: AgentTally, current: str, current_since: float, day_start: float, server_now: float
) -> Mapping[str, float]:
    """Time per status = Σ closed intervals today + the open one since max(since, day start)."""
    out: dict[str, float] = {k: float(v) for k, v in t.status_seconds.items()}
    open_seconds = max(0.0, server_now - max(current_since, day_start))
    out[current] = out.get(current, 0.0) + open_seconds
    return out


def time_in_status_seen(
    t: AgentTally, current: str, current_since: float, seen_from: float, server_now: float
) -> Mapping[str, float]:
    """Time per status seen = `time_in_status` from `seen_from` on (when the wallboard first
    saw the agent, after the day's reset): each closed span's part after it + the open one.

    The closed spans' sums keep every second of a span, also those before `seen_from` that
    the vendor's "since" told of; those are taken off again here, span by span. Only the
    first spans can begin before `seen_from`, and the spans' cap drops the last ones, not
    the first, so the result is exact.
    """
    out: dict[str, float] = {k: float(v) for k, v in t.status_seconds.items()}
    for key, start, end in t.spans:
        if start >= seen_from:
            break  # in the order they closed: the later ones began later still
        out[key] = max(0.0, out.get(key, 0.0) - (min(end, seen_from) - start))
    open_seconds = max(0.0, server_now - max(current_since, seen_from))
    out[current] = out.get(current, 0.0) + open_seconds
    return {k: v for k, v in out.items() if v > 0 or k == current}


def agent_handle_time(t: AgentTally) -> float | None:
    """Agent's handle time = Σ talk of their calls handled today / calls handled (answered
    incoming and connected outgoing; holds are inside the talk, wrap-up is not in the data)."""
    return t.talk_seconds / t.handled if t.handled > 0 else None


# Statuses in which an agent is busy with a call (status keys, `models.status_key`).
BUSY_STATUSES = frozenset({"ringing", "dialing", "talking", "hold"})


def occupancy(statuses: Mapping[str, float]) -> float | None:
    """Occupancy = time ringing, dialing, talking or on hold / time logged in (every status
    but logged out, breaks included) today, from `time_in_status`."""
    logged_in = sum(v for k, v in statuses.items() if k != "logged_out")
    if logged_in <= 0:
        return None
    return sum(v for k, v in statuses.items() if k in BUSY_STATUSES) / logged_in


def first_login(
    spans: Iterable[tuple[str, float, float]], current: str, current_since: float, day_start: float
) -> float | None:
    """First login = start of the day's first status other than logged out (its closed spans,
    then the open one), not before the day's reset; None if logged out all day."""
    for key, start, _ in spans:  # in the order they closed: the first is the earliest
        if key != "logged_out":
            return max(start, day_start)
    return max(current_since, day_start) if current != "logged_out" else None


def time_to_callback(gaps: Iterable[float]) -> float | None:
    """Time to callback = mean of (first "call back" press − abandon) over today's called-back."""
    values = [max(0.0, g) for g in gaps]
    return sum(values) / len(values) if values else None


def sl_sample(t: QueueTally) -> int:
    """SL sample = answered + abandoned − short abandons (the calls behind SL and abandon rate)."""
    return max(0, t.answered + t.abandoned - t.short_abandoned)


def arrival_rate(t: QueueTally, day_start: float, server_now: float) -> float | None:
    """Arrival rate = offered today / seconds since the day's reset (calls per second)."""
    elapsed = server_now - day_start
    if elapsed <= 0 or t.offered <= 0:
        return None
    return t.offered / elapsed


def answer_rate(t: QueueTally, day_start: float, server_now: float) -> float | None:
    """Answer rate = answered today / seconds since the day's reset (calls per second)."""
    elapsed = server_now - day_start
    if elapsed <= 0 or t.answered <= 0:
        return None
    return t.answered / elapsed


def average_handle_time(agents: Iterable[AgentTally]) -> float | None:
    """Handle time = Σ talk time of today's ended calls / Σ answered and outgoing calls."""
    talk = 0
    calls = 0
    for a in agents:
        talk += a.talk_seconds
        calls += a.handled
    return talk / calls if calls and talk > 0 else None


def wait_probability(agents: int, traffic: float) -> float:
    """Erlang C = P(a call waits) with `agents` servers and `traffic` Erlangs offered.

    Computed through Erlang B's recurrence (B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)),
    C = N·B / (N − A·(1 − B))), which stays exact where the factorial form overflows.
    """
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return agents * b / (agents - traffic * (1 - b))


def service_level_erlang(agents: int, traffic: float, handle: float, threshold: float) -> float:
    """Erlang C service level = 1 − C(N, A) · e^(−(N − A) · threshold / handle time)."""
    if agents <= traffic:
        return 0.0
    c = wait_probability(agents, traffic)
    return 1.0 - c * math.exp(-(agents - traffic) * threshold / handle)


# A queue that would need more agents than this is reported as needing "more than" it.
MAX_AGENTS = 1000


def agents_needed(
    rate: float | None, handle: float | None, target: float, threshold: float
) -> int | None:
    """Agents needed = least N with Erlang C service level(N, rate × handle time) ≥ target."""
    if rate is None or handle is None or handle <= 0 or rate <= 0:
        return None
    traffic = rate * handle
    n = max(1, math.floor(traffic) + 1)
    while n < MAX_AGENTS:
        if service_level_erlang(n, traffic, handle, threshold) >= target:
            return n
        n += 1
    return MAX_AGENTS


def patience_rate(tallies: Iterable[QueueTally]) -> float | None:
    """Patience rate θ = abandons with a known wait / Σ wait of answered and abandoned calls.

    The maximum-likelihood estimate of an exponential patience from calls whose wait is
    known: an abandon is a patience observed, an answered call a patience known to be at
    least its wait (Mandelbaum and Zeltyn). 1/θ is the callers' mean patience (seconds).
    """
    abandons = 0
    exposure = 0
    for t in tallies:
        abandons += t.abandoned_wait_known
        exposure += t.answered_wait_total + t.abandoned_wait_total
    if abandons <= 0 or exposure <= 0:
        return None
    return abandons / exposure


@dataclass(frozen=True, slots=True)
class ErlangA:
    """What Erlang A says of a queue with N agents (each a share of the calls offered)."""

    wait_probability: float
    abandon_probability: float
    service_level: float


# The stationary distribution is cut where its terms fall below e^-36 (1e-16) of the largest.
_TAIL = 36.0
_MAX_QUEUE = 5000


def _occupancy(agents: int, rate: float, mu: float, theta: float) -> list[float]:
    """P(k calls in the system), k = 0, 1, …: the birth-death chain of M/M/N+M, arrivals at
    `rate`, each of min(k, N) calls served at `mu`, each of max(0, k − N) waiting ones
    abandoning at `theta`. In logs (a floor of 1,000 agents overflows the plain product)."""
    logs = [0.0]
    top = 0.0
    k = 0
    log_rate = math.log(rate)
    while True:
        k += 1
        death = min(k, agents) * mu + max(0, k - agents) * theta
        value = logs[-1] + log_rate - math.log(death)
        logs.append(value)
        top = max(top, value)
        if k > agents and (value < top - _TAIL or k > agents + _MAX_QUEUE):
            break
    weights = [math.exp(v - top) for v in logs]
    total = sum(weights)
    return [w / total for w in weights]


def _served_within(
    agents: int, mu: float, theta: float, threshold: float, ahead: int
) -> list[float]:
    """For m = 0 … ahead − 1 calls ahead in line: P(answered within `threshold`).

    A caller with m ahead moves up at rate Nμ + mθ (an answer, or one ahead giving up) and
    gives up at θ: answered with probability Nμ / (Nμ + (m + 1)θ), after the sum of the m + 1
    stages' exponential times (rates Nμ + (i + 1)θ). That sum's distribution at `threshold`
    for every m at once: uniformisation of the stage chain, backwards.
    """
    if ahead <= 0:
        return []
    n_mu = agents * mu
    rates = [n_mu + (i + 1) * theta for i in range(ahead)]
    top = rates[-1]
    lam_t = top * threshold
    steps = int(lam_t + 10.0 * math.sqrt(lam_t) + 10)
    move = [r / top for r in rates]
    done = [0.0] * ahead  # P(through every stage within k uniformised steps | m ahead)
    cdf = [0.0] * ahead
    weight = math.exp(-lam_t)  # Poisson(k; Λ·threshold), k = 0
    for k in range(1, steps + 1):
        weight *= lam_t / k
        previous = 1.0
        for m in range(ahead):
            before = done[m]
            done[m] = (1.0 - move[m]) * before + move[m] * previous
            previous = before
        for m in range(ahead):
            cdf[m] += weight * done[m]
    return [n_mu / (n_mu + (m + 1) * theta) * cdf[m] for m in range(ahead)]


def erlang_a(agents: int, rate: float, handle: float, patience: float, threshold: float) -> ErlangA:
    """Erlang A (M/M/N+M): calls at `rate` per second, `handle` seconds each, callers who
    give up at rate `patience` (θ, `patience_rate`) while waiting, N = `agents`.

    P(wait) = Σ_{k≥N} π_k; P(abandon) = θ · E[calls waiting] / rate; service level =
    P(answered within threshold) = Σ_{k<N} π_k + Σ_{m≥0} π_{N+m} · P(answered within the
    threshold with m ahead) — of all calls offered, as the board counts abandons against SL.
    """
    if rate <= 0 or handle <= 0:
        return ErlangA(0.0, 0.0, 1.0)
    theta = max(patience, 1e-9)  # no abandons seen: practically Erlang C (a queue still bounded)
    mu = 1.0 / handle
    if agents <= 0:
        return ErlangA(1.0, 1.0, 0.0)
    pi = _occupancy(agents, rate, mu, theta)
    free = sum(pi[:agents])
    queue = pi[agents:]
    waiting = sum(m * p for m, p in enumerate(queue))
    within = _served_within(agents, mu, theta, threshold, len(queue))
    sl = free + sum(p * w for p, w in zip(queue, within, strict=True))
    return ErlangA(1.0 - free, min(1.0, theta * waiting / rate), min(1.0, sl))


def service_level_erlang_a(
    agents: int, rate: float, handle: float, patience: float, threshold: float
) -> float:
    """Erlang A service level = P(answered within threshold) with N agents (`erlang_a`)."""
    return erlang_a(agents, rate, handle, patience, threshold).service_level


def agents_needed_erlang_a(
    rate: float | None,
    handle: float | None,
    patience: float | None,
    target: float,
    threshold: float,
) -> int | None:
    """Agents needed (Erlang A) = least N with Erlang A service level(N) ≥ SL target.

    Callers who give up leave the line, so the line is shorter than Erlang C assumes and
    fewer agents reach the target; with no patience known (no abandons yet) it is Erlang C.
    """
    if rate is None or handle is None or handle <= 0 or rate <= 0:
        return None
    if patience is None or patience <= 0:
        return agents_needed(rate, handle, target, threshold)
    high = agents_needed(rate, handle, target, threshold) or MAX_AGENTS
    low = 1
    # Service level grows with N: the least N that reaches the target, by halving.
    while low < high:
        mid = (low + high) // 2
        if service_level_erlang_a(mid, rate, handle, patience, threshold) >= target:
            high = mid
        else:
            low = mid + 1
    return low


def agent_time_erlang_a(
    rate: float | None,
    handle: float | None,
    patience: float | None,
    target: float,
    threshold: float,
    agents: int | None = None,
) -> float | None:
    """Agent-time needed (Erlang A) = N − 1 + (target − SL(N − 1)) / (SL(N) − SL(N − 1)).

    N = agents needed (Erlang A; `agents` when already known). Whole agents put the service
    level up to an agent's worth over the target (5–10 points at 10–20 agents); the N-th
    agent for that share of the half-hour, N − 1 for the rest, puts its time-weighted
    service level on the target.
    """
    n = (
        agents
        if agents is not None
        else (agents_needed_erlang_a(rate, handle, patience, target, threshold))
    )
    if n is None or rate is None or handle is None or n <= 1 or n >= MAX_AGENTS:
        return None if n is None else float(n)

    def sl(agents: int) -> float:
        if patience is None or patience <= 0:
            return service_level_erlang(agents, rate * handle, handle, threshold)
        return service_level_erlang_a(agents, rate, handle, patience, threshold)

    high, low = sl(n), sl(n - 1)
    share = (target - low) / (high - low) if high > low else 1.0
    return n - 1 + min(1.0, max(0.0, share))


def window(
    minutes: Mapping[int, QueueTally], server_now: float, length: int, ago: int = 0
) -> QueueTally:
    """Rolling window = the calls of the `length` minutes before now (minus `ago` minutes):
    offered by the minute they joined, answered and abandoned by the minute they left the
    queue, each then read by the definitions above (service level, abandon rate, ...)."""
    end = int(server_now // 60) - ago
    return combine(t for m, t in minutes.items() if end - length < m <= end)


def handle_time(talk_seconds: float, calls: int) -> float | None:
    """Handle time (a window's) = Σ talk of a queue's answered calls that ended in it / calls."""
    return talk_seconds / calls if calls > 0 else None


def trend(now: float | None, before: float | None, tolerance: float) -> int:
    """Trend = +1 if now − before > tolerance, −1 if before − now > tolerance, else 0 (or
    with either unknown)."""
    if now is None or before is None:
        return 0
    if now - before > tolerance:
        return 1
    if before - now > tolerance:
        return -1
    return 0


# Calls added to both sides of "today on forecast": early in the day, a few calls more or
# less than forecast do not swing the rest of the day's forecast.
RATIO_PRIOR = 20.0


def today_on_forecast(offered: float, forecast: float) -> float:
    """Today on forecast = (offered so far + 20) / (forecast so far + 20), over today's
    half-hours that are over; the rest of today's forecast is scaled by it."""
    return (offered + RATIO_PRIOR) / (forecast + RATIO_PRIOR)


def sl_at_risk(
    joined: Iterable[float], answer_rate: float | None, threshold: float, server_now: float
) -> bool:
    """SL at risk = some waiting call k (by join) has wait now + k / answer rate > threshold.

    The k-th caller in line is answered, at today's answer rate, in about k / rate seconds;
    if by then they will have waited longer than the SL threshold, the queue is heading for
    a breach before the SL window is over. With no answers yet, any waiting call is at risk
    once it has waited half the threshold.
    """
    for k, j in enumerate(sorted(joined), start=1):
        wait = max(0.0, server_now - j)
        if answer_rate is None or answer_rate <= 0:
            if wait >= threshold / 2:
                return True
        elif wait + k / answer_rate > threshold:
            return True
    return False


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            "offered",
            "Offered",
            "הוצעו",
            "calls that joined the queue today",
            "Every call that entered the queue since the day's reset, answered or not.",
        ),
        Metric(
            "answered",
            "Answered",
            "נענו",
            "calls that left the queue to an agent today",
            "Counted when the vendor reports the waiting call EXITed to an extension.",
        ),
        Metric(
            "abandoned",
            "Abandoned",
            "נטשו",
            "callers who hung up while waiting today",
            "Includes short abandons; see short abandons.",
        ),
        Metric(
            "short_abandoned",
            "Short abandons",
            "נטישות קצרות",
            "abandoned after waiting less than the short-abandon threshold",
            "Left out of service level and abandon rate: the caller gave up before we "
            "could reasonably answer.",
        ),
        Metric(
            "service_level",
            "Service level",
            "רמת שירות",
            "answered within threshold / (answered + abandoned − short abandons)",
            "Share of callers answered within the queue's threshold (seconds of waiting).",
        ),
        Metric(
            "abandon_rate",
            "Abandon rate",
            "שיעור נטישה",
            "(abandoned − short abandons) / (answered + abandoned − short abandons)",
            "Share of callers who gave up, not counting short abandons.",
        ),
        Metric(
            "asa",
            "Avg speed of answer",
            "זמן מענה ממוצע",
            "total wait of answered calls / answered calls",
            "How long answered callers waited in the queue, on average.",
        ),
        Metric(
            "average_wait",
            "Avg wait",
            "המתנה ממוצעת",
            "(wait of answered + wait of abandoned) / (answered + abandoned)",
            "How long every caller who left the queue today waited, on average.",
        ),
        Metric(
            "longest_wait",
            "Longest wait today",
            "ההמתנה הארוכה היום",
            "max wait of any call that left the queue today",
            "The worst single wait today among answered and abandoned calls.",
        ),
        Metric(
            "waiting_now",
            "Waiting now",
            "ממתינים כעת",
            "calls in the queue's waiting list now",
            "Live: replaced by every queue event and snapshot from the vendor.",
        ),
        Metric(
            "longest_waiting_now",
            "Longest waiting now",
            "ההמתנה הארוכה כעת",
            "server now − earliest join time among calls waiting now",
            "Live: ticks every second on the screen.",
        ),
        Metric(
            "agents_needed",
            "Agents needed",
            "נציגים נדרשים",
            "least N with Erlang C service level(N, arrival rate × handle time) ≥ SL target",
            "Agents this queue needs now to meet its service-level target, from today's "
            "arrival rate (offered since the day's reset) and the floor's average handle time "
            "(Erlang C); compare with the agents available beside it.",
        ),
        Metric(
            "sl_at_risk",
            "SL at risk",
            "רמת שירות בסיכון",
            "some waiting call k (by join) has wait now + k / answer rate > SL threshold",
            "At today's answer rate a caller already in line will wait past the SL threshold: "
            "the service level is about to drop unless more agents take calls.",
        ),
        Metric(
            "agent_answered",
            "Answered (agent)",
            "נענו (נציג)",
            "incoming calls this agent answered today",
            "Each call is counted once, however many legs or holds it had.",
        ),
        Metric(
            "agent_missed",
            "Missed",
            "לא נענו",
            "incoming calls that rang this agent and ended unanswered by them today",
            "A call answered by a colleague while ringing here ('Answered elsewhere') "
            "is not a miss.",
        ),
        Metric(
            "agent_outgoing",
            "Outgoing",
            "יוצאות",
            "outgoing and click-to-call calls this agent made today",
            "Each call is counted once, including both legs of a click-to-call.",
        ),
        Metric(
            "agent_handled",
            "Calls handled",
            "שיחות שטופלו",
            "incoming calls answered + outgoing calls connected today",
            "Each call once; the divisor of the agent's handle time.",
        ),
        Metric(
            "agent_handle_time",
            "Avg handle time",
            "זמן טיפול ממוצע",
            "Σ talk of the calls handled today / calls handled",
            "Holds are inside the talk; after-call work (wrap-up) is not in the vendor's data.",
        ),
        Metric(
            "occupancy",
            "Occupancy",
            "תפוסה",
            "time ringing, dialing, talking or on hold / time logged in today",
            "Logged in: every status but logged out, breaks included.",
        ),
        Metric(
            "first_login",
            "First login",
            "כניסה ראשונה",
            "start of the day's first status other than logged out",
            "From the live status changes since the day's reset (not before it).",
        ),
        Metric(
            "talk_time",
            "Talk time",
            "זמן שיחה",
            "Σ (hangup − answer) of today's calls + Σ (now − answer) of live calls",
            "Time on answered calls, holds included.",
        ),
        Metric(
            "time_to_callback",
            "Time to callback",
            "זמן עד חזרה",
            "mean of (first call-back press − abandon) over abandoned callers called back today",
            "How long an abandoned caller waited for a team lead to call back (worklist).",
        ),
        Metric(
            "forecast_offered",
            "Forecast",
            "תחזית",
            "Σ_k w_k · L_k · offered(same half-hour, same weekday k weeks ago) / Σ_k w_k",
            "Calls expected per half-hour: the same weekday over the last 4 weeks (weights "
            "0.35, 0.25, 0.2, 0.2), each scaled by L_k = the last 7 days' calls / the 7 days "
            "from that week's day; a week's value far from the weeks' median (an unusual day) "
            "counts as the median.",
        ),
        Metric(
            "forecast_handle",
            "Forecast handle time",
            "זמן טיפול צפוי",
            "(Σ talk + 10 · day mean) / (Σ answered + 10) over the half-hour and its neighbours",
            "Talk seconds per answered call in that half-hour of the same weekdays, pulled "
            "towards the queue's mean when a half-hour has few calls.",
        ),
        Metric(
            "today_on_forecast",
            "Today on forecast",
            "היום לעומת התחזית",
            "(offered so far + 20) / (forecast so far + 20)",
            "Over today's half-hours that are over (and 15 minutes settled): how busy today "
            "is against its forecast; the rest of today's forecast is scaled by it.",
        ),
        Metric(
            "patience",
            "Callers' patience",
            "סבלנות המתקשרים",
            "abandons with a known wait / Σ wait of answered and abandoned calls",
            "The rate θ at which waiting callers give up (1/θ: their mean patience), from "
            "today's and the last 7 days' calls of the queue.",
        ),
        Metric(
            "agents_needed_erlang_a",
            "Agents needed (Erlang A)",
            "נציגים נדרשים (ארלנג A)",
            "least N with Erlang A service level(N, expected calls, handle time, θ) ≥ SL target",
            "Erlang A counts the callers who give up, so it does not overstate the staff as "
            "Erlang C does; per half-hour of the rest of the day on /forecast.",
        ),
        Metric(
            "agent_time_erlang_a",
            "Agent-time needed (Erlang A)",
            "זמן נציגים נדרש (ארלנג A)",
            "N − 1 + (target − SL(N − 1)) / (SL(N) − SL(N − 1)), N = agents needed (Erlang A)",
            "Whole agents put the service level a few points over the target; 16.4 is 16 "
            "agents and one more for 40 % of the half-hour, which puts it on the target.",
        ),
        Metric(
            "short_hours",
            "Short of agents",
            "חוסר בנציגים",
            "half-hours ahead whose agents needed (Erlang A) exceed the agents logged in now",
            "Shown as 'short 2 agents 14:00–15:00' (consecutive half-hours together, the "
            "largest shortage); 'over' when fewer are needed than are in.",
        ),
        Metric(
            "rolling_window",
            "Last 15 / 30 / 60 minutes",
            "15 / 30 / 60 הדקות האחרונות",
            "calls that joined (offered) or left (answered, abandoned) the queue in the window",
            "Each figure then as defined above (service level, abandon rate), beside the SL "
            "target; the arrow compares with the window before (▲ up, ▼ down, ▶ steady).",
        ),
        Metric(
            "window_handle",
            "Handle time",
            "זמן טיפול",
            "Σ talk of the queue's answered calls that ended in the window / their number",
            "From the CDRs, which arrive as calls end.",
        ),
        Metric(
            "time_in_status",
            "Time per status",
            "זמן לפי סטטוס",
            "Σ time in each status since the day's reset, the current one up to now",
            "Statuses: available, ringing, dialing, talking, on hold, each break reason, "
            "logged out.",
        ),
    )
}
