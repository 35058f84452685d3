"""The JSON webhook bridge against a local server."""

from __future__ import annotations

from pathlib import Path

from algomesh_tray.bridges.delivery import Bridge
from algomesh_tray.feed.records import TradeRecord

from ...http_fakes import FakeService
from ...waiting import wait_until_async as wait_until
from .conftest import Desk, run_bridge, signal


def test_webhook_posts_the_trade_and_its_raw_frame(service: FakeService, tmp_path: Path) -> None:
    """The generic bridge sends the logged fields (engine names) plus the raw frame."""
    logged: list[TradeRecord] = []

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        logged.extend(await desk.log(signal()))
        await wait_until(lambda: bridge.status.sent == 1)

    run_bridge(service, tmp_path / "trades.sqlite3", scenario, kind="webhook")
    payload = service.seen[0].payload
    assert payload["id"] == logged[0].id and payload["raw"] == logged[0].raw == '{"n": 0}'
    assert payload["strategyName"] == "BTC_Momentum_Scalp"
