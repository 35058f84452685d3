"""The tray's words for the connection, and the tray icon that follows the listener's status."""

from __future__ import annotations

import time

import pytest
from pytestqt.qtbot import QtBot

from algomesh_tray.listener import ConnectionState, ListenerStatus
from algomesh_tray.qt.tray import IDLE_NOTICE_SECONDS, AppActions, TrayIcon, status_text

URL = "ws://localhost:52000/connect"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (ListenerStatus(ConnectionState.CONNECTED, URL), ("tray-connected", f"Connected to {URL}")),
        (ListenerStatus(ConnectionState.CONNECTING, URL), ("tray-connecting", f"Connecting to {URL}…")),
        (
            ListenerStatus(ConnectionState.DISCONNECTED, URL, "engine not running (connection refused)", 4.4),
            (
                "tray-disconnected",
                f"Disconnected from {URL}: engine not running (connection refused) — retrying in 4 s",
            ),
        ),
        (
            ListenerStatus(ConnectionState.DISCONNECTED, URL, "the engine closed the connection", 0.2),
            ("tray-disconnected", f"Disconnected from {URL}: the engine closed the connection — retrying in 1 s"),
        ),
        (
            ListenerStatus(ConnectionState.DISCONNECTED, URL, "connection to the engine was lost"),
            ("tray-disconnected", f"Disconnected from {URL}: connection to the engine was lost"),
        ),
        (ListenerStatus(ConnectionState.STOPPED, URL, "stopped"), ("tray-disconnected", "Stopped")),
    ],
    ids=["connected", "connecting", "retrying", "retrying-soon", "disconnected", "stopped"],
)
def test_status_text_for_each_state(status: ListenerStatus, expected: tuple[str, str]) -> None:
    """Each connection state has its icon and a sentence; a retry counts whole seconds, at least 1."""
    assert status_text(status, paused=False) == expected


@pytest.mark.parametrize("state", list(ConnectionState))
def test_status_text_when_paused(state: ConnectionState) -> None:
    """Paused notifications show the paused icon and say so before the connection's sentence."""
    status = ListenerStatus(state, URL, "detail", 3.0)
    icon, text = status_text(status, paused=True)
    assert icon == "tray-paused"
    assert text == f"Notifications paused · {status_text(status, paused=False)[1]}"


@pytest.mark.parametrize(
    ("idle_for", "notice"),
    [
        (None, ""),
        (IDLE_NOTICE_SECONDS - 1, ""),
        (IDLE_NOTICE_SECONDS, " · no data for 60 s"),
        (600, " · no data for 10 min"),
        (7200, " · no data for 2 h"),
    ],
)
def test_status_text_tells_of_a_silent_feed(idle_for: float | None, notice: str) -> None:
    """A connected feed quiet for a minute or more says for how long, in the largest sensible unit."""
    status = ListenerStatus(ConnectionState.CONNECTED, URL, "connected")
    assert status_text(status, paused=False, idle_for=idle_for) == ("tray-connected", f"Connected to {URL}{notice}")


def test_status_text_mentions_silence_only_when_connected() -> None:
    """While connecting or retrying, the time since the last frame is not news."""
    status = ListenerStatus(ConnectionState.CONNECTING, URL, "connecting")
    assert status_text(status, paused=False, idle_for=3600) == ("tray-connecting", f"Connecting to {URL}…")


def test_tray_icon_reports_the_status_sentence(qtbot: QtBot) -> None:
    """The tray turns each status into the sentence the trades window's status bar shows."""
    actions = AppActions()
    tray = TrayIcon(actions)
    with qtbot.waitSignal(tray.status_text_changed, timeout=1000) as blocker:
        tray.set_status(ListenerStatus(ConnectionState.CONNECTED, URL, "connected"))
    assert blocker.args == [f"Connected to {URL}"]
    assert tray.text == f"Connected to {URL}"
    actions.pause.setChecked(True)
    with qtbot.waitSignal(tray.status_text_changed, timeout=1000) as blocker:
        tray.refresh()
    assert blocker.args == [f"Notifications paused · Connected to {URL}"]


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
    tray.last_frame_at = lambda: time.monotonic() - 90
    with qtbot.waitSignal(tray.status_text_changed, timeout=1000) as blocker:
        tray.set_status(ListenerStatus(ConnectionState.CONNECTED, URL, "connected"))
    assert blocker.args == [f"Connected to {URL} · no data for 90 s"]
    assert tray._idle_check.isActive()
    tray.set_status(ListenerStatus(ConnectionState.DISCONNECTED, URL, "lost", 1.0))
    assert not tray._idle_check.isActive()


def test_a_timed_pause_says_when_it_ends() -> None:
    """'Notifications paused until 14:35' today; with the weekday when it ends on another day."""
    from datetime import datetime, timedelta

    from algomesh_tray.listener import ConnectionState, ListenerStatus
    from algomesh_tray.qt.tray import status_text

    status = ListenerStatus(ConnectionState.CONNECTED, "ws://localhost:52000/connect")
    soon = datetime.now().astimezone().replace(hour=23, minute=59, second=0)
    icon, text = status_text(status, True, paused_until=soon)
    assert icon == "tray-paused" and text.startswith("Notifications paused until 23:59 · Connected")
    later = soon + timedelta(days=2)
    assert status_text(status, True, paused_until=later)[1].startswith(f"Notifications paused until {later:%a} 23:59")
