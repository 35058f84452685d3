"""Parsing the engine's frames: every accepted field checked, every bad frame rejected with a reason."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from algomesh_tray.feed.protocol import (
    MAX_FRAME_BYTES,
    MAX_TEXT_CHARS,
    FrameRejected,
    OtherMessage,
    StrategySignal,
    parse_frame,
)

from ..conftest import EXAMPLE, example_frame

TEXT_FIELDS = ("action", "symbol", "sizeType", "orderType", "strategyName", "tradeType", "status")
NUMBER_FIELDS = ("price", "amount")
#: Text fields whose content is free (action must also be a trade word).
FREE_TEXT_FIELDS = TEXT_FIELDS[1:]


def rejection(text: str | bytes) -> str:
    """The reason parse_frame gives for refusing ``text`` (the test fails if it is accepted)."""
    with pytest.raises(FrameRejected) as caught:
        parse_frame(text)
    assert caught.value.reason == str(caught.value)
    return caught.value.reason


def parsed(text: str) -> StrategySignal:
    """The signal parse_frame makes of ``text`` (the test fails on anything else)."""
    result = parse_frame(text)
    assert isinstance(result, StrategySignal)
    return result


# --- the valid frame -------------------------------------------------------------------------


def test_the_api_pages_example_parses_into_a_typed_signal() -> None:
    """The documented payload gives every field, typed and named the Python way."""
    assert parse_frame(example_frame()) == StrategySignal(
        action="BUY", symbol="BTCUSDT", price=64320.5, amount=0.05, size_type="percent", order_type="Market",
        strategy_name="BTC_Momentum_Scalp", trade_type="live", status="EXECUTED",
    )  # fmt: skip


def test_the_example_written_by_hand_parses_the_same() -> None:
    """The frame exactly as the brief spells it (64320.50, field order) gives the same signal."""
    text = (
        '{"type": "STRATEGY_SIGNAL", "action": "BUY", "price": 64320.50, "amount": 0.05, "sizeType": "percent", '
        '"orderType": "Market", "symbol": "BTCUSDT", "strategyName": "BTC_Momentum_Scalp", "tradeType": "live", '
        '"status": "EXECUTED"}'
    )
    assert parse_frame(text) == parse_frame(example_frame())
    assert parsed(text).is_buy


def test_signals_are_immutable() -> None:
    """A parsed signal cannot be changed by whoever holds it."""
    signal = parsed(example_frame())
    with pytest.raises(AttributeError):
        signal.price = 1.0  # type: ignore[misc]


def test_action_is_normalised_to_upper_case_and_integers_are_numbers() -> None:
    """'sell' reads as SELL; an integer price is a float price."""
    signal = parsed(example_frame(action="sell", price=100, amount=2))
    assert (signal.action, signal.price, signal.amount, signal.is_buy) == ("SELL", 100.0, 2.0, False)
    assert isinstance(signal.price, float) and isinstance(signal.amount, float)


def test_surrounding_whitespace_is_trimmed_from_text() -> None:
    """' BTCUSDT ' is BTCUSDT: padding from the engine does not make a new symbol."""
    signal = parsed(example_frame(symbol="  BTCUSDT\t", strategyName="\nBTC_Momentum_Scalp "))
    assert (signal.symbol, signal.strategy_name) == ("BTCUSDT", "BTC_Momentum_Scalp")


@pytest.mark.parametrize("action", ["BUY", "SELL", "CLOSE_LONG", "buy", "A", "A" + "_" * 31])
def test_trade_words_are_accepted_as_actions(action: str) -> None:
    """Any upper-case trade word of up to 32 letters and underscores is an action."""
    assert parsed(example_frame(action=action)).action == action.upper()


def test_extra_fields_are_tolerated() -> None:
    """A newer engine may add fields; the signal still parses."""
    assert isinstance(parse_frame(example_frame(leverage=3, note="x", nested={"a": [1, 2]})), StrategySignal)


def test_key_order_does_not_matter() -> None:
    """Fields may come in any order."""
    shuffled = json.dumps(dict(reversed(list(EXAMPLE.items()))))
    assert parse_frame(shuffled) == parse_frame(example_frame())


# --- missing and wrongly typed fields ---------------------------------------------------------


@pytest.mark.parametrize("field", TEXT_FIELDS + NUMBER_FIELDS)
def test_every_missing_field_is_named(field: str) -> None:
    """Without a required field the frame is rejected, and the reason names the field."""
    assert rejection(example_frame(**{field: ...})) == f"field '{field}' is missing"


@pytest.mark.parametrize("field", TEXT_FIELDS + NUMBER_FIELDS)
def test_null_counts_as_missing(field: str) -> None:
    """JSON null is no value: the field is reported missing."""
    assert rejection(example_frame(**{field: None})) == f"field '{field}' is missing"


def test_a_missing_type_is_rejected() -> None:
    """Without 'type' nobody can tell what the frame is."""
    assert rejection(example_frame(type=...)) == "field 'type' is missing or not text"


@pytest.mark.parametrize("value", [5, 1.5, True, False, None, [], ["STRATEGY_SIGNAL"], {}, ""])
def test_a_type_that_is_not_text_is_rejected(value: object) -> None:
    """'type' must be non-empty text."""
    assert rejection(example_frame(type=value)) == "field 'type' is missing or not text"


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize(
    ("value", "type_name"),
    [(1, "int"), (0, "int"), (1.5, "float"), (True, "bool"), (False, "bool"), ([], "list"), (["BUY"], "list"),
     ({}, "dict"), ({"text": "BUY"}, "dict")],
)  # fmt: skip
def test_text_fields_of_the_wrong_type(field: str, value: object, type_name: str) -> None:
    """Numbers, booleans, lists and objects where text belongs are rejected, naming field and type."""
    assert rejection(example_frame(**{field: value})) == f"field '{field}' should be text, got {type_name}"


@pytest.mark.parametrize("field", NUMBER_FIELDS)
@pytest.mark.parametrize(
    ("value", "type_name"),
    [("64320.5", "str"), ("1", "str"), ("", "str"), ("NaN", "str"), ("1e3", "str"), (True, "bool"),
     (False, "bool"), ([], "list"), ([1.0], "list"), ({}, "dict"), ({"value": 1.0}, "dict")],
)  # fmt: skip
def test_number_fields_of_the_wrong_type(field: str, value: object, type_name: str) -> None:
    """Numbers as strings, booleans, lists and objects are rejected (no guessing with money)."""
    assert rejection(example_frame(**{field: value})) == f"field '{field}' should be a number, got {type_name}"


# --- empty, over-long and strange text ---------------------------------------------------------


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("value", ["", " ", "   ", "\t\n", "\u00a0"])
def test_empty_text_is_rejected(field: str, value: str) -> None:
    """Empty or blank names carry nothing to show."""
    assert rejection(example_frame(**{field: value})) == f"field '{field}' is empty"


@pytest.mark.parametrize("field", FREE_TEXT_FIELDS)
def test_text_beyond_the_limit_is_rejected_and_at_the_limit_accepted(field: str) -> None:
    """Text up to MAX_TEXT_CHARS is kept whole (displays shorten it); longer text is absurd."""
    assert parse_frame(example_frame(**{field: "x" * MAX_TEXT_CHARS})) is not None
    reason = rejection(example_frame(**{field: "x" * (MAX_TEXT_CHARS + 1)}))
    assert reason == f"field '{field}' is {MAX_TEXT_CHARS + 1} characters long (limit {MAX_TEXT_CHARS})"


def test_the_limit_counts_text_after_trimming() -> None:
    """Padding around a name at the limit does not push it over."""
    assert len(parsed(example_frame(symbol=" " * 100 + "x" * MAX_TEXT_CHARS + " " * 100)).symbol) == MAX_TEXT_CHARS


@pytest.mark.parametrize("action", ["-u critical", "BUY; rm", "B" * 33, "<b>BUY</b>", "BUY SELL", "1BUY", "_BUY"])
def test_actions_that_are_not_trade_words_are_rejected(action: str) -> None:
    """The action starts the notification title: only trade words (BUY, SELL, CLOSE_LONG...) pass."""
    assert rejection(example_frame(action=action)).startswith("field 'action' is not a trade action")


def test_an_over_long_action_is_quoted_short_in_the_reason() -> None:
    """The reason quotes at most 40 characters of a bad action, so logs stay readable."""
    reason = rejection(example_frame(action="B" * 10_000))
    assert len(reason) < 100


def test_unicode_text_is_kept_as_sent() -> None:
    """Names in any script arrive unchanged (displays make control characters safe, not the parser)."""
    assert parsed(example_frame(strategyName="Стратегия_β_日本")).strategy_name == "Стратегия_β_日本"


@pytest.mark.parametrize("field", FREE_TEXT_FIELDS)
def test_lone_surrogates_in_text_are_rejected(field: str) -> None:
    """'\\ud800' is valid JSON but not a character: it cannot be stored or shown, so it is refused."""
    frame = example_frame(**{field: "BTC\ud800USDT"})
    assert "\\ud800" in frame  # what the wire carries: plain ASCII
    rejection(frame)


# --- numbers out of range ---------------------------------------------------------------------


@pytest.mark.parametrize("field", NUMBER_FIELDS)
@pytest.mark.parametrize("value", [0, 0.0, -0.0, -1, -64320.5, 1e15 + 1e3, 1e16, 10**30, 1.7e308])
def test_zero_negative_and_absurd_numbers_are_rejected(field: str, value: float) -> None:
    """Zero, negative and beyond-any-market numbers are rejected as out of range."""
    assert rejection(example_frame(**{field: value})) == f"field '{field}' is out of range: {value!r}"


@pytest.mark.parametrize("field", NUMBER_FIELDS)
@pytest.mark.parametrize("value", [1e15, 1e-8, 5e-324, 1])
def test_numbers_at_the_edges_of_the_range_are_accepted(field: str, value: float) -> None:
    """Anything above zero and up to 1e15 is a price or an amount."""
    signal = parsed(example_frame(**{field: value}))
    assert (signal.price if field == "price" else signal.amount) == value


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("field", NUMBER_FIELDS)
def test_nan_and_infinity_are_rejected(constant: str, field: str) -> None:
    """Python's json accepts these non-standard constants; the parser does not."""
    text = example_frame(**{field: 12345.0}).replace("12345.0", constant)
    assert rejection(text) == f"the number {constant} is not allowed"


