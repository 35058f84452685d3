"""The retry delays the listener and the bridges wait between attempts."""

from __future__ import annotations

from algomesh_tray.util.backoff import backoff_delays

from ..engines import fast_delays


def test_back_off_delays_grow_to_their_cap() -> None:
    """Capped doubling; the default never waits more than a second (the engine is local)."""
    delays = fast_delays()
    assert [next(delays) for _ in range(5)] == [0.05, 0.1, 0.2, 0.2, 0.2]
    default = backoff_delays()
    assert [next(default) for _ in range(5)] == [0.1, 0.2, 0.4, 0.8, 1.0]
    assert max(next(default) for _ in range(100)) == 1.0
