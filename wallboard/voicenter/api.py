"""aiohttp client for the vendor's REST APIs (docs/voicenter.md, "REST APIs").

Call Log (history by date range, GMT, ≤10,000 rows a request, 30 requests a minute),
Active Calls (`GetExtensionsCalls`, `GetQueuesCallers`), Organizational Extension List
(`GetExtensions`), Login/Logout (set an agent's status) and Click2Call. Base URLs come
from settings so they can point at the simulator. The `code` is a secret: it is sent to
the vendor and never logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from wallboard.core.calls import Cdr
from wallboard.errors import VendorApiError
from wallboard.voicenter.http import summarise_reply, vendor_errors

__all__ = [
    "CALL_LOG_FIELDS",
    "NO_URL",
    "Click2CallResult",
    "ExtensionInfo",
    "RateLimiter",
    "VendorApi",
    "VendorApiSettings",
    "call_log_row_to_cdr",
]

log = logging.getLogger(__name__)

# The Call Log fields we ask for (docs/voicenter.md, "REST APIs": the Call Log's "fields").
CALL_LOG_FIELDS = (
    "Date",
    "DateEpoch",
    "Type",
    "CdrType",
    "DialStatus",
    "DID",
    "CallerNumber",
    "CallerExtension",
    "TargetNumber",
    "TargetExtension",
    "Duration",
    "CallID",
    "QueueName",
    "RingTime",
    "RepresentativeName",
    "RepresentativeCode",
    "DepartmentName",
    "DepartmentId",
    "CustomData",
)

CALL_LOG_MAX_ROWS = 10_000
NO_URL = "no URL configured for this API"


@dataclass(frozen=True, slots=True)
class VendorApiSettings:
    """Where the REST APIs live and how to authenticate (from `config.ApiSettings`)."""

    code: SecretStr | None
    call_log_url: str
    click2call_url: str
    login_logout_url: str
    extensions_url: str
    extensions_calls_url: str
    queues_callers_url: str
    call_log_per_minute: int = 30
    timeout_seconds: float = 15.0
    # Why an API has no URL, as a call to it is told (a web node of a simulator account
    # says whose address it waits for).
    no_url: str = NO_URL


class RateLimiter:
    """At most `limit` acquisitions in any `period` seconds (a sliding window).

    Why our own: it is ten lines, and the vendor's limit is a plain count per minute.
    """

    def __init__(
        self, limit: int, period: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._stamps: deque[float] = deque()
        self._lock = asyncio.Lock()

    def delay(self) -> float:
        """Seconds to wait before the next acquisition is allowed (0 if now)."""
        now = self._clock()
        while self._stamps and now - self._stamps[0] >= self.period:
            self._stamps.popleft()
        if len(self._stamps) < self.limit:
            return 0.0
        return self.period - (now - self._stamps[0])

    async def acquire(self) -> None:
        """Wait until one more request fits in the window, then count it."""
        async with self._lock:
            while (wait := self.delay()) > 0:
                await asyncio.sleep(wait)
            self._stamps.append(self._clock())


class ExtensionInfo(BaseModel):
    """One extension of the Organizational Extension List (`GetExtensions`)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    sip: str = Field(alias="SIP")
    name: str = Field("", alias="Name")
    speed_dial: str = Field("", alias="SpeedDial")
    account_id: int | None = Field(None, alias="AccountID")
    account_name: str = Field("", alias="AccountName")
    user_name: str = Field("", alias="UserName")


@dataclass(frozen=True, slots=True)
class Click2CallResult:
    """What Click2Call answered: the new call's id."""

    call_id: str


