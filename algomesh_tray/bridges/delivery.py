"""Delivering one bridge's messages from the outbox: in order, until each is delivered. No Qt.

What a bridge is to send is in the trade log's database (log/outbox.py), written with the signal or
when the engine alert is raised, so nothing waits in memory: a quit, a crash or a settings change
loses nothing, and a message in flight at a crash may go twice, never zero times. Each bridge has
its own task, so a slow or failing service never delays notifications, the listener or the other
bridges. A failure that may pass (no network, a timeout, 5xx, 429) is retried with back-off for as
long as it takes, honouring 429's ``retry_after`` and each service's own rate-limit answer; one that
will not (any other 4xx) pauses the bridge until its settings change, and says so once. A backlog
older than ``max_age`` or longer than ``max_backlog`` is not replayed message by message: one note
says how many were not forwarded, from when to when, and why. What each service is sent is in its
own module (telegram, discord, webhook); which bridges run is the hub's (hub.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from ..feed.protocol import StrategySignal
from ..util.backoff import backoff_delays
from ..util.formatting import format_duration, format_time, safe_text
from ..util.guard import guarded
from .request import BridgeRequest, Notice

if TYPE_CHECKING:
    import httpx

    from ..feed.records import TradeRecord
    from ..log.outbox import Backlog, Outbox, OutboxItem


__all__ = ["MAX_BACKLOG", "Attempt", "Bridge", "BridgeStatus", "OutboxAccess", "attempt", "matches_filter"]

log = logging.getLogger(__name__)
_T = TypeVar("_T")

#: Runs a job on the outbox (on the trade log's writer thread): SignalPipeline.outbox.
OutboxAccess = Callable[[Callable[["Outbox"], _T]], Awaitable[_T]]

#: A backlog longer than this is folded into one note (a 20,000-signal burst still goes out whole).
MAX_BACKLOG = 20_000
#: Messages read from the outbox at a time.
_BATCH = 100
#: The status is told at most this often while messages stream out, seconds.
_STATUS_EVERY = 0.25


@dataclass(slots=True)
class BridgeStatus:
    """What Settings, the tray tooltip and the status bar show of a bridge."""

    sent: int = 0
    waiting: int = 0
    #: Messages given up because of a fault of ours (see the log), not the service's.
    failed: int = 0
    last_try_at: float | None = None
    last_error: str = ""
    #: Why deliveries stopped until the bridge's settings change (a refusal that retrying cannot mend).
    paused: str = ""

    def describe(self) -> str:
        """'12 sent, 37 waiting, last try 12:03:10: telegram answered HTTP 503'."""
        text = f"{self.sent:,} sent"
        if self.waiting:
            text += f", {self.waiting:,} waiting"
        if self.failed:
            text += f", {self.failed:,} could not be sent (see the log)"
        if self.paused:
            return f"{text}. Paused until its settings change: {self.paused}"
        if self.last_error and self.last_try_at is not None:
            text += f", last try {format_time(self.last_try_at)}: {self.last_error}"
        return text

    @property
    def troubled(self) -> bool:
        """Worth a line in the tray tooltip and the status bar: paused, or failing with messages waiting."""
        return bool(self.paused or (self.waiting and self.last_error))


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of one try: delivered (no ``problem``), or why not, and whether to try again."""

    problem: str = ""
    retry: bool = False
    #: Our fault, not the service's (a bug, a value that cannot be encoded): this message is given up.
    broken: bool = False
    #: How long the service asked us to wait (429), if it said.
    wait: float | None = None


def matches_filter(signal: StrategySignal, words: str) -> bool:
    """Every word appears in the strategy, symbol, action, trade type or status (any case)."""
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


