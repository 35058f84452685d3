"""Bridges against a local HTTP server that answers as Telegram's Bot API and Discord's webhooks do.

Telegram and Discord cannot be reached from here, so a real HTTP server on loopback plays them,
following their documented answers: success, 400, 401, 429 with retry_after, 5xx, slowness.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from algomesh_tray.bridges.delivery import Bridge, matches_filter
from algomesh_tray.bridges.request import BridgeRequest
from algomesh_tray.bridges.webhook import webhook_request
from algomesh_tray.feed.records import TradeRecord

from ...http_fakes import Answer, FakeService
from ...waiting import wait_until_async as wait_until
from .conftest import record, run_bridge


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
