"""The listener against real websockets servers on loopback: the simulated engine, and engines that misbehave."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import itertools
import json
import logging
import random
import socket
import struct
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import PIPE

import pytest
from websockets.asyncio.server import ServerConnection, serve

from algomesh_tray.backoff import backoff_delays
from algomesh_tray.engine_sim import SimulatedEngine
from algomesh_tray.listener import (
    ConnectionState,
    EngineListener,
    FeedCounters,
    ListenerStatus,
)
from algomesh_tray.protocol import MAX_FRAME_BYTES, ReceivedSignal, RejectedSignal, StrategySignal, parse_frame

from .conftest import example_frame, wait_until

CONNECTING, CONNECTED = ConnectionState.CONNECTING, ConnectionState.CONNECTED
DISCONNECTED, STOPPED = ConnectionState.DISCONNECTED, ConnectionState.STOPPED
GOOD = example_frame()
REPO = Path(__file__).resolve().parents[2]


def fast_delays() -> Iterator[float]:
    """Retry delays for a test: 0.05, 0.1, 0.2, 0.2, ..."""
    return backoff_delays(initial=0.05, cap=0.2)


async def free_port() -> int:
    """A loopback port nobody listens on (an engine that is not running)."""
    engine = SimulatedEngine(count=0)
    await engine.start()
    await engine.close()
    return engine.port


async def connected_to(engine: SimulatedEngine, received: list[ReceivedSignal]) -> None:
    """Wait until the engine's first signal (its ``count=1``) arrived: the engine has us as a client."""
    await wait_until(lambda: len(received) >= 1, what="the engine's first signal arrived")


def test_receives_every_signal_the_engine_sends_in_order() -> None:
    """Frames become ReceivedSignals with the raw text and a receive time, in the engine's order."""
    sent: list[str] = []

    async def scenario() -> tuple[list[ReceivedSignal], FeedCounters, float | None]:
        engine = SimulatedEngine(rate=500, count=50, seed=1, on_sent=sent.append)
        await engine.start()
        received: list[ReceivedSignal] = []
        listener = EngineListener(engine.url, on_signal=received.append, delays=fast_delays)
        try:
            listener.start()
            await wait_until(lambda: len(received) == 50)
        finally:
            await listener.stop()
            await engine.close()
        return received, listener.counters, listener.last_frame_at

    received, counters, last_frame_at = asyncio.run(scenario())
    assert [r.raw for r in received] == sent
    assert all(r.signal == parse_frame(r.raw) and r.received_at > 0 for r in received)
    assert (counters.signals, counters.rejected, counters.ignored) == (50, 0, 0)
    assert last_frame_at is not None


def test_status_goes_connecting_connected_then_stopped() -> None:
    """The tray sees CONNECTING, then CONNECTED with the address; stop() reports STOPPED, even twice."""

    async def scenario() -> tuple[list[ListenerStatus], str]:
        engine = SimulatedEngine(count=0)
        await engine.start()
        statuses: list[ListenerStatus] = []
        listener = EngineListener(engine.url, on_signal=lambda s: None, on_status=statuses.append, delays=fast_delays)
        assert listener.status.state == STOPPED
        try:
            listener.start()
            listener.start()  # a second start while running is ignored
            await wait_until(lambda: listener.status.state == CONNECTED)
        finally:
            await listener.stop()
            await listener.stop()
            await engine.close()
        return statuses, engine.url

    statuses, url = asyncio.run(scenario())
    assert [s.state for s in statuses] == [CONNECTING, CONNECTED, STOPPED, STOPPED]
    assert all(s.url == url and s.retry_in is None for s in statuses)
    assert statuses[1].detail == "connected"


