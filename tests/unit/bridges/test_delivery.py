"""A bridge delivering from the outbox in a real trade log, against a local HTTP server that answers as
Telegram's Bot API and Discord's webhooks do (neither can be reached from here): success, 400, 401,
429 with retry_after, 5xx, slowness, no server at all."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from algomesh_tray.bridges.delivery import Bridge, attempt, matches_filter
from algomesh_tray.bridges.request import BridgeRequest
from algomesh_tray.bridges.webhook import webhook_request
from algomesh_tray.feed.records import TradeRecord

from ...http_fakes import Answer, FakeService
from ...waiting import wait_until_async as wait_until
from .conftest import Desk, builders, record, run_bridge, signal

LOG = "trades.sqlite3"


def test_a_429_waits_for_retry_after_then_delivers(service: FakeService, tmp_path: Path) -> None:
    """Telegram's parameters.retry_after is honoured: the retry comes no sooner; delivered, it leaves the outbox."""
    service.answers = [Answer(429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                    "parameters": {"retry_after": 0.3}})]  # fmt: skip

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal())
        await wait_until(lambda: bridge.status.sent == 1)
        assert await desk.waiting("telegram") == 0

    bridge = run_bridge(service, tmp_path / LOG, scenario)
    first, second = service.seen
    assert second.at - first.at >= 0.3
    assert bridge.status.last_error == "" and bridge.status.describe() == "1 sent"


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (Answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"}),
         "telegram answered HTTP 401 (check the token): Unauthorized"),
        (Answer(400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}),
         "telegram answered HTTP 400: Bad Request: chat not found"),
    ],
    ids=["wrong-token", "chat-not-found"],
)  # fmt: skip
def test_a_refusal_pauses_the_bridge_says_so_once_and_keeps_the_backlog(
    service: FakeService, tmp_path: Path, answer: Answer, said: str
) -> None:
    """4xx: retrying cannot mend it. One request, one message for the trader, nothing more sent until
    the settings change, and every message kept in the outbox."""
    service.default = answer
    told: list[str] = []

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal())
        await wait_until(lambda: bridge.status.paused)
        await desk.log(signal(), signal())
        assert await desk.waiting("telegram") == 3

    bridge = run_bridge(service, tmp_path / LOG, scenario, on_refused=told.append, label="Telegram")
    assert len(service.seen) == 1 and bridge.status.paused == said
    assert told == [f"Telegram refused a message: {said}. Nothing more is sent to Telegram until its settings "
                    "change; its messages are kept."]  # fmt: skip
    assert bridge.status.describe().startswith("0 sent, 1 waiting. Paused until its settings change: ")


def test_server_errors_and_timeouts_are_retried_until_delivered(service: FakeService, tmp_path: Path) -> None:
    """A 502, a 500 and an answer too slow, then success: delivered once, in order, the last try shown meanwhile."""
    service.answers = [Answer(502, {"ok": False}), Answer(500, {"ok": False}), Answer(delay=0.5)]
    seen_errors: list[str] = []

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal(symbol="ONE"), signal(symbol="TWO"))
        await wait_until(lambda: bridge.status.sent == 2, 10)

    run_bridge(service, tmp_path / LOG, scenario, timeout=0.2,
               on_status=lambda status: seen_errors.append(status.describe()))  # fmt: skip
    assert len(service.seen) == 5
    assert [seen.payload["text"].split()[1] for seen in service.seen[-2:]] == ["ONE</b>", "TWO</b>"]
    assert any("waiting, last try" in line and "HTTP 502" in line for line in seen_errors)
    assert any("did not answer in time" in line for line in seen_errors)


def test_no_server_at_all_is_retried_and_the_messages_wait(tmp_path: Path) -> None:
    """Hours without network: the messages wait in the outbox, the status says how many and why."""
    dead = FakeService()
    dead.close()  # its port now refuses connections

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal(), signal())
        await wait_until(lambda: "cannot reach telegram (ConnectError)" in bridge.status.describe())
        assert await desk.waiting("telegram") == 2 and bridge.status.sent == 0

    bridge = run_bridge(dead, tmp_path / LOG, scenario)
    assert bridge.status.describe().startswith("0 sent, 2 waiting, last try ")


