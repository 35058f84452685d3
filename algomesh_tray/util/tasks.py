"""The app's short background jobs (a settings save, a keyring write, a bridge test), kept track
of so that Quit can let them finish briefly instead of dropping them; and long file writes on a
thread of their own (an export), whose future the caller watches. No Qt."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

__all__ = ["BackgroundTasks", "in_own_thread"]

_T = TypeVar("_T")

log = logging.getLogger(__name__)


class BackgroundTasks:
    """Tasks started with ``spawn``; a reference is held until each ends (asyncio keeps only weak ones)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, job: Coroutine[Any, Any, Any], *, name: str | None = None) -> asyncio.Task[Any]:
        """Run ``job`` on the running loop; its failure is logged by the loop's exception handler."""
        task = asyncio.get_running_loop().create_task(job, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for the running jobs, then cancel the rest; returns how many."""
        if not self._tasks:
            return 0
        _done, unfinished = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in unfinished:
            log.warning("quitting before %s finished", task.get_name())
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished)
        return len(unfinished)


def in_own_thread(function: Callable[[], _T], *, name: str) -> Future[_T]:
    """Run ``function`` on a daemon thread of its own (a long write must not hold a pool's worker);
    the future gets its result or its exception."""
    future: Future[_T] = Future()
    future.set_running_or_notify_cancel()

    def run() -> None:
        try:
            future.set_result(function())
        except BaseException as error:  # handed to the future's owner
            future.set_exception(error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