def test_an_engine_that_is_not_running_yet_is_retried_until_it_is() -> None:
    """Down at start: DISCONNECTED with a plain reason and growing retry_in, then connected on that port."""

    async def scenario() -> list[ListenerStatus]:
        port = await free_port()
        statuses: list[ListenerStatus] = []
        listener = EngineListener(
            f"ws://127.0.0.1:{port}/connect", on_signal=lambda s: None, on_status=statuses.append, delays=fast_delays
        )
        engine = SimulatedEngine(port=port, count=0)
        try:
            listener.start()
            await wait_until(lambda: sum(s.state == DISCONNECTED for s in statuses) >= 4)
            await engine.start()
            await wait_until(lambda: listener.status.state == CONNECTED)
        finally:
            await listener.stop()
            await engine.close()
        return statuses

    statuses = asyncio.run(scenario())
    down = [s for s in statuses if s.state == DISCONNECTED]
    assert all(s.detail == "engine not running (connection refused)" for s in down)
    assert [s.retry_in for s in down[:4]] == [0.05, 0.1, 0.2, 0.2]
    assert statuses[0].state == CONNECTING
    assert [s.state for s in statuses[-2:]] == [CONNECTED, STOPPED]


def test_reconnects_after_the_engine_restarts_on_the_same_port_and_keeps_receiving() -> None:
    """The engine goes away mid-stream and comes back on the same port: signals flow again."""

    async def scenario() -> tuple[list[ReceivedSignal], list[ListenerStatus]]:
        engine = SimulatedEngine(rate=200, count=5)
        await engine.start()
        port = engine.port
        received: list[ReceivedSignal] = []
        statuses: list[ListenerStatus] = []
        listener = EngineListener(engine.url, on_signal=received.append, on_status=statuses.append, delays=fast_delays)
        try:
            listener.start()
            await wait_until(lambda: len(received) == 5)
            await engine.close()
            await wait_until(lambda: sum(s.state == DISCONNECTED for s in statuses) >= 2)  # closed, then refused
            engine = SimulatedEngine(port=port, rate=200, count=3, trade_type="paper")
            await engine.start()
            await wait_until(lambda: len(received) == 8)
        finally:
            await listener.stop()
            await engine.close()
        return received, statuses

    received, statuses = asyncio.run(scenario())
    assert [r.signal.trade_type for r in received] == ["live"] * 5 + ["paper"] * 3
    assert [s.state for s in statuses].count(CONNECTED) == 2
    lost, refused = [s for s in statuses if s.state == DISCONNECTED][:2]
    assert (lost.detail, lost.retry_in) == ("the engine closed the connection", 0.05)
    assert refused.detail == "engine not running (connection refused)" and refused.retry_in == 0.1


def test_a_good_connection_resets_the_back_off() -> None:
    """After a connection, the next outage starts again from the shortest delay."""

    async def scenario() -> list[ListenerStatus]:
        engine = SimulatedEngine(count=0)
        await engine.start()
        port = engine.port
        statuses: list[ListenerStatus] = []
        listener = EngineListener(engine.url, on_signal=lambda s: None, on_status=statuses.append, delays=fast_delays)
        try:
            listener.start()
            for _ in range(2):
                await wait_until(lambda: listener.status.state == CONNECTED)
                await engine.close()
                await wait_until(lambda: listener.status.state == DISCONNECTED)
                await wait_until(lambda: listener.status.retry_in == 0.2)  # the outage went on a while
                engine = SimulatedEngine(port=port, count=0)
                await engine.start()
            await wait_until(lambda: listener.status.state == CONNECTED)
        finally:
            await listener.stop()
            await engine.close()
        return statuses

    statuses = asyncio.run(scenario())
    after_connected = [statuses[i + 1] for i, s in enumerate(statuses[:-1]) if s.state == CONNECTED]
    assert [s.retry_in for s in after_connected] == [0.05, 0.05, None]  # the last is the STOPPED of stop()


