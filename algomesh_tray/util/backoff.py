"""How long to wait between attempts: the listener's reconnects and the bridges' retries."""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["backoff_delays"]


def backoff_delays(*, initial: float = 0.1, factor: float = 2.0, cap: float = 1.0) -> Iterator[float]:
    """Capped exponential delays. The engine is local: a refused connection costs next to nothing,
    and a trader wants the feed back within a second of the engine (websockets waits 3-90 s)."""
    delay = initial
    while True:
        yield delay
        delay = min(delay * factor, cap)
