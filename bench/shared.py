"""What the benches share: a notifier that times each popup from the moment its signal was sent,
and how many trades an app's log holds (the benches wait on it)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from algomesh_tray.notify.notification import Notification

__all__ = ["SendToPopupTimer", "logged_trades"]


def logged_trades(path: Path) -> int:
    """Trades in the log at ``path``, read only (0 until the app has created it)."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT count(*) FROM trades").fetchone()[0])
    except sqlite3.Error:
        return 0


class SendToPopupTimer:
    """Give ``sent`` to the simulated engine (``on_sent``) and the timer to the dispatcher as its
    notifier: ``latencies`` collects engine send -> popup, in ms, one per popup shown."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self._sent_at: dict[str, float] = {}

    def sent(self, frame: str) -> None:
        self._sent_at[frame] = time.perf_counter()

    def show(self, notification: Notification) -> None:
        assert notification.record is not None
        self.latencies.append((time.perf_counter() - self._sent_at[notification.record.raw]) * 1000)

    def close(self) -> None:
        """Nothing to release."""
