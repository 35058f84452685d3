"""The bridges as the app uses them: secrets from the keyring (once, off the event loop), the hub
configured from settings, engine alerts, the Settings window's "Send test message", and each
bridge's status line. The hub, with every service's module and the delivery loop, is imported only
when a bridge is on, has messages waiting in the outbox, or is tested: about 1 MB that an app
without bridges never needs.
No Qt: the app connects ``on_status`` and ``on_problem`` to what it shows."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..feed.protocol import StrategySignal
from ..feed.records import TradeRecord
from .credentials import Credentials
from .kinds import BRIDGES, bridge_kind

if TYPE_CHECKING:
    from ..feed.outage import EngineAlert
    from ..log.outbox import Outbox
    from .delivery import BridgeStatus, OutboxAccess
    from .hub import BridgeHub

__all__ = ["BridgeService", "test_record"]

log = logging.getLogger(__name__)


def test_record() -> TradeRecord:
    """What "Send test message" sends: clearly a test, shaped like a real signal."""
    signal = StrategySignal(action="BUY", symbol="BTCUSDT", price=64320.5, amount=0.05, size_type="percent",
                            order_type="Market", strategy_name="AlgoMesh Tray test message", trade_type="test",
                            status="TEST")  # fmt: skip
    return TradeRecord(None, time.time(), signal, "{}")


class BridgeService:
    """Owns the bridge hub and the secrets cache; every method is safe to call from the event loop.

    ``hub`` is None until a bridge is on, has messages waiting, or is tested: until then no signal
    is routed to a bridge and no alert is announced, as the hub would do with none on.
    """

    def __init__(
        self,
        *,
        credentials: Credentials | None = None,
        telegram_api: str | None = None,
        pushover_api: str | None = None,
        on_status: Callable[[str, str], None] = lambda kind, text: None,
        on_problem: Callable[[str], None] = lambda message: None,
    ) -> None:
        """``telegram_api``, ``pushover_api``: where to reach those services instead of their own
        address (tests point them at local fakes)."""
        self._credentials = credentials or Credentials()
        self._on_status = on_status
        self._on_problem = on_problem
        self._secrets: dict[str, str] | None = None
        #: The last status line of each bridge, for a Settings window opened later.
        self.texts: dict[str, str] = {}
        #: Each bridge's status, for the tray tooltip and the status bar.
        self.statuses: dict[str, BridgeStatus] = {}
        self._addresses = {name: url for name, url in (("telegram_api", telegram_api), ("pushover_api", pushover_api))
                           if url}  # fmt: skip
        self._outbox: OutboxAccess[Any] | None = None
        self.hub: BridgeHub | None = None

    def attach(self, outbox: OutboxAccess[Any], settings: Any) -> None:
        """Keep the bridges' messages in ``outbox`` (the trade log's); until the keyring is read,
        every bridge enabled in ``settings`` gets its signals and alerts there."""
        self._outbox = outbox
        if self.hub is not None:
            self.hub.outbox = outbox
        if _any_enabled(settings):
            self._hub().expect(settings)

    def route(self, signal: StrategySignal) -> tuple[str, ...]:
        """The bridges that are to forward ``signal`` (the pipeline writes their outbox rows with it)."""
        return () if self.hub is None else self.hub.route(signal)

    def troubles(self) -> list[str]:
        """One line per bridge in trouble (paused, or failing with messages waiting), for the tray
        tooltip and the status bar: 'Telegram: 37 waiting, last try 12:03:10: …'."""
        return [f"{bridge_kind(kind).label}: {status.describe()}" for kind, status in self.statuses.items()
                if status.troubled]  # fmt: skip

    def wake(self) -> None:
        """Signals were written with their outbox rows: the bridges look."""
        if self.hub is not None:
            self.hub.wake()

    def announce(self, alert: EngineAlert, settings: Any) -> None:
        """Send an engine outage or recovery alert to each bridge whose engine status switch is on in
        ``settings``; it waits in the outbox, so this never blocks."""
        if self.hub is not None:  # else no bridge is on, or expected
            from .request import Notice

            self.hub.announce(Notice.from_alert(alert), settings)

    async def secrets(self) -> dict[str, str]:
        """The bridge secrets, read from the keyring once, on a worker thread."""
        if self._secrets is None:
            self._secrets = await asyncio.to_thread(self._credentials.get_all)
            self._tell_keyring_problem()
        return self._secrets

    async def configure(self, settings: Any) -> None:
        """Bridges as ``settings`` ask; the keyring is not touched while none is enabled."""
        wanted = _any_enabled(settings)
        if self.hub is None and not wanted and not await self._messages_waiting():
            return  # nothing to start, stop or forget: the bridges' code stays unloaded
        await self._hub().configure(settings, await self.secrets() if wanted else {})

    async def store_secrets(self, secrets: dict[str, str], settings: Any) -> None:
        """Keep new secrets (in memory at once, in the keyring after) and restart what uses them."""
        self._secrets = dict(secrets)
        for name, value in secrets.items():
            await asyncio.to_thread(self._credentials.set, name, value)
        self._tell_keyring_problem()
        await self.configure(settings)

    async def send_test(self, kind: str, typed: Any, secrets: dict[str, str]) -> str:
        """Send one test message with what the Settings window holds now (saved or not)."""
        enabled = replace(typed, **{bridge_kind(kind).enabled_setting: True})
        hub = self._hub()
        builders = hub.builders(enabled, secrets).get(kind)
        if builders is None:
            outcome = "Fill in the fields above first."
        else:
            from .delivery import attempt

            result = await attempt(hub.client(), kind, builders.trade(test_record()))
            outcome = f"{result.problem[:1].upper()}{result.problem[1:]}." if result.problem else "Test message sent."
        self._on_status(kind, outcome)
        return outcome

    async def close(self) -> None:
        if self.hub is not None:
            await self.hub.close()

    def _hub(self) -> BridgeHub:
        """The hub, built the first time a bridge is on, has messages waiting, or is tested."""
        if self.hub is None:
            from .hub import BridgeHub  # with every service's module: not loaded while no bridge needs it

            self.hub = BridgeHub(outbox=self._outbox, on_status=self._on_hub_status, on_refused=self._on_problem,
                                 **self._addresses)  # fmt: skip
            self.hub.on_closed = self._forget_status
        return self.hub

    async def _messages_waiting(self) -> bool:
        """Whether the outbox holds messages for any bridge (one switched off while the app was not
        running: the hub forgets them)."""
        if self._outbox is None:
            raise RuntimeError("the bridges have no outbox yet")  # the app attaches the trade log's first
        return bool(await self._outbox(_has_messages))

    def _forget_status(self, kind: str) -> None:
        """A bridge stopped (switched off or rebuilt): its trouble is no longer the tooltip's."""
        if self.statuses.pop(kind, None) is not None and kind in self.texts:
            self._on_status(kind, self.texts[kind])

    def _on_hub_status(self, kind: str, status: BridgeStatus) -> None:
        self.statuses[kind] = status
        self.texts[kind] = status.describe()
        self._on_status(kind, self.texts[kind])

    def _tell_keyring_problem(self) -> None:
        if self._credentials.problem:
            self._on_problem(self._credentials.problem)


def _any_enabled(settings: Any) -> bool:
    return any(kind.is_enabled(settings) for kind in BRIDGES)


def _has_messages(outbox: Outbox) -> bool:
    return outbox.has_messages()
