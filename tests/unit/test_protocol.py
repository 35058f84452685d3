"""Parsing the engine's frames: every accepted field checked, every bad frame rejected with a reason."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from algomesh_tray.protocol import (
    MAX_FRAME_BYTES,
    MAX_TEXT_CHARS,
    FrameRejected,
    OtherMessage,
    StrategySignal,
    parse_frame,
)

EXAMPLE: dict[str, Any] = {
    "type": "STRATEGY_SIGNAL", "action": "BUY", "price": 64320.50, "amount": 0.05, "sizeType": "percent",
    "orderType": "Market", "symbol": "BTCUSDT", "strategyName": "BTC_Momentum_Scalp", "tradeType": "live",
    "status": "EXECUTED",
}  # fmt: skip
TEXT_FIELDS = ("action", "symbol", "sizeType", "orderType", "strategyName", "tradeType", "status")
NUMBER_FIELDS = ("price", "amount")


def frame(**changes: Any) -> str:
    payload = {**EXAMPLE, **changes}
    return json.dumps({key: value for key, value in payload.items() if value is not ...})


def rejection(text: str | bytes) -> str:
    with pytest.raises(FrameRejected) as caught:
        parse_frame(text)
    return caught.value.reason


def test_the_api_pages_example_parses_into_a_typed_signal() -> None:
    """The documented payload gives every field, typed and named the Python way."""
    assert parse_frame(frame()) == StrategySignal(
        action="BUY", symbol="BTCUSDT", price=64320.5, amount=0.05, size_type="percent", order_type="Market",
        strategy_name="BTC_Momentum_Scalp", trade_type="live", status="EXECUTED",
    )  # fmt: skip


def test_signals_are_immutable() -> None:
    """A parsed signal cannot be changed by whoever holds it."""
    signal = parse_frame(frame())
    with pytest.raises(AttributeError):
        signal.price = 1.0  # type: ignore[misc,union-attr]


def test_action_is_normalised_to_upper_case_and_integers_are_numbers() -> None:
    """'sell' reads as SELL; an integer price is a price."""
    signal = parse_frame(frame(action="sell", price=100, amount=2))
    assert isinstance(signal, StrategySignal)
    assert (signal.action, signal.price, signal.amount, signal.is_buy) == ("SELL", 100.0, 2.0, False)


def test_extra_fields_are_tolerated() -> None:
    """A newer engine may add fields; the signal still parses."""
    assert isinstance(parse_frame(frame(leverage=3, note="x")), StrategySignal)


@pytest.mark.parametrize("field", TEXT_FIELDS + NUMBER_FIELDS)
def test_every_missing_field_is_named(field: str) -> None:
    """Without a required field the frame is rejected, and the reason names the field."""
    assert field in rejection(frame(**{field: ...}))


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("value", [1, 1.5, True, None, [], {}])
def test_text_fields_of_the_wrong_type(field: str, value: object) -> None:
    """Numbers, booleans, null, lists and objects where text belongs are rejected."""
    assert field in rejection(frame(**{field: value}))


@pytest.mark.parametrize("field", NUMBER_FIELDS)
@pytest.mark.parametrize("value", ["64320.5", True, None, [], {}, "NaN"])
def test_number_fields_of_the_wrong_type(field: str, value: object) -> None:
    """Numbers as strings, booleans and null are rejected (no guessing with money)."""
    assert field in rejection(frame(**{field: value}))


@pytest.mark.parametrize("field", NUMBER_FIELDS)
@pytest.mark.parametrize("value", [0, -1, -0.0, 1e16, 10**30])
def test_absurd_numbers_are_rejected(field: str, value: float) -> None:
    """Zero, negative and beyond-any-market numbers are rejected as out of range."""
    assert "out of range" in rejection(frame(**{field: value}))


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_rejected(constant: str) -> None:
    """Python's json accepts these non-standard constants; the parser does not."""
    assert constant in rejection(frame().replace("64320.5", constant))


def test_huge_number_literals_are_rejected() -> None:
    """1e400 overflows to infinity: out of range, not a crash."""
    assert "out of range" in rejection(frame().replace("64320.5", "1e400"))


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_empty_text_is_rejected(field: str) -> None:
    """Blank names carry nothing to show."""
    assert "empty" in rejection(frame(**{field: "   "}))


def test_text_beyond_the_limit_is_rejected_and_at_the_limit_accepted() -> None:
    """Names up to MAX_TEXT_CHARS are kept whole (displays shorten them); longer ones are absurd."""
    assert isinstance(parse_frame(frame(strategyName="x" * MAX_TEXT_CHARS)), StrategySignal)
    assert "characters long" in rejection(frame(strategyName="x" * (MAX_TEXT_CHARS + 1)))


@pytest.mark.parametrize("action", ["-u critical", "BUY; rm", "", "B" * 40, "<b>BUY</b>"])
def test_actions_that_are_not_trade_words_are_rejected(action: str) -> None:
    """The action starts the notification title: only trade words (BUY, SELL, CLOSE_LONG...) pass."""
    rejection(frame(action=action))


def test_other_message_types_are_recognised_not_rejected() -> None:
    """A heartbeat or a future message type is a well-formed frame to count and ignore."""
    assert parse_frame(json.dumps({"type": "HEARTBEAT", "ts": 1})) == OtherMessage(type="HEARTBEAT")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json {", "not valid JSON"),
        ("", "not valid JSON"),
        ("[1, 2]", "expected a JSON object, got list"),
        ('"STRATEGY_SIGNAL"', "expected a JSON object, got str"),
        ("null", "expected a JSON object, got NoneType"),
        ("{}", "field 'type' is missing"),
        ('{"type": 5}', "field 'type' is missing or not text"),
        ("[" * 100_000 + "]" * 100_000, "too large"),
        ("[" * 20_000 + "]" * 20_000, "not valid JSON"),
    ],
)
def test_garbage_is_rejected_with_a_reason(text: str, reason: str) -> None:
    """Whatever arrives, the answer is a FrameRejected that says what was wrong."""
    assert reason in rejection(text)


def test_binary_frames_are_rejected() -> None:
    """The engine sends text frames; bytes are refused without decoding."""
    assert "binary" in rejection(frame().encode())


def test_frames_over_the_cap_are_rejected_before_parsing() -> None:
    """A frame beyond MAX_FRAME_BYTES is refused by size, whatever its content."""
    huge = frame(strategyName="x" * MAX_FRAME_BYTES)
    assert "too large" in rejection(huge)


@given(st.text(max_size=300))
def test_any_text_parses_or_is_rejected_never_crashes(text: str) -> None:
    """Property: parse_frame only ever returns a message or raises FrameRejected."""
    try:
        result = parse_frame(text)
    except FrameRejected as rejected:
        assert rejected.reason
    else:
        assert isinstance(result, StrategySignal | OtherMessage)


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
