"""Named, owned background tasks: every task has a name, an owner that cancels it on
shutdown, and its exception logged (never an orphan `create_task`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

__all__ = ["TaskOwner"]

log = logging.getLogger(__name__)


class TaskOwner:
    """Starts named tasks and cancels them all on `close()`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run `coro` as task `<owner>.<name>`; its failure is logged, not lost."""
        task = asyncio.get_running_loop().create_task(coro, name=f"{self.name}.{name}")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("task %s failed", task.get_name(), exc_info=exc)

    @property
    def running(self) -> list[str]:
        """Names of the tasks still running."""
        return sorted(t.get_name() for t in self._tasks)

    async def close(self) -> None:
        """Cancel every task and wait for them to finish."""
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
