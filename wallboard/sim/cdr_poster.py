"""Posts a CDR after every call, as the vendor does: JSON, form or XML-RPC, with retries.

A CDR counts as delivered only when the reply is HTTP 200 with `Err` 0 (JSON, XML-RPC
struct, or form); anything else is retried after the configured delays, like the vendor,
and given up (logged) after the last one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import xmlrpc.client
from typing import Any
from urllib.parse import parse_qs, urlencode

import aiohttp
from defusedxml import ElementTree

from wallboard.config import SimulatorSettings

__all__ = ["POSTS_IN_FLIGHT", "CdrPoster", "encode", "reply_ok"]

log = logging.getLogger(__name__)

Json = dict[str, Any]


def encode(body: Json, fmt: str) -> tuple[bytes, str]:
    """One CDR in the customer's chosen encoding: (bytes, content type)."""
    if fmt == "form":
        flat = {
            k: (json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v)
            for k, v in body.items()
        }
        return urlencode(flat).encode(), "application/x-www-form-urlencoded"
    if fmt == "xmlrpc":
        text = xmlrpc.client.dumps((body,), methodname="cdr", allow_none=True)
        return text.encode(), "text/xml"
    return json.dumps(body, ensure_ascii=False).encode(), "application/json"


def reply_ok(status: int, text: str) -> bool:
    """Whether the receiver acknowledged: HTTP 200 and `Err` 0 in whatever encoding."""
    if status != 200:
        return False
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return False
        return isinstance(data, dict) and str(data.get("Err")) == "0"
    if stripped.startswith("<"):
        try:
            root = ElementTree.fromstring(stripped)
        except Exception:  # defusedxml raises several kinds; any of them means "not ok"
            return False
        for member in root.iter("member"):
            if (member.findtext("name") or "").strip() == "Err":
                value = member.find("value")
                return value is not None and "".join(value.itertext()).strip() == "0"
        return False
    return parse_qs(stripped).get("Err") == ["0"]


POSTS_IN_FLIGHT = 8  # CDRs posted concurrently at most


class CdrPoster:
    """Delivers CDRs to `cdr_url`; retries on a bad or missing acknowledgement."""

    def __init__(self, settings: SimulatorSettings) -> None:
        self.url = settings.cdr_url
        self.fmt = settings.cdr_format
        self.delays = list(settings.cdr_retry_seconds)
        self._queue: asyncio.Queue[tuple[float, int, Json]] | None = None
        self._retry: list[tuple[float, int, Json]] = []
        self.delivered = 0
        self.attempts = 0
        self.given_up = 0
        self._session: aiohttp.ClientSession | None = None

    @property
    def pending(self) -> int:
        """CDRs waiting for delivery or a retry."""
        return (self._queue.qsize() if self._queue is not None else 0) + len(self._retry)

    def submit(self, cdrs: list[Json]) -> None:
        """Queue CDRs for delivery (dropped at once when no URL is configured)."""
        if not self.url:
            return
        if self._queue is None:
            self._queue = asyncio.Queue()
        for body in cdrs:
            self._queue.put_nowait((0.0, 0, body))

    async def _post(self, body: Json) -> bool:
        assert self._session is not None
        data, ctype = encode(body, self.fmt)
        self.attempts += 1
        try:
            async with self._session.post(
                self.url, data=data, headers={"Content-Type": ctype}
            ) as resp:
                return reply_ok(resp.status, await resp.text())
        except (aiohttp.ClientError, TimeoutError) as e:
            log.info("CDR %s not delivered: %s", body.get("ivruniqueid"), e)
            return False

    async def run(self) -> None:
        """Deliver queued CDRs and due retries until cancelled."""
        if not self.url:
            return
        if self._queue is None:
            self._queue = asyncio.Queue()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        while True:
            now = time.monotonic()
            due = [r for r in self._retry if r[0] <= now]
            self._retry = [r for r in self._retry if r[0] > now]
            for k in range(0, len(due), POSTS_IN_FLIGHT):
                await self._deliver_all(due[k : k + POSTS_IN_FLIGHT])
            try:
                batch = [await asyncio.wait_for(self._queue.get(), 0.5)]
            except TimeoutError:
                continue
            while len(batch) < POSTS_IN_FLIGHT and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._deliver_all(batch)

    async def _deliver_all(self, batch: list[tuple[float, int, Json]]) -> None:
        # Several posts at once, as the vendor sends them: one at a time, each waiting for
        # the store's fsync, fell behind a big simulated floor and its queue grew for ever.
        await asyncio.gather(*(self._deliver(body, attempt) for _, attempt, body in batch))

    async def _deliver(self, body: Json, attempt: int) -> None:
        if await self._post(body):
            self.delivered += 1
            return
        if attempt < len(self.delays):
            self._retry.append((time.monotonic() + self.delays[attempt], attempt + 1, body))
        else:
            self.given_up += 1
            log.warning("CDR %s given up after %d attempts", body.get("ivruniqueid"), attempt + 1)

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
