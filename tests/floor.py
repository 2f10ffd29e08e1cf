"""A small floor as domain events: for the cluster's codec, writer and mirror tests."""

from __future__ import annotations

import time

from wallboard.core.events import (
    CallDirection,
    CallInfo,
    CallStatus,
    DomainEvent,
    ExtensionRecord,
    ExtensionsSnapshot,
    LoggedIn,
    QueueSnapshot,
    QueuesSnapshot,
    WaitingCallInfo,
)


def floor_events(waiting: dict[int, list[str]], talking: dict[int, str]) -> list[DomainEvent]:
    """Login, then snapshots: queues with these waiting call ids, agents on these calls."""
    now = int(time.time())
    queues = tuple(
        QueueSnapshot(
            qid,
            f"Queue {qid} תור",
            tuple(
                WaitingCallInfo(cid, f"05000000{i}", "", now - 10 * (i + 1))
                for i, cid in enumerate(cids)
            ),
        )
        for qid, cids in waiting.items()
    )
    agents = []
    for ext in (101, 102, 103):
        calls: tuple[CallInfo, ...] = ()
        if ext in talking:
            calls = (
                CallInfo(
                    talking[ext],
                    CallDirection.INCOMING,
                    CallStatus.TALKING,
                    now - 60,
                    now - 50,
                    "0501234567",
                    "דנה",
                    "031234567",
                    next(iter(waiting), None),
                    None,
                    None,
                    False,
                ),
            )
        agents.append(
            ExtensionRecord(
                ext,
                f"SIP{ext}",
                ext,
                f"u{ext}",
                f"Agent {ext}",
                ext,
                1,
                now - 100,
                None,
                "OK",
                calls,
            )
        )
    received = time.time()
    return [
        LoggedIn(received, now, 120),
        QueuesSnapshot(received, now, queues),
        ExtensionsSnapshot(received, now, tuple(agents)),
    ]
