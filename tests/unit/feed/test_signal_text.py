"""A signal's popup title and body: the brief's wording, and feed text that cannot spoof or swell it."""

from __future__ import annotations

from algomesh_tray.feed.protocol import StrategySignal, parse_frame
from algomesh_tray.feed.signal_text import NOTIFICATION_FIELD_CHARS, notification_body, notification_title
from algomesh_tray.util.formatting import escape_markup

from ..conftest import example_frame


def signal(**changes: object) -> StrategySignal:
    """The brief's example signal with fields changed."""
    parsed = parse_frame(example_frame(**changes))
    assert isinstance(parsed, StrategySignal)
    return parsed


def test_the_briefs_example_notification() -> None:
    """Title 'BUY BTCUSDT'; body with amount, size type, price and the rest, as the brief shows."""
    assert notification_title(signal()) == "BUY BTCUSDT"
    assert notification_body(signal()) == "0.05 (percent) @ 64,320.50 · Market · BTC_Momentum_Scalp · live · EXECUTED"


def test_a_sell_reads_as_sell() -> None:
    """The title starts with the action the engine sent."""
    assert notification_title(signal(action="sell", symbol="ETHUSDT")) == "SELL ETHUSDT"


def test_long_feed_text_does_not_swell_the_popup() -> None:
    """A 10,000-character strategy name or symbol is cut to the notification field length."""
    body = notification_body(signal(strategyName="y" * 10_000))
    assert "y" * NOTIFICATION_FIELD_CHARS not in body and "y" * (NOTIFICATION_FIELD_CHARS - 1) + "…" in body
    title = notification_title(signal(symbol="S" * 10_000))
    assert title == "BUY " + "S" * (NOTIFICATION_FIELD_CHARS - 1) + "…"


def test_body_fields_are_made_safe() -> None:
    """Control characters in any body field are replaced, so the popup keeps one line per field."""
    body = notification_body(signal(orderType="Mar\nket", sizeType="per\u202ecent", status="DONE\x1b"))
    assert "\n" not in body and "\u202e" not in body and "\x1b" not in body
    assert "Mar\ufffdket" in body and "(per\ufffdcent)" in body


def test_the_body_stays_plain_text_until_a_backend_escapes_it() -> None:
    """Escaping is the markup backend's job: the body itself keeps '<' so tray messages show it as sent."""
    body = notification_body(signal(strategyName="<i>Scalp</i>"))
    assert "<i>Scalp</i>" in body
    assert "&lt;i&gt;Scalp&lt;/i&gt;" in escape_markup(body)
