"""Bridges against a local HTTP server that answers as Telegram's Bot API and Discord's webhooks do.

Telegram and Discord cannot be reached from here, so a real HTTP server on loopback plays them,
following their documented answers: success, 400, 401, 429 with retry_after, 5xx, slowness.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from algomesh_tray.bridges.delivery import (
    Bridge,
    BridgeHub,
    BridgeRequest,
    discord_request,
    matches_filter,
    telegram_request,
    webhook_request,
)
from algomesh_tray.feed.protocol import StrategySignal
from algomesh_tray.feed.records import TradeRecord
from algomesh_tray.settings import Settings

from ...http_fakes import Answer, FakeService
from ...waiting import wait_until_async as wait_until


@pytest.fixture
def service() -> Iterator[FakeService]:
    fake = FakeService()
    yield fake
    fake.close()


def record(number: int = 1, **changes: Any) -> TradeRecord:
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


def test_telegram_gets_send_message_with_feed_text_escaped(service: FakeService) -> None:
    """sendMessage on /bot<token>/, HTML parse mode, and <b> from a strategy name arrives as text."""

    async def scenario(bridge: Bridge) -> None:
        bridge.submit([record(strategy_name="<b>x</b> & <a href='y'>")])
        await wait_until(lambda: bridge.status.sent == 1)

    run_bridge(service, scenario)
    (seen,) = service.seen
    assert seen.path == "/bot123:SECRET/sendMessage"
    assert seen.payload["chat_id"] == "42" and seen.payload["parse_mode"] == "HTML"
    assert seen.payload["text"] == (
        "<b>BUY BTCUSDT</b>\n0.05 (percent) @ 64,320.50 · Market · &lt;b&gt;x&lt;/b&gt; &amp; &lt;a href='y'&gt; · "
        "live · EXECUTED"
    )


def test_a_429_waits_for_retry_after_then_delivers(service: FakeService) -> None:
    """Telegram's parameters.retry_after is honoured: the retry comes no sooner."""
    service.answers = [Answer(429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                    "parameters": {"retry_after": 0.3}})]  # fmt: skip

    async def scenario(bridge: Bridge) -> None:
        bridge.submit([record()])
        await wait_until(lambda: bridge.status.sent == 1)

    bridge = run_bridge(service, scenario)
    first, second = service.seen
    assert second.at - first.at >= 0.3
    assert bridge.status.failed == 0 and bridge.status.last_error == ""


def test_a_wrong_token_is_not_retried_and_says_so(service: FakeService) -> None:
    """401: the request itself is wrong, retrying cannot help; the status line tells what to fix."""
    service.default = Answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})

    async def scenario(bridge: Bridge) -> None:
        bridge.submit([record()])
        await wait_until(lambda: bridge.status.failed == 1)

    bridge = run_bridge(service, scenario)
    assert len(service.seen) == 1
    assert bridge.status.last_error == "telegram answered HTTP 401 (check the token): Unauthorized"


def test_a_bad_request_is_reported_with_the_services_reason(service: FakeService) -> None:
    """400 with Telegram's description (e.g. a wrong chat id) ends up in the status line."""
    service.default = Answer(400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})

    async def scenario(bridge: Bridge) -> None:
        bridge.submit([record()])
        await wait_until(lambda: bridge.status.failed == 1)

    assert "chat not found" in run_bridge(service, scenario).status.last_error


def test_server_errors_are_retried_with_backoff_then_delivered(service: FakeService) -> None:
    """Two 502s, then success: one message delivered, three requests made."""
    service.answers = [Answer(502, {"ok": False}), Answer(500, {"ok": False})]

    async def scenario(bridge: Bridge) -> None:
        bridge.submit([record()])
        await wait_until(lambda: bridge.status.sent == 1)

    run_bridge(service, scenario)
    assert len(service.seen) == 3


def test_a_service_that_never_answers_in_time_is_given_up_on(service: FakeService) -> None:
    """Timeouts are retried a bounded number of times, then the message is counted as failed."""
    service.default = Answer(delay=0.5)

    async def scenario(bridge: Bridge) -> None:
        bridge.submit([record()])
        await wait_until(lambda: bridge.status.failed == 1)

    bridge = run_bridge(service, scenario, timeout=0.1, max_attempts=2)
    assert bridge.status.last_error == "telegram did not answer in time; gave up after 2 attempts"


def test_a_full_queue_drops_the_oldest_and_counts_it(service: FakeService) -> None:
    """While the service hangs, the queue keeps the newest; the dropped are counted, not silent."""
    service.release.clear()

    async def scenario(bridge: Bridge) -> None:
        bridge.submit([record(1)])
        await wait_until(lambda: len(service.seen) == 1)  # first one in flight, service hanging
        bridge.submit([record(n) for n in range(2, 12)])
        assert bridge.status.dropped == 6 and bridge.status.queued == 4
        service.release.set()
        await wait_until(lambda: bridge.status.sent == 5)

    bridge = run_bridge(service, scenario, max_queue=4)
    assert len(service.seen) == 5
    assert "6 dropped (queue full)" in bridge.status.describe()


