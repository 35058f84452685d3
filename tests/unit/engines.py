"""Engines for the listener's tests: delays short enough for a test, a port nobody listens on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from algomesh_tray.feed.protocol import ReceivedSignal, RejectedSignal
from algomesh_tray.feed.simulator import SimulatedEngine
from algomesh_tray.feed.status import ConnectionState, FeedCounters
from algomesh_tray.util.backoff import backoff_delays

from .conftest import example_frame, wait_until

__all__ = [
    "CONNECTED",
    "CONNECTING",
    "DISCONNECTED",
    "GOOD",
    "REPO",
    "STOPPED",
    "FeedRun",
    "connected_to",
    "fast_delays",
    "free_port",
]

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


@dataclass
class FeedRun:
    """What the listener made of a run of frames sent after one good signal."""

    reasons: list[str]
    received: list[ReceivedSignal]
    counters: FeedCounters
    states: list[ConnectionState]
    rejected_signals: list[RejectedSignal] = field(default_factory=list)
