"""One writer per account: the ingest worker's lease, a key in a NATS key-value bucket.

Why NATS and not a PostgreSQL advisory lock: every ingest worker has NATS (the state it
writes goes there), while PostgreSQL is optional (SQLite per account without it); and an
advisory lock belongs to a database session, which a frozen process (SIGSTOP, a stalled
VM) keeps open for as long as its TCP connection lives — the standby would never take
over, and the frozen leader, once resumed, would still hold the lock and write. A lease
with a time limit and a compare-and-set on its revision has neither problem.

How it works: the key `<account>` of the bucket `wallboard-leases` names its holder
(and its pid, so a worker restarted on the same machine after a crash need not wait
for its dead predecessor's lease to run out).
The leader rewrites it every `RENEW` seconds with `update(..., last=revision)`: a write
that succeeds only if nobody else wrote the key since — the revision is the fence. A
standby reads the key every `POLL` seconds and takes it over (the same compare-and-set,
on the revision it read) once the revision has not changed for `TTL` seconds *on its own
clock*: no clocks are compared between machines. The leader counts its lease valid until
`TTL - MARGIN` seconds after it *sent* its last successful renewal, so it stops writing
before any standby can have taken over. Monotonic time runs on while a process is
stopped: a leader resumed after a freeze finds its lease expired before it writes
anything; it writes again only if its next compare-and-set succeeds (nobody took over
meanwhile: a NATS outage), and knows it lost the lease if that fails.

The server checks too (`Fence`): a write the NATS client had already taken in the
instant the process froze (checked against the lease, queued for its socket) would reach
NATS when it resumes. So each leader, once it holds the lease, writes the key `lease` of
the account's own bucket (its epoch: the revision changes only when a leader takes over),
and every write it makes to the bucket carries JetStream's expected-last-subject-sequence
for that key: after a takeover NATS refuses every write of an earlier leader, whenever it
arrives. The renewals stay in `wallboard-leases`: renewing the epoch every second would
make the leader's own writes in flight fail at each renewal.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from pathlib import Path

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import (
    APIError,
    KeyDeletedError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
)
from nats.js.kv import KeyValue

from wallboard.runtime.cleanup import pid_alive

__all__ = [
    "BUCKET",
    "EPOCH_KEY",
    "MARGIN",
    "POLL",
    "RENEW",
    "TTL",
    "Fence",
    "Lease",
    "LeaseLost",
    "NotLeading",
    "holder_name",
]

log = logging.getLogger(__name__)

BUCKET = "wallboard-leases"
TTL = 5.0  # seconds without a renewal before a standby takes over
RENEW = 1.0  # seconds between the leader's renewals
POLL = 0.5  # seconds between a standby's reads of the lease
MARGIN = 1.5  # the leader stops writing this long before a standby may take over


EPOCH_KEY = "lease"  # in the account's bucket: rewritten only by a new leader (`Fence`)
_WRONG_LAST_SEQUENCE = 10071  # JetStream's error code: the expected sequence moved on


class NotLeading(Exception):
    """This worker does not hold its account's lease now: no write."""


class LeaseLost(Exception):
    """Another worker holds the account's lease now: this one must not write again."""


