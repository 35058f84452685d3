"""Pushover's bridge against a local server that answers as Pushover's Message API does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from algomesh_tray.bridges.delivery import Bridge
from algomesh_tray.bridges.pushover import pushover_request, pushover_status_request
from algomesh_tray.bridges.request import BridgeRequest
from algomesh_tray.feed.outage import EngineAlert

from ...http_fakes import Answer, FakeService, pushover_rule
from ...waiting import wait_until_async as wait_until
from .conftest import Desk, finished, record, run_bridge, signal

TOKEN, USER = "azGDORePK8gMaC0QOYAMyEEuzJnyUi", "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
DOWN = EngineAlert("down", "AlgoMesh engine disconnected", "No signals for 10 s: connection refused.", 0.0)


@pytest.fixture
def pushover() -> Iterator[FakeService]:
    """A local Pushover API that knows one application token and one user key."""
    fake = FakeService(pushover_rule(token=TOKEN, user=USER))
    yield fake
    fake.close()


def deliver(fake: FakeService, request: BridgeRequest) -> Bridge:
    """Send one prepared request through a bridge to ``fake``; returns the bridge once it is done."""

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal())
        await wait_until(lambda: finished(bridge))

    return run_bridge(fake, None, scenario, kind="pushover", build=lambda r: request)


def test_a_signal_goes_to_the_messages_endpoint_at_normal_priority(pushover: FakeService) -> None:
    """POST /1/messages.json with token and user in the body, priority 0, no emergency fields."""
    bridge = deliver(pushover, pushover_request(record(), token=TOKEN, user=USER, base_url=pushover.url))
    assert bridge.status.sent == 1
    (seen,) = pushover.seen
    assert seen.path == "/1/messages.json"
    assert seen.payload == {
        "token": TOKEN,
        "user": USER,
        "title": "BUY BTCUSDT",
        "priority": 0,
        "message": "0.05 (percent) @ 64,320.50 · Market · BTC_Momentum_Scalp · live · EXECUTED",
    }


def test_an_outage_is_an_emergency_that_pushover_accepts(pushover: FakeService) -> None:
    """Priority 2 with retry (at least 30 s) and expire (at most 3 h); the fake, like Pushover, takes it."""
    bridge = deliver(pushover, pushover_status_request(DOWN, token=TOKEN, user=USER, base_url=pushover.url))
    assert bridge.status.sent == 1
    payload = pushover.seen[0].payload
    assert payload["priority"] == 2 and payload["retry"] >= 30 and payload["expire"] <= 10800


def test_the_recovery_goes_at_normal_priority() -> None:
    """Engine back: priority 0, no retry or expire."""
    up = EngineAlert("up", "AlgoMesh engine is back", "Signals are flowing again.", 0.0)
    payload = pushover_status_request(up, token=TOKEN, user=USER).payload
    assert payload["priority"] == 0 and "retry" not in payload and "expire" not in payload


def test_an_emergency_without_retry_gets_pushovers_400_in_its_words(pushover: FakeService) -> None:
    """What Pushover answers a priority-2 message without retry: 400, its errors list, no retry by us."""
    request = pushover_status_request(DOWN, token=TOKEN, user=USER, base_url=pushover.url)
    payload = {key: value for key, value in request.payload.items() if key not in ("retry", "expire")}
    bridge = deliver(pushover, BridgeRequest(request.url, payload))
    assert len(pushover.seen) == 1
    assert bridge.status.last_error == "pushover answered HTTP 400: retry must be supplied with priority=2"


def test_a_wrong_user_key_is_reported_without_the_secrets(pushover: FakeService) -> None:
    """400 "user identifier is invalid": said once, and neither key appears in the status line."""
    bridge = deliver(pushover, pushover_request(record(), token=TOKEN, user="uWRONG", base_url=pushover.url))
    assert bridge.status.last_error == "pushover answered HTTP 400: user identifier is invalid"
    assert TOKEN not in bridge.status.last_error and "uWRONG" not in bridge.status.last_error


def test_long_text_is_cut_to_pushovers_limits(pushover: FakeService) -> None:
    """A title over 250 and a message over 1024 characters are shortened, so Pushover takes them."""
    alert = EngineAlert("up", "T" * 400, "&" * 3000 + "\nbell\x07", 0.0)
    request = pushover_status_request(alert, token=TOKEN, user=USER, base_url=pushover.url)
    assert len(request.payload["title"]) == 250 and len(request.payload["message"]) == 1024
    assert deliver(pushover, request).status.sent == 1


def test_the_keys_are_blotted_out_of_an_answer_that_quotes_them(pushover: FakeService) -> None:
    """Whatever the answer quotes back, neither the application token nor the user key is shown."""
    pushover.answers = [Answer(400, {"errors": [f"user {USER} of application {TOKEN} is disabled"], "status": 0})]
    bridge = deliver(pushover, pushover_request(record(), token=TOKEN, user=USER, base_url=pushover.url))
    assert bridge.status.last_error == "pushover answered HTTP 400: user ••• of application ••• is disabled"