async def attempt(client: httpx.AsyncClient, service: str, request: BridgeRequest) -> Attempt:
    """One POST of ``request``; never raises for what the network or the service does."""
    import httpx

    try:
        response = await client.post(request.url, json=request.payload, headers=request.headers)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):  # retrying cannot mend the address
        hint = " (check the token)" if service == "telegram" else ""
        return Attempt(f"the {service} address is not valid{hint}")
    except UnicodeEncodeError:  # a pasted token with a character no HTTP header can carry
        return Attempt(f"the {service} token holds a character that cannot be sent (retype it)")
    except httpx.TimeoutException:
        return Attempt(f"{service} did not answer in time", retry=True)
    except httpx.HTTPError as error:
        return Attempt(f"cannot reach {service} ({type(error).__name__})", retry=True)
    except Exception as error:  # a bug or an odd value costs this message, not the bridge
        # Where it happened, but not the message: it may quote the URL, which may hold a secret.
        frames = "".join(traceback.format_tb(error.__traceback__))
        log.error("%s bridge: unexpected %s\n%s", service, type(error).__name__, frames)
        return Attempt(f"could not send to {service}: unexpected {type(error).__name__} (see the log)", broken=True)
    if response.is_success:
        return Attempt()
    if response.status_code == 429:
        return Attempt(f"{service} is rate-limiting (HTTP 429)", retry=True, wait=_retry_after(response))
    # Our request is wrong (4xx): trying again cannot help. The service's trouble (5xx) may pass.
    return Attempt(_error_text(service, response, request.secrets), retry=response.status_code >= 500)


def _delivered(bridge: str, item: OutboxItem, outbox: Outbox) -> None:
    outbox.delivered(bridge, item)


