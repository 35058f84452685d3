"""The bridges the settings ask for, built from settings plus secrets and rebuilt when they change;
engine alerts to those whose switch is on. No Qt."""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from ..feed.records import TradeRecord
from .delivery import Bridge, BridgeStatus
from .discord import discord_request, discord_status_request
from .gotify import gotify_request, gotify_status_request
from .kinds import BRIDGES, bridge_kind
from .ntfy import ntfy_request, ntfy_status_request
from .pushover import PUSHOVER_API, pushover_request, pushover_status_request
from .request import BridgeRequest
from .telegram import TELEGRAM_API, telegram_request, telegram_status_request
from .webhook import webhook_request, webhook_status_request

if TYPE_CHECKING:
    import httpx

    from ..feed.outage import EngineAlert

__all__ = ["BridgeHub", "RequestBuilders"]

log = logging.getLogger(__name__)


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
    "ntfy": (ntfy_request, ntfy_status_request),
    "pushover": (pushover_request, pushover_status_request),
    "gotify": (gotify_request, gotify_status_request),
}


class BridgeHub:
    """The bridges the settings ask for, built from settings plus secrets; rebuilt when they change.

    One HTTP client serves them all; httpx is imported only when a bridge is first enabled.
    """

    def __init__(self, *, on_status: Callable[[str, BridgeStatus], None] = lambda kind, status: None,
                 telegram_api: str = TELEGRAM_API, pushover_api: str = PUSHOVER_API,
                 **bridge_options: Any) -> None:  # fmt: skip
        self._on_status = on_status
        #: Where the services with a fixed address are reached (tests point them at local fakes).
        self._base_urls = {"telegram": telegram_api, "pushover": pushover_api}
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
            wanted[kind.name] = RequestBuilders(partial(trade, **address), partial(status, **address))
        return wanted

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
