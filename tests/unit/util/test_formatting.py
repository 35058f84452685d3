"""How a signal reads in a popup: numbers for people, and feed text that cannot spoof or break it."""

from __future__ import annotations

import pytest

from algomesh_tray.feed.protocol import StrategySignal, parse_frame
from algomesh_tray.feed.signal_text import NOTIFICATION_FIELD_CHARS, notification_body, notification_title
from algomesh_tray.util.formatting import escape_markup, format_amount, format_price, format_volume, plural, safe_text

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


@pytest.mark.parametrize(
    ("price", "text"),
    [(64320.5, "64,320.50"), (1.0832, "1.0832"), (0.00001234, "0.00001234"), (1e12, "1,000,000,000,000.00"),
     (3, "3.00"), (3.1, "3.10"), (142.8, "142.80"), (0.123456789, "0.12345679"), (999999.999999999, "1,000,000.00")],
)  # fmt: skip
def test_prices_keep_their_decimals(price: float, text: str) -> None:
    """At least two decimals, up to eight (rounded), with thousands separators."""
    assert format_price(price) == text


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0.05, "0.05"), (10.0, "10"), (1500, "1,500"), (0.12345678, "0.12345678"), (2.5, "2.5"), (1e6, "1,000,000")],
)
def test_amounts_have_no_trailing_zeros(amount: float, text: str) -> None:
    """Amounts read as typed: no '10.00000000', no trailing dot."""
    assert format_amount(amount) == text


def test_volumes_of_different_size_types_are_shown_side_by_side_not_added() -> None:
    """0.05 percent and 0.5 of a coin are different things: no total across them."""
    assert format_volume({"percent": 3.0, "quantity": 0.5}) == "3 (percent) + 0.5 (quantity)"
    assert format_volume({"<b>x</b>\u202e": 1.0}, 5) == "1 (<b>x…)"
    assert format_volume({}) == "0"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain", "plain"),
        ("a\nb", "a\ufffdb"),
        ("tab\there", "tab\ufffdhere"),
        ("\x1b[31mred", "\ufffd[31mred"),
        ("del\x7f", "del\ufffd"),
        ("\u202eevil", "\ufffdevil"),
        ("\u2066isolate\u2069", "\ufffdisolate\ufffd"),
        ("mark\u200f", "mark\ufffd"),
        ("Стратегия_β", "Стратегия_β"),
    ],
)
def test_control_and_direction_characters_are_made_visible(text: str, shown: str) -> None:
    """Newlines, escape codes and direction overrides cannot rearrange or spoof a popup; letters stay."""
    assert safe_text(text) == shown


def test_long_text_is_shortened_with_an_ellipsis_to_the_limit() -> None:
    """Exactly ``limit`` characters, the last one an ellipsis; text at the limit is left whole."""
    assert safe_text("x" * 100, 10) == "x" * 9 + "…"
    assert len(safe_text("x" * 100, 10)) == 10
    assert safe_text("x" * 10, 10) == "x" * 10
    assert safe_text("x" * 100) == "x" * 100


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


def test_markup_is_escaped_for_daemons_that_read_it() -> None:
    """<b>, <img> and & arrive as text at dunst and friends."""
    assert escape_markup('<b>x</b> & <img src="y">') == '&lt;b&gt;x&lt;/b&gt; &amp; &lt;img src="y"&gt;'


def test_the_body_stays_plain_text_until_a_backend_escapes_it() -> None:
    """Escaping is the markup backend's job: the body itself keeps '<' so tray messages show it as sent."""
    body = notification_body(signal(strategyName="<i>Scalp</i>"))
    assert "<i>Scalp</i>" in body
    assert "&lt;i&gt;Scalp&lt;/i&gt;" in escape_markup(body)


def test_counts_say_their_noun_once_or_many_times() -> None:
    """Thousands separators; the noun singular for one only."""
    assert plural(1, "trade") == "1 trade" and plural(0, "trade") == "0 trades"
    assert plural(12_000, "trade") == "12,000 trades"
