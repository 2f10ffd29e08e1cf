"""Give freed memory back to the operating system after a one-off burst.

Python frees objects into its allocator and glibc's heap, which keep the pages: after
the demo stores a big floor's past (a million CDRs pass through memory once) the process
would stay at its peak for good, hiding any later growth behind reused pages (measured:
1.27 GB resident with 2,000 agents, flat for minutes). `malloc_trim` hands the free pages
back. Elsewhere than glibc there is no such call and nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc

__all__ = ["give_back"]


def give_back() -> None:
    """Collect garbage, then return the heap's free pages to the system (glibc only)."""
    gc.collect()
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)
