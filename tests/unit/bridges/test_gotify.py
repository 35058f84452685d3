"""Gotify's bridge against a local server that answers as Gotify's ``/message`` API does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from algomesh_tray.bridges.delivery import Bridge
from algomesh_tray.bridges.gotify import gotify_request, gotify_status_request
from algomesh_tray.feed.outage import EngineAlert

from ...http_fakes import Answer, FakeService, gotify_rule
from ...waiting import wait_until_async as wait_until
from .conftest import Desk, finished, run_bridge, signal

TOKEN = "AvKcy9o-yvVhyKd"


@pytest.fixture
def gotify() -> Iterator[FakeService]:
    """A local Gotify server with one application token."""
    fake = FakeService(gotify_rule(token=TOKEN))
    yield fake
    fake.close()


def send_one(fake: FakeService, token: str) -> Bridge:
    """One signal through a Gotify bridge to ``fake`` (its address with a trailing slash)."""

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal(strategy_name="**bold** <i>"))
        await wait_until(lambda: finished(bridge))

    return run_bridge(fake, None, scenario, kind="gotify",
                      build=lambda r: gotify_request(r, server=f"{fake.url}/", token=token))  # fmt: skip


def test_a_signal_is_a_message_with_the_token_in_its_header(gotify: FakeService) -> None:
    """POST /message, X-Gotify-Key, plain text at priority 5; the token is not in the address."""
    assert send_one(gotify, TOKEN).status.sent == 1
    (seen,) = gotify.seen
    assert seen.path == "/message" and seen.headers["x-gotify-key"] == TOKEN
    assert seen.payload == {
        "title": "BUY BTCUSDT",
        "priority": 5,
        "message": "0.05 (percent) @ 64,320.50 · Market · **bold** <i> · live · EXECUTED",
    }


def test_a_wrong_token_gets_gotifys_description_once(gotify: FakeService) -> None:
    """401 with Gotify's errorDescription, not retried, the token not quoted."""
    bridge = send_one(gotify, "wrong-token")
    assert len(gotify.seen) == 1
    assert bridge.status.last_error.startswith("gotify answered HTTP 401 (check the token): you need to provide")
    assert "wrong-token" not in bridge.status.last_error


def test_an_outage_is_high_priority_and_the_recovery_normal() -> None:
    """Engine down: priority 8; back: 5."""
    down = EngineAlert("down", "AlgoMesh engine disconnected", "connection refused", 0.0)
    up = EngineAlert("up", "AlgoMesh engine is back", "Signals are flowing again.", 0.0)
    assert gotify_status_request(down, server="https://g.example.com", token=TOKEN).payload["priority"] == 8
    assert gotify_status_request(up, server="https://g.example.com", token=TOKEN).payload["priority"] == 5


def test_an_answer_that_echoes_the_token_is_quoted_without_it(gotify: FakeService) -> None:
    """A proxy in front of Gotify that quotes the request's headers: the token is blotted out."""
    gotify.answers = [Answer(403, {"error": "Forbidden", "errorCode": 403,
                                   "errorDescription": f"X-Gotify-Key {TOKEN} is not allowed here"})]  # fmt: skip
    bridge = send_one(gotify, TOKEN)
    assert bridge.status.last_error == "gotify answered HTTP 403 (no permission): X-Gotify-Key ••• is not allowed here"