def _place() -> str:
    """This process's pid space: the kernel's boot and the pid namespace ("" unknown)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        return f"{boot}/{os.readlink('/proc/self/ns/pid')}"
    except OSError:
        return ""


_PLACE = _place()


def holder_name() -> str:
    """Who holds a lease, for the logs: host, process and a random part (a reused pid)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Lease:
    """The write lease of one account, in `kv` (the bucket `BUCKET`)."""

    def __init__(
        self,
        kv: KeyValue,
        account: str,
        holder: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kv, self.key = kv, account
        self.holder = holder or holder_name()
        self.clock = clock
        self.revision: int | None = None  # of our last write of the key, while we lead
        self._until = float("-inf")  # our own clock: writing is allowed before this
        self.lost = False

    def valid(self) -> bool:
        """Whether this worker may write now (checked before every write)."""
        return self.revision is not None and not self.lost and self.clock() < self._until

    async def acquire(self) -> None:
        """Wait (as a standby) until this worker holds the lease."""
        seen: int | None = None  # the revision last read, and when it was first read
        seen_at = self.clock()
        said = False
        while True:
            sent = self.clock()
            try:
                current = await self._current()
                if current is None:
                    won = await self.kv.create(self.key, self._value)
                    return self._won(won, sent, "free")
                revision, holder, gone = current
                if gone:  # a crashed worker of this machine: no need to wait it out
                    won = await self.kv.update(self.key, self._value, last=revision)
                    return self._won(won, sent, f"{holder} has ended")
                if revision != seen:
                    seen, seen_at = revision, self.clock()
                    if not said:
                        log.info("lease of %s held by %s: standby", self.key, holder)
                        said = True
                elif self.clock() - seen_at >= TTL:
                    won = await self.kv.update(self.key, self._value, last=revision)
                    return self._won(won, sent, f"not renewed for {TTL:g} s by {holder}")
            except KeyWrongLastSequenceError:
                pass  # another standby was faster: read again
            except (NatsError, TimeoutError, OSError) as e:
                log.warning("lease of %s: NATS (%s): trying again", self.key, e)
            await asyncio.sleep(POLL)

    def _won(self, revision: int, sent: float, why: str) -> None:
        self.revision, self._until = revision, sent + TTL - MARGIN
        log.info("lease of %s taken by %s (%s)", self.key, self.holder, why)

    async def _current(self) -> tuple[int, str, bool] | None:
        """The key's revision, its holder, and whether that holder is a process of this
        machine (same boot, same pid namespace) that has ended; None when nobody holds it.

        The last spares a restarted worker (systemd after a crash) the wait for its own
        dead predecessor's lease; a holder elsewhere, or a frozen one, is waited out."""
        try:
            entry = await self.kv.get(self.key)
        except (KeyNotFoundError, KeyDeletedError):
            return None
        try:
            value = json.loads(entry.value or b"")
            holder, place, pid = str(value["holder"]), str(value["place"]), int(value["pid"])
        except (ValueError, KeyError, TypeError):
            return entry.revision or 0, repr(entry.value), False
        gone = bool(place) and place == _PLACE and pid != os.getpid() and not pid_alive(pid)
        return entry.revision or 0, holder, gone

    @property
    def _value(self) -> bytes:
        body = {"holder": self.holder, "place": _PLACE, "pid": os.getpid()}
        return json.dumps(body).encode()

    async def hold(self) -> None:
        """Renew the lease until it is lost (raises `LeaseLost`); a renewal that fails for
        NATS only lets the lease run out (`valid()` turns false), to be renewed when NATS
        answers again if nobody took it meanwhile."""
        while True:
            await asyncio.sleep(RENEW)
            sent = self.clock()
            try:
                revision = await self.kv.update(self.key, self._value, last=self.revision)
            except KeyWrongLastSequenceError:
                if await self._ours():  # our last renewal went through, its answer did not
                    continue
                self.lost = True
                raise LeaseLost(f"lease of {self.key} taken by another worker") from None
            except (NatsError, TimeoutError, OSError) as e:
                if self.clock() >= self._until:
                    log.warning("lease of %s not renewed (%s): not writing", self.key, e)
                continue
            if self.clock() >= self._until:
                log.info("lease of %s renewed after a gap: writing again", self.key)
            self.revision, self._until = revision, sent + TTL - MARGIN

    async def _ours(self) -> bool:
        """Whether the key still names us (then its revision is ours to renew from)."""
        try:
            current = await self._current()
        except (NatsError, TimeoutError, OSError):
            return False  # unknown: taken as lost, the safe side
        if current is None or current[1] != self.holder:
            return False
        self.revision = current[0]
        return True

    async def release(self) -> None:
        """Give the lease up at a clean stop, so a standby takes over at once."""
        if self.revision is None or self.lost:
            return
        revision, self.revision = self.revision, None
        try:
            await self.kv.delete(self.key, last=revision)
        except (NatsError, TimeoutError, OSError) as e:
            log.warning("lease of %s not released (%s): a standby waits it out", self.key, e)


class Fence:
    """Writes to an account's bucket that NATS accepts only while `EPOCH_KEY` is still at
    the revision this leader wrote it at (`take`): a taken-over leader's writes, even
    those in flight, are refused by the server (`NotLeading`)."""

    def __init__(self, js: JetStreamContext, bucket: str, epoch: int) -> None:
        self.js, self.bucket, self.epoch = js, bucket, epoch
        self._headers = {
            "Nats-Expected-Last-Subject-Sequence": str(epoch),
            "Nats-Expected-Last-Subject-Sequence-Subject": f"$KV.{bucket}.{EPOCH_KEY}",
        }

    @classmethod
    async def take(cls, js: JetStreamContext, kv: KeyValue, bucket: str, holder: str) -> Fence:
        """Begin this leader's epoch (call once the lease is held, before any write)."""
        return cls(js, bucket, await kv.put(EPOCH_KEY, holder.encode()))

    async def put(self, key: str, value: bytes) -> None:
        await self._publish(key, value, self._headers)

    async def delete(self, key: str) -> None:
        await self._publish(key, b"", {**self._headers, "KV-Operation": "DEL"})

    async def _publish(self, key: str, value: bytes, headers: dict[str, str]) -> None:
        try:
            await self.js.publish(f"$KV.{self.bucket}.{key}", value, headers=headers)
        except APIError as e:
            if e.err_code == _WRONG_LAST_SEQUENCE:
                raise NotLeading(f"another leader's epoch in {self.bucket}") from None
            raise
