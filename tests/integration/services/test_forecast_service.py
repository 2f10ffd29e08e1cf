"""The forecast service on a real store: weeks read once, today fed, a late CDR read again,
and each reader's queues only."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import CDR
from tests.integration.services import test_history_days as history_tests
from wallboard.services import forecast as forecast_service
from wallboard.services.forecast import ForecastService, floor_outlook
from wallboard.services.intake import CdrIntake

pytestmark = pytest.mark.integration

# The store and intake of the history tests (a fixture), and how they post CDRs.
intake = history_tests.intake
_post = history_tests._post

BASE = json.loads((CDR / "incoming-queue-answer.json").read_text())
TODAY = date(2026, 11, 24)  # a Tuesday
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC).timestamp()  # 12:00 in Israel
SALES, SUPPORT = 100, 101


def _wall(day: date, hour: int, minute: int) -> int:
    """Israel's wall clock read as epoch: how the vendor stamps a CDR's `time`."""
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC).timestamp())


def _body(cid: str, t: int, queue: int, answered: bool = True) -> bytes:
    d: dict[str, Any] = dict(
        BASE,
        ivruniqueid=cid,
        time=t,
        status="ANSWER" if answered else "ABANDONE",
        seconds_waiting_in_queue=12 if answered else 60,
        queueid=queue,
        queuename="Sales" if queue == SALES else "Support",
        targetextension="SIP1" if answered else "",
        duration=240 if answered else 0,
    )
    return json.dumps(d).encode()


def _day(day: date, per_half_hour: int, hours: range = range(8, 18)) -> list[bytes]:
    out = []
    for queue in (SALES, SUPPORT):
        for h in hours:
            for half in (0, 30):
                for i in range(per_half_hour):
                    cid = f"{day}-{queue}-{h}-{half}-{i}"
                    out.append(_body(cid, _wall(day, h, half + i), queue, answered=i % 5 != 0))
    return out


async def test_the_day_ahead_from_the_stored_weeks(intake: CdrIntake) -> None:
    past = []
    for k in range(1, 29):
        day = TODAY - timedelta(days=k)
        past += _day(day, 6 if day.weekday() == TODAY.weekday() else 3, range(8, 12))
    await intake.import_bodies([(b, "application/json") for b in past], "test")
    service = ForecastService(intake, intake.settings)
    # This morning, 08:00–11:30: 9 calls a half-hour, half again the usual Tuesday's 6.
    await _post(intake, _day(TODAY, 9, range(8, 12)))
    targets = {SALES: 0.8, SUPPORT: 0.8}.get
    outlook = await service.outlook(NOW, targets)
    assert outlook.weeks == 4 and outlook.day == TODAY.isoformat()
    assert service.days_read == forecast_service.LOOKBACK_DAYS
    sales = outlook.queues[SALES]
    assert sales.forecast.offered[16] == pytest.approx(6)  # 08:00: the Tuesdays' 6
    assert sales.actual[16] == 9
    # 12:00 now: the half-hours that ended 15 minutes ago or more are settled, 08:00–11:00
    # (11:30–12:00 ended just now: calls still talking have no CDR yet).
    assert outlook.counted == 23
    assert sales.ratio == pytest.approx((7 * 9 + 20) / (7 * 6 + 20))
    assert sales.ratio is not None
    assert sales.plans[23].expected == pytest.approx(6 * sales.ratio)
    assert sales.patience is not None
    a, c = sales.plans[23].erlang_a, sales.plans[23].erlang_c
    assert a is not None and c is not None and a <= c
    assert sales.plans[23].handle == pytest.approx(240 + intake.settings.kpi.wrap_seconds)

    # A reader of Sales only never gets Support; the floor is the sum of a reader's queues.
    mine = outlook.restrict(frozenset({SALES}))
    assert list(mine) == [SALES]
    both = floor_outlook(outlook, outlook.queues.values())
    assert both is not None and both.forecast.offered[16] == pytest.approx(12)

    # Cached for a minute: nothing read again.
    assert await service.outlook(NOW, targets) is outlook
    # A late CDR for a closed day: that day alone is read again at the next look.
    late = _body("late-1", _wall(TODAY - timedelta(days=7), 9, 10), SALES)
    await _post(intake, [late])
    service._cached_at = time.monotonic() - forecast_service.CACHE_SECONDS
    again = await service.outlook(NOW, targets)
    assert service.days_read == forecast_service.LOOKBACK_DAYS + 1
    assert again.queues[SALES].forecast.offered[18] > sales.forecast.offered[18]
