"""Engine outage alerts through the bridges, against a local HTTP server that answers as Telegram's
Bot API, Discord's webhooks and a JSON webhook do (neither service can be reached from here)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from keyrings.alt.file import PlaintextKeyring

from algomesh_tray.bridges.credentials import Credentials
from algomesh_tray.bridges.discord import discord_status_request
from algomesh_tray.bridges.kinds import BRIDGES
from algomesh_tray.bridges.request import Notice
from algomesh_tray.bridges.service import BridgeService
from algomesh_tray.bridges.telegram import telegram_status_request
from algomesh_tray.feed.outage import EngineAlert
from algomesh_tray.feed.protocol import StrategySignal
from algomesh_tray.feed.records import TradeRecord
from algomesh_tray.settings import Settings

from ...http_fakes import Answer, FakeService
from ..conftest import wait_until
from .conftest import Desk, hub_on, signal

SINCE = 1_700_000_000.0
#: The reason comes from the engine's side of the connection: text to be shown, never markup.
DOWN = EngineAlert(
    "down",
    "AlgoMesh engine disconnected",
    "Engine said <b>boom</b> & **@everyone** [x](http://example.invalid).\nDown since 02:00:00.",
    SINCE,
)
UP = EngineAlert("up", "AlgoMesh engine is back", "Signals are flowing again after 3 min 5 s.", SINCE)
TELEGRAM = "/bot1:TOKEN/sendMessage"
DISCORD = "/api/webhooks/1/SECRET?wait=true"
HOOK = "/hook"
ALL_ON = Settings(telegram_enabled=True, telegram_chat_id="42", discord_enabled=True, webhook_enabled=True)


@pytest.fixture
def service() -> Iterator[FakeService]:
    fake = FakeService()
    yield fake
    fake.close()


def secrets(service: FakeService) -> dict[str, str]:
    return {"telegram_token": "1:TOKEN", "discord_webhook_url": f"{service.url}/api/webhooks/1/SECRET",
            "webhook_url": f"{service.url}{HOOK}"}  # fmt: skip


def payloads(service: FakeService, path: str) -> list[Any]:
    return [seen.payload for seen in service.seen if seen.path == path]


def trade(**changes: Any) -> TradeRecord:
    values = {"action": "BUY", "symbol": "BTCUSDT", "price": 64320.5, "amount": 0.05, "size_type": "percent",
              "order_type": "Market", "strategy_name": "BTC_Momentum_Scalp", "trade_type": "live",
              "status": "EXECUTED", **changes}  # fmt: skip
    return TradeRecord(1, SINCE, StrategySignal(**values), "{}")


def test_a_down_and_an_up_alert_reach_every_bridge_with_feed_text_escaped(service: FakeService, tmp_path: Path) -> None:
    """Through BridgeService.announce: Telegram HTML, a red then green Discord embed, ENGINE_STATUS JSON."""
    keyring = PlaintextKeyring()
    keyring.file_path = str(tmp_path / "keyring.cfg")  # a real file keyring in a scratch folder
    before = time.time()

    async def main() -> None:
        desk = Desk(tmp_path / "trades.sqlite3")
        bridges = BridgeService(credentials=Credentials(backend=keyring), telegram_api=service.url)
        bridges.attach(desk.pipeline.outbox, ALL_ON)
        await bridges.store_secrets(secrets(service), ALL_ON)
        bridges.announce(DOWN, ALL_ON)
        bridges.announce(UP, ALL_ON)
        await wait_until(lambda: len(service.seen) == 6, 10, what="two alerts on each of three bridges")
        await bridges.close()
        await desk.close()

    asyncio.run(main())
    down, up = payloads(service, TELEGRAM)
    assert down["chat_id"] == "42" and down["parse_mode"] == "HTML"
    assert down["text"] == (
        "<b>AlgoMesh engine disconnected</b>\n"
        "Engine said &lt;b&gt;boom&lt;/b&gt; &amp; **@everyone** [x](http://example.invalid).\nDown since 02:00:00."
    )
    assert up["text"] == "<b>AlgoMesh engine is back</b>\nSignals are flowing again after 3 min 5 s."
    down, up = payloads(service, DISCORD)
    assert down["allowed_mentions"] == {"parse": []} and up["allowed_mentions"] == {"parse": []}
    ((red,), (green,)) = down["embeds"], up["embeds"]
    assert red["title"] == "AlgoMesh engine disconnected" and red["color"] == 0xDC2626
    assert red["description"] == (
        "Engine said <b\\>boom</b\\> & \\*\\*@everyone\\*\\* \\[x\\]\\(http://example.invalid\\).\nDown since 02:00:00."
    )
    assert green["title"] == "AlgoMesh engine is back" and green["color"] == 0x16A34A
    down, up = payloads(service, HOOK)
    after = time.time()
    assert {key: down[key] for key in ("type", "status", "title", "body", "since")} == {
        "type": "ENGINE_STATUS", "status": "down", "title": DOWN.title, "body": DOWN.body, "since": SINCE,
    }  # fmt: skip
    assert up["status"] == "up" and up["title"] == UP.title and up["since"] == SINCE
    assert before <= down["sentAt"] <= up["sentAt"] <= after
    assert "raw" not in down  # not shaped like a trade: a dashboard tells them apart by "type"


def test_without_a_bridge_on_or_a_message_waiting_no_hub_is_built_until_one_is_switched_on(
    service: FakeService, tmp_path: Path
) -> None:
    """The idle app's case: nothing is routed or announced and the hub (with every service's module)
    is not built; a bridge switched on later gets the signals from then on."""
    hubs: list[object] = []

    async def main() -> None:
        desk = Desk(tmp_path / "trades.sqlite3")
        bridges = BridgeService(credentials=Credentials(backend=PlaintextKeyring()), telegram_api=service.url)
        bridges.attach(desk.pipeline.outbox, Settings())
        desk.pipeline.route, desk.pipeline.after_write = bridges.route, bridges.wake
        await bridges.configure(Settings())
        bridges.announce(DOWN, Settings())
        await desk.log(signal())
        hubs.append(bridges.hub)
        assert await desk.waiting("telegram") == 0
        bridges._secrets = secrets(service)  # as the keyring would give them
        await bridges.configure(ALL_ON)
        await desk.log(signal(symbol="ETHUSDT"))
        await wait_until(lambda: len(service.seen) == 3, 10, what="the second trade on three bridges")
        await bridges.close()
        await desk.close()

    asyncio.run(main())
    assert hubs == [None]
    assert [p["text"].split("</b>")[0] for p in payloads(service, TELEGRAM)] == ["<b>BUY ETHUSDT"]


def test_a_message_left_for_a_bridge_switched_off_since_is_forgotten_at_start(tmp_path: Path) -> None:
    """Telegram was switched off in the settings file while the app was not running: its waiting
    message is dropped at the first configure, as when it is switched off in Settings."""
    waiting: list[int] = []

    async def main() -> None:
        desk = Desk(tmp_path / "trades.sqlite3", route=lambda signal: ("telegram",))
        await desk.log(signal())
        bridges = BridgeService(credentials=Credentials(backend=PlaintextKeyring()))
        bridges.attach(desk.pipeline.outbox, Settings())
        waiting.append(await desk.waiting("telegram"))
        await bridges.configure(Settings())
        waiting.append(await desk.waiting("telegram"))
        await bridges.close()
        await desk.close()

    asyncio.run(main())
    assert waiting == [1, 0]


def test_a_bridge_with_its_engine_status_switch_off_gets_no_alert(service: FakeService, tmp_path: Path) -> None:
    """Telegram's switch off: Discord and the webhook get the alert, Telegram only the trades."""
    settings = replace(ALL_ON, telegram_engine_status=False)

    async def main() -> None:
        desk = Desk(tmp_path / "trades.sqlite3")
        hub = hub_on(desk, service)
        await hub.configure(settings, secrets(service))
        hub.announce(Notice.from_alert(DOWN), settings)
        await desk.log(signal())
        await wait_until(lambda: len(service.seen) == 5, 10, what="the alert on two bridges, the trade on three")
        await hub.close()
        await desk.close()

    asyncio.run(main())
    (telegram,) = payloads(service, TELEGRAM)
    assert telegram["text"].startswith("<b>BUY BTCUSDT</b>")
    assert [p["embeds"][0]["title"] for p in payloads(service, DISCORD)] == [DOWN.title, "BUY BTCUSDT"]
    assert [p.get("type", "trade") for p in payloads(service, HOOK)] == ["ENGINE_STATUS", "trade"]


