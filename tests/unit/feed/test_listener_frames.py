"""What the listener does with each frame: signals handed on, other types counted, bad frames rejected and survived."""

from __future__ import annotations

import asyncio
import json
import logging
import random

import pytest

from algomesh_tray.feed.listener import (
    EngineListener,
    FeedCounters,
    ListenerStatus,
)
from algomesh_tray.feed.protocol import MAX_FRAME_BYTES, ReceivedSignal, RejectedSignal, StrategySignal
from algomesh_tray.feed.simulator import SimulatedEngine

from ..conftest import example_frame, wait_until
from ..engines import CONNECTED, DISCONNECTED, GOOD, FeedRun, connected_to, fast_delays


def feed_frames(frames: list[str | bytes], *, timeout: float = 5) -> FeedRun:
    """Connect a listener to a real engine, send ``frames`` then one good signal, and wait for that signal.

    The wait also ends if the connection drops, so a frame that kills the feed fails the test quickly.
    """

    async def scenario() -> FeedRun:
        engine = SimulatedEngine(count=1, rate=1000)
        await engine.start()
        reasons: list[str] = []
        rejected_signals: list[RejectedSignal] = []
        received: list[ReceivedSignal] = []
        statuses: list[ListenerStatus] = []

        def on_rejected(reason: str, signal: RejectedSignal | None) -> None:
            reasons.append(reason)
            if signal is not None:
                rejected_signals.append(signal)

        listener = EngineListener(engine.url, on_signal=received.append, on_rejected=on_rejected,
                                  on_status=statuses.append, delays=fast_delays)  # fmt: skip
        try:
            listener.start()
            await connected_to(engine, received)
            for frame in frames:
                engine.send_raw(frame)
            engine.send_raw(GOOD)
            await wait_until(lambda: len(received) == 2 or listener.status.state != CONNECTED, timeout=timeout)
        finally:
            await listener.stop()
            await engine.close()
        return FeedRun(reasons, received, listener.counters, [s.state for s in statuses], rejected_signals)

    return asyncio.run(scenario())


def test_malformed_frames_are_counted_reported_and_survived() -> None:
    """Rejected frames reach on_rejected with a reason; other types are counted; good frames still arrive."""
    run = feed_frames(
        [
            "garbage",
            json.dumps({"type": "HEARTBEAT"}),
            json.dumps({"type": "STRATEGY_SIGNAL", "action": "BUY"}),
            b"\x00\x01binary",
            "x" * (MAX_FRAME_BYTES + 1),
            "[" * 30_000 + "]" * 30_000,
            example_frame(price="64320.5"),
            json.dumps([GOOD]),
        ]
    )
    reasons, counters = run.reasons, run.counters
    assert reasons[0].startswith("not valid JSON")
    assert reasons[1:5] == [
        "field 'symbol' is missing",
        "binary frame (the engine sends text)",
        f"frame too large ({MAX_FRAME_BYTES + 1:,} characters)",
        reasons[4],
    ] and reasons[4].startswith("not valid JSON")
    assert reasons[5:] == ["field 'price' should be a number, got str", "expected a JSON object, got list"]
    assert run.received[-1].raw == GOOD and isinstance(run.received[-1].signal, StrategySignal)
    assert (counters.signals, counters.rejected, counters.ignored) == (2, 7, 1)
    assert counters.ignored_types == {"HEARTBEAT": 1}
    assert counters.last_rejection == "expected a JSON object, got list"
    assert run.states.count(CONNECTED) == 1  # never dropped the connection
    # Only the signal that names its market is handed on for the dashboard, with its frame.
    (price_as_text,) = run.rejected_signals
    assert (price_as_text.strategy, price_as_text.symbol) == ("BTC_Momentum_Scalp", "BTCUSDT")
    assert price_as_text.reason == "field 'price' should be a number, got str"
    assert price_as_text.excerpt == example_frame(price="64320.5")


def test_huge_binary_and_random_frames_are_rejected_and_the_feed_goes_on() -> None:
    """A 10 MB frame, binary frames and 600 random frames cost no connection and no good signal."""
    noise = random.Random(7)
    junk: list[str | bytes] = ["x" * 10_000_000, b"\x00\x01binary", json.dumps([1, 2]), "{", "null"]
    for _ in range(300):
        size = noise.randint(0, 200)
        junk.append("".join(chr(noise.randint(1, 0x2FF)) for _ in range(size)))
        junk.append(json.dumps({"type": "STRATEGY_SIGNAL", "price": noise.choice([None, "1", -1, 1e400, True])}))

    run = feed_frames(junk, timeout=15)
    assert run.received[-1].raw == GOOD
    assert run.counters.signals == 2
    assert run.counters.rejected + run.counters.ignored == len(junk)
    assert run.counters.rejected >= 305
    assert run.states.count(CONNECTED) == 1  # never reconnected


def test_a_number_too_big_for_a_float_is_rejected_without_dropping_the_connection() -> None:
    """A 400-digit price is one rejected frame: on_rejected hears of it and the feed stays connected."""
    run = feed_frames([example_frame(price=12345).replace("12345", "1" + "0" * 400)])
    assert DISCONNECTED not in run.states
    assert len(run.reasons) == 1 and run.reasons[0].startswith("field 'price' is out of range")
    assert run.received[-1].raw == GOOD


def test_ignored_message_types_are_counted_by_name_up_to_a_hundred_names() -> None:
    """A feed of ever-new type names cannot grow the counters without bound; the total still counts all."""

    async def scenario() -> FeedCounters:
        engine = SimulatedEngine(count=1, rate=1000)
        await engine.start()
        received: list[ReceivedSignal] = []
        listener = EngineListener(engine.url, on_signal=received.append, delays=fast_delays)
        try:
            listener.start()
            await connected_to(engine, received)
            for number in range(150):
                engine.send_raw(json.dumps({"type": f"TYPE_{number}"}))
            engine.send_raw(json.dumps({"type": "TYPE_0"}))
            engine.send_raw(GOOD)
            await wait_until(lambda: len(received) == 2)
        finally:
            await listener.stop()
            await engine.close()
        return listener.counters

    counters = asyncio.run(scenario())
    assert counters.ignored == 151 and len(counters.ignored_types) == 100
    assert counters.ignored_types["TYPE_0"] == 2 and "TYPE_120" not in counters.ignored_types


def test_a_flood_of_garbage_is_logged_in_a_few_lines_not_one_per_frame(caplog: pytest.LogCaptureFixture) -> None:
    """5,000 bad frames: every one is counted and reported to the app, the log file gets a handful."""
    caplog.set_level(logging.WARNING, logger="algomesh_tray.feed.listener")
    run = feed_frames(["not json"] * 5000, timeout=30)
    assert run.counters.rejected == 5000 and len(run.reasons) == 5000
    lines = [r for r in caplog.records if r.getMessage().startswith("rejected a frame from the engine")]
    assert 1 <= len(lines) <= 40


#: The flood: 50,000 frames, every third one garbage of five kinds, the others signals priced 1, 2, 4, 5, ...
