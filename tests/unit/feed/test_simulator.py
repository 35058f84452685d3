"""The simulated engine, checked with a plain websockets client: what it sends, where, and when."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from algomesh_tray.feed.protocol import StrategySignal, parse_frame
from algomesh_tray.feed.simulator import ENGINE_PATH, SignalGenerator, SimulatedEngine

from ..conftest import example_frame, wait_until


async def receive(client: ClientConnection, count: int, timeout: float = 5.0) -> list[str | bytes]:
    """The next ``count`` frames the client gets, failing the test if they do not come in time."""
    async with asyncio.timeout(timeout):
        return [await client.recv() for _ in range(count)]


def test_sends_count_frames_that_parse_as_signals_then_stops() -> None:
    """``count`` STRATEGY_SIGNAL frames, each accepted by the app's parser, and not one more."""
    sent: list[str] = []

    async def scenario() -> tuple[list[str | bytes], int]:
        engine = SimulatedEngine(rate=1000, count=20, seed=3, on_sent=sent.append)
        await engine.start()
        try:
            async with connect(engine.url) as client:
                frames = await receive(client, 20)
                await engine.wait_done()
                engine.send_raw("end")  # a marker: nothing generated was sent between the 20th and this
                assert await client.recv() == "end"
        finally:
            await engine.close()
        return frames, engine.sent

    frames, sent_count = asyncio.run(scenario())
    assert frames == sent and sent_count == 20
    signals = [parse_frame(frame) for frame in frames]
    assert all(isinstance(signal, StrategySignal) for signal in signals)
    assert all(json.loads(frame)["type"] == "STRATEGY_SIGNAL" for frame in sent)


def test_nothing_is_sent_before_a_client_connects() -> None:
    """Sending starts with the first client, so a test or a new user misses nothing."""

    async def scenario() -> tuple[int, list[str | bytes]]:
        engine = SimulatedEngine(rate=1000, count=3)
        await engine.start()
        try:
            for _ in range(10):
                await asyncio.sleep(0)  # zero-length yields: the sender task runs, finds no client
            before = engine.sent
            async with connect(engine.url) as client:
                frames = await receive(client, 3)
        finally:
            await engine.close()
        return before, frames

    before, frames = asyncio.run(scenario())
    assert before == 0 and len(frames) == 3


def test_a_wrong_path_gets_404_with_a_hint() -> None:
    """Only /connect is the engine: any other path is refused with HTTP 404 naming the right one."""

    async def scenario() -> InvalidStatus:
        engine = SimulatedEngine(count=0)
        await engine.start()
        try:
            with pytest.raises(InvalidStatus) as refused:
                async with connect(engine.url.replace(ENGINE_PATH, "/wrong")):
                    pass
        finally:
            await engine.close()
        return refused.value

    refused = asyncio.run(scenario())
    assert refused.response.status_code == 404
    assert ENGINE_PATH.encode() in refused.response.body


def test_a_query_string_on_the_right_path_is_accepted() -> None:
    """/connect?client=tray is still the engine's path."""

    async def scenario() -> list[str | bytes]:
        engine = SimulatedEngine(rate=1000, count=1)
        await engine.start()
        try:
            async with connect(engine.url + "?client=tray") as client:
                return await receive(client, 1)
        finally:
            await engine.close()

    assert len(asyncio.run(scenario())) == 1


def test_port_zero_picks_a_free_port_and_the_url_says_which() -> None:
    """Two engines on port 0 get different ports, both in their URLs."""

    async def scenario() -> tuple[str, str]:
        first, second = SimulatedEngine(count=0), SimulatedEngine(count=0)
        await first.start()
        await second.start()
        await first.close()
        await second.close()
        return first.url, second.url

    first, second = asyncio.run(scenario())
    assert first != second and first.startswith("ws://127.0.0.1:") and first.endswith(ENGINE_PATH)
    assert ":0/" not in first


def test_frames_are_replayed_verbatim_and_in_order() -> None:
    """``frames`` (a capture, or bad input for tests) go out as they are, and set the count."""
    capture = [example_frame(), "not json", example_frame(action="SELL")]

    async def scenario() -> tuple[list[str | bytes], int | None]:
        engine = SimulatedEngine(rate=1000, frames=capture)
        await engine.start()
        try:
            async with connect(engine.url) as client:
                frames = await receive(client, 3)
                await engine.wait_done()
        finally:
            await engine.close()
        return frames, engine.count

    frames, count = asyncio.run(scenario())
    assert frames == capture and count == 3


def test_send_raw_reaches_every_client_text_or_binary() -> None:
    """Tests use send_raw for bad input: it goes to all connected clients, bytes as binary frames."""

    async def scenario() -> tuple[list[str | bytes], list[str | bytes]]:
        engine = SimulatedEngine(count=0)
        await engine.start()
        try:
            async with connect(engine.url) as first, connect(engine.url) as second:
                # The server runs its handler just after the handshake: wait until it has both (white-box).
                await wait_until(lambda: len(engine._clients) == 2, what="both clients registered")
                engine.send_raw("text")
                engine.send_raw(b"\x00bytes")
                return await receive(first, 2), await receive(second, 2)
        finally:
            await engine.close()

    first, second = asyncio.run(scenario())
    assert first == second == ["text", b"\x00bytes"]


def test_a_seed_makes_the_signals_repeatable() -> None:
    """Same seed, same signals; the trade type is the one asked for."""
    one, two = SignalGenerator(seed=42, trade_type="paper"), SignalGenerator(seed=42, trade_type="paper")
    signals = [one.next_signal() for _ in range(50)]
    assert signals == [two.next_signal() for _ in range(50)]
    assert {signal["tradeType"] for signal in signals} == {"paper"}
    assert signals != [SignalGenerator(seed=43).next_signal() for _ in range(50)]


def test_generated_signals_are_plausible() -> None:
    """Every generated signal parses, buys or sells, and keeps a positive price as prices walk."""
    generator = SignalGenerator(seed=1)
    for _ in range(2_000):
        signal = parse_frame(json.dumps(generator.next_signal()))
        assert isinstance(signal, StrategySignal)
        assert signal.action in ("BUY", "SELL") and signal.price > 0 and signal.status == "EXECUTED"