def test_a_bridge_whose_filter_excludes_every_trade_still_gets_the_alert(service: FakeService, tmp_path: Path) -> None:
    """The trade filter is for trades: an outage reaches the phone whatever words it holds."""
    settings = Settings(telegram_enabled=True, telegram_chat_id="42", telegram_filter="ethusdt paper")

    async def main() -> None:
        desk = Desk(tmp_path / "trades.sqlite3")
        hub = hub_on(desk, service)
        await hub.configure(settings, secrets(service))
        await desk.log(signal())  # BTCUSDT live: filtered out
        hub.announce(Notice.from_alert(DOWN), settings)
        await wait_until(lambda: hub.bridges["telegram"].status.sent == 1, 10, what="the alert sent")
        assert await desk.waiting("telegram") == 0
        await hub.close()
        await desk.close()

    asyncio.run(main())
    (only,) = payloads(service, TELEGRAM)
    assert only["text"].startswith("<b>AlgoMesh engine disconnected</b>")


def test_a_429_with_retry_after_is_honoured_for_an_alert(service: FakeService, tmp_path: Path) -> None:
    """Telegram's parameters.retry_after holds the alert back as it would a trade; then it goes out once."""
    service.answers = [Answer(429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                    "parameters": {"retry_after": 0.3}})]  # fmt: skip
    settings = Settings(telegram_enabled=True, telegram_chat_id="42")

    async def main() -> None:
        desk = Desk(tmp_path / "trades.sqlite3")
        hub = hub_on(desk, service)
        await hub.configure(settings, secrets(service))
        hub.announce(Notice.from_alert(DOWN), settings)
        await wait_until(lambda: hub.bridges["telegram"].status.sent == 1, 10, what="the alert sent after the 429")
        status = hub.bridges["telegram"].status
        assert status.last_error == ""
        await hub.close()
        await desk.close()

    asyncio.run(main())
    first, second = service.seen
    assert second.at - first.at >= 0.3
    assert first.payload == second.payload and "AlgoMesh engine disconnected" in second.payload["text"]