def test_what_was_not_delivered_goes_out_after_a_restart(service: FakeService, tmp_path: Path) -> None:
    """The app quits (or dies) with messages waiting; the next run's bridge delivers them, in order."""
    dead = FakeService()
    dead.close()

    async def first_run(bridge: Bridge, desk: Desk) -> None:
        await desk.log(*(signal(symbol=f"SYM{n}") for n in range(5)))
        await wait_until(lambda: bridge.status.last_error != "")

    async def second_run(bridge: Bridge, desk: Desk) -> None:
        await wait_until(lambda: bridge.status.sent == 5)
        assert await desk.waiting("telegram") == 0

    run_bridge(dead, tmp_path / LOG, first_run)
    run_bridge(service, tmp_path / LOG, second_run)
    assert [seen.payload["text"].split()[1] for seen in service.seen] == [f"SYM{n}</b>" for n in range(5)]


def test_a_backlog_longer_than_the_limit_becomes_one_note_then_the_newest(service: FakeService, tmp_path: Path) -> None:
    """Ten waiting with a limit of four: one note saying six were not forwarded and why, then the newest four."""
    dead = FakeService()
    dead.close()

    async def first_run(bridge: Bridge, desk: Desk) -> None:
        await desk.log(*(signal(symbol=f"SYM{n}") for n in range(10)))

    async def second_run(bridge: Bridge, desk: Desk) -> None:
        await wait_until(lambda: bridge.status.sent == 5)
        assert await desk.waiting("telegram") == 0

    run_bridge(dead, tmp_path / LOG, first_run, initial_delay=60)
    run_bridge(service, tmp_path / LOG, second_run, max_backlog=4)
    note, *trades = [seen.payload["text"] for seen in service.seen]
    assert note.startswith("<b>AlgoMesh Tray: 6 signals not forwarded</b>")
    assert "more than 4 messages were waiting" in note and "The trade log in AlgoMesh Tray has every one." in note
    assert [text.split()[1] for text in trades] == [f"SYM{n}</b>" for n in range(6, 10)]


def test_a_backlog_older_than_a_day_is_one_note_with_its_period(service: FakeService, tmp_path: Path) -> None:
    """Back after two days: the stale signals and alert are not replayed; one note says how many, from when."""
    dead = FakeService()
    dead.close()

    async def first_run(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal(), signal())
        alert = {"kind": "down", "title": "AlgoMesh engine disconnected", "body": "gone", "since": time.time()}
        await desk.pipeline.outbox(lambda outbox: outbox.add_notice(["telegram"], time.time(), alert))

    async def two_days_later(bridge: Bridge, desk: Desk) -> None:
        await wait_until(lambda: bridge.status.sent == 1)

    run_bridge(dead, tmp_path / LOG, first_run, initial_delay=60)
    later = time.time() + 2 * 86400
    run_bridge(service, tmp_path / LOG, two_days_later, clock=lambda: later)
    (note,) = [seen.payload["text"] for seen in service.seen]
    assert note.startswith("<b>AlgoMesh Tray: 2 signals and 1 engine alert not forwarded</b>")
    assert "they waited longer than 1 d" in note


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
    service: FakeService, tmp_path: Path, body: dict[str, Any], header: str | None
) -> None:
    """Whatever shape a 429 takes, the bridge waits its own back-off and delivers; it never dies or spins."""
    service.answers = [Answer(429, body, {"retry-after": header} if header is not None else {})]

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal())
        await wait_until(lambda: bridge.status.sent == 1)

    bridge = run_bridge(service, tmp_path / LOG, scenario, initial_delay=0.2, max_delay=0.2)
    first, second = service.seen
    assert second.at - first.at >= 0.2
    assert bridge.status.last_error == ""


@pytest.mark.parametrize("bad_url", ["http://[::1", "hooks.example.com/algomesh"], ids=["invalid-url", "no-scheme"])
def test_an_invalid_address_is_said_in_words_and_pauses_the_bridge(
    service: FakeService, tmp_path: Path, bad_url: str
) -> None:
    """A mistyped webhook address fails at once, without a request, in words a trader can act on."""

    def build(r: TradeRecord) -> BridgeRequest:
        return webhook_request(r, url=bad_url)

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal())
        await wait_until(lambda: bridge.status.paused)

    bridge = run_bridge(service, tmp_path / LOG, scenario, kind="webhook", build=build)
    assert bridge.status.paused == "the webhook address is not valid" and service.seen == []


