"""Telegram's bridge against a local server that answers as the Bot API does."""

from __future__ import annotations

from pathlib import Path

from algomesh_tray.bridges.delivery import Bridge

from ...http_fakes import FakeService
from ...waiting import wait_until_async as wait_until
from .conftest import Desk, run_bridge, signal


def test_telegram_gets_send_message_with_feed_text_escaped(service: FakeService, tmp_path: Path) -> None:
    """sendMessage on /bot<token>/, HTML parse mode, and <b> from a strategy name arrives as text."""

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal(strategy_name="<b>x</b> & <a href='y'>"))
        await wait_until(lambda: bridge.status.sent == 1)

    run_bridge(service, tmp_path / "trades.sqlite3", scenario)
    (seen,) = service.seen
    assert seen.path == "/bot123:SECRET/sendMessage"
    assert seen.payload["chat_id"] == "42" and seen.payload["parse_mode"] == "HTML"
    assert seen.payload["text"] == (
        "<b>BUY BTCUSDT</b>\n0.05 (percent) @ 64,320.50 · Market · &lt;b&gt;x&lt;/b&gt; &amp; &lt;a href='y'&gt; · "
        "live · EXECUTED"
    )
