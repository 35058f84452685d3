"""Forwarding signals to Telegram, Discord and any JSON webhook. No Qt.

Each bridge has its own bounded queue and a task that delivers from it, so a slow or failing
service never delays notifications or the listener. Delivery retries with back-off, honours
HTTP 429 ``retry_after``, and when the queue is full drops the oldest message and counts it.
Each service gets the text formatted for it, with whatever its markup would interpret escaped.
Engine outage alerts go out the same way, past the trade filter, to bridges whose switch is on.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import math
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from ..feed.records import TradeRecord
from ..feed.signal_text import notification_body, notification_title
from ..util.backoff import backoff_delays
from ..util.formatting import escape_markup, format_amount, format_price, safe_text
from ..util.guard import guarded
from .kinds import bridge_kind

if TYPE_CHECKING:
    import httpx

    from ..feed.outage import EngineAlert

__all__ = [
    "Bridge",
    "BridgeRequest",
    "BridgeStatus",
    "RequestBuilders",
    "discord_request",
    "discord_status_request",
    "matches_filter",
    "telegram_request",
    "telegram_status_request",
    "webhook_request",
    "webhook_status_request",
]

log = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org"
_DISCORD_MARKDOWN = re.compile(r"([\\*_~`|>#\-\[\]()])")
_DISCORD_RED, _DISCORD_GREEN, _DISCORD_GREY = 0xDC2626, 0x16A34A, 0x6B7280


@dataclass(frozen=True, slots=True)
class BridgeRequest:
    """One HTTP POST of JSON; the URL may hold a secret and is never logged."""

    url: str
    payload: dict[str, Any]


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


def telegram_request(record: TradeRecord, *, token: str, chat_id: str, base_url: str = TELEGRAM_API) -> BridgeRequest:
    """Bot API sendMessage with parse_mode HTML: feed text is escaped, our own markup is bold."""
    title = escape_markup(notification_title(record.signal))  # HTML mode needs only <, > and & escaped
    body = escape_markup(notification_body(record.signal))
    return BridgeRequest(
        f"{base_url.rstrip('/')}/bot{token}/sendMessage",
        {"chat_id": chat_id, "text": f"<b>{title}</b>\n{body}", "parse_mode": "HTML",
         "disable_web_page_preview": True},
    )  # fmt: skip


def _discord_escape(text: str, limit: int) -> str:
    return _DISCORD_MARKDOWN.sub(r"\\\1", safe_text(text, limit))


def discord_request(record: TradeRecord, *, webhook_url: str) -> BridgeRequest:
    """Webhook execute with one embed; markdown escaped and every @mention disabled."""
    signal = record.signal
    colour = _DISCORD_GREEN if signal.is_buy else _DISCORD_RED if signal.action == "SELL" else _DISCORD_GREY
    fields = [
        ("Amount", f"{format_amount(signal.amount)} ({signal.size_type})"),
        ("Price", format_price(signal.price)),
        ("Order", signal.order_type),
        ("Strategy", signal.strategy_name),
        ("Trade", signal.trade_type),
        ("Status", signal.status),
    ]
    embed = {
        "title": _discord_escape(notification_title(signal), 256),
        "color": colour,
        "fields": [{"name": name, "value": _discord_escape(value, 1024), "inline": True} for name, value in fields],
        "timestamp": _iso_time(record.received_at),
    }
    return _discord_embed(webhook_url, embed)


def _iso_time(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))


def _discord_embed(webhook_url: str, embed: dict[str, Any]) -> BridgeRequest:
    """Webhook execute (``wait=true``: errors come back) with one embed and every @mention disabled."""
    separator = "&" if "?" in webhook_url else "?"
    return BridgeRequest(f"{webhook_url}{separator}wait=true", {"embeds": [embed], "allowed_mentions": {"parse": []}})


def webhook_request(record: TradeRecord, *, url: str) -> BridgeRequest:
    """The trade as logged (engine's field names) plus the raw frame, for custom dashboards."""
    return BridgeRequest(url, {**record.as_dict(), "raw": record.raw})


def _safe_lines(text: str, limit: int) -> str:
    """As ``safe_text``, but the line breaks an alert is written with stay line breaks."""
    kept = "\n".join(safe_text(line) for line in text.split("\n"))
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


def telegram_status_request(
    alert: EngineAlert, *, token: str, chat_id: str, base_url: str = TELEGRAM_API
) -> BridgeRequest:
    """The engine alert as a sendMessage in HTML mode: the title bold, the words (which may quote
    the engine's error) escaped; within Telegram's 4096 characters even if every one needs escaping."""
    title = escape_markup(safe_text(alert.title, 100))
    body = escape_markup(_safe_lines(alert.body, 700))
    return BridgeRequest(
        f"{base_url.rstrip('/')}/bot{token}/sendMessage",
        {"chat_id": chat_id, "text": f"<b>{title}</b>\n{body}", "parse_mode": "HTML",
         "disable_web_page_preview": True},
    )  # fmt: skip


def discord_status_request(alert: EngineAlert, *, webhook_url: str) -> BridgeRequest:
    """The engine alert as one embed, red while the engine is down and green when it is back; the
    description stays within Discord's 4096 characters even if every one needs escaping."""
    embed = {
        "title": _discord_escape(alert.title, 256),
        "description": _DISCORD_MARKDOWN.sub(r"\\\1", _safe_lines(alert.body, 2000)),
        "color": _DISCORD_RED if alert.kind == "down" else _DISCORD_GREEN,
        "timestamp": _iso_time(time.time()),
    }
    return _discord_embed(webhook_url, embed)


def webhook_status_request(alert: EngineAlert, *, url: str) -> BridgeRequest:
    """The engine alert for custom dashboards; times are epoch seconds, like a trade's receivedAt."""
    payload = {"type": "ENGINE_STATUS", "status": alert.kind, "title": alert.title, "body": alert.body,
               "since": alert.since, "sentAt": time.time()}  # fmt: skip
    return BridgeRequest(url, payload)


@dataclass(frozen=True, slots=True)
class RequestBuilders:
    """What one bridge sends, addressed with its secrets: a trade, and an engine status alert."""

    trade: Callable[[TradeRecord], BridgeRequest]
    status: Callable[[EngineAlert], BridgeRequest]


#: Each bridge's two request builders; both take the same address keywords.
_BUILDERS: dict[str, tuple[Callable[..., BridgeRequest], Callable[..., BridgeRequest]]] = {
    "telegram": (telegram_request, telegram_status_request),
    "discord": (discord_request, discord_status_request),
    "webhook": (webhook_request, webhook_status_request),
}


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


def _error_text(service: str, response: httpx.Response) -> str:
    """The service's own reason, shortened, in a sentence."""
    try:
        body = response.json()
    except ValueError:
        body = response.text
    reason = (body.get("description") or body.get("message") or "") if isinstance(body, dict) else body
    hint = {401: " (check the token)", 403: " (no permission)", 404: " (check the address or chat)"}.get(
        response.status_code, ""
    )
    return f"{service} answered HTTP {response.status_code}{hint}: {safe_text(str(reason), 160)}".rstrip(": ")


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
                response = await self._client.post(request.url, json=request.payload)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol):  # retrying cannot mend the address
                hint = " (check the token)" if self.service == "telegram" else ""
                return f"the {self.service} address is not valid{hint}"
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
                    return _error_text(self.service, response)  # our request is wrong: no retry
                problem = _error_text(self.service, response)
            self.status.last_error = problem + "; retrying"
            self._on_status(self.status)
            await asyncio.sleep(next(delays))
        return f"{problem}; gave up after {self._max_attempts} attempts"


