"""The asyncio -> Qt seam hands the core's objects over as they are."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from algomesh_tray.feed.status import ConnectionState, ListenerStatus
from algomesh_tray.qt.feed_signals import FeedSignals

from .conftest import RecordFactory


def test_recorded_batches_reach_every_subscriber_as_the_same_list(qtbot: QtBot, make_record: RecordFactory) -> None:
    """No per-record conversion: each slot gets the pipeline's own list (a list-typed signal would copy
    and convert every record for every slot, which made a 100,000-signal burst fall behind)."""
    feed = FeedSignals()
    batch = [make_record() for _ in range(3)]
    seen: list[object] = []
    feed.trades_recorded.connect(seen.append)
    feed.trades_recorded.connect(seen.append)
    feed.on_recorded(batch)
    assert len(seen) == 2 and all(received is batch for received in seen)


def test_status_and_failures_become_signals(qtbot: QtBot) -> None:
    """The listener's status and the trade log's trouble arrive as Qt signals with their values."""
    feed = FeedSignals()
    status = ListenerStatus(ConnectionState.CONNECTED, "ws://localhost:52000/connect")
    with qtbot.waitSignal(feed.status_changed, timeout=1000) as changed:
        feed.on_status(status)
    assert changed.args == [status]
    with qtbot.waitSignal(feed.log_failed, timeout=1000) as failed:
        feed.on_log_error("The trade log cannot be written (disk full).")
    assert failed.args == ["The trade log cannot be written (disk full)."]