def test_the_default_back_off_has_the_feed_back_within_1_5_s_of_the_engine_restarting() -> None:
    """With the production delays (no ``delays=``), an engine down long enough for the back-off to reach
    its cap is connected and heard again within 1.5 s of it listening: the tray's promise to a trader."""
    deadline = 1.5
    cap = max(itertools.islice(backoff_delays(), 100))

    async def scenario() -> tuple[list[ReceivedSignal], list[ListenerStatus], float]:
        engine = SimulatedEngine(count=1)
        await engine.start()
        port = engine.port
        received: list[ReceivedSignal] = []
        statuses: list[ListenerStatus] = []
        listener = EngineListener(engine.url, on_signal=received.append, on_status=statuses.append)
        try:
            listener.start()
            await connected_to(engine, received)
            await engine.close()
            # Restarting just as a full capped wait begins is the worst case for the deadline.
            await wait_until(lambda: listener.status.retry_in == cap, timeout=10, what="the back-off reached its cap")
            engine = SimulatedEngine(port=port, count=1, trade_type="paper")
            restarted_at = time.monotonic()
            await engine.start()
            left = deadline - (time.monotonic() - restarted_at)
            await wait_until(lambda: len(received) == 2 and listener.status.state == CONNECTED, timeout=left,
                             what=f"connected and receiving within {deadline} s of the restart")  # fmt: skip
            back_after = time.monotonic() - restarted_at
        finally:
            await listener.stop()
            await engine.close()
        return received, statuses, back_after

    received, statuses, back_after = asyncio.run(scenario())
    assert back_after <= deadline
    assert [r.signal.trade_type for r in received] == ["live", "paper"]
    down = [s for s in statuses if s.state == DISCONNECTED]
    assert down[-1].detail == "engine not running (connection refused)" and down[-1].retry_in == cap
    assert [s.state for s in statuses].count(CONNECTED) == 2


def drop_without_close_frame(connection: ServerConnection, *, reset: bool) -> None:
    """Vanish as a crashed engine or a dead link does: no WebSocket close frame. ``reset`` sends a TCP RST
    (SO_LINGER 0) where a plain abort sends a FIN; websockets reports them differently underneath."""
    if reset:
        engine_socket = connection.transport.get_extra_info("socket")
        engine_socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.transport.abort()


@pytest.mark.parametrize("reset", [True, False], ids=["tcp-reset", "no-close-frame"])
def test_an_engine_that_vanishes_without_a_close_frame_is_reported_plainly_and_reconnected(reset: bool) -> None:
    """The engine dies mid-connection (reset or EOF, no close frame), stays down a while, then comes back:
    the tray reads "connection lost" rather than an exception, the listener survives and hears the new engine."""

    async def scenario() -> tuple[list[ReceivedSignal], list[ListenerStatus]]:
        clients: list[ServerConnection] = []

        async def send_one_signal_then_wait(connection: ServerConnection) -> None:
            clients.append(connection)
            await connection.send(GOOD)
            await connection.wait_closed()

        crashing = await serve(send_one_signal_then_wait, "127.0.0.1", 0)
        port = crashing.sockets[0].getsockname()[1]
        received: list[ReceivedSignal] = []
        statuses: list[ListenerStatus] = []
        listener = EngineListener(f"ws://127.0.0.1:{port}/connect", on_signal=received.append,
                                  on_status=statuses.append, delays=fast_delays)  # fmt: skip
        engine = SimulatedEngine(port=port, count=1, trade_type="paper")
        try:
            listener.start()
            await wait_until(lambda: len(received) == 1, what="the first engine's signal arrived")
            crashing.close(close_connections=False)  # the crash takes the listening socket too
            await wait_until(lambda: not crashing.sockets, what="the engine stopped listening")
            drop_without_close_frame(clients[0], reset=reset)
            await wait_until(lambda: listener.status.detail == "engine not running (connection refused)")
            await crashing.wait_closed()
            await engine.start()
            await wait_until(lambda: len(received) == 2, what="the restarted engine's signal arrived")
        finally:
            await listener.stop()
            crashing.close()
            await engine.close()
        return received, statuses

    received, statuses = asyncio.run(scenario())
    assert [r.signal.trade_type for r in received] == ["live", "paper"]
    states = [s.state for s in statuses]
    assert states[:3] == [CONNECTING, CONNECTED, DISCONNECTED] and states[-2:] == [CONNECTED, STOPPED]
    lost = statuses[2]
    assert (lost.detail, lost.retry_in) == ("connection to the engine was lost", 0.05)