class BridgeHub:
    """The bridges the settings ask for, built from settings plus secrets; rebuilt when they change.

    One HTTP client serves them all; httpx is imported only when a bridge is first enabled.
    """

    def __init__(self, *, on_status: Callable[[str, BridgeStatus], None] = lambda kind, status: None,
                 telegram_api: str = TELEGRAM_API, **bridge_options: Any) -> None:  # fmt: skip
        self._on_status = on_status
        self._telegram_api = telegram_api
        self._bridge_options = bridge_options
        self._client: httpx.AsyncClient | None = None
        self.bridges: dict[str, Bridge] = {}
        self._configs: dict[str, tuple[object, ...]] = {}
        # Signals that arrive while the first configure waits on the keyring; None: not holding.
        self._held: collections.deque[TradeRecord] | None = None
        self._held_alerts: collections.deque[EngineAlert] = collections.deque(maxlen=4)
        #: How each running bridge words an engine alert (addressed with its current secrets).
        self._status_builders: dict[str, Callable[[EngineAlert], BridgeRequest]] = {}
        self._configuring = asyncio.Lock()  # a settings change during the start-up configure waits its turn

    def builders(self, settings: Any, secrets: dict[str, str]) -> dict[str, RequestBuilders]:
        """Request builders for each bridge that is enabled and has what it needs."""
        addresses: dict[str, dict[str, str]] = {}
        token, chat_id = secrets.get("telegram_token", ""), settings.telegram_chat_id
        if token and chat_id:
            addresses["telegram"] = {"token": token, "chat_id": chat_id, "base_url": self._telegram_api}
        if discord_url := secrets.get("discord_webhook_url", ""):
            addresses["discord"] = {"webhook_url": discord_url}
        if webhook_url := secrets.get("webhook_url", ""):
            addresses["webhook"] = {"url": webhook_url}
        return {
            name: RequestBuilders(partial(_BUILDERS[name][0], **address), partial(_BUILDERS[name][1], **address))
            for name, address in addresses.items()
            if bridge_kind(name).is_enabled(settings)
        }

    def hold(self, limit: int = 500) -> None:
        """Keep (up to ``limit``, newest) the signals submitted until the next ``configure`` ends.

        The keyring may take a while (an unlock prompt), and the feed must not wait for it, nor
        the bridges miss what came meanwhile.
        """
        self._held = collections.deque(maxlen=limit)

    async def configure(self, settings: Any, secrets: dict[str, str]) -> None:
        """Start, restart or stop bridges so they match ``settings`` and ``secrets``.

        A bridge restarted for a new secret hands its undelivered signals to its successor.
        """
        async with self._configuring:
            await self._configure(settings, secrets)

    async def _configure(self, settings: Any, secrets: dict[str, str]) -> None:
        wanted = self.builders(settings, secrets)
        handed_over: dict[str, list[TradeRecord]] = {}
        try:
            for kind in list(self.bridges):
                config = self._config(kind, settings, secrets)
                if kind not in wanted or config != self._configs.get(kind):
                    handed_over[kind] = await self.bridges.pop(kind).close()
                    self._configs.pop(kind, None)
                    self._status_builders.pop(kind, None)
            for kind, build in wanted.items():
                words = bridge_kind(kind).words(settings)
                self._status_builders[kind] = build.status  # replaced, not cleared: alerts meanwhile go out
                if kind in self.bridges:
                    self.bridges[kind].words = words  # a new filter needs no restart (and keeps the queue)
                    continue
                bridge = Bridge(kind, build.trade, client=self.client(), words=words,
                                on_status=self._status_reporter(kind), **self._bridge_options)  # fmt: skip
                bridge.start()
                bridge.submit(handed_over.get(kind, []))
                self.bridges[kind] = bridge
                self._configs[kind] = self._config(kind, settings, secrets)
                log.info("%s bridge on", kind)
        finally:
            held, self._held = self._held, None
            if held:
                self.submit(list(held))
            while self._held_alerts:
                self.announce(self._held_alerts.popleft(), settings)

    def _status_reporter(self, kind: str) -> Callable[[BridgeStatus], None]:
        def report(status: BridgeStatus) -> None:
            self._on_status(kind, status)

        return report

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(timeout=httpx.Timeout(10.0), follow_redirects=False)
        return self._client

    def submit(self, records: list[TradeRecord]) -> None:
        if self._held is not None:
            self._held.extend(records)
            return
        for bridge in self.bridges.values():
            bridge.submit(records)

    def announce(self, alert: EngineAlert, settings: Any) -> None:
        """Queue the engine alert on every running bridge whose engine status switch is on; never blocks.

        While the hub holds (the first configure waits on the keyring) the alert waits with the
        signals, and goes to the bridges that configure starts.
        """
        if self._held is not None:
            self._held_alerts.append(alert)
            return
        for kind, bridge in self.bridges.items():
            build = self._status_builders.get(kind)
            if build is not None and bridge_kind(kind).tells_engine_status(settings):
                bridge.send(build(alert))

    async def close(self) -> None:
        for bridge in self.bridges.values():
            await bridge.close()
        self.bridges.clear()
        if self._client is not None:
            await self._client.aclose()

    @staticmethod
    def _config(kind: str, settings: Any, secrets: dict[str, str]) -> tuple[object, ...]:
        """What restarts a bridge when it changes: its secrets and settings, not its filter."""
        described = bridge_kind(kind)
        return (
            *(getattr(settings, name) for name in described.setting_names),
            *(secrets.get(name, "") for name in described.secret_names),
        )
