"""Fixtures for the bridge tests: a local HTTP server that answers as the services do, a record, and a
bridge run against it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from algomesh_tray.bridges.delivery import Bridge
from algomesh_tray.bridges.discord import discord_request
from algomesh_tray.bridges.request import BridgeRequest
from algomesh_tray.bridges.telegram import telegram_request
from algomesh_tray.bridges.webhook import webhook_request
from algomesh_tray.feed.protocol import StrategySignal
from algomesh_tray.feed.records import TradeRecord

from ...http_fakes import FakeService


@pytest.fixture
def service() -> Iterator[FakeService]:
    """A local HTTP server that answers as Telegram, Discord or a webhook would."""
    fake = FakeService()
    yield fake
    fake.close()


def record(number: int = 1, **changes: Any) -> TradeRecord:
    """Trade number ``number``: the brief's example signal with ``changes``."""
    values = {"action": "BUY", "symbol": "BTCUSDT", "price": 64320.5, "amount": 0.05, "size_type": "percent",
              "order_type": "Market", "strategy_name": "BTC_Momentum_Scalp", "trade_type": "live",
              "status": "EXECUTED", **changes}  # fmt: skip
    return TradeRecord(number, 1_700_000_000.0 + number, StrategySignal(**values), json.dumps({"n": number}))


def run_bridge(
    service: FakeService,
    scenario: Callable[[Bridge], Any],
    *,
    kind: str = "telegram",
    build: Callable[[TradeRecord], BridgeRequest] | None = None,
    **options: Any,
) -> Bridge:
    """Run ``scenario(bridge)`` with a bridge to the fake service; returns the bridge to inspect."""
    builders = {
        "telegram": lambda r: telegram_request(r, token="123:SECRET", chat_id="42", base_url=service.url),
        "discord": lambda r: discord_request(r, webhook_url=f"{service.url}/api/webhooks/1/SECRET"),
        "webhook": lambda r: webhook_request(r, url=f"{service.url}/hook"),
    }
    holder: list[Bridge] = []
    options = {"initial_delay": 0.01, "max_delay": 0.05, **options}

    async def main() -> None:
        async with httpx.AsyncClient(timeout=options.pop("timeout", 5.0)) as client:
            bridge = Bridge(kind, build or builders[kind], client=client, **options)
            holder.append(bridge)
            bridge.start()
            await scenario(bridge)
            await bridge.close()

    asyncio.run(main())
    return holder[0]
