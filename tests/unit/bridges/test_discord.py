"""Discord's bridge against a local server that answers as its webhooks do."""

from __future__ import annotations

from pathlib import Path

from algomesh_tray.bridges.delivery import Bridge

from ...http_fakes import Answer, FakeService
from ...waiting import wait_until_async as wait_until
from .conftest import Desk, run_bridge, signal


def test_discord_gets_an_embed_with_markdown_escaped_and_no_mentions(service: FakeService, tmp_path: Path) -> None:
    """Webhook execute with wait=true; `**`, `@everyone` and links are inert."""
    service.default = Answer(200, {"id": "1"})

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal(action="SELL", strategy_name="**@everyone** [x](http://example.invalid)"))
        await wait_until(lambda: bridge.status.sent == 1)

    run_bridge(service, tmp_path / "trades.sqlite3", scenario, kind="discord")
    (seen,) = service.seen
    assert seen.path == "/api/webhooks/1/SECRET?wait=true"
    assert seen.payload["allowed_mentions"] == {"parse": []}
    (embed,) = seen.payload["embeds"]
    assert embed["title"] == "SELL BTCUSDT" and embed["color"] == 0xDC2626
    strategy = next(f["value"] for f in embed["fields"] if f["name"] == "Strategy")
    assert strategy == "\\*\\*@everyone\\*\\* \\[x\\]\\(http://example.invalid\\)"


def test_discord_rate_limit_uses_its_retry_after(service: FakeService, tmp_path: Path) -> None:
    """Discord's 429 body carries retry_after in seconds (a float)."""
    service.answers = [Answer(429, {"message": "You are being rate limited.", "retry_after": 0.25, "global": False},
                              {"retry-after": "1"})]  # fmt: skip
    service.default = Answer(204)

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal())
        await wait_until(lambda: bridge.status.sent == 1)

    run_bridge(service, tmp_path / "trades.sqlite3", scenario, kind="discord")
    first, second = service.seen
    assert 0.25 <= second.at - first.at < 1.0
