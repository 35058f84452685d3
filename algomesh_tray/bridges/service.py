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
from .delivery import Bridge, BridgeStatus
from .hub import BridgeHub
from .kinds import BRIDGES, bridge_kind
from .pushover import PUSHOVER_API
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
        self.hub = BridgeHub(on_status=self._on_hub_status, telegram_api=telegram_api, pushover_api=pushover_api)

    def hold(self) -> None:
        """Keep what is submitted until the first ``configure`` ends (the keyring may prompt)."""
        self.hub.hold()

    def submit(self, records: list[TradeRecord]) -> None:
        self.hub.submit(records)

    def announce(self, alert: EngineAlert, settings: Any) -> None:
        """Send an engine outage or recovery alert to each running bridge whose engine status switch
        is on in ``settings``; it waits in the bridges' queues, so this never blocks."""
        self.hub.announce(alert, settings)

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
            bridge = Bridge(kind, builders.trade, client=self.hub.client(), max_attempts=1)
            bridge.start()
            try:
                outcome = await bridge.send_test(test_record())
            finally:
                await bridge.close()
            outcome = "Test message sent." if outcome == "sent" else outcome
        self._on_status(kind, outcome)
        return outcome

    async def close(self) -> None:
        await self.hub.close()

    def _on_hub_status(self, kind: str, status: BridgeStatus) -> None:
        self.texts[kind] = status.describe()
        self._on_status(kind, self.texts[kind])

    def _tell_keyring_problem(self) -> None:
        if self._credentials.problem:
            self._on_problem(self._credentials.problem)