def test_an_alert_raised_while_the_hub_waits_for_its_secrets_goes_out_after(
    service: FakeService, tmp_path: Path
) -> None:
    """Starting with no engine while the keyring prompts: the alert waits for the bridges, like signals do."""
    settings = Settings(webhook_enabled=True)

    async def main() -> None:
        desk = Desk(tmp_path / "trades.sqlite3")
        hub = hub_on(desk, service)
        hub.expect(settings)
        hub.announce(Notice.from_alert(DOWN), settings)
        assert service.seen == []
        await hub.configure(settings, secrets(service))
        await wait_until(lambda: len(service.seen) == 1, 10, what="the held alert sent")
        await hub.close()
        await desk.close()

    asyncio.run(main())
    assert payloads(service, HOOK)[0]["status"] == "down"


def test_every_bridge_kind_names_an_existing_engine_status_switch_that_is_on_by_default() -> None:
    """The switch each kind reads is a Settings field, on for a fresh profile."""
    fresh = Settings()
    assert [kind.engine_status_setting for kind in BRIDGES] == [
        "telegram_engine_status",
        "discord_engine_status",
        "webhook_engine_status",
        "ntfy_engine_status",
        "pushover_engine_status",
        "gotify_engine_status",
    ]
    assert all(kind.tells_engine_status(fresh) for kind in BRIDGES)


def test_an_alert_quoting_a_huge_or_odd_engine_error_stays_within_each_services_limits() -> None:
    """Escaping may grow the text fivefold; the message still fits, line breaks stay, controls are shown."""
    alert = EngineAlert("down", "AlgoMesh engine disconnected", "&" * 10_000 + "\nbell\x07 here", SINCE)
    text = telegram_status_request(alert, token="1:T", chat_id="42").payload["text"]
    assert len(text) <= 4096 and text.count("&amp;") == 699 and text.endswith("…")
    embed = discord_status_request(alert, webhook_url="https://example.invalid/w").payload["embeds"][0]
    assert len(embed["description"]) <= 4096
    short = EngineAlert("down", "t", "line one\nbell\x07 here", SINCE)
    assert telegram_status_request(short, token="1:T", chat_id="42").payload["text"] == (
        "<b>t</b>\nline one\nbell\ufffd here"
    )


def test_send_test_message_reaches_each_phone_service_with_what_is_typed() -> None:
    """ "Send test message" for ntfy, Pushover and Gotify uses the unsaved fields and secrets, says
    "Test message sent." when the service took it, and asks for what is missing otherwise."""
    from ...http_fakes import gotify_rule, ntfy_rule, pushover_rule

    ntfy, pushover = FakeService(ntfy_rule()), FakeService(pushover_rule(token="aTOKEN", user="uUSER"))
    gotify = FakeService(gotify_rule(token="gTOKEN"))
    typed = Settings(ntfy_server=ntfy.url, ntfy_topic="algomesh-k3v9q2", gotify_server=gotify.url)
    secrets = {"pushover_token": "aTOKEN", "pushover_user": "uUSER", "gotify_token": "gTOKEN"}
    outcomes: dict[str, str] = {}

    async def main() -> None:
        bridges = BridgeService(pushover_api=pushover.url)  # the keyring is not read: the secrets are typed
        for kind in ("ntfy", "pushover", "gotify"):
            outcomes[kind] = await bridges.send_test(kind, typed, secrets)
        outcomes["missing"] = await bridges.send_test("pushover", typed, {"pushover_token": "aTOKEN"})
        await bridges.close()

    try:
        asyncio.run(main())
    finally:
        for fake in (ntfy, pushover, gotify):
            fake.close()
    assert outcomes == {"ntfy": "Test message sent.", "pushover": "Test message sent.", "gotify": "Test message sent.",
                        "missing": "Fill in the fields above first."}  # fmt: skip
    assert [len(fake.seen) for fake in (ntfy, pushover, gotify)] == [1, 1, 1]
    assert "AlgoMesh Tray test message" in ntfy.seen[0].payload["message"]