@dataclass
class FeedRun:
    """What the listener made of a run of frames sent after one good signal."""

    reasons: list[str]
    received: list[ReceivedSignal]
    counters: FeedCounters
    states: list[ConnectionState]
    rejected_signals: list[RejectedSignal] = field(default_factory=list)


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


def test_set_url_moves_to_another_engine_at_once() -> None:
    """A new address from Settings: the old connection is dropped, the new engine's signals arrive."""

    async def scenario() -> tuple[ListenerStatus, str, list[str], int]:
        first, second = SimulatedEngine(count=0), SimulatedEngine(rate=100, count=2, trade_type="paper")
        await first.start()
        await second.start()
        received: list[ReceivedSignal] = []
        listener = EngineListener(first.url, on_signal=received.append, delays=fast_delays)
        try:
            listener.start()
            await wait_until(lambda: listener.status.state == CONNECTED)
            listener.set_url(second.url)
            assert listener.url == second.url
            await wait_until(lambda: len(received) == 2)
            await wait_until(lambda: not first._clients, what="the first engine lost its client")  # white-box
            status = listener.status
        finally:
            await listener.stop()
            await first.close()
            await second.close()
        return status, second.url, [r.signal.trade_type for r in received], len(first._clients)

    status, second_url, trade_types, left_on_first = asyncio.run(scenario())
    assert (status.state, status.url) == (CONNECTED, second_url)
    assert trade_types == ["paper", "paper"] and left_on_first == 0


def test_set_url_before_start_only_changes_the_address() -> None:
    """Settings applied before the feed runs do not start it."""

    async def scenario() -> ListenerStatus:
        listener = EngineListener("ws://127.0.0.1:1/connect", on_signal=lambda s: None)
        listener.set_url("ws://127.0.0.1:2/connect")
        return listener.status

    assert asyncio.run(scenario()).state == STOPPED


def test_reconnect_now_skips_the_remaining_wait() -> None:
    """'Reconnect now' while waiting 30 s to retry: the listener connects at once."""

    async def scenario() -> ListenerStatus:
        port = await free_port()
        listener = EngineListener(f"ws://127.0.0.1:{port}/connect", on_signal=lambda s: None,
                                  delays=lambda: backoff_delays(initial=30, cap=30))  # fmt: skip
        engine = SimulatedEngine(port=port, count=0)
        try:
            listener.start()
            await wait_until(lambda: listener.status.state == DISCONNECTED)
            waiting = listener.status
            await engine.start()
            listener.reconnect_now()
            await wait_until(lambda: listener.status.state == CONNECTED, timeout=3)
        finally:
            await listener.stop()
            await engine.close()
        return waiting

    assert asyncio.run(scenario()).retry_in == 30


def test_a_wrong_path_is_reported_as_refused_by_the_engine() -> None:
    """The engine answers 404 on any path but /connect: the status says so in plain words, and retries."""

    async def scenario() -> list[ListenerStatus]:
        engine = SimulatedEngine(count=0)
        await engine.start()
        statuses: list[ListenerStatus] = []
        listener = EngineListener(engine.url.replace("/connect", "/wrong"), on_signal=lambda s: None,
                                  on_status=statuses.append, delays=fast_delays)  # fmt: skip
        try:
            listener.start()
            await wait_until(lambda: sum(s.state == DISCONNECTED for s in statuses) >= 2)
        finally:
            await listener.stop()
            await engine.close()
        return [s for s in statuses if s.state == DISCONNECTED]

    down = asyncio.run(scenario())
    assert {s.detail for s in down} == {"engine refused the connection (HTTP 404)"}


