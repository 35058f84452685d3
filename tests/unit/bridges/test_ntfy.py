"""ntfy's bridge against a local server that answers as ntfy's publish API does (JSON to ``/``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from algomesh_tray.bridges.delivery import Bridge
from algomesh_tray.bridges.ntfy import ntfy_request, ntfy_status_request
from algomesh_tray.feed.outage import EngineAlert

from ...http_fakes import NTFY_LIMIT_REACHED, Answer, FakeService, ntfy_rule
from ...waiting import wait_until_async as wait_until
from .conftest import Desk, finished, run_bridge, signal

TOKEN = "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"


@pytest.fixture
def ntfy() -> Iterator[FakeService]:
    """A local ntfy server whose topics are open to anyone."""
    fake = FakeService(ntfy_rule())
    yield fake
    fake.close()


@pytest.fixture
def protected() -> Iterator[FakeService]:
    """A local ntfy server whose topics need the access token."""
    fake = FakeService(ntfy_rule(token=TOKEN))
    yield fake
    fake.close()


def send_one(fake: FakeService, token: str = "", **changes: object) -> Bridge:
    """One signal through an ntfy bridge to ``fake``; returns the bridge once it is done with it."""

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal(**changes))
        await wait_until(lambda: finished(bridge))

    return run_bridge(
        fake,
        None,
        scenario,
        kind="ntfy",
        build=lambda r: ntfy_request(r, server=fake.url, topic="algomesh-k3v9q2", token=token),
    )


def test_a_signal_is_published_as_json_to_the_server_root(ntfy: FakeService) -> None:
    """POST / with topic, plain-text message, title, the default priority and a tag; no token, no header."""
    bridge = send_one(ntfy)
    assert bridge.status.sent == 1
    (seen,) = ntfy.seen
    assert seen.path == "/"
    assert seen.payload == {
        "topic": "algomesh-k3v9q2",
        "title": "BUY BTCUSDT",
        "message": "0.05 (percent) @ 64,320.50 · Market · BTC_Momentum_Scalp · live · EXECUTED",
        "priority": 3,
        "tags": ["chart_with_upwards_trend", "algomesh"],
    }
    assert "authorization" not in seen.headers


def test_feed_text_arrives_as_plain_text(ntfy: FakeService) -> None:
    """ntfy shows plain text: markup stays as typed, control characters are made visible."""
    send_one(ntfy, strategy_name="<b>x</b> *y*\x07")
    assert "<b>x</b> *y*\ufffd" in ntfy.seen[0].payload["message"]


def test_an_access_token_goes_in_the_authorization_header(protected: FakeService) -> None:
    """A protected topic: Bearer <token> in the header, never in the address or the body."""
    assert send_one(protected, token=TOKEN).status.sent == 1
    (seen,) = protected.seen
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in seen.path and TOKEN not in str(seen.payload)


@pytest.mark.parametrize(("token", "answer"), [("", "HTTP 403 (no permission): forbidden"),
                                                ("tk_wrong", "HTTP 401 (check the token): unauthorized")])  # fmt: skip
def test_a_protected_topic_refuses_a_missing_or_wrong_token_once(protected: FakeService, token: str,
                                                                 answer: str) -> None:  # fmt: skip
    """403 without a token, 401 with a wrong one: ntfy's own words, not retried, the token not quoted."""
    bridge = send_one(protected, token=token)
    assert len(protected.seen) == 1
    assert bridge.status.last_error == f"ntfy answered {answer}"


def test_a_rate_limit_answer_waits_then_delivers(ntfy: FakeService) -> None:
    """ntfy's 429 (code 42901) is waited out, then the message goes."""
    ntfy.answers = [Answer(429, NTFY_LIMIT_REACHED)]
    bridge = send_one(ntfy)
    assert bridge.status.sent == 1 and len(ntfy.seen) == 2


def test_a_topic_ntfy_rejects_is_reported_in_its_words(ntfy: FakeService) -> None:
    """A topic with a space (which Settings refuses too) gets ntfy's 400 and its reason."""

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal())
        await wait_until(lambda: finished(bridge))

    bridge = run_bridge(ntfy, None, scenario, kind="ntfy",
                        build=lambda r: ntfy_request(r, server=ntfy.url, topic="my topic"))  # fmt: skip
    assert bridge.status.last_error == "ntfy answered HTTP 400: invalid request: topic invalid"


def test_an_outage_is_urgent_and_the_recovery_is_default() -> None:
    """Engine down: priority 5 with a siren tag; back: priority 3; both plain text, shortened."""
    down = EngineAlert("down", "AlgoMesh engine disconnected", "x" * 5000 + "\nbell\x07", 0.0)
    up = EngineAlert("up", "AlgoMesh engine is back", "Signals are flowing again.", 0.0)
    urgent = ntfy_status_request(down, server="https://ntfy.example.com/", topic="t", token="tk_1")
    usual = ntfy_status_request(up, server="https://ntfy.example.com", topic="t")
    assert urgent.url == usual.url == "https://ntfy.example.com/"
    assert urgent.payload["priority"] == 5 and urgent.payload["tags"][0] == "rotating_light"
    assert usual.payload["priority"] == 3 and usual.payload["tags"][0] == "white_check_mark"
    assert len(urgent.payload["message"]) <= 1000 and "\x07" not in urgent.payload["message"]
    assert urgent.headers == {"Authorization": "Bearer tk_1"} and usual.headers == {}


def test_a_token_no_header_can_carry_is_refused_in_words(protected: FakeService) -> None:
    """A pasted token with an accented letter: said once, plainly, without the token; nothing sent."""
    bridge = send_one(protected, token="tk_café")
    assert protected.seen == []
    assert bridge.status.last_error == "the ntfy token holds a character that cannot be sent (retype it)"
