"""The engine's wire format: one JSON frame in, a typed signal or a typed rejection out.

Pure code: no I/O, no Qt. Everything the feed sends is untrusted, so every field is checked
for type and size before anything else in the app sees it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Final

from .engines import DEFAULT_ENGINE_NAME

__all__ = [
    "MAX_FRAME_BYTES",
    "MAX_TEXT_CHARS",
    "FrameRejected",
    "OtherMessage",
    "ReceivedSignal",
    "RejectedSignal",
    "StrategySignal",
    "parse_frame",
]

#: Largest frame the listener accepts; a STRATEGY_SIGNAL is a few hundred bytes.
MAX_FRAME_BYTES: Final = 64 * 1024
#: Longest text field accepted; displays shorten it, the trade log keeps it whole.
MAX_TEXT_CHARS: Final = 16 * 1024
#: How much of a rejected signal's frame is kept with it.
EXCERPT_CHARS: Final = 1000
#: Largest number accepted for a price or an amount (beyond any real market).
MAX_NUMBER: Final = 1e15

SIGNAL_TYPE: Final = "STRATEGY_SIGNAL"
_ACTION_PATTERN: Final = re.compile(r"[A-Z][A-Z_]{0,31}")


class FrameRejected(ValueError):
    """A frame that cannot be used; ``reason`` says why in words a trader understands.

    ``market`` is the (strategy, symbol) a rejected STRATEGY_SIGNAL names, when those two fields
    read as text: the dashboard counts it against that market, so the trader sees which strategy
    sends what the app cannot use.
    """

    def __init__(self, reason: str, market: tuple[str, str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.market = market


@dataclass(frozen=True, slots=True)
class StrategySignal:
    """A trade the engine reports, validated field by field."""

    action: str
    symbol: str
    price: float
    amount: float
    size_type: str
    order_type: str
    strategy_name: str
    trade_type: str
    status: str

    @property
    def is_buy(self) -> bool:
        """Whether the signal buys (the engine's other usual action is SELL)."""
        return self.action == "BUY"


@dataclass(frozen=True, slots=True)
class ReceivedSignal:
    """A signal as it arrived: when (Unix time), the raw frame kept for the trade log, and from which engine."""

    signal: StrategySignal
    received_at: float
    raw: str
    engine: str = DEFAULT_ENGINE_NAME


@dataclass(frozen=True, slots=True)
class RejectedSignal:
    """A STRATEGY_SIGNAL of a known market that the app refused, kept for the dashboard and the log."""

    strategy: str
    symbol: str
    reason: str
    received_at: float
    excerpt: str  # the frame's start, as valid text

    @classmethod
    def of(cls, rejection: FrameRejected, frame: str, received_at: float) -> RejectedSignal | None:
        """None when the frame names no market (not JSON, another type, no strategy or symbol)."""
        if rejection.market is None:
            return None
        excerpt = frame[:EXCERPT_CHARS].encode("utf-8", "replace").decode("utf-8")
        return cls(*rejection.market, rejection.reason, received_at, excerpt)


@dataclass(frozen=True, slots=True)
class OtherMessage:
    """A well-formed frame of a type this app does not act on; counted, then ignored."""

    type: str


# (JSON key, attribute) of the text fields; every one is required.
_TEXT_FIELDS: Final = (
    ("symbol", "symbol"),
    ("sizeType", "size_type"),
    ("orderType", "order_type"),
    ("strategyName", "strategy_name"),
    ("tradeType", "trade_type"),
    ("status", "status"),
)


def _reject_constant(name: str) -> float:
    raise FrameRejected(f"the number {name} is not allowed")


#: One decoder for every frame (json.loads with an option builds a new one per call).
_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant)


def _text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    # The engine's usual field (short ASCII, nothing to strip) passes every check below as it is.
    if (
        type(value) is str
        and 0 < len(value) <= MAX_TEXT_CHARS
        and value.isascii()
        and not (value[0].isspace() or value[-1].isspace())
    ):
        return value
    if value is None:
        raise FrameRejected(f"field '{key}' is missing")
    if not isinstance(value, str):
        raise FrameRejected(f"field '{key}' should be text, got {type(value).__name__}")
    value = value.strip()
    if not value:
        raise FrameRejected(f"field '{key}' is empty")
    if len(value) > MAX_TEXT_CHARS:
        raise FrameRejected(f"field '{key}' is {len(value)} characters long (limit {MAX_TEXT_CHARS})")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate such as \ud800: valid JSON, not a character
            raise FrameRejected(f"field '{key}' contains text that is not valid Unicode") from None
    return value


def _positive_number(payload: dict[str, Any], key: str) -> float:
    value = payload.get(key)
    if value is None:
        raise FrameRejected(f"field '{key}' is missing")
    # bool is an int in Python; true/false is never a price.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FrameRejected(f"field '{key}' should be a number, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:  # an integer literal beyond any float
        raise FrameRejected(f"field '{key}' is out of range: a {len(str(value))}-digit number") from None
    if not math.isfinite(number) or number <= 0 or number > MAX_NUMBER:
        raise FrameRejected(f"field '{key}' is out of range: {value!r}")
    return number


def parse_frame(frame: str | bytes) -> StrategySignal | OtherMessage:
    """Turn one WebSocket frame into a signal or another message, or raise FrameRejected."""
    if isinstance(frame, bytes):
        raise FrameRejected("binary frame (the engine sends text)")
    # Characters first (cheap); bytes only when multi-byte text could push it over.
    if len(frame) > MAX_FRAME_BYTES or (
        len(frame) * 4 > MAX_FRAME_BYTES and len(frame.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES
    ):
        raise FrameRejected(f"frame too large ({len(frame):,} characters)")
    try:
        payload = _DECODER.decode(frame)
    except FrameRejected:
        raise
    except (ValueError, RecursionError) as error:
        raise FrameRejected(f"not valid JSON ({error})") from None
    if not isinstance(payload, dict):
        raise FrameRejected(f"expected a JSON object, got {type(payload).__name__}")
    message_type = payload.get("type")
    if not isinstance(message_type, str) or not message_type:
        raise FrameRejected("field 'type' is missing or not text")
    if message_type != SIGNAL_TYPE:
        return OtherMessage(type=message_type[:MAX_TEXT_CHARS])

    try:
        return _signal(payload)
    except FrameRejected as rejection:
        rejection.market = _named_market(payload)
        raise


def _signal(payload: dict[str, Any]) -> StrategySignal:
    action = _text(payload, "action").upper()
    if not _ACTION_PATTERN.fullmatch(action):
        raise FrameRejected(f"field 'action' is not a trade action: {action[:40]!r}")
    texts = {attribute: _text(payload, key) for key, attribute in _TEXT_FIELDS}
    return StrategySignal(
        action=action,
        price=_positive_number(payload, "price"),
        amount=_positive_number(payload, "amount"),
        **texts,
    )


def _named_market(payload: dict[str, Any]) -> tuple[str, str] | None:
    try:
        return _text(payload, "strategyName"), _text(payload, "symbol")
    except FrameRejected:
        return None
