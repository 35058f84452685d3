"""The listener's connection to real websockets servers on loopback: connect, reconnect, move, drop a hung engine."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import socket
import struct
import time

import pytest
from websockets.asyncio.server import ServerConnection, serve

from algomesh_tray.feed.listener import (
    EngineListener,
    FeedCounters,
    ListenerStatus,
)
from algomesh_tray.feed.protocol import ReceivedSignal, parse_frame
from algomesh_tray.feed.simulator import SimulatedEngine
from algomesh_tray.util.backoff import backoff_delays

from ..conftest import wait_until
from ..engines import CONNECTED, CONNECTING, DISCONNECTED, GOOD, STOPPED, connected_to, fast_delays, free_port


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