def test_an_invalid_address_is_reported_not_raised() -> None:
    """A malformed URL is a status the user can read, and the loop keeps going."""

    async def scenario() -> ListenerStatus:
        listener = EngineListener("http://not a url", on_signal=lambda s: None, delays=fast_delays)
        try:
            listener.start()
            await wait_until(lambda: listener.status.state == DISCONNECTED)
            return listener.status
        finally:
            await listener.stop()

    assert asyncio.run(scenario()).detail.startswith("invalid engine address")


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
        try:
            listener.start()
            await wait_until(lambda: len(accepted) >= 2)  # dropped, then connected again
        finally:
            await listener.stop()
            server.close()
            for writer in accepted:
                writer.close()
        return statuses

    states = [status.state for status in asyncio.run(scenario())]
    first_drop = states.index(DISCONNECTED)
    assert states[:first_drop] == [CONNECTING, CONNECTED]


def test_back_off_delays_grow_to_their_cap() -> None:
    """Capped doubling; the default never waits more than a second (the engine is local)."""
    delays = fast_delays()
    assert [next(delays) for _ in range(5)] == [0.05, 0.1, 0.2, 0.2, 0.2]
    default = backoff_delays()
    assert [next(default) for _ in range(5)] == [0.1, 0.2, 0.4, 0.8, 1.0]
    assert max(next(default) for _ in range(100)) == 1.0


def test_a_flood_of_garbage_is_logged_in_a_few_lines_not_one_per_frame(caplog: pytest.LogCaptureFixture) -> None:
    """5,000 bad frames: every one is counted and reported to the app, the log file gets a handful."""
    caplog.set_level(logging.WARNING, logger="algomesh_tray.listener")
    run = feed_frames(["not json"] * 5000, timeout=30)
    assert run.counters.rejected == 5000 and len(run.reasons) == 5000
    lines = [r for r in caplog.records if r.getMessage().startswith("rejected a frame from the engine")]
    assert 1 <= len(lines) <= 40


#: The flood: 50,000 frames, every third one garbage of five kinds, the others signals priced 1, 2, 4, 5, ...
FLOOD_SIZE = 50_000


def flood_frames() -> list[str]:
    """The flood's frames, built the same way in the engine's process and in the test."""
    garbage = ["not json", "", "[1, 2]", example_frame(price="1"), GOOD[:-1]]
    return [garbage[n % len(garbage)] if n % 3 == 2 else example_frame(price=n + 1) for n in range(FLOOD_SIZE)]


def _serve_a_flood() -> None:
    """Run in a child process: print the engine's address, send the flood back to back to the first client,
    print when the first and the last frame went out (JSON), then keep the connection open until stdin closes.

    In its own process the engine sends at its own pace, whatever the listener's event loop is doing
    (a thread would share the listener's interpreter lock).
    """
    sent_at: list[float] = []

    async def serve() -> None:
        # No pacing: every frame is broadcast as soon as the one before it (rate far above what a CPU can send).
        engine = SimulatedEngine(
            rate=1e9, frames=flood_frames(), on_sent=lambda frame: sent_at.append(time.perf_counter())
        )
        await engine.start()
        print(engine.url, flush=True)
        try:
            await engine.wait_done()
            print(json.dumps({"sent": engine.sent, "seconds": sent_at[-1] - sent_at[0]}), flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the test is done
        finally:
            await engine.close()

    asyncio.run(serve())


async def _line_from(process: asyncio.subprocess.Process, *, timeout: float, what: str) -> str:
    """The next line the child prints; fail plainly if it prints none within ``timeout`` or ends first."""
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), timeout)
    except TimeoutError:
        raise AssertionError(f"the flooding engine printed no {what} within {timeout} s") from None
    if not line:
        assert process.stderr is not None
        error = (await process.stderr.read()).decode(errors="replace")
        raise AssertionError(f"the flooding engine ended before printing {what}: {error}")
    return line.decode()


