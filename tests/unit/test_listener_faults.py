"""The listener against engines that misbehave: silent peers, huge, binary and random frames."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import random
from collections.abc import Callable

from algomesh_tray.engine_sim import SimulatedEngine
from algomesh_tray.listener import ConnectionState, EngineListener, ListenerStatus, backoff_delays
from algomesh_tray.protocol import ReceivedSignal

GOOD = json.dumps(
    {
        "type": "STRATEGY_SIGNAL",
        "action": "BUY",
        "price": 64320.5,
        "amount": 0.05,
        "sizeType": "percent",
        "orderType": "Market",
        "symbol": "BTCUSDT",
        "strategyName": "BTC_Momentum_Scalp",
        "tradeType": "live",
        "status": "EXECUTED",
    }
)


async def until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Wait on a condition with a deadline (polling the loop, not sleeping blindly)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


async def _silent_engine(accepted: list[asyncio.StreamWriter]) -> asyncio.Server:
    """Completes the WebSocket handshake, then never reads or answers again (a hung engine)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        key = next(
            line.split(b":", 1)[1].strip()
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key")
        )
        accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
        writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")  # fmt: skip
        accepted.append(writer)

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def test_a_hung_engine_is_detected_by_pings_and_dropped() -> None:
    """Connected but unresponsive: the keepalive ping times out and the listener reconnects."""

    async def scenario() -> list[ListenerStatus]:
        accepted: list[asyncio.StreamWriter] = []
        server = await _silent_engine(accepted)
        port = server.sockets[0].getsockname()[1]
        statuses: list[ListenerStatus] = []
        listener = EngineListener(
            f"ws://127.0.0.1:{port}/connect", on_signal=lambda s: None, on_status=statuses.append,
            delays=lambda: backoff_delays(initial=0.05, cap=0.05), ping_interval=0.2,
        )  # fmt: skip
        listener.start()
        await until(lambda: len(accepted) >= 2)  # dropped, then connected again
        await listener.stop()
        server.close()
        return statuses

    states = [status.state for status in asyncio.run(scenario())]
    first_drop = states.index(ConnectionState.DISCONNECTED)
    assert states[:first_drop] == [ConnectionState.CONNECTING, ConnectionState.CONNECTED]


def test_huge_binary_and_random_frames_are_rejected_and_the_feed_goes_on() -> None:
    """A 10 MB frame, binary frames and 300 random frames cost no connection and no good signal."""
    noise = random.Random(7)
    junk: list[str | bytes] = ["x" * 10_000_000, b"\x00\x01binary", json.dumps([1, 2]), "{", "null"]
    for _ in range(300):
        size = noise.randint(0, 200)
        junk.append("".join(chr(noise.randint(1, 0x2FF)) for _ in range(size)))
        junk.append(json.dumps({"type": "STRATEGY_SIGNAL", "price": noise.choice([None, "1", -1, 1e400, True])}))

    async def scenario() -> tuple[list[ReceivedSignal], EngineListener, list[ListenerStatus]]:
        engine = SimulatedEngine(count=0)
        await engine.start()
        received: list[ReceivedSignal] = []
        statuses: list[ListenerStatus] = []
        listener = EngineListener(engine.url, on_signal=received.append, on_status=statuses.append)
        listener.start()
        await until(lambda: listener.status.state == ConnectionState.CONNECTED)
        for frame in junk:
            engine.send_raw(frame)
        engine.send_raw(GOOD)
        await until(lambda: len(received) == 1, timeout=20)
        await listener.stop()
        await engine.close()
        return received, listener, statuses

    received, listener, statuses = asyncio.run(scenario())
    assert received[0].raw == GOOD
    assert listener.counters.signals == 1
    assert listener.counters.rejected + listener.counters.ignored == len(junk)
    assert listener.counters.rejected >= 305
    assert [s.state for s in statuses].count(ConnectionState.CONNECTED) == 1  # never reconnected


def test_retry_delays_never_exceed_one_second() -> None:
    """So the app is back within 1.5 s of the engine: one delay plus a loopback connect."""
    delays = backoff_delays()
    assert max(next(delays) for _ in range(100)) == 1.0


def test_reconnects_when_the_engine_comes_back_after_an_outage() -> None:
    """Engine down for a while, then back on the same port: the listener connects again by itself."""

    async def scenario() -> list[ConnectionState]:
        engine = SimulatedEngine(count=0)
        await engine.start()
        port = engine.port
        states: list[ConnectionState] = []
        listener = EngineListener(engine.url, on_signal=lambda s: None, on_status=lambda s: states.append(s.state))
        listener.start()
        await until(lambda: listener.status.state == ConnectionState.CONNECTED)
        await engine.close()
        await until(lambda: states.count(ConnectionState.DISCONNECTED) >= 4)  # several refused retries
        engine = SimulatedEngine(port=port, count=0)
        await engine.start()
        await until(lambda: listener.status.state == ConnectionState.CONNECTED)
        await listener.stop()
        await engine.close()
        return states

    states = asyncio.run(scenario())
    assert states.count(ConnectionState.CONNECTED) == 2
