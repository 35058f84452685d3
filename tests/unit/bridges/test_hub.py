"""The hub: bridges built from settings and secrets, which bridges each signal is for, and the outbox
that carries what they had not delivered across a wait for the keyring, a restart and a new token."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from algomesh_tray.bridges.hub import BridgeHub
from algomesh_tray.settings import Settings

from ...http_fakes import FakeService, gotify_rule, ntfy_rule, pushover_rule
from ...waiting import wait_until_async as wait_until
from .conftest import Desk, hub_on, record, signal

TELEGRAM_ON = Settings(telegram_enabled=True, telegram_chat_id="42")


def symbols_sent_with(service: FakeService, token: str) -> list[str]:
    """Which signals (told apart by symbol) reached the fake Telegram with this bot token."""
    texts = [seen.payload["text"] for seen in service.seen if f"/bot{token}/" in seen.path]
    return [text.split()[1].removesuffix("</b>") for text in texts]


def test_signals_logged_while_the_hub_waits_for_its_secrets_are_delivered_after(
    service: FakeService, tmp_path: Path
) -> None:
    """At start-up the feed does not wait for the keyring; what arrives meanwhile still goes out, in order."""

    async def main() -> None:
        desk = Desk(tmp_path / "trades.sqlite3")
        hub = hub_on(desk, service)
        hub.expect(TELEGRAM_ON)
        await desk.log(signal(symbol="SYM1"), signal(symbol="SYM2"))
        assert service.seen == [] and await desk.waiting("telegram") == 2
        await hub.configure(TELEGRAM_ON, {"telegram_token": "1:A"})
        await desk.log(signal(symbol="SYM3"))
        await wait_until(lambda: hub.bridges["telegram"].status.sent == 3)
        await hub.close()
        await desk.close()

    asyncio.run(main())
    assert symbols_sent_with(service, "1:A") == ["SYM1", "SYM2", "SYM3"]


def test_a_new_token_sends_what_was_waiting_with_the_new_token(service: FakeService, tmp_path: Path) -> None:
    """Changing the bot token restarts the bridge; what was not delivered goes with the new token, the
    message in flight at the change perhaps twice (at least once), none lost."""

    async def main() -> None:
        desk = Desk(tmp_path / "trades.sqlite3")
        hub = hub_on(desk, service)
        await hub.configure(TELEGRAM_ON, {"telegram_token": "1:OLD"})
        service.release.clear()  # the first request hangs in flight; the rest wait
        await desk.log(*(signal(symbol=f"SYM{n}") for n in (1, 2, 3)))
        await wait_until(lambda: len(service.seen) == 1)
        await hub.configure(TELEGRAM_ON, {"telegram_token": "2:NEW"})
        service.release.set()
        await wait_until(lambda: hub.bridges["telegram"].status.sent == 3)
        await hub.close()
        await desk.close()

    asyncio.run(main())
    assert symbols_sent_with(service, "1:OLD") == ["SYM1"]
    assert symbols_sent_with(service, "2:NEW") == ["SYM1", "SYM2", "SYM3"]


def test_each_bridge_gets_what_its_filter_lets_through(service: FakeService, tmp_path: Path) -> None:
    """Words in the filter must all appear; other signals get no outbox row for that bridge."""
    settings = replace(TELEGRAM_ON, telegram_filter="live btc", webhook_enabled=True)
    secrets = {"telegram_token": "1:A", "webhook_url": f"{service.url}/hook"}

    async def main() -> None:
        desk = Desk(tmp_path / "trades.sqlite3")
        hub = hub_on(desk, service)
        await hub.configure(settings, secrets)
        await desk.log(signal(trade_type="paper"), signal(), signal(symbol="ETHUSDT", strategy_name="ETH_Grid"))
        await wait_until(lambda: len(service.seen) == 4)
        await hub.close()
        await desk.close()

    asyncio.run(main())
    assert symbols_sent_with(service, "1:A") == ["BTCUSDT"]
    assert len([seen for seen in service.seen if seen.path == "/hook"]) == 3


def test_a_bridge_switched_off_forgets_what_it_had_waiting(tmp_path: Path) -> None:
    """Switching a bridge off in Settings is the trader's choice: its backlog is dropped, not sent later."""
    dead = FakeService()
    dead.close()

    async def main() -> None:
        desk = Desk(tmp_path / "trades.sqlite3")
        hub = hub_on(desk, dead)
        await hub.configure(TELEGRAM_ON, {"telegram_token": "1:A"})
        await desk.log(signal(), signal())
        assert await desk.waiting("telegram") == 2
        await hub.configure(replace(TELEGRAM_ON, telegram_enabled=False), {"telegram_token": "1:A"})
        assert hub.bridges == {} and await desk.waiting("telegram") == 0
        assert hub.route(signal()) == ()
        await hub.close()
        await desk.close()

    asyncio.run(main())


