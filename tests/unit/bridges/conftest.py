"""Fixtures for the bridge tests: a local HTTP server that answers as the services do, a real trade log
with its outbox (an SQLite file, written by the app's own pipeline), and a bridge run against them."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from algomesh_tray.bridges.delivery import Bridge
from algomesh_tray.bridges.discord import discord_request, discord_status_request
from algomesh_tray.bridges.hub import BridgeHub
from algomesh_tray.bridges.request import BridgeRequest, Notice
from algomesh_tray.bridges.telegram import telegram_request, telegram_status_request
from algomesh_tray.bridges.webhook import webhook_request, webhook_status_request
from algomesh_tray.feed.protocol import ReceivedSignal, StrategySignal
from algomesh_tray.feed.records import TradeRecord
from algomesh_tray.log.pipeline import SignalPipeline
from algomesh_tray.log.tradelog import TradeLog

from ...http_fakes import FakeService
from ...waiting import wait_until_async


@pytest.fixture
def service() -> Iterator[FakeService]:
    """A local HTTP server that answers as Telegram, Discord or a webhook would."""
    fake = FakeService()
    yield fake
    fake.close()


def signal(**changes: Any) -> StrategySignal:
    """The brief's example signal with ``changes``."""
    values = {"action": "BUY", "symbol": "BTCUSDT", "price": 64320.5, "amount": 0.05, "size_type": "percent",
              "order_type": "Market", "strategy_name": "BTC_Momentum_Scalp", "trade_type": "live",
              "status": "EXECUTED", **changes}  # fmt: skip
    return StrategySignal(**values)


def record(number: int = 1, **changes: Any) -> TradeRecord:
    """Trade number ``number``: the brief's example signal with ``changes``."""
    return TradeRecord(number, 1_700_000_000.0 + number, signal(**changes), json.dumps({"n": number}))


class Desk:
    """A real trade log at ``path`` and the app's pipeline writing it: each signal is logged with its
    outbox rows (``route`` says for which bridges), then ``pipeline.after_write`` wakes the bridges, as
    in the app."""

    def __init__(self, path: Path, route: Callable[[StrategySignal], tuple[str, ...]] = lambda s: ()) -> None:
        self.path = path
        self.recorded: list[TradeRecord] = []
        self.pipeline = SignalPipeline(TradeLog(path), on_recorded=self.recorded.extend)
        self.pipeline.route = route
        self.pipeline.start()

    async def log(self, *signals: StrategySignal) -> list[TradeRecord]:
        """Log ``signals`` (their outbox rows with them); the records, once handed on."""
        before = len(self.recorded)
        for number, logged in enumerate(signals):
            self.pipeline.submit(ReceivedSignal(logged, time.time(), json.dumps({"n": before + number})))
        await wait_until_async(lambda: len(self.recorded) == before + len(signals), 10, what="the signals logged")
        return self.recorded[before:]

    async def waiting(self, bridge: str) -> int:
        return await self.pipeline.outbox(lambda outbox: outbox.count(bridge))

    async def close(self) -> None:
        await self.pipeline.close()


def builders(
    service: FakeService, kind: str
) -> tuple[Callable[[TradeRecord], BridgeRequest], Callable[[Notice], BridgeRequest]]:
    """What ``kind`` sends, addressed to the fake service."""
    if kind == "telegram":
        address: dict[str, str] = {"token": "123:SECRET", "chat_id": "42", "base_url": service.url}
        return (lambda r: telegram_request(r, **address), lambda n: telegram_status_request(n, **address))
    if kind == "discord":
        url = f"{service.url}/api/webhooks/1/SECRET"
        return (lambda r: discord_request(r, webhook_url=url), lambda n: discord_status_request(n, webhook_url=url))
    return (lambda r: webhook_request(r, url=f"{service.url}/hook"),
            lambda n: webhook_status_request(n, url=f"{service.url}/hook"))  # fmt: skip


def run_bridge(
    service: FakeService,
    path: Path | None,
    scenario: Callable[[Bridge, Desk], Any],
    *,
    kind: str = "telegram",
    build: Callable[[TradeRecord], BridgeRequest] | None = None,
    **options: Any,
) -> Bridge:
    """Run ``scenario(bridge, desk)`` with a bridge to the fake service, its outbox in the trade log at
    ``path`` (None: a scratch one); every signal logged is for this bridge. Returns the bridge to inspect."""
    holder: list[Bridge] = []
    options = {"initial_delay": 0.01, "max_delay": 0.05, **options}
    timeout = options.pop("timeout", 5.0)

    async def main(path: Path) -> None:
        desk = Desk(path, route=lambda s: (kind,))
        async with httpx.AsyncClient(timeout=timeout) as client:
            trade, notice = builders(service, kind)
            bridge = Bridge(kind, build or trade, notice, client=client, outbox=desk.pipeline.outbox, **options)
            desk.pipeline.after_write = bridge.wake
            holder.append(bridge)
            bridge.start()
            try:
                await scenario(bridge, desk)
            finally:
                await bridge.close()
                await desk.close()

    if path is not None:
        asyncio.run(main(path))
    else:
        with tempfile.TemporaryDirectory() as scratch:
            asyncio.run(main(Path(scratch) / "trades.sqlite3"))
    return holder[0]


def finished(bridge: Bridge) -> bool:
    """The bridge is done with its one message: sent, given up, or refused (paused)."""
    return bool(bridge.status.sent + bridge.status.failed == 1 or bridge.status.paused)


def hub_on(desk: Desk, service: FakeService, **options: Any) -> BridgeHub:
    """A hub whose messages wait in ``desk``'s outbox, wired to its pipeline as the app wires it."""
    hub = BridgeHub(outbox=desk.pipeline.outbox, telegram_api=service.url, initial_delay=0.01, max_delay=0.05,
                    **options)  # fmt: skip
    desk.pipeline.route = hub.route
    desk.pipeline.after_write = hub.wake
    return hub
