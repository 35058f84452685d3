"""The JSON webhook bridge against a local server."""

from __future__ import annotations

from algomesh_tray.bridges.delivery import Bridge

from ...http_fakes import FakeService
from ...waiting import wait_until_async as wait_until
from .conftest import record, run_bridge


def test_webhook_posts_the_trade_and_its_raw_frame(service: FakeService) -> None:
    """The generic bridge sends the logged fields (engine names) plus the raw frame."""

    async def scenario(bridge: Bridge) -> None:
        bridge.submit([record(7)])
        await wait_until(lambda: bridge.status.sent == 1)

    run_bridge(service, scenario, kind="webhook")
    payload = service.seen[0].payload
    assert payload["id"] == 7 and payload["strategyName"] == "BTC_Momentum_Scalp" and payload["raw"] == '{"n": 7}'
