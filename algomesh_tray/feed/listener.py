"""The engine connection: connect, read frames, parse them, reconnect forever.

Pure asyncio (websockets' asyncio API), no Qt. It reports through callbacks so that any
front end (the tray, a test, a benchmark) can sit on top.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Literal
from urllib.parse import urlsplit

from ..util.backoff import backoff_delays
from ..util.deferred_import import imported_without
from ..util.guard import guarded
from .engines import DEFAULT_ENGINE_NAME, is_loopback
from .protocol import FrameRejected, OtherMessage, ReceivedSignal, RejectedSignal, parse_frame
from .status import ConnectionState, FeedCounters, ListenerStatus

# websockets reads its version from importlib.metadata only when unreleased, and finds the system's
# proxy with urllib.request as it connects: 4 MB of the idle app, loaded only if used (proxy_option).
with imported_without("importlib.metadata"), imported_without("urllib.request"):
    from websockets.asyncio.client import ClientConnection, connect
    from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI

__all__ = [
    "ConnectionState",
    "EngineListener",
    "FeedCounters",
    "ListenerStatus",
    "proxy_option",
]

log = logging.getLogger(__name__)

#: websockets closes the connection on a bigger frame, losing what follows; frames between
#: this and protocol.MAX_FRAME_BYTES are read and rejected one by one instead.
TRANSPORT_MAX_BYTES = 16 * 1024 * 1024


#: During a burst, websockets hands over buffered frames without returning to the event loop;
#: the listener steps aside every this many frames so the UI stays responsive.
YIELD_EVERY = 200


def proxy_option(
    environ: Mapping[str, str], platform: str = sys.platform, *, host: str | None = None
) -> Literal[True] | None:
    """websockets' ``proxy``: True (find the system's proxy, with urllib.request) unless that
    lookup can only come back empty, and then None (no proxy, and urllib.request not loaded).

    Outside Windows and macOS the system's proxies are the ``*_proxy`` variables alone
    (urllib.request.getproxies_environment): with none set, there is no proxy to find. An engine on
    this computer (``host``) is never reached through a proxy: a proxy elsewhere cannot reach it, and
    Windows' bypass check would resolve names on the event loop at every reconnect.
    """
    if host is not None and is_loopback(host):
        return None
    if platform in ("win32", "darwin"):
        return True
    return True if any(value and name.lower().endswith("_proxy") for name, value in environ.items()) else None


def _describe(error: BaseException) -> str:
    """A sentence a trader can act on, rather than an exception's repr."""
    if isinstance(error, ConnectionRefusedError):
        return "engine not running (connection refused)"
    if isinstance(error, InvalidStatus):
        return f"engine refused the connection (HTTP {error.response.status_code})"
    if isinstance(error, InvalidURI):
        return f"invalid engine address: {error.uri}"
    if isinstance(error, TimeoutError):
        return "engine did not answer in time"
    if isinstance(error, ConnectionClosed):
        return "connection to the engine was lost"
    if isinstance(error, OSError):
        return f"cannot reach the engine ({error.strerror or error})"
    return f"connection failed ({type(error).__name__}: {error})"


class _LogBudget:
    """At most ``burst`` lines at once and ``per_second`` after: a flood of garbage frames must not
    turn into a flood of log writes on the event loop (the Qt thread). Counts what it held back."""

    def __init__(self, *, burst: float = 20, per_second: float = 5) -> None:
        self._burst, self._per_second = burst, per_second
        self._tokens, self._refilled_at = burst, time.monotonic()
        self.held_back = 0

    def allows(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._refilled_at) * self._per_second)
        self._refilled_at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        self.held_back += 1
        return False