def test_discord_gets_an_embed_with_markdown_escaped_and_no_mentions(service: FakeService) -> None:
    """Webhook execute with wait=true; `**`, `@everyone` and links are inert."""
    service.default = Answer(200, {"id": "1"})

    async def scenario(bridge: Bridge) -> None:
        bridge.submit([record(action="SELL", strategy_name="**@everyone** [x](http://example.invalid)")])
        await wait_until(lambda: bridge.status.sent == 1)

    run_bridge(service, scenario, kind="discord")
    (seen,) = service.seen
    assert seen.path == "/api/webhooks/1/SECRET?wait=true"
    assert seen.payload["allowed_mentions"] == {"parse": []}
    (embed,) = seen.payload["embeds"]
    assert embed["title"] == "SELL BTCUSDT" and embed["color"] == 0xDC2626
    strategy = next(f["value"] for f in embed["fields"] if f["name"] == "Strategy")
    assert strategy == "\\*\\*@everyone\\*\\* \\[x\\]\\(http://example.invalid\\)"


def test_discord_rate_limit_uses_its_retry_after(service: FakeService) -> None:
    """Discord's 429 body carries retry_after in seconds (a float)."""
    service.answers = [Answer(429, {"message": "You are being rate limited.", "retry_after": 0.25, "global": False},
                              {"retry-after": "1"})]  # fmt: skip
    service.default = Answer(204)

    async def scenario(bridge: Bridge) -> None:
        bridge.submit([record()])
        await wait_until(lambda: bridge.status.sent == 1)

    run_bridge(service, scenario, kind="discord")
    first, second = service.seen
    assert 0.25 <= second.at - first.at < 1.0


def test_webhook_posts_the_trade_and_its_raw_frame(service: FakeService) -> None:
    """The generic bridge sends the logged fields (engine names) plus the raw frame."""

    async def scenario(bridge: Bridge) -> None:
        bridge.submit([record(7)])
        await wait_until(lambda: bridge.status.sent == 1)

    run_bridge(service, scenario, kind="webhook")
    payload = service.seen[0].payload
    assert payload["id"] == 7 and payload["strategyName"] == "BTC_Momentum_Scalp" and payload["raw"] == '{"n": 7}'


def test_each_bridge_has_its_own_filter(service: FakeService) -> None:
    """Words in the filter must all appear; other signals are not forwarded."""

    async def scenario(bridge: Bridge) -> None:
        bridge.submit([record(1, trade_type="paper"), record(2), record(3, symbol="ETHUSDT", strategy_name="ETH_Grid")])
        await wait_until(lambda: bridge.status.sent == 1 and bridge.status.queued == 0)

    run_bridge(service, scenario, words="live btc")
    assert len(service.seen) == 1 and "BTCUSDT" in service.seen[0].payload["text"]
    assert matches_filter(record(), "") and not matches_filter(record(), "sell")


@pytest.mark.parametrize(
    ("body", "header"),
    [
        ({"ok": False, "error_code": 429, "parameters": [30]}, None),
        ({"ok": False, "error_code": 429, "parameters": "retry later"}, None),
        ({"retry_after": 10**400}, None),
        ({"ok": False}, "-5"),
        ({"ok": False}, "nan"),
    ],
    ids=["parameters-a-list", "parameters-a-string", "retry-after-too-big", "negative-header", "nan-header"],
)
def test_a_429_with_an_unusable_retry_after_backs_off_as_usual(
    service: FakeService, body: dict[str, Any], header: str | None
) -> None:
    """Whatever shape a 429 takes, the bridge waits its own back-off and delivers; it never dies or spins."""
    service.answers = [Answer(429, body, {"retry-after": header} if header is not None else {})]

    async def scenario(bridge: Bridge) -> None:
        bridge.submit([record()])
        await wait_until(lambda: bridge.status.sent == 1)

    bridge = run_bridge(service, scenario, initial_delay=0.2, max_delay=0.2)
    first, second = service.seen
    assert second.at - first.at >= 0.2
    assert bridge.status.failed == 0 and bridge.status.last_error == ""


