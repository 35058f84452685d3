"""The tray icon that follows the listener's status and the pause."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from pytestqt.qtbot import QtBot

from algomesh_tray.feed_status import ConnectionState, ListenerStatus
from algomesh_tray.qt.tray import AppActions, TrayIcon

URL = "ws://localhost:52000/connect"


def test_tray_icon_reports_the_status_sentence(qtbot: QtBot) -> None:
    """The tray turns each status into the sentence the trades window's status bar shows."""
    actions = AppActions()
    tray = TrayIcon(actions)
    with qtbot.waitSignal(tray.status_text_changed, timeout=1000) as blocker:
        tray.set_status(ListenerStatus(ConnectionState.CONNECTED, URL, "connected"))
    assert blocker.args == [f"Connected to {URL}"]
    assert tray.text == f"Connected to {URL}"
    with qtbot.waitSignal(tray.status_text_changed, timeout=1000) as blocker:
        tray.set_pause(True)
    assert blocker.args == [f"Notifications paused · Connected to {URL}"]
    ends = datetime.now().astimezone().replace(hour=23, minute=59) + timedelta(days=2)
    tray.set_pause(True, ends)
    assert tray.text.startswith(f"Notifications paused until {ends:%a} 23:59 · ")
    tray.set_pause(False)
    assert tray.text == f"Connected to {URL}"


def test_tray_icon_counts_down_only_while_waiting_to_retry(qtbot: QtBot) -> None:
    """A retry starts the once-a-second countdown; a connection stops it."""
    tray = TrayIcon(AppActions())
    tray.set_status(ListenerStatus(ConnectionState.DISCONNECTED, URL, "engine not running", 5.0))
    assert tray.text.endswith("retrying in 5 s")
    assert tray._countdown.isActive()
    tray.set_status(ListenerStatus(ConnectionState.CONNECTING, URL, "connecting"))
    assert not tray._countdown.isActive()
    assert tray.text == f"Connecting to {URL}…"


def test_tray_icon_tells_of_a_silent_feed(qtbot: QtBot) -> None:
    """The tray asks the listener when the last frame came and says how long the feed was silent."""
    tray = TrayIcon(AppActions())
    tray.follow(last_frame_at=lambda: time.monotonic() - 90, quiet_until=lambda: None, down_since=lambda: None)
    with qtbot.waitSignal(tray.status_text_changed, timeout=1000) as blocker:
        tray.set_status(ListenerStatus(ConnectionState.CONNECTED, URL, "connected"))
    assert blocker.args == [f"Connected to {URL} · no data for 90 s"]
    assert tray._idle_check.isActive()
    tray.set_status(ListenerStatus(ConnectionState.DISCONNECTED, URL, "lost", 1.0))
    assert not tray._idle_check.isActive()
