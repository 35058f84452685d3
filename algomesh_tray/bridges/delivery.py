"""Delivering one bridge's messages: a bounded queue and a task that sends from it. No Qt.

Each bridge has its own queue and task, so a slow or failing service never delays notifications or
the listener. Delivery retries with back-off, honours HTTP 429 ``retry_after`` (and each service's
own rate-limit answer), does not retry what the service refused, and when the queue is full drops
the oldest message and counts it. What each service is sent is in its own module (telegram,
discord, webhook); which bridges run is the hub's (hub.py).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import math
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..feed.records import TradeRecord
from ..util.backoff import backoff_delays
from ..util.formatting import safe_text
from ..util.guard import guarded
from .request import BridgeRequest

if TYPE_CHECKING:
    import httpx


__all__ = ["Bridge", "BridgeStatus", "matches_filter"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class BridgeStatus:
    """What the Settings window shows under a bridge."""

    sent: int = 0
    dropped: int = 0
    failed: int = 0
    queued: int = 0
    last_error: str = ""
    last_sent_at: float | None = None

    def describe(self) -> str:
        text = f"{self.sent:,} sent"
        if self.queued:
            text += f", {self.queued:,} waiting"
        if self.dropped:
            text += f", {self.dropped:,} dropped (queue full)"
        if self.failed:
            text += f", {self.failed:,} failed"
        if self.last_error:
            text += f". Last error: {self.last_error}"
        return text


def matches_filter(record: TradeRecord, words: str) -> bool:
    """Every word appears in the strategy, symbol, action, trade type or status (any case)."""
    signal = record.signal
    haystack = " ".join(
        (signal.strategy_name, signal.symbol, signal.action, signal.trade_type, signal.status, signal.order_type)
    ).lower()
    return all(word in haystack for word in words.lower().split())


def _seconds(value: object) -> float | None:
    """A usable wait: a finite, non-negative number; None for anything else (a date, "soon", -1, NaN, true)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
    except (ValueError, OverflowError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from a 429: Telegram's parameters.retry_after, Discord's retry_after, or the header.

    The answer is untrusted: any other shape gives None (the usual back-off), never an exception.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    fields = body if isinstance(body, dict) else {}
    parameters = fields.get("parameters")
    nested = parameters.get("retry_after") if isinstance(parameters, dict) else None
    for value in (fields.get("retry_after"), nested, response.headers.get("retry-after")):
        if (seconds := _seconds(value)) is not None:
            return seconds
    return None


def _reason(body: object) -> str:
    """The service's own words in an error answer: Telegram's description, Discord's message, ntfy's
    error, Gotify's errorDescription (or error), Pushover's errors list; a text answer as it is."""
    if not isinstance(body, dict):
        return str(body)
    for key in ("description", "errorDescription", "message", "error"):
        if isinstance(value := body.get(key), str) and value:
            return value
    errors = body.get("errors")
    if isinstance(errors, list):
        return "; ".join(str(error) for error in errors)
    return ""


def _error_text(service: str, response: httpx.Response, secrets: tuple[str, ...] = ()) -> str:
    """The service's own reason, shortened, in a sentence; a secret it echoes (a proxy's error page
    quoting the headers) is blotted out."""
    try:
        body = response.json()
    except ValueError:
        body = response.text
    reason = _reason(body)
    for secret in secrets:
        if secret:
            reason = reason.replace(secret, "•••")
    hint = {401: " (check the token)", 403: " (no permission)", 404: " (check the address or chat)"}.get(
        response.status_code, ""
    )
    return f"{service} answered HTTP {response.status_code}{hint}: {safe_text(reason, 160)}".rstrip(": ")


@dataclass(slots=True)
class _Pending:
    record: TradeRecord | None
    request: BridgeRequest
    done: asyncio.Future[str] | None = field(default=None)


class Bridge:
    """Delivers records to one service from a bounded queue, in order, off the caller's path."""

    def __init__(
        self,
        service: str,
        build_request: Callable[[TradeRecord], BridgeRequest],
        *,
        client: httpx.AsyncClient,
        words: str = "",
        max_queue: int = 500,
        max_attempts: int = 5,
        initial_delay: float = 1.0,
        max_delay: float = 60.0,
        on_status: Callable[[BridgeStatus], None] = lambda status: None,
    ) -> None:
        self.service = service
        self.words = words
        self.status = BridgeStatus()
        self._build_request = build_request
        self._client = client
        self._queue: collections.deque[_Pending] = collections.deque()
        self._max_queue = max_queue
        self._max_attempts = max_attempts
        self._initial_delay = initial_delay
        self._max_delay = max_delay
        # A fault in the owner's status handling is logged, never the end of deliveries.
        self._on_status = guarded(on_status, what=f"the {service} bridge's status callback", logger=log)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"bridge-{self.service}")

    async def close(self) -> list[TradeRecord]:
        """Stop delivering; returns the signals still waiting, so a replacement bridge can take them."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        waiting = [pending.record for pending in self._queue if pending.record is not None]
        self._queue.clear()
        return waiting

    def submit(self, records: list[TradeRecord]) -> None:
        """Queue the records this bridge's filter lets through; never blocks."""
        for record in records:
            if matches_filter(record, self.words):
                self._enqueue(_Pending(record, self._build_request(record)))
        self._publish()

    def send_test(self, record: TradeRecord) -> asyncio.Future[str]:
        """Queue a test message (ahead of nothing: it waits its turn); resolves with the outcome."""
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._enqueue(_Pending(None, self._build_request(record), done))
        self._publish()
        return done

    def send(self, request: BridgeRequest) -> None:
        """Queue a message that is not a trade (an engine alert): past the filter, same queue and retries."""
        self._enqueue(_Pending(None, request))
        self._publish()

    def _enqueue(self, pending: _Pending) -> None:
        if len(self._queue) >= self._max_queue:
            dropped = self._queue.popleft()
            self.status.dropped += 1
            if dropped.done is not None and not dropped.done.done():
                dropped.done.set_result("dropped: the queue was full")
        self._queue.append(pending)
        self._wake.set()

    def _publish(self) -> None:
        self.status.queued = len(self._queue)
        self._on_status(self.status)

    async def _run(self) -> None:
        while True:
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            pending = self._queue.popleft()  # in flight: no longer the queue's to drop
            self._publish()
            try:
                outcome = await self._deliver(pending.request)
            except Exception as error:  # a bug or an odd answer costs this message, not the bridge
                outcome = f"could not send to {self.service}: unexpected {type(error).__name__} (see the log)"
                # Where it happened, but not the message: it may quote the URL, which may hold a secret.
                frames = "".join(traceback.format_tb(error.__traceback__))
                log.error("%s bridge: unexpected %s\n%s", self.service, type(error).__name__, frames)
            if outcome is None:
                self.status.sent += 1
                self.status.last_sent_at = time.time()
                self.status.last_error = ""
            else:
                self.status.failed += 1
                self.status.last_error = outcome
                log.warning("%s bridge: %s", self.service, outcome)
            if pending.done is not None and not pending.done.done():
                pending.done.set_result(outcome or "sent")
            self._publish()

    async def _deliver(self, request: BridgeRequest) -> str | None:
        """None when delivered; otherwise why it was given up."""
        import httpx

        delays = backoff_delays(initial=self._initial_delay, cap=self._max_delay)
        problem = ""
        for _attempt in range(self._max_attempts):
            try:
                response = await self._client.post(request.url, json=request.payload, headers=request.headers)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol):  # retrying cannot mend the address
                hint = " (check the token)" if self.service == "telegram" else ""
                return f"the {self.service} address is not valid{hint}"
            except UnicodeEncodeError:  # a pasted token with a character no HTTP header can carry
                return f"the {self.service} token holds a character that cannot be sent (retype it)"
            except httpx.TimeoutException:
                problem = f"{self.service} did not answer in time"
            except httpx.HTTPError as error:
                problem = f"cannot reach {self.service} ({type(error).__name__})"
            else:
                if response.is_success:
                    return None
                if response.status_code == 429:
                    wait = _retry_after(response)
                    problem = f"{self.service} is rate-limiting (HTTP 429)"
                    await asyncio.sleep(min(wait if wait is not None else next(delays), 3600))
                    continue
                if response.status_code < 500:
                    return _error_text(self.service, response, request.secrets)  # our request is wrong: no retry
                problem = _error_text(self.service, response, request.secrets)
            self.status.last_error = problem + "; retrying"
            self._on_status(self.status)
            await asyncio.sleep(next(delays))
        return f"{problem}; gave up after {self._max_attempts} attempts"
