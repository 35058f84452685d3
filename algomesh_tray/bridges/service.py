"""The bridges as the app uses them: secrets from the keyring (once, off the event loop), the hub
configured from settings, engine alerts, the Settings window's "Send test message", and each
bridge's status line.
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
from .delivery import BridgeStatus, OutboxAccess, attempt
from .hub import BridgeHub
from .kinds import BRIDGES, bridge_kind
from .pushover import PUSHOVER_API
from .request import Notice
from .telegram import TELEGRAM_API

if TYPE_CHECKING:
    from ..feed.outage import EngineAlert

__all__ = ["BridgeService", "test_record"]

log = logging.getLogger(__name__)


def test_record() -> TradeRecord:
    """What "Send test message" sends: clearly a test, shaped like a real signal."""
    signal = StrategySignal(action="BUY", symbol="BTCUSDT", price=64320.5, amount=0.05, size_type="percent",
                            order_type="Market", strategy_name="AlgoMesh Tray test message", trade_type="test",
                            status="TEST")  # fmt: skip
    return TradeRecord(None, time.time(), signal, "{}")


class BridgeService:
    """Owns the bridge hub and the secrets cache; every method is safe to call from the event loop."""

    def __init__(
        self,
        *,
        credentials: Credentials | None = None,
        telegram_api: str = TELEGRAM_API,
        pushover_api: str = PUSHOVER_API,
        on_status: Callable[[str, str], None] = lambda kind, text: None,
        on_problem: Callable[[str], None] = lambda message: None,
    ) -> None:
        self._credentials = credentials or Credentials()
        self._on_status = on_status
        self._on_problem = on_problem
        self._secrets: dict[str, str] | None = None
        #: The last status line of each bridge, for a Settings window opened later.
        self.texts: dict[str, str] = {}
        #: Each bridge's status, for the tray tooltip and the status bar.
        self.statuses: dict[str, BridgeStatus] = {}
        self.hub = BridgeHub(
            on_status=self._on_hub_status, on_refused=on_problem, telegram_api=telegram_api, pushover_api=pushover_api
        )
        self.hub.on_closed = self._forget_status

    def attach(self, outbox: OutboxAccess[Any], settings: Any) -> None:
        """Keep the bridges' messages in ``outbox`` (the trade log's); until the keyring is read,
        every bridge enabled in ``settings`` gets its signals and alerts there."""
        self.hub.outbox = outbox
        self.hub.expect(settings)

    def route(self, signal: StrategySignal) -> tuple[str, ...]:
        """The bridges that are to forward ``signal`` (the pipeline writes their outbox rows with it)."""
        return self.hub.route(signal)

    def troubles(self) -> list[str]:
        """One line per bridge in trouble (paused, or failing with messages waiting), for the tray
        tooltip and the status bar: 'Telegram: 37 waiting, last try 12:03:10: …'."""
        return [f"{bridge_kind(kind).label}: {status.describe()}" for kind, status in self.statuses.items()
                if status.troubled]  # fmt: skip

    def wake(self) -> None:
        """Signals were written with their outbox rows: the bridges look."""
        self.hub.wake()

    def announce(self, alert: EngineAlert, settings: Any) -> None:
        """Send an engine outage or recovery alert to each bridge whose engine status switch is on in
        ``settings``; it waits in the outbox, so this never blocks."""
        self.hub.announce(Notice.from_alert(alert), settings)

    async def secrets(self) -> dict[str, str]:
        """The bridge secrets, read from the keyring once, on a worker thread."""
        if self._secrets is None:
            self._secrets = await asyncio.to_thread(self._credentials.get_all)
            self._tell_keyring_problem()
        return self._secrets

    async def configure(self, settings: Any) -> None:
        """Bridges as ``settings`` ask; the keyring is not touched while none is enabled."""
        wanted = any(kind.is_enabled(settings) for kind in BRIDGES)
        await self.hub.configure(settings, await self.secrets() if wanted else {})

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
        builders = self.hub.builders(enabled, secrets).get(kind)
        if builders is None:
            outcome = "Fill in the fields above first."
        else:
            result = await attempt(self.hub.client(), kind, builders.trade(test_record()))
            outcome = f"{result.problem[:1].upper()}{result.problem[1:]}." if result.problem else "Test message sent."
        self._on_status(kind, outcome)
        return outcome

    async def close(self) -> None:
        await self.hub.close()

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
