"""The worklist page's filters: by queues, newest or oldest first, pages; the counts."""

from __future__ import annotations

import pytest

from wallboard.core.worklist import (
    CallbackRow,
    WorkItem,
    WorklistFilter,
    page_of,
    waiting_by_queue,
)

T0 = 1_772_442_000.0


def item(
    n: int, queue: int | None, ago: int, *, reached: bool = False, called: bool = False
) -> WorkItem:
    at = T0 - ago
    presses = (CallbackRow(f"c{n}", f"05000000{n:02d}", "rina", 209, at + 5, True, "x"),)
    return WorkItem(
        call_id=f"c{n}",
        number=f"05000000{n:02d}",
        queue_id=queue,
        queue_name={101: "Sales", 102: "Support", None: ""}.get(queue, "Other"),
        abandoned_at=at,
        wait=30,
        abandons=1,
        callbacks=presses if called else (),
        reached_at=at + 60 if reached else None,
    )


ITEMS = [
    item(1, 101, 9 * 3600),  # nine hours old: the oldest
    item(2, 102, 600),
    item(3, 101, 60),  # the newest
    item(4, None, 300),  # a call without a queue
    item(5, 101, 1200, reached=True),
    item(6, 102, 1800, called=True),
]


def numbers(items: list[WorkItem]) -> list[str]:
    return [i.call_id for i in items]


def test_newest_first_by_default_and_oldest_first_on_request() -> None:
    assert numbers(WorklistFilter().apply(ITEMS)) == ["c3", "c4", "c2", "c5", "c6", "c1"]
    oldest = WorklistFilter(newest_first=False).apply(ITEMS)
    assert numbers(oldest) == ["c1", "c6", "c5", "c2", "c4", "c3"]


def test_a_queue_filter_keeps_its_queues_only_and_never_a_call_without_one() -> None:
    sales = WorklistFilter(frozenset({101})).apply(ITEMS)
    assert numbers(sales) == ["c3", "c5", "c1"]
    assert all(i.queue_id == 101 for i in sales)
    # An empty set (a board of queues outside the reader's): nothing, not everything.
    assert WorklistFilter(frozenset()).apply(ITEMS) == []


def test_waiting_counts_per_queue_leave_out_the_reached_and_called_back() -> None:
    assert waiting_by_queue(ITEMS) == {101: 2, 102: 1, None: 1}
    assert [i.waiting for i in ITEMS] == [True, True, True, True, False, False]


def test_pages_hold_every_item_once_and_clamp_the_page_number() -> None:
    items = list(range(53))
    pages = [page_of(items, n, 25) for n in (1, 2, 3)]
    assert [p.items for p in pages] == [tuple(range(25)), tuple(range(25, 50)), (50, 51, 52)]
    assert {(p.pages, p.total) for p in pages} == {(3, 53)}
    # Past the end (the list shrank under an open page): the last page; below 1: the first.
    assert page_of(items, 9, 25).number == 3 and page_of(items, 9, 25).items == (50, 51, 52)
    assert page_of(items, 0, 25).number == 1
    empty = page_of([], 4, 25)
    assert (empty.items, empty.number, empty.pages, empty.total) == ((), 1, 1, 0)
    with pytest.raises(ValueError, match="at least one"):
        page_of(items, 1, 0)
