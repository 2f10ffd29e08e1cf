"""Alerts that reach people: the configured rules judged every few seconds against the live
state; a fired or cleared alert is logged, posted to the webhook (Slack/Teams), and kept
for the desks' notifications and the kiosks' banner."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import aiohttp
from prometheus_client import Counter

from wallboard.config import AlertRule, Settings
from wallboard.core import kpis
from wallboard.core.alerts import AlertEvent, Reading, Rule, judge
from wallboard.core.kpis import QueueTally
from wallboard.core.models import AgentState, State
from wallboard.errors import WallboardError
from wallboard.runtime import timebase
from wallboard.runtime.hub import Hub
from wallboard.store.base import CdrStore
from wallboard.store.rows import AlertRow

__all__ = ["ALERTS_FIRED", "Alert", "Alerts", "readings"]

log = logging.getLogger(__name__)

# One definition of the figure (docs/metrics.md); /metrics exposes the default registry.
ALERTS_FIRED = Counter("wallboard_alerts_fired_total", "Alerts fired, by rule", ["rule"])

_WEBHOOK_TIMEOUT = 5.0
_RECENT = 200  # fired/cleared alerts kept in memory for desks that look now and then


@dataclass(frozen=True, slots=True)
class Alert:
    """One fired or cleared alert, numbered so a desk knows which it has seen."""

    seq: int
    at: float
    rule: str
    queue: int | None  # the queue it is about (None: an agent)
    extension: int | None  # the agent it is about (None: a queue)
    fired: bool
    text: str
    text_he: str
    boards: tuple[str, ...]  # the kiosks that show it (empty: all)
    label: str = ""  # the queue's or agent's name, for the kiosks' strip
    # Seen by a team lead: the kiosks' strip leaves it out (its tile keeps a marker).
    acknowledged: bool = False


_NAMES = {
    "waiting": ("callers waiting", "ממתינים"),
    "longest_wait": ("longest wait (s)", "המתנה ארוכה ביותר (שנ׳)"),
    "service_level": ("service level %", "רמת שירות %"),
    "break_seconds": ("on break (s)", "בהפסקה (שנ׳)"),
}


def _queue_value(rule: AlertRule, state: State, qid: int, server_now: float) -> float | None:
    q = state.queues[qid]
    if rule.metric == "waiting":
        return float(len(q.waiting))
    if rule.metric == "longest_wait":
        joined = [c.joined for c in q.waiting.values()]
        return kpis.longest_waiting_now(joined, server_now) or 0.0
    day = state.day
    t = day.queues.get(qid, QueueTally()) if day else QueueTally()
    # The minimum-sample rule: a service level of 2 calls says nothing (docs/metrics.md).
    if t.answered + t.abandoned - t.short_abandoned < rule.min_sample:
        return None
    sl = kpis.service_level(t)
    return None if sl is None else round(sl * 100, 1)


def readings(rules: dict[str, AlertRule], state: State, server_now: float) -> Iterator[Reading]:
    """Every rule's figure now, per queue (or per agent for break length)."""
    for name, rule in rules.items():
        if rule.metric == "break_seconds":
            for ext, a in state.agents.items():
                on_break = a.state is AgentState.BREAK
                value = max(0.0, server_now - a.state_since) if on_break else 0.0
                yield Reading(name, ext, value, a.record.display_name or str(ext))
            continue
        for qid, q in state.queues.items():
            if rule.queues and qid not in rule.queues:
                continue
            yield Reading(name, qid, _queue_value(rule, state, qid, server_now), q.name or str(qid))


def _judged(rules: dict[str, AlertRule]) -> dict[str, Rule]:
    """What `judge` needs of each rule."""
    return {n: Rule(n, r.metric == "service_level", r.fire, r.clear) for n, r in rules.items()}


def _figure(metric: str, value: float | None) -> str:
    if value is None:
        return ""
    if metric in ("break_seconds", "longest_wait"):
        v = int(value)
        return f" ({v // 60}:{v % 60:02d})"  # minutes:seconds, as on the board
    return f" ({value:g})"


def _texts(rule: AlertRule, ev: AlertEvent, label: str) -> tuple[str, str]:
    """What people read (English, Hebrew): who or which queue, what, the figure."""
    en_name, he_name = _NAMES[rule.metric]
    en_what = rule.message or f"{en_name} past {rule.fire:g}"
    he_what = rule.message_he or f"{he_name} עבר {rule.fire:g}"
    fig = _figure(rule.metric, ev.value)
    if ev.fired:
        return f"⚠ {label}: {en_what}{fig}", f"⚠ {label}: {he_what}{fig}"
    return f"✓ {label}: back to normal ({en_what})", f"✓ {label}: חזר לשגרה ({he_what})"


