"""How numbers, times and feed text read: for people, and made safe to show."""

from __future__ import annotations

import pytest

from algomesh_tray.util.formatting import (
    CONTROLS,
    escape_markup,
    format_amount,
    format_duration,
    format_price,
    format_volume,
    plural,
    safe_text,
)


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


def test_markup_is_escaped_for_daemons_that_read_it() -> None:
    """<b>, <img> and & arrive as text at dunst and friends."""
    assert escape_markup('<b>x</b> & <img src="y">') == '&lt;b&gt;x&lt;/b&gt; &amp; &lt;img src="y"&gt;'


def test_counts_say_their_noun_once_or_many_times() -> None:
    """Thousands separators; the noun singular for one only."""
    assert plural(1, "trade") == "1 trade" and plural(0, "trade") == "0 trades"
    assert plural(12_000, "trade") == "12,000 trades"


def test_durations_read_as_a_trader_says_them() -> None:
    """Seconds, minutes, hours and days, the two largest units."""
    assert [format_duration(s) for s in (0.4, 8, 60, 185, 3600, 7440, 86400 + 3600)] == [
        "0 s", "8 s", "1 min", "3 min 5 s", "1 h", "2 h 4 min", "1 d 1 h"
    ]  # fmt: skip


@pytest.mark.parametrize("quote", [False, True])
def test_escape_markup_is_what_html_escape_does(quote: bool) -> None:
    """Its own table (the html module's entity tables cost the idle app 0.6 MB), the same result."""
    import html

    text = "<b>\"x\" & 'y'</b> &amp; > < plain ünïcode 🙂"
    assert escape_markup(text, quote=quote) == html.escape(text, quote=quote)


def test_controls_are_every_character_unicode_calls_a_control() -> None:
    """CONTROLS stands in for unicodedata.category(c) == "Cc", over every code point."""
    import sys
    import unicodedata

    assert {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cc"} == CONTROLS


def test_safe_text_replaces_each_control_and_direction_character_and_nothing_else() -> None:
    text = "a\x00b\x1b[31mc\x7fd\x85e\u202ef\u2067g\tü🙂\u200b"
    assert safe_text(text) == "a\ufffdb\ufffd[31mc\ufffdd\ufffde\ufffdf\ufffdg\ufffdü🙂\u200b"