class Bridge:
    """Delivers one bridge's messages from the outbox, in order, off the caller's path.

    ``trade`` and ``notice`` build the requests (with the secrets of the moment). ``wake`` after new
    rows are written. ``on_refused(message)`` is said once when the service refuses (4xx): the bridge
    pauses until it is rebuilt (a settings change does that).
    """

    def __init__(
        self,
        service: str,
        trade: Callable[[TradeRecord], BridgeRequest],
        notice: Callable[[Notice], BridgeRequest],
        *,
        client: httpx.AsyncClient,
        outbox: OutboxAccess[Any],
        label: str = "",
        max_age: float = 24 * 3600,
        max_backlog: int = MAX_BACKLOG,
        initial_delay: float = 1.0,
        max_delay: float = 300.0,
        clock: Callable[[], float] = time.time,
        on_status: Callable[[BridgeStatus], None] = lambda status: None,
        on_refused: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.service = service
        self.label = label or service
        self.status = BridgeStatus()
        self._build_trade = trade
        self._build_notice = notice
        self._client = client
        self._outbox = outbox
        self._max_backlog = max_backlog
        self._initial_delay = initial_delay
        self._max_delay = max_delay
        self._clock = clock
        # A fault in the owner's status handling is logged, never the end of deliveries.
        self._on_status = guarded(on_status, what=f"the {service} bridge's status callback", logger=log)
        self._on_refused = guarded(on_refused, what=f"the {service} bridge's refusal callback", logger=log)
        self._wake = asyncio.Event()
        self._wake.set()  # look at the outbox once at the start: a backlog from the last run
        self._task: asyncio.Task[None] | None = None
        self._publish_timer: asyncio.TimerHandle | None = None
        #: Seconds after which a backlog is folded into one note (Settings: bridge_backlog_hours).
        self.max_age = max_age

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"bridge-{self.service}")

    async def close(self) -> None:
        """Stop delivering; what was not delivered stays in the outbox for the next bridge or run."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._publish_timer is not None:
            self._publish_timer.cancel()
            self._publish_timer = None

    def wake(self) -> None:
        """New messages are in the outbox."""
        self._wake.set()

    @property
    def stopped(self) -> bool:
        """Paused after a refusal (or never started): a settings save starts it afresh."""
        return self._task is None or self._task.done()

    async def _run(self) -> None:
        delays = backoff_delays(initial=self._initial_delay, cap=self._max_delay)
        while True:
            try:
                if not await self._drain():
                    return  # refused: paused until the settings change
                delays = backoff_delays(initial=self._initial_delay, cap=self._max_delay)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the trade log cannot be read or written now (locked, disk full)
                self.status.last_error = f"the trade log cannot be read ({type(error).__name__})"
                self.status.last_try_at = self._clock()
                log.error("%s bridge: %s; retrying", self.service, error)
                self._publish(now=True)
                await asyncio.sleep(next(delays))
                self._wake.set()

    async def _drain(self) -> bool:
        """Wait for messages, deliver all there are; False when a refusal pauses the bridge."""
        await self._wake.wait()
        self._wake.clear()  # before reading: rows written from now on wake it again
        # Folded before each batch: a backlog that grew old or long during an outage is said in one note.
        while True:
            await self._outbox(self._fold)
            items = await self._outbox(lambda outbox: outbox.waiting(self.service, _BATCH))
            if not items:
                break
            self.status.waiting = await self._outbox(lambda outbox: outbox.count(self.service))
            for item in items:
                if not await self._deliver(item):
                    return False
                await self._outbox(partial(_delivered, self.service, item))
                self.status.waiting = max(0, self.status.waiting - 1)
                self._publish()
        self.status.waiting = 0
        self._publish(now=True)
        return True

    async def _deliver(self, item: OutboxItem) -> bool:
        """Try ``item`` until it is delivered (True) or refused (False); a message that cannot even be
        built or sent (a bug) is logged and given up, so it cannot hold up the others."""
        try:
            request = self._request(item)
        except Exception as error:
            frames = "".join(traceback.format_tb(error.__traceback__))  # not the message: it may quote a secret
            log.error("%s bridge: message %d skipped: unexpected %s\n%s", self.service, item.id,
                      type(error).__name__, frames)  # fmt: skip
            self.status.failed += 1
            return True
        delays = backoff_delays(initial=self._initial_delay, cap=self._max_delay)
        while True:
            result = await attempt(self._client, self.service, request)
            self.status.last_try_at = self._clock()
            if not result.problem:
                self.status.sent += 1
                self.status.last_error = ""
                return True
            self.status.last_error = result.problem
            if result.broken:
                self.status.failed += 1
                return True
            if not result.retry:
                self.status.paused = result.problem
                log.warning("%s bridge paused: %s", self.service, result.problem)
                self._publish()
                self._on_refused(
                    f"{self.label} refused a message: {result.problem}. Nothing more is sent to {self.label} "
                    "until its settings change; its messages are kept."
                )
                return False
            log.warning("%s bridge: %s; retrying", self.service, result.problem)
            self._publish()
            wait = result.wait if result.wait is not None else next(delays)
            await asyncio.sleep(min(wait, 3600))

    def _request(self, item: OutboxItem) -> BridgeRequest:
        if item.record is not None:
            return self._build_trade(item.record)
        return self._build_notice(Notice.from_dict(item.notice or {}))

    def _fold(self, outbox: Outbox) -> Backlog | None:
        """On the writer thread: a backlog too old or too long becomes one note."""
        now = self._clock()
        backlog = outbox.fold(self.service, older_than=now - self.max_age, keep=self._max_backlog, now=now,
                              note=self._backlog_note)  # fmt: skip
        if backlog is not None:
            first, last = format_time(backlog.first), format_time(backlog.last)
            log.warning("%s bridge: %d signals and %d alerts not forwarded (%s to %s)", self.service,
                        backlog.trades, backlog.notices, first, last)  # fmt: skip
        return backlog

    def _backlog_note(self, backlog: Backlog) -> dict[str, Any]:
        """The note that stands for a backlog: how many, from when to when, and why."""
        count = f"{backlog.trades:,} signal{'s' if backlog.trades != 1 else ''}"
        if backlog.notices:
            count += f" and {backlog.notices:,} engine alert{'s' if backlog.notices != 1 else ''}"
        if backlog.stale:
            why = f"they waited longer than {format_duration(self.max_age)}"
        else:
            why = f"more than {self._max_backlog:,} messages were waiting"
        if self.status.last_error:
            why += f" (last error: {self.status.last_error})"
        title = f"AlgoMesh Tray: {count} not forwarded"
        body = (f"From {format_time(backlog.first)} to {format_time(backlog.last)}, {count} were not forwarded "
                f"here: {why}. The trade log in AlgoMesh Tray has every one.")  # fmt: skip
        return Notice("note", title, safe_text(body, 900), backlog.first).as_dict()

    def _publish(self, *, now: bool = False) -> None:
        """Tell the status; while messages stream out, at most every quarter second (the tray and the
        windows redraw for each)."""
        if now or self.status.paused or self.status.last_error:
            self._publish_now()
        elif self._publish_timer is None:
            self._publish_timer = asyncio.get_running_loop().call_later(_STATUS_EVERY, self._publish_now)

    def _publish_now(self) -> None:
        if self._publish_timer is not None:
            self._publish_timer.cancel()
            self._publish_timer = None
        self._on_status(self.status)
