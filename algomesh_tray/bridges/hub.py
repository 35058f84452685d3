"""The bridges the settings ask for, built from settings plus secrets and rebuilt when they change;
which bridges each signal is for (written to the outbox with it); engine alerts to those whose
switch is on. No Qt."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from ..feed.protocol import StrategySignal
from ..feed.records import TradeRecord
from ..util.backoff import backoff_delays
from .delivery import Bridge, BridgeStatus, OutboxAccess, matches_filter
from .discord import discord_request, discord_status_request
from .gotify import gotify_request, gotify_status_request
from .kinds import BRIDGES, bridge_kind
from .ntfy import ntfy_request, ntfy_status_request
from .pushover import PUSHOVER_API, pushover_request, pushover_status_request
from .request import BridgeRequest, Notice
from .telegram import TELEGRAM_API, telegram_request, telegram_status_request
from .webhook import webhook_request, webhook_status_request

if TYPE_CHECKING:
    import httpx

    from ..log.outbox import Outbox

__all__ = ["BridgeHub", "RequestBuilders"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RequestBuilders:
    """What one bridge sends, addressed with its secrets: a trade, and an engine status alert."""

    trade: Callable[[TradeRecord], BridgeRequest]
    status: Callable[[Notice], BridgeRequest]


#: Each bridge's two request builders; both take the same address keywords.
_BUILDERS: dict[str, tuple[Callable[..., BridgeRequest], Callable[..., BridgeRequest]]] = {
    "telegram": (telegram_request, telegram_status_request),
    "discord": (discord_request, discord_status_request),
    "webhook": (webhook_request, webhook_status_request),
    "ntfy": (ntfy_request, ntfy_status_request),
    "pushover": (pushover_request, pushover_status_request),
    "gotify": (gotify_request, gotify_status_request),
}


class BridgeHub:
    """The bridges the settings ask for, built from settings plus secrets; rebuilt when they change.

    One HTTP client serves them all; httpx is imported only when a bridge is first enabled. What
    the bridges send waits in the outbox (``outbox``: SignalPipeline.outbox), never in memory.
    """

    def __init__(
        self,
        *,
        outbox: OutboxAccess[Any] | None = None,
        on_status: Callable[[str, BridgeStatus], None] = lambda kind, status: None,
        on_refused: Callable[[str], None] = lambda message: None,
        telegram_api: str = TELEGRAM_API,
        pushover_api: str = PUSHOVER_API,
        **bridge_options: Any,
    ) -> None:
        self.outbox = outbox
        self._on_status = on_status
        #: Called with a bridge's name when it is stopped (switched off, or rebuilt).
        self.on_closed: Callable[[str], None] = lambda kind: None
        self._on_refused = on_refused
        #: Where the services with a fixed address are reached (tests point them at local fakes).
        self._base_urls = {"telegram": telegram_api, "pushover": pushover_api}
        self._bridge_options = bridge_options
        self._client: httpx.AsyncClient | None = None
        self.bridges: dict[str, Bridge] = {}
        self._configs: dict[str, tuple[object, ...]] = {}
        #: The bridges that are to get signals, with their filters.
        self._routes: dict[str, str] = {}
        self._writes: set[asyncio.Task[None]] = set()  # notices on their way into the outbox
        self._configuring = asyncio.Lock()  # a settings change during the start-up configure waits its turn

    def builders(self, settings: Any, secrets: dict[str, str]) -> dict[str, RequestBuilders]:
        """Request builders for each bridge that is enabled and has every required field filled in."""
        wanted: dict[str, RequestBuilders] = {}
        for kind in BRIDGES:
            if not kind.is_enabled(settings):
                continue
            values = {
                field: secrets.get(field.name, "") if field.secret else str(getattr(settings, field.name)).strip()
                for field in kind.fields
            }
            if not all(value for field, value in values.items() if field.required):
                continue
            address = {field.argument: value for field, value in values.items() if value}
            if kind.name in self._base_urls:
                address["base_url"] = self._base_urls[kind.name]
            trade, status = _BUILDERS[kind.name]
            named = (
                {} if kind.name == "webhook" else {"name_engine": _several_engines(settings)}
            )  # JSON names it always
            wanted[kind.name] = RequestBuilders(partial(trade, **address, **named), partial(status, **address))
        return wanted

    def expect(self, settings: Any) -> None:
        """Before the secrets are read (the keyring may prompt): every enabled bridge gets signals
        and alerts; they wait in the outbox until ``configure`` starts the bridge."""
        self._routes = {kind.name: kind.words(settings) for kind in BRIDGES if kind.is_enabled(settings)}

    def route(self, signal: StrategySignal) -> tuple[str, ...]:
        """The bridges that are to forward ``signal``: running (or expected) and its filter lets it through."""
        return tuple(kind for kind, words in self._routes.items() if matches_filter(signal, words))

    async def configure(self, settings: Any, secrets: dict[str, str]) -> None:
        """Start, restart or stop bridges so they match ``settings`` and ``secrets``.

        A bridge restarted for a new secret finds what it had not delivered in the outbox. A bridge
        switched off in the settings forgets what it had waiting.
        """
        async with self._configuring:
            await self._configure(settings, secrets)

    async def _configure(self, settings: Any, secrets: dict[str, str]) -> None:
        wanted = self.builders(settings, secrets)
        for kind in list(self.bridges):
            changed = self._config(kind, settings, secrets) != self._configs.get(kind)
            if kind not in wanted or changed or self.bridges[kind].stopped:  # a paused one starts afresh on Save
                await self.bridges.pop(kind).close()
                self._configs.pop(kind, None)
                self.on_closed(kind)
        self._routes = {kind: bridge_kind(kind).words(settings) for kind in wanted}
        max_age = settings.bridge_backlog_hours * 3600
        for kind, build in wanted.items():
            if kind in self.bridges:
                self.bridges[kind].max_age = max_age
                continue
            bridge = Bridge(kind, build.trade, build.status, client=self.client(), outbox=self._outbox(),
                            label=bridge_kind(kind).label, on_status=self._status_reporter(kind),
                            on_refused=self._on_refused, **{"max_age": max_age, **self._bridge_options})  # fmt: skip
            bridge.start()
            self.bridges[kind] = bridge
            self._configs[kind] = self._config(kind, settings, secrets)
            log.info("%s bridge on", kind)
        switched_off = [kind.name for kind in BRIDGES if not kind.is_enabled(settings)]
        dropped = await self._outbox()(lambda outbox: {kind: outbox.drop(kind) for kind in switched_off})
        for kind, count in dropped.items():
            if count:
                log.info("%s bridge switched off: %d waiting messages forgotten", kind, count)

    def _outbox(self) -> OutboxAccess[Any]:
        if self.outbox is None:
            raise RuntimeError("the bridges have no outbox yet")  # the app attaches the trade log's first
        return self.outbox

    def _status_reporter(self, kind: str) -> Callable[[BridgeStatus], None]:
        def report(status: BridgeStatus) -> None:
            self._on_status(kind, status)

        return report

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(timeout=httpx.Timeout(10.0), follow_redirects=False)
        return self._client

    def wake(self) -> None:
        """Signals were written, and with them their outbox rows: the bridges look."""
        for bridge in self.bridges.values():
            bridge.wake()

    def announce(self, notice: Notice, settings: Any) -> None:
        """Put the engine alert in the outbox of every bridge (running, or expected while the keyring
        is read) whose engine status switch is on; never blocks."""
        kinds = [kind for kind in self._routes if bridge_kind(kind).tells_engine_status(settings)]
        if kinds:
            task = asyncio.get_running_loop().create_task(self._record(kinds, notice), name="recording an alert")
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)

    async def _record(self, kinds: list[str], notice: Notice) -> None:
        """Into the outbox; while the trade log cannot be written (disk full), tried again until it can."""
        delays = backoff_delays(initial=1.0, cap=30.0)
        while True:
            try:
                await self._outbox()(partial(_add_notice, kinds, notice))
                break
            except Exception as error:
                log.error("the engine alert cannot be kept for the bridges yet (%s); trying again", error)
                await asyncio.sleep(next(delays))
        for kind in kinds:
            if (bridge := self.bridges.get(kind)) is not None:
                bridge.wake()

    async def close(self) -> None:
        """Stop the bridges (what they had not delivered stays in the outbox); alerts being written finish."""
        if self._writes:
            await asyncio.wait(list(self._writes), timeout=5)
            for write in list(self._writes):  # the log could not take it in time: the next run raises it anew
                write.cancel()
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
            _several_engines(settings),
        )


def _several_engines(settings: Any) -> bool:
    """Whether messages name their engine (Settings.several_engines; a test's settings may lack it)."""
    return bool(getattr(settings, "several_engines", False))


def _add_notice(kinds: list[str], notice: Notice, outbox: Outbox) -> None:
    outbox.add_notice(kinds, time.time(), notice.as_dict())
