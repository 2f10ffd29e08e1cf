"""SQLite store alone: CDR inserts per second, one at a time and concurrent (group commit).

.venv/bin/python bench/cdr_store.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cdr_intake import encode, make_cdr
from wallboard.store.db import Store
from wallboard.voicenter.cdr import parse_cdr

N = 5000


async def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        store = Store(Path(d) / "bench.sqlite")
        store.open()
        bodies = [encode(make_cdr(i, 1_700_000_000), i % 3) for i in range(N)]
        t = time.perf_counter()
        parsed = [parse_cdr(b, c) for b, c in bodies]
        print(f"parse (JSON/form/XML-RPC mix): {N / (time.perf_counter() - t):,.0f} CDRs/s")
        serial = 500
        t = time.perf_counter()
        for (cdr, enc), (raw, ct) in zip(parsed[:serial], bodies, strict=False):
            await store.store_cdr(
                cdr, raw, received=0.0, source="webhook", encoding=enc.value, content_type=ct
            )
        print(f"insert one at a time (a commit each): {serial / (time.perf_counter() - t):,.0f}/s")
        commits0 = store.commits
        t = time.perf_counter()
        await asyncio.gather(
            *(
                store.store_cdr(
                    cdr, raw, received=0.0, source="webhook", encoding=enc.value, content_type=ct
                )
                for (cdr, enc), (raw, ct) in zip(parsed[serial:], bodies[serial:], strict=True)
            )
        )
        rate = (N - serial) / (time.perf_counter() - t)
        print(
            f"insert concurrently (group commit): {rate:,.0f}/s"
            f" in {store.commits - commits0} commits"
        )
        store.close()


if __name__ == "__main__":
    asyncio.run(main())