PHONES_ON = Settings(ntfy_enabled=True, ntfy_topic="algomesh-k3v9q2", pushover_enabled=True, gotify_enabled=True,
                     gotify_server="https://gotify.example.com")  # fmt: skip
PHONE_SECRETS = {"pushover_token": "aTOKEN", "pushover_user": "uUSER", "gotify_token": "gTOKEN"}


def test_the_phone_services_are_built_from_settings_and_secrets() -> None:
    """ntfy (no token needed), Pushover (token and user) and Gotify (server and token) each build."""
    built = BridgeHub(pushover_api="http://127.0.0.1:9").builders(PHONES_ON, PHONE_SECRETS)
    assert sorted(built) == ["gotify", "ntfy", "pushover"]
    ntfy = built["ntfy"].trade(record())
    assert ntfy.url == "https://ntfy.sh/" and ntfy.payload["topic"] == "algomesh-k3v9q2" and ntfy.headers == {}
    pushover = built["pushover"].trade(record())
    assert pushover.url == "http://127.0.0.1:9/1/messages.json"
    assert (pushover.payload["token"], pushover.payload["user"]) == ("aTOKEN", "uUSER")
    gotify = built["gotify"].trade(record())
    assert gotify.url == "https://gotify.example.com/message" and gotify.headers == {"X-Gotify-Key": "gTOKEN"}
    with_token = BridgeHub().builders(PHONES_ON, {"ntfy_token": "tk_1"})["ntfy"].trade(record())
    assert with_token.headers == {"Authorization": "Bearer tk_1"}


def test_a_phone_service_missing_a_required_field_is_not_built() -> None:
    """No topic, no user key, no Gotify server: those bridges do not run; a switched-off one neither."""
    hub = BridgeHub()
    assert "ntfy" not in hub.builders(replace(PHONES_ON, ntfy_topic=""), PHONE_SECRETS)
    assert "pushover" not in hub.builders(PHONES_ON, {**PHONE_SECRETS, "pushover_user": ""})
    assert "gotify" not in hub.builders(replace(PHONES_ON, gotify_server=""), PHONE_SECRETS)
    assert "ntfy" not in hub.builders(replace(PHONES_ON, ntfy_enabled=False), PHONE_SECRETS)


def test_a_signal_reaches_ntfy_pushover_and_gotify_through_the_hub(tmp_path: Path) -> None:
    """Configured from settings and secrets, the hub delivers one signal to each local fake."""
    ntfy, pushover = FakeService(ntfy_rule()), FakeService(pushover_rule(token="aTOKEN", user="uUSER"))
    gotify = FakeService(gotify_rule(token="gTOKEN"))
    settings = replace(PHONES_ON, ntfy_server=ntfy.url, gotify_server=gotify.url)

    async def main() -> None:
        desk = Desk(tmp_path / "trades.sqlite3")
        hub = hub_on(desk, ntfy, pushover_api=pushover.url)
        await hub.configure(settings, PHONE_SECRETS)
        await desk.log(signal())
        await wait_until(lambda: all(bridge.status.sent == 1 for bridge in hub.bridges.values()))
        await hub.close()
        await desk.close()

    try:
        asyncio.run(main())
    finally:
        for fake in (ntfy, pushover, gotify):
            fake.close()
    assert [len(fake.seen) for fake in (ntfy, pushover, gotify)] == [1, 1, 1]


