"""Every Prometheus metric of the process, defined once, in its own registry (docs/operations.md).

Two kinds: metrics counted where their cause happens (`RECONNECTS` in the connector,
`PUBLISH_LATENCY` in the publisher, `STORE_COMMIT` by the store's writer, `ALERTS_FIRED`
by whoever raises an alert), and metrics read at scrape time from the objects that already
count them (the hub's event tallies and fold time, the link state, the token's expiry,
open boards, the CDR intake's results) through collectors, so the hot path of every event
pays for a dict increment, not a labelled counter's lock (bench/fold.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily
from prometheus_client.registry import Collector

from wallboard.core.events import ConnectionState

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from wallboard.runtime.hub import Hub

__all__ = [
    "ALERTS_FIRED",
    "CDR_RESULTS",
    "INGEST_LEADER",
    "PUBLISH_LATENCY",
    "RECONNECTS",
    "RECONNECT_REASONS",
    "REGISTRY",
    "STORE_COMMIT",
    "STORE_ERRORS",
    "STORE_HEALTHY",
    "STORE_OPERATIONS",
    "exposition",
    "watch",
]

# `*_created` series only double the scrape for counters that live as long as the process.
disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped upstream
REGISTRY = CollectorRegistry(auto_describe=True)
# Memory, CPU and open files of the process: what a months-long run is watched for.
ProcessCollector(registry=REGISTRY)

# Why a live link ended; a small fixed set, never the server or the error text.
RECONNECT_REASONS = ("connection_lost", "session_ended", "token_refused", "token_refresh", "bug")
RECONNECTS = Counter(
    "wallboard_vendor_reconnects",
    "Times the realtime link to the vendor ended and was opened again, by reason.",
    ["reason"],
    registry=REGISTRY,
)
for _r in RECONNECT_REASONS:
    RECONNECTS.labels(_r)

PUBLISH_LATENCY = Histogram(
    "wallboard_publisher_latency_seconds",
    "From an event's arrival to the delta that carries it leaving for the boards.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)

STORE_COMMIT = Histogram(
    "wallboard_store_commit_seconds",
    "Time of one store commit (a group of writes, fsync included).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
    registry=REGISTRY,
)

# The store's health as the writer last saw it: read at scrape time from the stores'
# `health` (1 after a real commit succeeded, 0 after one failed), so a full disk shows
# here and in /readyz alike; a process with several stores shows 0 if any is unhealthy.
STORE_HEALTHY = Gauge(
    "wallboard_store_healthy",
    "1 when the store's last write succeeded; 0 after a failed one, until a write succeeds.",
    registry=REGISTRY,
)
STORE_ERRORS = Counter(
    "wallboard_store_errors",
    "Store operations that failed (a write, a commit or a probe), by operation.",
    ["operation"],
    registry=REGISTRY,
)
# "commit": a write (a group of them on SQLite); "probe": readiness's write; "read".
STORE_OPERATIONS = ("commit", "probe", "read")
for _op in STORE_OPERATIONS:
    STORE_ERRORS.labels(_op)

# One writer per account (an ingest worker's lease): a standby that never leads, or two
# leaders, is what the alert rules in deploy/prometheus/ look for.
INGEST_LEADER = Gauge(
    "wallboard_ingest_leader",
    "1 while this ingest worker holds its account's write lease; 0 while it waits as standby.",
    registry=REGISTRY,
)

ALERTS_FIRED = Counter(
    "wallboard_alerts_fired",
    "Threshold alerts raised on a board, by level (warn, alarm).",
    ["level"],
    registry=REGISTRY,
)
for _level in ("warn", "alarm"):
    ALERTS_FIRED.labels(_level)

# The CDR intake's results, as its `IntakeStats` fields name them.
CDR_RESULTS = {
    "stored": "stored",
    "duplicate": "duplicates",
    "parse_error": "parse_errors",
    "store_error": "store_errors",
    "refused": "refused",
    "backfilled": "backfilled",
}


class _Sources:
    """What the scrape-time collector reads; each set by the composition root."""

    def __init__(self) -> None:
        self.hubs: dict[str, Hub] = {}  # by account ("": the process's only one)
        self.token_expiry: Callable[[], float | None] | None = None
        self.tabs_by_view: Callable[[], Mapping[str, int]] | None = None
        self.cdr_results: Callable[[], Mapping[str, int]] | None = None
        self.store_healthy: dict[str, Callable[[], bool]] = {}  # by account, as the hubs


class _Collector(Collector):
    """Reads the live objects at scrape time (see the module's docstring for why)."""

    def __init__(self, sources: _Sources) -> None:
        self.s = sources

    def collect(self) -> Iterable[Metric]:
        yield from self._hub()
        expiry = self.s.token_expiry() if self.s.token_expiry is not None else None
        g = GaugeMetricFamily(
            "wallboard_vendor_token_expiry_timestamp_seconds",
            "When the vendor session token expires (Unix time; 0: unknown or none).",
        )
        g.add_metric([], expiry or 0.0)
        yield g
        tabs = GaugeMetricFamily(
            "wallboard_browser_clients",
            "Open browser tabs showing a board, by view.",
            labels=["view"],
        )
        views = dict.fromkeys(("board", "agent", "queue"), 0)
        views.update(self.s.tabs_by_view() if self.s.tabs_by_view is not None else {})
        for view, n in sorted(views.items()):
            tabs.add_metric([view], n)
        yield tabs
        cdrs = CounterMetricFamily(
            "wallboard_cdrs_received",
            "CDRs through the webhook (and the Call Log backfill), by result.",
            labels=["result"],
        )
        got = self.s.cdr_results() if self.s.cdr_results is not None else {}
        for result in CDR_RESULTS:
            cdrs.add_metric([result], got.get(result, 0))
        yield cdrs
        # Resident memory stays at its highest point (freed pages are kept for reuse), so a
        # slow leak in a months-long kiosk shows here first: objects alive, not pages held.
        heap = GaugeMetricFamily(
            "wallboard_python_heap_blocks",
            "Small Python objects alive (sys.getallocatedblocks): grows only with live data.",
        )
        heap.add_metric([], sys.getallocatedblocks())
        yield heap

    def _hub(self) -> Iterator[Metric]:
        # A web node serving several accounts has a hub each: their series carry the
        # account's name; the process's only hub keeps plain series.
        hubs = dict(self.s.hubs)
        by = ["account"] if len(hubs) > 1 else []
        up = GaugeMetricFamily(
            "wallboard_vendor_link_up", "1 when the vendor link is connected.", labels=by
        )
        last = GaugeMetricFamily(
            "wallboard_last_event_timestamp_seconds",
            "When the last realtime event arrived (Unix time, this server's clock; 0: none).",
            labels=by,
        )
        events = CounterMetricFamily(
            "wallboard_events",
            "Events folded into the live state, by kind.",
            labels=[*by, "event"],
        )
        bad = CounterMetricFamily(
            "wallboard_malformed_events",
            "Realtime events dropped as malformed, by name.",
            labels=[*by, "event"],
        )
        unknown = CounterMetricFamily(
            "wallboard_unknown_events",
            "Realtime events of a name we do not know.",
            labels=[*by, "event"],
        )
        fold = SummaryMetricFamily(
            "wallboard_fold_seconds", "Time spent folding events into the live state.", labels=by
        )
        if not hubs:
            up.add_metric([], 0)
            last.add_metric([], 0.0)
            fold.add_metric([], 0, 0.0)
        for account, hub in sorted(hubs.items()):
            key = [account] if by else []
            conn = hub.state.connection
            up.add_metric(key, 1.0 if conn.state is ConnectionState.CONNECTED else 0)
            last.add_metric(key, conn.last_event or 0.0)
            for name, n in sorted(hub.events_by_kind().items()):
                events.add_metric([*key, name], n)
            # The vendor's event names are a small set, but a broken server could send any:
            # past 50 distinct names the rest are summed as "other".
            for family, counts in ((bad, hub.malformed_events), (unknown, hub.unknown_events)):
                for name, n in _capped(counts):
                    family.add_metric([*key, name], n)
            fold.add_metric(key, hub.fold_count, hub.fold_ns / 1e9)
        yield from (up, last, events, bad, unknown, fold)


def _capped(counts: Mapping[str, int], limit: int = 50) -> list[tuple[str, int]]:
    items = sorted(counts.items(), key=lambda kv: -kv[1])
    head = items[:limit]
    rest = sum(n for _, n in items[limit:])
    return head + ([("other", rest)] if rest else [])


_SOURCES = _Sources()
REGISTRY.register(_Collector(_SOURCES))
STORE_HEALTHY.set_function(lambda: float(all(ok() for ok in _SOURCES.store_healthy.values())))


def watch(
    *,
    hub: Hub | None = None,
    account: str = "",
    token_expiry: Callable[[], float | None] | None = None,
    tabs_by_view: Callable[[], Mapping[str, int]] | None = None,
    cdr_results: Callable[[], Mapping[str, int]] | None = None,
    store_healthy: Callable[[], bool] | None = None,
) -> None:
    """Tell the scrape-time collector what to read (the composition root calls this)."""
    if hub is not None:
        _SOURCES.hubs[account] = hub
    if token_expiry is not None:
        _SOURCES.token_expiry = token_expiry
    if tabs_by_view is not None:
        _SOURCES.tabs_by_view = tabs_by_view
    if cdr_results is not None:
        _SOURCES.cdr_results = cdr_results
    if store_healthy is not None:
        _SOURCES.store_healthy[account] = store_healthy


def exposition() -> bytes:
    """The registry in Prometheus' text format."""
    return generate_latest(REGISTRY)