def test_a_flood_of_50_000_frames_sent_back_to_back_loses_no_signal_and_no_connection() -> None:
    """50,000 frames from an engine in its own process, sent as fast as it can, every third one garbage:
    each signal arrives intact and in order, each bad frame is counted and reported, and the connection
    holds (a busy engine must not look like a dead one). The rate the engine reached is printed."""
    frames = flood_frames()
    signal_prices = [float(n + 1) for n in range(len(frames)) if n % 3 != 2]
    code = "from tests.unit.test_listener import _serve_a_flood; _serve_a_flood()"

    async def scenario() -> tuple[FeedRun, ConnectionState, dict[str, float]]:
        engine = await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, cwd=REPO, stdin=PIPE, stdout=PIPE, stderr=PIPE
        )
        reasons: list[str] = []
        received: list[ReceivedSignal] = []
        statuses: list[ListenerStatus] = []
        try:
            url = (await _line_from(engine, timeout=30, what="address")).strip()
            listener = EngineListener(url, on_signal=received.append,
                                      on_rejected=lambda reason, _: reasons.append(reason),
                                      on_status=statuses.append, delays=fast_delays)  # fmt: skip
            counters = listener.counters

            def flood_handled_or_connection_lost() -> bool:
                handled = counters.signals + counters.rejected + counters.ignored
                return handled == len(frames) or DISCONNECTED in [s.state for s in statuses]

            try:
                listener.start()
                await wait_until(flood_handled_or_connection_lost, timeout=30, what="every frame of the flood handled")
                report = json.loads(await _line_from(engine, timeout=10, what="report of its sends"))
                state_after_flood = listener.status.state
            finally:
                await listener.stop()
        finally:
            assert engine.stdin is not None
            engine.stdin.close()  # the engine's cue to close
            with contextlib.suppress(TimeoutError):  # its shutdown is not under test: no error to hide the real one
                await asyncio.wait_for(engine.wait(), 10)
            if engine.returncode is None:
                engine.kill()
                await engine.wait()
        return FeedRun(reasons, received, counters, [s.state for s in statuses]), state_after_flood, report

    run, state_after_flood, report = asyncio.run(scenario())
    rate = (report["sent"] - 1) / report["seconds"]
    achieved = f"the engine sent {report['sent']:,.0f} frames in {report['seconds']:.3f} s, {rate:,.0f} frames/s"
    print(achieved)
    assert report["sent"] == len(frames), achieved
    assert run.states == [CONNECTING, CONNECTED, STOPPED] and state_after_flood == CONNECTED, achieved
    assert [r.signal.price for r in run.received] == signal_prices, achieved
    assert [r.raw for r in run.received] == [frame for n, frame in enumerate(frames) if n % 3 != 2], achieved
    garbage_count = len(frames) - len(signal_prices)
    counted = (run.counters.signals, run.counters.rejected, run.counters.ignored)
    assert counted == (len(signal_prices), garbage_count, 0), achieved
    assert len(run.reasons) == garbage_count, achieved


def test_a_failing_status_callback_does_not_stop_the_listener() -> None:
    """A fault in the app's status handling is logged; signals keep arriving."""
    received: list[ReceivedSignal] = []

    def fragile_status(status: ListenerStatus) -> None:
        raise RuntimeError("a bug in the tray")

    async def scenario() -> None:
        engine = SimulatedEngine(count=3, rate=200)
        await engine.start()
        listener = EngineListener(engine.url, on_signal=received.append, on_status=fragile_status, delays=fast_delays)
        try:
            listener.start()
            await wait_until(lambda: len(received) == 3)
        finally:
            await listener.stop()
            await engine.close()

    asyncio.run(scenario())
    assert len(received) == 3