@pytest.mark.parametrize("bad_url", ["http://[::1", "hooks.example.com/algomesh"], ids=["invalid-url", "no-scheme"])
def test_an_invalid_address_is_reported_once_and_later_signals_still_go_out(service: FakeService, bad_url: str) -> None:
    """A mistyped webhook address fails at once in words a trader can act on; the bridge carries on."""
    statuses: list[str] = []

    def build(r: TradeRecord) -> BridgeRequest:
        return webhook_request(r, url=bad_url if r.id == 1 else f"{service.url}/hook")

    async def scenario(bridge: Bridge) -> None:
        outcome = await asyncio.wait_for(bridge.send_test(record(1)), 10)
        assert outcome == "the webhook address is not valid"
        assert bridge.status.failed == 1 and bridge.status.last_error == outcome
        bridge.submit([record(1), record(2)])
        await wait_until(lambda: bridge.status.sent == 1 and bridge.status.failed == 2)

    run_bridge(service, scenario, kind="webhook", build=build, on_status=lambda s: statuses.append(s.describe()))
    assert [seen.payload["id"] for seen in service.seen] == [2]  # never retried, and the next one went out
    assert "0 sent, 1 failed. Last error: the webhook address is not valid" in statuses


def test_an_unexpected_failure_costs_one_message_not_the_bridge(
    service: FakeService, caplog: pytest.LogCaptureFixture
) -> None:
    """A fault outside httpx's errors (here a NaN price httpx will not encode) is counted, logged, and passed."""

    async def scenario(bridge: Bridge) -> None:
        outcome = await asyncio.wait_for(bridge.send_test(record(1, price=float("nan"))), 10)
        assert outcome == "could not send to webhook: unexpected ValueError (see the log)"
        bridge.submit([record(2)])
        await wait_until(lambda: bridge.status.sent == 1)

    bridge = run_bridge(service, scenario, kind="webhook")
    assert bridge.status.failed == 1
    assert [seen.payload["id"] for seen in service.seen] == [2]
    assert any("webhook bridge: unexpected ValueError" in line for line in caplog.messages)


def test_a_failing_status_callback_does_not_stop_deliveries(service: FakeService) -> None:
    """A fault in whoever shows the status is logged; the signal is still delivered."""

    def broken(status: Any) -> None:
        raise RuntimeError("status display broke")

    async def scenario(bridge: Bridge) -> None:
        bridge.submit([record()])
        await wait_until(lambda: bridge.status.sent == 1)

    run_bridge(service, scenario, on_status=broken)
    assert len(service.seen) == 1


def test_send_test_reports_the_outcome(service: FakeService) -> None:
    """The Settings button gets 'sent' or the reason, and the result is not counted as a signal."""
    outcomes: list[str] = []

    async def scenario(bridge: Bridge) -> None:
        outcomes.append(await asyncio.wait_for(bridge.send_test(record()), 10))
        service.default = Answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        outcomes.append(await asyncio.wait_for(bridge.send_test(record()), 10))

    run_bridge(service, scenario)
    assert outcomes[0] == "sent"
    assert outcomes[1] == "telegram answered HTTP 404 (check the address or chat): Not Found"


TELEGRAM_ON = Settings(telegram_enabled=True, telegram_chat_id="42")


def symbols_sent_with(service: FakeService, token: str) -> list[str]:
    """Which signals (told apart by symbol) reached the fake Telegram with this bot token."""
    texts = [seen.payload["text"] for seen in service.seen if f"/bot{token}/" in seen.path]
    return [text.split()[1].removesuffix("</b>") for text in texts]


def test_signals_submitted_while_the_hub_waits_for_its_secrets_are_delivered_after(service: FakeService) -> None:
    """At start-up the feed does not wait for the keyring; what arrives meanwhile still goes out, in order."""

    async def main() -> None:
        hub = BridgeHub(telegram_api=service.url, initial_delay=0.01, max_delay=0.05)
        hub.hold()
        hub.submit([record(n, symbol=f"SYM{n}") for n in (1, 2)])
        assert service.seen == []
        await hub.configure(TELEGRAM_ON, {"telegram_token": "1:A"})
        hub.submit([record(3, symbol="SYM3")])
        await wait_until(lambda: hub.bridges["telegram"].status.sent == 3)
        await hub.close()

    asyncio.run(main())
    assert symbols_sent_with(service, "1:A") == ["SYM1", "SYM2", "SYM3"]


def test_a_new_token_hands_undelivered_signals_to_the_restarted_bridge(service: FakeService) -> None:
    """Changing the bot token restarts the bridge; what was still queued is sent with the new token."""

    async def main() -> None:
        hub = BridgeHub(telegram_api=service.url, initial_delay=0.01, max_delay=0.05)
        await hub.configure(TELEGRAM_ON, {"telegram_token": "1:OLD"})
        service.release.clear()  # the first request hangs in flight; the rest queue up
        hub.submit([record(n, symbol=f"SYM{n}") for n in (1, 2, 3)])
        await wait_until(lambda: len(service.seen) == 1)
        await hub.configure(TELEGRAM_ON, {"telegram_token": "2:NEW"})
        service.release.set()
        await wait_until(lambda: hub.bridges["telegram"].status.sent == 2)
        await hub.close()

    asyncio.run(main())
    assert symbols_sent_with(service, "1:OLD") == ["SYM1"]
    assert symbols_sent_with(service, "2:NEW") == ["SYM2", "SYM3"]