def test_an_unexpected_failure_costs_one_message_not_the_bridge(
    service: FakeService, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A fault outside httpx's errors (here a NaN httpx will not encode) is counted, logged, and passed."""

    def build(r: TradeRecord) -> BridgeRequest:
        request = webhook_request(r, url=f"{service.url}/hook")
        return (
            BridgeRequest(request.url, {**request.payload, "odd": float("nan")})
            if r.signal.symbol == "BAD"
            else request
        )

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal(symbol="BAD"), signal(symbol="NEXT"))
        await wait_until(lambda: bridge.status.sent == 1)

    bridge = run_bridge(service, tmp_path / LOG, scenario, kind="webhook", build=build)
    assert bridge.status.failed == 1 and "1 could not be sent (see the log)" in bridge.status.describe()
    assert [seen.payload["symbol"] for seen in service.seen] == ["NEXT"]
    assert any("webhook bridge: unexpected ValueError" in line for line in caplog.messages)


def test_a_failing_status_callback_does_not_stop_deliveries(service: FakeService, tmp_path: Path) -> None:
    """A fault in whoever shows the status is logged; the signal is still delivered."""

    def broken(status: Any) -> None:
        raise RuntimeError("status display broke")

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal())
        await wait_until(lambda: bridge.status.sent == 1)

    run_bridge(service, tmp_path / LOG, scenario, on_status=broken)
    assert len(service.seen) == 1


def test_one_attempt_reports_sent_or_the_services_reason(service: FakeService) -> None:
    """What "Send test message" uses: one try, its outcome in words."""
    trade, _ = builders(service, "telegram")

    async def main() -> list[str]:
        async with httpx.AsyncClient(timeout=5) as client:
            sent = await attempt(client, "telegram", trade(record()))
            service.default = Answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            refused = await attempt(client, "telegram", trade(record()))
        return [sent.problem, refused.problem, str(refused.retry)]

    assert asyncio.run(main()) == ["", "telegram answered HTTP 404 (check the address or chat): Not Found", "False"]


def test_the_filter_needs_every_word() -> None:
    assert matches_filter(signal(), "") and matches_filter(signal(), "live btc")
    assert not matches_filter(signal(), "sell") and not matches_filter(signal(trade_type="paper"), "live")


def test_a_backlog_that_grows_during_an_outage_is_folded_when_the_service_is_back(
    service: FakeService, tmp_path: Path
) -> None:
    """Without a restart: the first message waits on a failing service while ten more come; when it
    goes out, the ten are folded (the limit is three) before the next is sent."""
    service.default = Answer(503, {"ok": False, "error_code": 503, "description": "Service Unavailable"})

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal(symbol="FIRST"))
        await wait_until(lambda: bridge.status.last_error != "")
        await desk.log(*(signal(symbol=f"SYM{n}") for n in range(10)))
        service.default = Answer()
        await wait_until(lambda: bridge.status.sent == 5)

    run_bridge(service, tmp_path / LOG, scenario, max_backlog=3)
    texts = [seen.payload["text"] for seen in service.seen if "description" not in str(seen.payload)]
    delivered = [text.split("\n")[0] for text in texts][-5:]
    assert delivered[0] == "<b>BUY FIRST</b>"
    assert delivered[1] == "<b>AlgoMesh Tray: 7 signals not forwarded</b>"
    assert delivered[2:] == ["<b>BUY SYM7</b>", "<b>BUY SYM8</b>", "<b>BUY SYM9</b>"]


def test_an_answer_quoting_the_token_is_told_without_it(service: FakeService, tmp_path: Path) -> None:
    """A proxy's error page echoing the bot URL: the status line, the log and the trader's message show •••."""
    service.default = Answer(400, {"ok": False, "description": "bad request to /bot123:SECRET/sendMessage"})
    told: list[str] = []

    async def scenario(bridge: Bridge, desk: Desk) -> None:
        await desk.log(signal())
        await wait_until(lambda: bridge.status.paused)

    bridge = run_bridge(service, tmp_path / LOG, scenario, on_refused=told.append)
    assert "SECRET" not in bridge.status.describe() and "SECRET" not in told[0]
    assert "/bot•••/sendMessage" in bridge.status.paused