def _iso_gmt(utc: float) -> str:
    return datetime.fromtimestamp(utc, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _row_gmt(row: dict[str, Any]) -> float | None:
    """A Call Log row's `Date` (GMT), else its `DateEpoch`."""
    date = row.get("Date")
    if isinstance(date, str) and date:
        try:
            d = datetime.fromisoformat(date.replace("Z", "+00:00"))
        except ValueError:
            d = None
        if d is not None:
            return (d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp()
    epoch = row.get("DateEpoch")
    return float(epoch) if isinstance(epoch, int | float) else None


def call_log_row_to_cdr(row: dict[str, Any]) -> Cdr:
    """A Call Log row as a `Cdr` (the Call Log has no queue id or wait; those stay None)."""
    custom = row.get("CustomData")
    original = custom.get("OriginalIvrUniqueID", "") if isinstance(custom, dict) else ""
    epoch = row.get("DateEpoch")
    if epoch in (None, ""):
        date = str(row.get("Date", "")).replace("Z", "+00:00")
        try:
            epoch = int(datetime.fromisoformat(date).replace(tzinfo=UTC).timestamp())
        except ValueError:
            epoch = None
    return Cdr.model_validate(
        {
            "ivruniqueid": row.get("CallID"),
            "time": epoch,
            "type": row.get("Type", ""),
            "status": row.get("DialStatus", ""),
            "caller": row.get("CallerNumber", ""),
            "target": row.get("TargetNumber", ""),
            "duration": row.get("Duration", 0),
            "dialtime": row.get("RingTime"),
            "callerextension": row.get("CallerExtension", ""),
            "targetextension": row.get("TargetExtension", ""),
            "did": row.get("DID", ""),
            "queuename": row.get("QueueName", ""),
            "queueid": row.get("QueueID"),
            "representative_name": row.get("RepresentativeName", ""),
            "representative_code": row.get("RepresentativeCode", ""),
            "DepartmentName": row.get("DepartmentName", ""),
            "DepartmentID": row.get("DepartmentId"),
            "OriginalIvrUniqueID": original,
        }
    )


class VendorApi:
    """One aiohttp session for every vendor REST call; `close()` at shutdown."""

    def __init__(self, settings: VendorApiSettings) -> None:
        self.settings = settings
        self.call_log_limiter = RateLimiter(settings.call_log_per_minute, 60.0)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _code(self, api: str) -> str:
        code = self.settings.code
        if code is None or not code.get_secret_value():
            raise VendorApiError(api, "config", "no API code configured (api.code)")
        return code.get_secret_value()

    async def _post(self, api: str, url: str, body: dict[str, Any]) -> Any:
        if not url:
            raise VendorApiError(api, "config", self.settings.no_url)
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=self.settings.timeout_seconds)
            self._session = aiohttp.ClientSession(timeout=timeout)
        with vendor_errors(api, url, timeout=self.settings.timeout_seconds):
            async with self._session.post(url, json=body) as resp:
                text = await resp.text()
                status = resp.status
                kind = resp.headers.get("Content-Type", "")
        try:
            return json.loads(text)
        except ValueError:
            # An error status with a JSON body is the API's own error: the caller reads it.
            said = summarise_reply(status, kind, text)  # what came instead, never all of it
            if status >= 400:
                raise VendorApiError(api, status, said) from None
            raise VendorApiError(api, "format", f"answer is not JSON: {said}") from None

    # ------------------------------------------------------------ Call Log

    async def call_log_page(
        self, start_utc: float, end_utc: float, *, queue_id: int | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """One Call Log request: (rows, total hits); waits for the 30-a-minute limit."""
        search: dict[str, Any] = {"fromdate": _iso_gmt(start_utc), "todate": _iso_gmt(end_utc)}
        if queue_id is not None:
            search["queueID"] = [queue_id]
        body = {
            "code": self._code("CallLog"),
            "format": "JSON",
            "fields": list(CALL_LOG_FIELDS),
            "search": search,
            "sort": [{"field": "Date", "order": "asc"}],
        }
        for attempt in range(3):
            await self.call_log_limiter.acquire()
            data = await self._post("CallLog", self.settings.call_log_url, body)
            if not isinstance(data, dict):
                raise VendorApiError("CallLog", "format", "answer is not an object")
            err = data.get("ERROR_NUMBER", 0)
            if str(err) == "1" and attempt < 2:
                # "Request limit exceeded": someone else uses the same code; wait it out.
                log.warning("Call Log request limit exceeded; waiting a minute")
                await asyncio.sleep(self.call_log_limiter.period)
                continue
            if err not in (0, "0"):
                raise VendorApiError("CallLog", err, str(data.get("ERROR_DESCRIPTION", "")))
            break
        rows = data.get("CDR_LIST") or []
        total = data.get("TOTAL_HITS", len(rows))
        return [r for r in rows if isinstance(r, dict)], int(total)

    async def call_log(
        self, start_utc: float, end_utc: float, *, queue_id: int | None = None
    ) -> AsyncIterator[Cdr]:
        """Every call in [start, end), oldest first, one request per 10,000 rows.

        The API has no page parameter; rows come sorted by date, so a truncated answer is
        continued from the date of its last row (rows seen twice are skipped).
        """
        a = start_utc
        seen: set[tuple[str, str]] = set()
        while True:
            rows, total = await self.call_log_page(a, end_utc, queue_id=queue_id)
            last = a
            for row in rows:
                if queue_id is not None and row.get("QueueID") in (None, ""):
                    row = {**row, "QueueID": queue_id}
                when = _row_gmt(row)
                if when is not None:
                    last = max(last, when)
                key = (str(row.get("CallID", "")), str(row.get("Type", "")))
                if key in seen:
                    continue
                seen.add(key)
                try:
                    yield call_log_row_to_cdr(row)
                except ValueError as e:
                    log.warning("Call Log row dropped: %s", str(e).splitlines()[0])
            if not rows or total <= len(rows):
                return
            if last <= a:
                # More rows in one second than one answer holds: skip that second (logged).
                log.warning("Call Log: over %d calls at %s; some skipped", len(rows), a)
                last = a + 1
            a = last

    # ------------------------------------------------------------ extensions and live calls

    async def extensions(self) -> list[ExtensionInfo]:
        """The organisation's extensions with their departments (`GetExtensions`)."""
        data = await self._post(
            "GetExtensions",
            self.settings.extensions_url,
            {"code": self._code("GetExtensions"), "showAll": 1},
        )
        self._check_err("GetExtensions", data)
        return [ExtensionInfo.model_validate(e) for e in data.get("EXTENSIONS") or []]

    async def extensions_calls(self) -> list[dict[str, Any]]:
        """Active calls per extension (`GetExtensionsCalls`), as the vendor sends them."""
        data = await self._post(
            "GetExtensionsCalls",
            self.settings.extensions_calls_url,
            {"code": self._code("GetExtensionsCalls")},
        )
        self._check_err("GetExtensionsCalls", data)
        return list(data.get("EXTENSIONS") or [])

    async def queues_callers(self) -> list[dict[str, Any]]:
        """Callers waiting per queue (`GetQueuesCallers`), as the vendor sends them."""
        data = await self._post(
            "GetQueuesCallers",
            self.settings.queues_callers_url,
            {"code": self._code("GetQueuesCallers")},
        )
        self._check_err("GetQueuesCallers", data)
        return list(data.get("QUEUES") or [])

    @staticmethod
    def _check_err(api: str, data: Any) -> None:
        if not isinstance(data, dict):
            raise VendorApiError(api, "format", "answer is not an object")
        err = data.get("ERR", 0)
        if err not in (0, "0"):
            raise VendorApiError(api, err, str(data.get("DESC", "")))

    # ------------------------------------------------------------ actions

    async def set_status(self, user_id: str, extension_user: str, status: int) -> None:
        """Login/Logout API: set the status of the user on an extension."""
        data = await self._post(
            "LoginLogout",
            self.settings.login_logout_url,
            {
                "Code": self._code("LoginLogout"),
                "UserId": user_id,
                "ExtensionUser": extension_user,
                "Status": status,
            },
        )
        if not isinstance(data, dict):
            raise VendorApiError("LoginLogout", "format", "answer is not an object")
        if str(data.get("Status")) != "1":
            raise VendorApiError(
                "LoginLogout", data.get("Status"), str(data.get("StatusErroMessage", ""))
            )

    async def click2call(self, phone: str, target: str, *, record: bool = True) -> Click2CallResult:
        """Click2Call: ring `phone` (the agent's extension), then dial `target`."""
        data = await self._post(
            "Click2Call",
            self.settings.click2call_url,
            {
                "code": self._code("Click2Call"),
                "phone": phone,
                "target": target,
                "action": "call",
                "record": "true" if record else "false",
                "format": "json",
            },
        )
        if not isinstance(data, dict):
            raise VendorApiError("Click2Call", "format", "answer is not an object")
        err = data.get("ERRORCODE", data.get("ErrorCode", 0))
        if str(err) != "0":
            raise VendorApiError(
                "Click2Call", err, str(data.get("ERRORMESSAGE", data.get("ErrorMessage", "")))
            )
        return Click2CallResult(call_id=str(data.get("CALLID", data.get("CallID", ""))))
