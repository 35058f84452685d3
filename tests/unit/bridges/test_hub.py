"""The hub: bridges built from settings and secrets, signals held while the keyring answers, and
handed over when a bridge restarts."""

from __future__ import annotations

import asyncio

from algomesh_tray.bridges.hub import BridgeHub
from algomesh_tray.settings import Settings

from ...http_fakes import FakeService
from ...waiting import wait_until_async as wait_until
from .conftest import record

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
