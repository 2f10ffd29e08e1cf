"""A call counts in its queue's department (configured, else learned), else its agent's:
abandoned calls, whose CDRs name no agent, no longer all fall in "—"."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.conftest import CDR
from wallboard.core.calls import Cdr
from wallboard.core.history import (
    NO_DEPARTMENT,
    build_history,
    csv_export,
    departments,
    from_summary,
    queue_departments,
    restrict,
    to_summary,
)
from wallboard.core.kpis import abandon_rate
from wallboard.core.models import FoldSettings
from wallboard.voicenter.cdr import parse_cdr

BASE = json.loads((CDR / "incoming-queue-answer.json").read_text())
T0 = int(datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp())
SALES, SUPPORT, BILLING = 101, 102, 103
SETTINGS = FoldSettings(sl_threshold=20, short_abandon=5, timezone="UTC")


def call(cid: str, queue: int, status: str, dept: str = "", at: int = T0) -> Cdr:
    """A queue call; an answered one names its agent's department, as the vendor's CDR does."""
    d = dict(BASE, ivruniqueid=cid, time=at, status=status, queueid=queue, caller=f"05{cid:0>8}")
    d.update(queuename={SALES: "Sales", SUPPORT: "Support", BILLING: "Billing"}[queue])
    d.update(seconds_waiting_in_queue=40, DepartmentName=dept)
    if status != "ANSWER":
        d.update(targetextension="", representative_name="", duration=0)
    return parse_cdr(json.dumps(d).encode())[0]


def test_abandons_count_in_the_department_that_answers_their_queue() -> None:
    cdrs = [
        # An abandon first: its queue's department is known only from later calls.
        call("1", SALES, "ABANDONE"),
        call("2", SALES, "ANSWER", "Sales Dept"),
        call("3", SALES, "ANSWER", "Sales Dept"),
        call("4", SALES, "ANSWER", "Support Dept"),  # a Support agent helping out
        call("5", SUPPORT, "ABANDONE"),
        call("6", SUPPORT, "ABANDONE"),
        call("7", SUPPORT, "ANSWER", "Support Dept"),
    ]
    day = build_history(cdrs, SETTINGS)["2026-03-02"]
    of_queue = queue_departments([day])
    assert of_queue == {SALES: "Sales Dept", SUPPORT: "Support Dept"}
    by = departments(day, of_queue)
    assert set(by) == {"Sales Dept", "Support Dept"}  # nothing in "—"
    sales, support = by["Sales Dept"], by["Support Dept"]
    # The Support agent's answer in Sales counts for Sales: the queue decides.
    assert (sales.offered, sales.answered, sales.abandoned) == (4, 3, 1)
    assert (support.offered, support.answered, support.abandoned) == (3, 1, 2)
    assert abandon_rate(sales) == 1 / 4 and abandon_rate(support) == 2 / 3
    assert sales.offered + support.offered == day.total.offered


def test_a_configured_department_wins_and_an_unknown_queue_falls_back() -> None:
    cdrs = [
        call("1", SALES, "ANSWER", "Sales Dept"),
        call("2", SALES, "ABANDONE"),
        call("3", BILLING, "ANSWER", "Finance"),  # no team, no learned majority needed
        call("4", SUPPORT, "ABANDONE"),  # nobody answered Support today, no team: "—"
    ]
    day = build_history(cdrs, SETTINGS)["2026-03-02"]
    of_queue = queue_departments([day], {SALES: "Front office", BILLING: ""})
    by = departments(day, of_queue)
    assert by["Front office"].offered == 2 and by["Front office"].abandoned == 1
    assert by["Finance"].answered == 1  # a blank configured name does not hide the learned one
    assert by[NO_DEPARTMENT].abandoned == 1
    assert "Sales Dept" not in by


def test_a_queue_learns_its_department_from_other_days() -> None:
    """Early in the day a queue may have only abandons: the days shown still name it."""
    yesterday = [call("1", SALES, "ANSWER", "Sales Dept", at=T0 - 86400)]
    today = [call("2", SALES, "ABANDONE")]
    days = build_history(yesterday + today, SETTINGS)
    of_queue = queue_departments(days.values())
    assert departments(days["2026-03-02"], of_queue)["Sales Dept"].abandoned == 1
    # The CSV names the same departments.
    assert "2026-03-02,department,,Sales Dept,1,0,1" in csv_export(days, of_queue)


def test_the_summary_keeps_what_attribution_needs_and_restrict_keeps_her_queues() -> None:
    cdrs = [call("1", SALES, "ANSWER", "Sales Dept"), call("2", SALES, "ABANDONE")]
    cdrs += [call("3", SUPPORT, "ANSWER", "Support Dept"), call("4", SUPPORT, "ABANDONE")]
    day = build_history(cdrs, SETTINGS)["2026-03-02"]
    back = from_summary(to_summary(day))
    assert back.queue_departments == day.queue_departments
    hers = restrict(back, frozenset({SALES}), None)
    by = departments(hers, queue_departments([hers]))
    assert set(by) == {"Sales Dept"} and by["Sales Dept"].offered == 2