def test_every_bridge_builds_from_the_fields_its_kind_names() -> None:
    """Each kind's fields, passed as their arguments, make both of its requests (a trade, an alert)."""
    from algomesh_tray.bridges.kinds import BRIDGES
    from algomesh_tray.feed.outage import EngineAlert

    settings = Settings(**{kind.enabled_setting: True for kind in BRIDGES}, telegram_chat_id="42",  # type: ignore[arg-type]
                        ntfy_topic="t", gotify_server="https://gotify.example.com")  # fmt: skip
    secrets = {name: "s3cret" for kind in BRIDGES for name in kind.secret_names}
    built = BridgeHub().builders(settings, secrets)
    assert sorted(built) == sorted(kind.name for kind in BRIDGES)
    alert = EngineAlert("down", "AlgoMesh engine disconnected", "connection refused", 0.0)
    for builders in built.values():
        assert builders.trade(record()).url and builders.status(alert).url


def test_a_paused_bridge_starts_again_when_settings_are_saved(service: FakeService, tmp_path: Path) -> None:
    """A refusal pauses Telegram (the bot was blocked); the trader unblocks it and saves Settings
    unchanged: the bridge starts afresh and sends what waited."""
    from ...http_fakes import Answer

    service.default = Answer(403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"})

    async def main() -> None:
        desk = Desk(tmp_path / "trades.sqlite3")
        hub = hub_on(desk, service)
        await hub.configure(TELEGRAM_ON, {"telegram_token": "1:A"})
        await desk.log(signal(symbol="SYM1"))
        await wait_until(lambda: hub.bridges["telegram"].stopped)
        service.default = Answer()
        await hub.configure(TELEGRAM_ON, {"telegram_token": "1:A"})
        await wait_until(lambda: hub.bridges["telegram"].status.sent == 1)
        await hub.close()
        await desk.close()

    asyncio.run(main())
    assert symbols_sent_with(service, "1:A") == ["SYM1", "SYM1"]


def test_messages_name_their_engine_once_several_are_set_up() -> None:
    """Each service's message starts with the engine's name when the settings hold several engines
    (the webhook's JSON names it always), and carries no name with one engine."""
    from algomesh_tray.feed.engines import Engine

    secrets = {"telegram_token": "1:abc", "discord_webhook_url": "https://discord.com/api/webhooks/1/x",
               "webhook_url": "https://example.com/hook", "ntfy_token": "", "pushover_token": "t",
               "pushover_user": "u", "gotify_token": "g"}  # fmt: skip
    on = {"telegram_enabled": True, "telegram_chat_id": "42", "discord_enabled": True, "webhook_enabled": True,
          "ntfy_enabled": True, "ntfy_topic": "desk", "pushover_enabled": True, "gotify_enabled": True,
          "gotify_server": "https://gotify.example.com"}  # fmt: skip
    one = Settings(**on)  # type: ignore[arg-type]
    several = replace(one, engines=(Engine("Desk"), Engine("VPS", port=52001)))
    trade = replace(record(), engine="VPS")

    def texts(settings: Settings) -> dict[str, str]:
        built = BridgeHub().builders(settings, secrets)
        payloads = {kind: builders.trade(trade).payload for kind, builders in built.items()}
        return {
            "telegram": payloads["telegram"]["text"],
            "discord": payloads["discord"]["embeds"][0]["title"],
            "ntfy": payloads["ntfy"]["title"],
            "pushover": payloads["pushover"]["title"],
            "gotify": payloads["gotify"]["title"],
            "webhook": payloads["webhook"]["engine"],
        }

    named, plain = texts(several), texts(one)
    assert named.pop("webhook") == plain.pop("webhook") == "VPS"
    assert named == {kind: text.replace("BUY BTCUSDT", "VPS: BUY BTCUSDT", 1) for kind, text in plain.items()}
    assert all("VPS" not in text for text in plain.values())
