"""A flood from an engine in its own process: 50,000 frames back to back, nothing lost."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from subprocess import PIPE

from algomesh_tray.feed.listener import (
    ConnectionState,
    EngineListener,
    ListenerStatus,
)
from algomesh_tray.feed.protocol import ReceivedSignal
from algomesh_tray.feed.simulator import SimulatedEngine

from ..conftest import example_frame, wait_until
from ..engines import CONNECTED, CONNECTING, DISCONNECTED, GOOD, REPO, STOPPED, FeedRun, fast_delays

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
    code = "from tests.unit.feed.test_listener_flood import _serve_a_flood; _serve_a_flood()"

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