def test_nan_is_rejected_even_in_a_field_the_app_ignores() -> None:
    """Non-standard JSON anywhere makes the frame suspect."""
    assert rejection(example_frame(extra=12345.0).replace("12345.0", "NaN")) == "the number NaN is not allowed"


@pytest.mark.parametrize("literal", ["1e400", "-1e400", "1E999"])
def test_number_literals_that_overflow_to_infinity_are_rejected(literal: str) -> None:
    """1e400 reads as infinity: out of range, not a crash."""
    text = example_frame(price=12345.0).replace("12345.0", literal)
    assert rejection(text).startswith("field 'price' is out of range")


@pytest.mark.parametrize("field", NUMBER_FIELDS)
def test_integer_literals_too_big_for_a_float_are_rejected(field: str) -> None:
    """A 400-digit integer is valid JSON; it must be rejected as out of range, not raise OverflowError."""
    text = example_frame(**{field: 12345}).replace("12345", "1" + "0" * 400)
    assert rejection(text).startswith(f"field '{field}' is out of range")


def test_integer_literals_beyond_pythons_digit_limit_are_rejected() -> None:
    """A 5000-digit integer trips Python's int-parsing limit: rejected as JSON, not a crash."""
    text = example_frame(price=12345).replace("12345", "9" * 5000)
    assert rejection(text).startswith("not valid JSON")


