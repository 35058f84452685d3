"""The listener against a real websockets server on loopback (the simulated engine)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from algomesh_tray.engine_sim import SimulatedEngine
from algomesh_tray.listener import ConnectionState, EngineListener, ListenerStatus, backoff_delays
from algomesh_tray.protocol import ReceivedSignal, StrategySignal, parse_frame


def fast() -> object:
    return backoff_delays(initial=0.02, cap=0.1)


async def until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


def test_receives_every_signal_the_engine_sends_in_order() -> None:
    """Frames become ReceivedSignals with the raw text and a receive time, in the engine's order."""
    sent: list[str] = []

    async def scenario() -> list[ReceivedSignal]:
        engine = SimulatedEngine(rate=500, count=50, seed=1, on_sent=sent.append)
        await engine.start()
        received: list[ReceivedSignal] = []
        listener = EngineListener(engine.url, on_signal=received.append)
        listener.start()
        await until(lambda: len(received) == 50)
        await listener.stop()
        await engine.close()
        return received

    received = asyncio.run(scenario())
    assert [r.raw for r in received] == sent
    assert all(r.signal == parse_frame(r.raw) and r.received_at > 0 for r in received)


def test_an_engine_that_is_not_running_yet_is_retried_until_it_is() -> None:
    """Down at start: disconnected with a plain reason and a retry delay, then connected."""

    async def scenario() -> list[ListenerStatus]:
        engine = SimulatedEngine(count=0)
        await engine.start()
        port = engine.port
        await engine.close()  # a free port nobody listens on
        statuses: list[ListenerStatus] = []
        listener = EngineListener(f"ws://127.0.0.1:{port}/connect", on_signal=lambda s: None,
                                  on_status=statuses.append, delays=fast)  # fmt: skip
        listener.start()
        await until(lambda: sum(s.state == ConnectionState.DISCONNECTED for s in statuses) >= 2)
        engine = SimulatedEngine(port=port, count=0)
        await engine.start()
        await until(lambda: listener.status.state == ConnectionState.CONNECTED)
        await listener.stop()
        await engine.close()
        return statuses

    statuses = asyncio.run(scenario())
    down = next(s for s in statuses if s.state == ConnectionState.DISCONNECTED)
    assert down.detail == "engine not running (connection refused)" and down.retry_in is not None
    assert statuses[-1].state == ConnectionState.STOPPED


def test_reconnects_after_the_engine_restarts_and_keeps_receiving() -> None:
    """The engine goes away mid-stream and comes back on the same port: signals flow again."""

    async def scenario() -> tuple[int, list[ConnectionState]]:
        engine = SimulatedEngine(rate=200, count=5)
        await engine.start()
        port = engine.port
        received: list[ReceivedSignal] = []
        states: list[ConnectionState] = []
        listener = EngineListener(engine.url, on_signal=received.append,
                                  on_status=lambda s: states.append(s.state), delays=fast)  # fmt: skip
        listener.start()
        await until(lambda: len(received) == 5)
        await engine.close()
        await until(lambda: listener.status.state != ConnectionState.CONNECTED)
        engine = SimulatedEngine(port=port, rate=200, count=3)
        await engine.start()
        await until(lambda: len(received) == 8)
        await listener.stop()
        await engine.close()
        return len(received), states

    count, states = asyncio.run(scenario())
    assert count == 8
    assert states.count(ConnectionState.CONNECTED) == 2


def test_malformed_frames_are_counted_reported_and_survived() -> None:
    """Rejected frames reach on_rejected with a reason; the next good frame still arrives."""

    async def scenario() -> tuple[list[str], list[ReceivedSignal], EngineListener]:
        engine = SimulatedEngine(count=0)
        await engine.start()
        reasons: list[str] = []
        received: list[ReceivedSignal] = []
        listener = EngineListener(engine.url, on_signal=received.append, on_rejected=reasons.append)
        listener.start()
        await until(lambda: listener.status.state == ConnectionState.CONNECTED)
        engine.send_raw("garbage")
        engine.send_raw(json.dumps({"type": "HEARTBEAT"}))
        engine.send_raw(json.dumps({"type": "STRATEGY_SIGNAL", "action": "BUY"}))
        engine.send_raw(json.dumps(engine._generator.next_signal()))
        await until(lambda: len(received) == 1)
        await listener.stop()
        await engine.close()
        return reasons, received, listener

    reasons, received, listener = asyncio.run(scenario())
    assert reasons[0].startswith("not valid JSON") and "missing" in reasons[1]
    assert isinstance(received[0].signal, StrategySignal)
    counters = listener.counters
    assert (counters.signals, counters.rejected, counters.ignored, counters.ignored_types) == (
        1,
        2,
        1,
        {"HEARTBEAT": 1},
    )


def test_set_url_moves_to_another_engine_at_once() -> None:
    """A new address from Settings: the old connection is dropped, the new engine's signals arrive."""

    async def scenario() -> tuple[ListenerStatus, str, list[str]]:
        first, second = SimulatedEngine(count=0), SimulatedEngine(rate=100, count=2, trade_type="paper")
        await first.start()
        await second.start()
        received: list[ReceivedSignal] = []
        listener = EngineListener(first.url, on_signal=received.append, delays=fast)
        listener.start()
        await until(lambda: listener.status.state == ConnectionState.CONNECTED)
        listener.set_url(second.url)
        await until(lambda: len(received) == 2)
        status = listener.status
        await listener.stop()
        await first.close()
        await second.close()
        return status, second.url, [r.signal.trade_type for r in received]

    status, second_url, trade_types = asyncio.run(scenario())
    assert status.url == second_url and trade_types == ["paper", "paper"]
    assert status.state == ConnectionState.CONNECTED


def test_a_wrong_path_is_reported_as_refused_by_the_engine() -> None:
    """The engine answers 404 on any path but /connect: the status says so in plain words."""

    async def scenario() -> ListenerStatus:
        engine = SimulatedEngine(count=0)
        await engine.start()
        statuses: list[ListenerStatus] = []
        listener = EngineListener(engine.url.replace("/connect", "/wrong"), on_signal=lambda s: None,
                                  on_status=statuses.append, delays=fast)  # fmt: skip
        listener.start()
        await until(lambda: any(s.state == ConnectionState.DISCONNECTED for s in statuses))
        await listener.stop()
        await engine.close()
        return next(s for s in statuses if s.state == ConnectionState.DISCONNECTED)

    assert asyncio.run(scenario()).detail == "engine refused the connection (HTTP 404)"


def test_the_simulated_engine_sends_valid_signals_only_once_a_client_is_there() -> None:
    """Nothing is sent before a client connects; what is sent parses as STRATEGY_SIGNAL."""
    sent: list[str] = []

    async def scenario() -> int:
        engine = SimulatedEngine(rate=1000, count=20, seed=3, on_sent=sent.append)
        await engine.start()
        await asyncio.sleep(0.05)  # time passing with no client is the point of this test
        before = engine.sent
        listener = EngineListener(engine.url, on_signal=lambda s: None)
        listener.start()
        await engine.wait_done()
        await listener.stop()
        await engine.close()
        return before

    assert asyncio.run(scenario()) == 0
    assert len(sent) == 20 and all(isinstance(parse_frame(frame), StrategySignal) for frame in sent)