class EngineListener:
    """Keeps one connection to the engine open and hands every parsed frame to callbacks."""

    def __init__(
        self,
        url: str,
        *,
        name: str = DEFAULT_ENGINE_NAME,
        on_signal: Callable[[ReceivedSignal], None],
        on_status: Callable[[ListenerStatus], None] = lambda status: None,
        on_rejected: Callable[[str, RejectedSignal | None], None] = lambda reason, signal: None,
        delays: Callable[[], Iterator[float]] = backoff_delays,
        open_timeout: float = 5.0,
        ping_interval: float | None = 20.0,
    ) -> None:
        self._url = url
        #: The engine's name (feed/engines.py), carried by every signal and status.
        self.name = name
        self._on_signal = guarded(on_signal, what="the listener's signal callback", logger=log)
        self._on_status = guarded(on_status, what="the listener's status callback", logger=log)
        self._on_rejected = guarded(on_rejected, what="the listener's rejected-frame callback", logger=log)
        self._rejection_log = _LogBudget()
        self._delays = delays
        self._open_timeout = open_timeout
        self._ping_interval = ping_interval
        self._connection: ClientConnection | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.counters = FeedCounters()
        #: time.monotonic() of the last frame, or of the connection if none came since.
        self.last_frame_at: float | None = None
        self.status = ListenerStatus(ConnectionState.STOPPED, url, engine=name)

    @property
    def url(self) -> str:
        return self._url

    def start(self) -> None:
        """Run the connect/read/retry loop as a task on the running loop."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"engine-listener {self.name}")

    async def stop(self) -> None:
        """End the loop and close the connection; safe to call twice."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._set_status(ConnectionState.STOPPED, "stopped")

    def set_url(self, url: str) -> None:
        """Use a new engine address at once: the current attempt or connection is dropped."""
        self._url = url
        if self._task is not None and not self._task.done():
            self._task.cancel()
            self._task = None
            self.start()

    def reconnect_now(self) -> None:
        """Skip the remaining wait (or drop the current connection) and connect again."""
        self._wake.set()
        if self._connection is not None:
            asyncio.get_running_loop().create_task(self._connection.close())

    def _set_status(self, state: ConnectionState, detail: str = "", retry_in: float | None = None) -> None:
        self.status = ListenerStatus(state, self._url, detail, retry_in, self.name)
        self._on_status(self.status)

    async def _run(self) -> None:
        delays = self._delays()
        while True:
            self._wake.clear()
            connection: ClientConnection | None = None
            self._set_status(ConnectionState.CONNECTING, "connecting")
            try:
                async with connect(
                    self._url,
                    open_timeout=self._open_timeout,
                    ping_interval=self._ping_interval,
                    ping_timeout=self._ping_interval,
                    close_timeout=1.0,
                    max_size=TRANSPORT_MAX_BYTES,
                    proxy=proxy_option(os.environ, host=urlsplit(self._url).hostname),
                ) as connection:
                    self._connection = connection  # for reconnect_now
                    delays = self._delays()  # a good connection resets the back-off
                    self.last_frame_at = time.monotonic()
                    self._set_status(ConnectionState.CONNECTED, "connected")
                    log.info("connected to %s", self._url)
                    handled = 0
                    async for frame in connection:
                        self._handle(frame)
                        handled += 1
                        if handled % YIELD_EVERY == 0:
                            await asyncio.sleep(0)  # buffered frames would otherwise starve Qt
                reason = "the engine closed the connection"
            except asyncio.CancelledError:
                raise
            except Exception as error:  # every failure is retried: the engine may come back
                reason = _describe(error)
            finally:
                if self._connection is connection:
                    self._connection = None
            if self._wake.is_set():
                continue  # asked to reconnect (new address or "Reconnect now"): no wait
            delay = next(delays)
            log.info("disconnected from %s: %s; retrying in %.2f s", self._url, reason, delay)
            self._set_status(ConnectionState.DISCONNECTED, reason, retry_in=delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    def _handle(self, frame: str | bytes) -> None:
        received_at = time.time()
        self.last_frame_at = time.monotonic()
        try:
            message = parse_frame(frame)
        except FrameRejected as rejection:
            signal = RejectedSignal.of(rejection, frame, received_at) if isinstance(frame, str) else None
            self._reject(rejection.reason, signal)
            return
        except Exception:  # a parser bug must cost one frame, never the connection
            log.exception("could not parse a frame")
            self._reject("the frame could not be read (internal error, see the log)", None)
            return
        if isinstance(message, OtherMessage):
            self.counters.ignored += 1
            ignored = self.counters.ignored_types
            if message.type in ignored or len(ignored) < 100:
                ignored[message.type] = ignored.get(message.type, 0) + 1
            return
        self.counters.signals += 1
        assert isinstance(frame, str)  # parse_frame rejects binary frames
        self._on_signal(ReceivedSignal(message, received_at, frame, self.name))

    def _reject(self, reason: str, signal: RejectedSignal | None) -> None:
        self.counters.rejected += 1
        self.counters.last_rejection = reason
        if self._rejection_log.allows():
            held_back, self._rejection_log.held_back = self._rejection_log.held_back, 0
            more = f" ({held_back:,} more rejected since the last line)" if held_back else ""
            log.warning("rejected a frame from the engine: %s%s", reason, more)
        self._on_rejected(reason, signal)
