"""What an open `/worklist` page does on each change of the list: cut it to the reader's
board and queue, order it, count the callers waiting per queue, take one page.

Builds today's worklist from N CDRs (the shapes of `bench/cdr_intake.py`: a fifth of the
queue calls abandoned, four queues) the way the service keeps it (`core.worklist.Worklist`),
then times one redraw's pure part for a few filters. The list is rebuilt only when it
changed (`bench/history_load.py` times that), so this runs at most once per change per
open tab.

    .venv/bin/python bench/worklist_page.py                  # 20,000 CDRs
    .venv/bin/python bench/worklist_page.py --cdrs 100000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cdr_intake import make_cdr
from wallboard.core.calls import Cdr
from wallboard.core.worklist import (
    WorkItem,
    Worklist,
    WorklistFilter,
    page_of,
    waiting_by_queue,
)

PAGE = 25
REPEAT = 50


def _redraw(items: list[WorkItem], chosen: WorklistFilter, board: WorklistFilter) -> int:
    """One redraw's pure work: the counts over the board, the chosen list, its first page."""
    counts = waiting_by_queue(i for i in items if board.keeps(i))
    listed = chosen.apply(items)
    page = page_of([i for i in listed if i.waiting], 1, PAGE)
    return len(page.items) + len(counts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cdrs", type=int, default=20_000)
    args = ap.parse_args()
    now = int(time.time())
    worklist = Worklist()
    for i in range(args.cdrs):
        worklist.add_cdr(Cdr.model_validate(make_cdr(i, now)))
    items = worklist.items()
    everything = WorklistFilter()
    filters = {
        "all queues, newest first": (everything, everything),
        "all queues, oldest first": (WorklistFilter(newest_first=False),) * 2,
        "one queue of a two-queue board": (
            WorklistFilter(frozenset({1001})),
            WorklistFilter(frozenset({1001, 1002})),
        ),
    }
    print(f"worklist of {len(items)} callers from {args.cdrs} CDRs; a page of {PAGE}")
    for name, (chosen, board) in filters.items():
        t0 = time.perf_counter()
        for _ in range(REPEAT):
            _redraw(items, chosen, board)
        took = (time.perf_counter() - t0) / REPEAT
        print(f"  {name:34s} {1000 * took:7.2f} ms per redraw")


if __name__ == "__main__":
    main()
