"""Waiting for something to happen, with a deadline: the suite's one way to synchronise.

Tests talk to real parts (sockets, SQLite files, programs, a desktop), so they wait for what they
expect, never for a length of time. ``wait_until`` polls from plain code (end-to-end tests, started
programs); ``wait_until_async`` from a coroutine, letting the event loop run the code under test.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

__all__ = ["wait_until", "wait_until_async"]


class _Deadline:
    def __init__(self, timeout: float, what: object) -> None:
        self._timeout = timeout
        self._what = what
        self._ends = time.monotonic() + timeout

    def check(self, predicate: Callable[[], object]) -> object:
        """``predicate()`` if it holds; None while there is time left; fails the test after that."""
        result = predicate()
        if result:
            return result
        if time.monotonic() > self._ends:
            raise AssertionError(f"timed out after {self._timeout} s waiting for {self._what or predicate}")
        return None


def wait_until(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.05) -> object:
    """Poll ``predicate`` until it returns something truthy (returned); fail saying ``what`` did not happen."""
    deadline = _Deadline(timeout, what)
    while not (result := deadline.check(predicate)):
        time.sleep(interval)
    return result


async def wait_until_async(
    predicate: Callable[[], object], timeout: float = 5.0, *, what: str = "", interval: float = 0.002
) -> object:
    """As ``wait_until``, from a coroutine: the loop runs between looks (not a timed wait)."""
    deadline = _Deadline(timeout, what)
    while not (result := deadline.check(predicate)):
        await asyncio.sleep(interval)
    return result