class Alerts:
    """Judges the rules, delivers what fired or cleared, and keeps what is open now."""

    def __init__(
        self,
        settings: Settings,
        hub: Hub,
        store: CdrStore,
        clock: Callable[[], float] = timebase.now,
        *,
        deliver: bool = True,
    ) -> None:
        """`deliver` False (a cluster's web node): alerts are judged and kept for this
        process's desks and kiosks only; the account's writer logs and posts them once."""
        self.settings = settings.alerts
        self.deliver = deliver
        self.hub = hub
        self.store = store
        self._clock = clock
        # The rules in force: the configuration file's, and those made in /alerts
        # (`set_ui_rules`, live: no restart).
        self.rules: dict[str, AlertRule] = dict(self.settings.rules)
        self._rules = _judged(self.rules)
        self._open: set[tuple[str, int]] = set()
        self._labels: dict[tuple[str, int], str] = {}
        self.recent: list[Alert] = []
        self.active: dict[tuple[str, int], Alert] = {}
        self._seq = 0
        self._http: aiohttp.ClientSession | None = None

    @property
    def seq(self) -> int:
        """The number of the latest alert (a desk remembers it at page load)."""
        return self._seq

    def since(self, seq: int) -> list[Alert]:
        """Alerts after `seq`, oldest first."""
        return [a for a in self.recent if a.seq > seq]

    async def check(self) -> list[Alert]:
        """Judge every rule now and deliver what fired or cleared."""
        state = self.hub.state
        local = self._clock()
        server_now = state.clock.now(local) or local
        events = judge(self._rules, readings(self.rules, state, server_now), self._open)
        out = []
        for ev in events:
            out.append(await self._deliver(ev, local))
        return out

    async def _deliver(self, ev: AlertEvent, at: float) -> Alert:
        rule = self.rules[ev.rule]
        key = (ev.rule, ev.subject)
        label = ev.label or self._labels.get(key, str(ev.subject))
        self._labels[key] = label
        en, he = _texts(rule, ev, label)
        agent = rule.metric == "break_seconds"
        self._seq += 1
        alert = Alert(
            self._seq,
            at,
            ev.rule,
            None if agent else ev.subject,
            ev.subject if agent else None,
            ev.fired,
            en,
            he,
            tuple(rule.boards),
            label,
        )
        self.recent = [*self.recent[-(_RECENT - 1) :], alert]
        if ev.fired:
            self.active[key] = alert
        else:
            self.active.pop(key, None)
        if not self.deliver:
            return alert
        if ev.fired:
            ALERTS_FIRED.labels(ev.rule).inc()
        log.info("alert %s: %s", "fired" if ev.fired else "cleared", en)
        try:
            await self.store.add_alert(
                AlertRow(at, ev.rule, ev.subject, label, ev.value, ev.fired, en)
            )
        except WallboardError as e:
            log.warning("alert not logged: %s", e)
        await self._post(en)
        return alert

    async def _post(self, text: str) -> None:
        """The webhook: `{"text": ...}`, which Slack and Teams incoming webhooks both take."""
        url = self.settings.webhook_url
        if url is None or not url.get_secret_value():
            return
        try:
            async with self._session().post(url.get_secret_value(), json={"text": text}) as r:
                if r.status >= 300:
                    log.warning("alert webhook answered HTTP %s", r.status)
        except (aiohttp.ClientError, TimeoutError) as e:
            # The URL holds the webhook's secret: never logged.
            log.warning("alert webhook not reached: %s", type(e).__name__)

    def set_ui_rules(self, ui: dict[str, AlertRule]) -> None:
        """The rules made in /alerts, in force from the next check (the file's keep their
        names: the editor refuses those). A rule gone takes its open alerts with it, without
        a "back to normal": nothing was judged back."""
        self.rules = {**ui, **self.settings.rules}
        self._rules = _judged(self.rules)
        for key in [k for k in self._open if k[0] not in self.rules]:
            self._open.discard(key)
            self.active.pop(key, None)

    async def test_webhook(self) -> str | None:
        """Post a test message to the webhook now: None when it took it, else why not (in
        words, never the URL: it holds the webhook's secret)."""
        url = self.settings.webhook_url
        if url is None or not url.get_secret_value():
            return "no webhook is set ([alerts] webhook_url)"
        text = "wallboard: a test of the alert webhook (nothing is wrong)"
        try:
            async with self._session().post(url.get_secret_value(), json={"text": text}) as r:
                if r.status >= 300:
                    return f"the webhook answered HTTP {r.status}"
        except TimeoutError:
            return f"the webhook did not answer within {_WEBHOOK_TIMEOUT:g} s"
        except aiohttp.ClientError as e:
            return f"the webhook was not reached ({type(e).__name__})"
        return None

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            timeout = aiohttp.ClientTimeout(total=_WEBHOOK_TIMEOUT)
            self._http = aiohttp.ClientSession(timeout=timeout)
        return self._http

    async def run(self) -> None:
        """The alerts task: judge every `[alerts] every_seconds` (with no rule, nothing
        to judge: a rule made in /alerts later is judged from then on)."""
        while True:
            await asyncio.sleep(self.settings.every_seconds)
            if not self._rules:
                continue
            try:
                await self.check()
            except WallboardError as e:
                log.warning("alerts not judged: %s", e)

    async def close(self) -> None:
        """Close the webhook's HTTP session."""
        if self._http is not None:
            await self._http.close()
