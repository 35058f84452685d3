"""Notification policy and text: pause, storm folding, and what the popups say."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from algomesh_tray.formatting import (
    escape_markup,
    format_amount,
    format_price,
    notification_body,
    notification_title,
    safe_text,
)
from algomesh_tray.notifiers import Notification, NotificationDispatcher
from algomesh_tray.protocol import StrategySignal, parse_frame
from algomesh_tray.tradelog import TradeRecord


def signal(**changes: object) -> StrategySignal:
    payload = {"type": "STRATEGY_SIGNAL", "action": "BUY", "price": 64320.50, "amount": 0.05, "sizeType": "percent",
               "orderType": "Market", "symbol": "BTCUSDT", "strategyName": "BTC_Momentum_Scalp",
               "tradeType": "live", "status": "EXECUTED", **changes}  # fmt: skip
    parsed = parse_frame(json.dumps(payload))
    assert isinstance(parsed, StrategySignal)
    return parsed


def record(number: int, strategy: str = "BTC_Momentum_Scalp") -> TradeRecord:
    return TradeRecord(number, 1_700_000_000.0 + number, signal(strategyName=strategy), "{}")


class RecordingNotifier:
    """The smallest Notifier: remembers what it was asked to show."""

    def __init__(self) -> None:
        self.shown: list[Notification] = []
        self.closed = False

    def show(self, notification: Notification) -> None:
        self.shown.append(notification)

    def close(self) -> None:
        self.closed = True


def test_the_briefs_example_notification() -> None:
    """Title 'BUY BTCUSDT'; body with amount, size type, price and the rest, as the brief shows."""
    assert notification_title(signal()) == "BUY BTCUSDT"
    assert notification_body(signal()) == "0.05 (percent) @ 64,320.50 · Market · BTC_Momentum_Scalp · live · EXECUTED"


@pytest.mark.parametrize(("price", "text"), [(64320.5, "64,320.50"), (1.0832, "1.0832"), (0.00001234, "0.00001234"),
                                             (1e12, "1,000,000,000,000.00"), (3, "3.00")])  # fmt: skip
def test_prices_keep_their_decimals(price: float, text: str) -> None:
    """At least two decimals, up to eight, with thousands separators."""
    assert format_price(price) == text


@pytest.mark.parametrize(
    ("amount", "text"), [(0.05, "0.05"), (10.0, "10"), (1500, "1,500"), (0.12345678, "0.12345678")]
)
def test_amounts_have_no_trailing_zeros(amount: float, text: str) -> None:
    """Amounts read as typed."""
    assert format_amount(amount) == text


def test_control_and_direction_characters_are_made_visible_and_long_text_shortened() -> None:
    """Newlines, escape codes and right-to-left overrides cannot rearrange or spoof a popup."""
    assert safe_text("a\nb\x1b[31m\u202eevil") == "a\ufffdb\ufffd[31m\ufffdevil"
    assert safe_text("x" * 100, 10) == "x" * 9 + "…"
    body = notification_body(signal(strategyName="y" * 10_000))
    assert len(body) < 200 and "…" in body


def test_markup_is_escaped_for_daemons_that_read_it() -> None:
    """<b>, <img> and & arrive as text at dunst and friends."""
    assert escape_markup('<b>x</b> & <img src="y">') == '&lt;b&gt;x&lt;/b&gt; &amp; &lt;img src="y"&gt;'


def run_dispatcher(scenario: Callable[[NotificationDispatcher, RecordingNotifier], object], **options: float) -> None:
    async def main() -> None:
        notifier = RecordingNotifier()
        dispatcher = NotificationDispatcher(notifier, **options)  # type: ignore[arg-type]
        result = scenario(dispatcher, notifier)
        if asyncio.iscoroutine(result):
            await result

    asyncio.run(main())


async def until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


def test_each_signal_becomes_a_popup_at_a_traders_pace() -> None:
    """Below the storm limit every record gets its own popup, carrying its record for clicks."""

    def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        dispatcher.dispatch([record(1), record(2)])
        assert [n.record for n in notifier.shown] == [record(1), record(2)]
        assert notifier.shown[0].title == "BUY BTCUSDT"

    run_dispatcher(scenario)


def test_paused_means_no_popups() -> None:
    """Pause notifications: the records still reach the log and table (not here), no popups."""

    def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        dispatcher.paused = True
        dispatcher.dispatch([record(1)])
        assert notifier.shown == []

    run_dispatcher(scenario)


def test_a_burst_of_1000_is_folded_into_a_summary() -> None:
    """Past max_popups in a window the rest become one summary naming strategies with counts."""

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        burst = [record(n, "BTC_Momentum_Scalp" if n % 4 else "ETH_Grid") for n in range(1000)]
        dispatcher.dispatch(burst)
        assert len(notifier.shown) == 5
        await until(lambda: len(notifier.shown) == 6)
        summary = notifier.shown[-1]
        assert summary.title == "995 more signals"
        assert summary.body == "BTC_Momentum_Scalp ×747, ETH_Grid ×248"
        assert summary.record == burst[-1]
        assert dispatcher.shown == 6 and dispatcher.summarised == 995

    run_dispatcher(scenario, max_popups=5, window=0.05)


def test_set_notifier_switches_backend_and_closes_the_old_one() -> None:
    """Changing the style in Settings takes effect for the next popup."""

    def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        replacement = RecordingNotifier()
        dispatcher.set_notifier(replacement)
        dispatcher.dispatch([record(1)])
        assert notifier.closed and notifier.shown == [] and len(replacement.shown) == 1

    run_dispatcher(scenario)


def test_pause_choices_end_when_the_menu_says() -> None:
    """15 minutes, an hour, or the start of tomorrow (local time, across month ends)."""
    from datetime import datetime, timedelta, timezone

    from algomesh_tray.notifiers import pause_ends

    now = datetime(2026, 11, 30, 22, 50, tzinfo=timezone(timedelta(hours=1)))
    assert pause_ends("15m", now) == datetime(2026, 11, 30, 23, 5, tzinfo=now.tzinfo)
    assert pause_ends("1h", now) == datetime(2026, 11, 30, 23, 50, tzinfo=now.tzinfo)
    assert pause_ends("tomorrow", now) == datetime(2026, 12, 1, 0, 0, tzinfo=now.tzinfo)
    with pytest.raises(ValueError, match="unknown pause"):
        pause_ends("forever", now)