# --- other message types ----------------------------------------------------------------------


@pytest.mark.parametrize("message_type", ["HEARTBEAT", "ORDER_UPDATE", "strategy_signal", "Strategy_Signal", "x"])
def test_other_message_types_are_recognised_not_rejected(message_type: str) -> None:
    """A heartbeat or a future message type is a well-formed frame to count and ignore (case matters)."""
    assert parse_frame(json.dumps({"type": message_type, "ts": 1})) == OtherMessage(type=message_type)


def test_other_types_are_not_validated_as_signals() -> None:
    """An ORDER_UPDATE with none of a signal's fields is still just another message."""
    assert parse_frame(example_frame(type="ORDER_UPDATE", price="n/a", action=...)) == OtherMessage("ORDER_UPDATE")


def test_an_over_long_type_is_cut_to_the_text_limit() -> None:
    """The counters keep type names; a huge one is stored shortened."""
    message = parse_frame(json.dumps({"type": "T" * (MAX_TEXT_CHARS * 2)}))
    assert message == OtherMessage(type="T" * MAX_TEXT_CHARS)


# --- garbage, binary, huge and nested frames --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json {", "not valid JSON"),
        ("", "not valid JSON"),
        ("   ", "not valid JSON"),
        ("{'type': 'STRATEGY_SIGNAL'}", "not valid JSON"),
        ('{"type": "HEARTBEAT"} trailing', "not valid JSON"),
        ('{"type": "HEARTBEAT",}', "not valid JSON"),
        ("\ufeff{}", "not valid JSON"),
        ("\x00", "not valid JSON"),
        ("[1, 2]", "expected a JSON object, got list"),
        ("[" + example_frame() + "]", "expected a JSON object, got list"),
        ('"STRATEGY_SIGNAL"', "expected a JSON object, got str"),
        ("null", "expected a JSON object, got NoneType"),
        ("42", "expected a JSON object, got int"),
        ("4.2", "expected a JSON object, got float"),
        ("true", "expected a JSON object, got bool"),
        ("{}", "field 'type' is missing or not text"),
    ],
)
def test_garbage_is_rejected_with_a_reason(text: str, reason: str) -> None:
    """Whatever arrives, the answer is a FrameRejected that says what was wrong."""
    assert rejection(text).startswith(reason)


