"""The app's asyncio loop: qasync's, with ``call_soon`` callbacks run together.

qasync gives every ``call_soon`` a Qt timer of its own (started, fired, killed) after checking
with ``inspect`` that the callback is not a coroutine function: about 8 of them per signal (a
frame read, a future done, a task stepped...), a tenth of the app's time under a steady feed.
Here they wait in a queue, as in asyncio's own loops, and one zero-time Qt timer runs all those
queued when it fires; those they schedule run at the next one, after Qt's events. The callback
check runs in debug mode only, as in asyncio's loops, where qasync's own path is kept.

``call_later`` (and ``call_at``) get a single-shot Qt timer each, as in qasync, but not through
``QObject.killTimer``: in PySide 6.11 its overloads name ``Qt.TimerId``, and the first timer of the
app would build PySide's whole ``Qt`` namespace (93 enum classes, 1.9 MB) for nothing else.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from contextvars import Context
from functools import partial
from typing import Any

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

__all__ = ["BatchingEventLoop"]


class BatchingEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """qasync.QEventLoop whose ``call_soon`` callbacks share one Qt timer per turn of the loop."""

    def __init__(self, app: QApplication | None = None) -> None:
        super().__init__(app)
        self._ready: deque[asyncio.Handle] = deque()
        self._turn = QTimer(singleShot=True, interval=0)
        self._turn.timeout.connect(self._run_ready)

    def call_soon(self, callback: Callable[..., object], *args: Any, context: Context | None = None) -> asyncio.Handle:
        if self.get_debug():  # qasync's path: checks the callback, and times and names slow ones
            return super().call_soon(callback, *args, context=context)  # type: ignore[no-any-return]
        self._check_closed()
        handle = asyncio.Handle(callback, args, self, context=context)
        self._ready.append(handle)
        if not self._turn.isActive():
            self._turn.start()
        return handle

    def _add_callback(self, handle: asyncio.Handle, delay: float = 0) -> asyncio.Handle:
        """Where qasync's ``call_later`` puts a handle: run it once ``delay`` seconds have passed,
        unless it was cancelled or the loop closed meanwhile (qasync's rules, and its rounding)."""
        if self.get_debug():  # qasync's path: times and names slow callbacks
            return super()._add_callback(handle, delay)  # type: ignore[no-any-return]
        QTimer.singleShot(int(max(0, delay) * 1000), partial(self._run_timer, handle))
        return handle

    def _run_timer(self, handle: asyncio.Handle) -> None:
        if not handle.cancelled() and not self.is_closed():
            handle._run()

    def _run_ready(self) -> None:
        ready, self._ready = self._ready, deque()
        for handle in ready:
            if not handle.cancelled():
                handle._run()  # a callback's exception goes to the loop's exception handler

    def close(self) -> None:
        self._turn.stop()
        self._ready.clear()
        super().close()