@pytest.mark.parametrize("data", [example_frame().encode(), b"", b"\x00\x01\x02", bytes(range(256))])
def test_binary_frames_are_rejected(data: bytes) -> None:
    """The engine sends text frames; bytes are refused without decoding, even a valid signal's."""
    assert rejection(data) == "binary frame (the engine sends text)"


def test_frames_over_the_cap_are_rejected_before_parsing() -> None:
    """A frame beyond MAX_FRAME_BYTES is refused by size, whatever its content."""
    huge = example_frame(strategyName="x" * MAX_FRAME_BYTES)
    assert rejection(huge) == f"frame too large ({len(huge):,} characters)"
    assert rejection("[" * 1_000_000).startswith("frame too large")


def test_a_frame_exactly_at_the_cap_is_parsed_and_one_more_character_is_not() -> None:
    """The cap is inclusive: MAX_FRAME_BYTES characters parse, one more is too large."""
    base = example_frame(padding="")
    at_cap = example_frame(padding="p" * (MAX_FRAME_BYTES - len(base)))
    assert len(at_cap) == MAX_FRAME_BYTES
    assert isinstance(parse_frame(at_cap), StrategySignal)
    assert rejection(at_cap[:-1] + " }").startswith("frame too large")


@pytest.mark.parametrize("depth", [5_000, 30_000])
def test_deeply_nested_json_is_rejected_not_a_recursion_crash(depth: int) -> None:
    """Nesting within the size cap deeper than Python can recurse is 'not valid JSON'."""
    assert rejection("[" * depth + "]" * depth).startswith("not valid JSON")
    nested_field = example_frame(extra=0).replace('"extra": 0', '"extra": ' + "[" * depth + "]" * depth)
    assert len(nested_field) <= MAX_FRAME_BYTES
    assert rejection(nested_field).startswith("not valid JSON")


def test_moderate_nesting_in_an_ignored_field_is_fine() -> None:
    """A newer engine's structured extra field does not cost the signal."""
    assert isinstance(parse_frame(example_frame(extra=[[[[{"a": [1]}]]]])), StrategySignal)


# --- properties -------------------------------------------------------------------------------


@given(st.text(max_size=300))
def test_any_text_parses_or_is_rejected_never_crashes(text: str) -> None:
    """Property: parse_frame on arbitrary text only returns a message or raises FrameRejected."""
    try:
        result = parse_frame(text)
    except FrameRejected as rejected:
        assert rejected.reason
    else:
        assert isinstance(result, StrategySignal | OtherMessage)


@given(st.binary(max_size=100))
def test_any_bytes_are_rejected(data: bytes) -> None:
    """Property: a binary frame is always rejected."""
    with pytest.raises(FrameRejected):
        parse_frame(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.sampled_from([*EXAMPLE, "type"]), json_values, max_size=12))
def test_any_shape_of_signal_is_parsed_or_rejected(fields: dict[str, Any]) -> None:
    """Property: frames with the right keys and random values never get past validation untyped."""
    text = json.dumps({"type": "STRATEGY_SIGNAL", **fields})
    try:
        result = parse_frame(text)
    except FrameRejected:
        return
    if isinstance(result, StrategySignal):
        assert all(isinstance(getattr(result, name), str) for name in ("symbol", "status", "strategy_name"))
        assert 0 < result.price <= 1e15 and 0 < result.amount <= 1e15


@given(st.sampled_from(NUMBER_FIELDS), st.integers(min_value=-(10**500), max_value=10**500))
def test_any_integer_price_or_amount_is_accepted_or_rejected(field: str, number: int) -> None:
    """Property: integers of any size are a number in range or a FrameRejected, nothing else."""
    try:
        signal = parsed(example_frame(**{field: number}))
    except FrameRejected:
        return
    assert 0 < (signal.price if field == "price" else signal.amount) <= 1e15


def test_the_frame_cap_counts_bytes_not_characters() -> None:
    """Multi-byte text under the cap in characters but over it in bytes is refused too."""
    wide = "€" * (MAX_FRAME_BYTES // 3 + 100)  # 3 bytes each in UTF-8
    assert len(wide) < MAX_FRAME_BYTES
    assert "too large" in rejection(wide)
