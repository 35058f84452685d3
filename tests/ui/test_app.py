"""The wiring app.py does, in small: a saved engine address moves the live listener to that engine."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from algomesh_tray.backoff import backoff_delays
from algomesh_tray.engine_sim import SimulatedEngine
from algomesh_tray.listener import ConnectionState, EngineListener, ListenerStatus
from algomesh_tray.protocol import ReceivedSignal
from algomesh_tray.qt.settings_dialog import SettingsDialog
from algomesh_tray.qt.tray import app_icon
from algomesh_tray.settings import Settings


async def wait_for(condition: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Poll ``condition`` on the running loop until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def save_new_address_and_follow(qtbot: QtBot) -> tuple[list[ListenerStatus], list[ReceivedSignal], str]:
    engine_a = SimulatedEngine(port=0, rate=50, trade_type="engine-a")
    engine_b = SimulatedEngine(port=0, rate=50, trade_type="engine-b")
    await engine_a.start()
    await engine_b.start()
    statuses: list[ListenerStatus] = []
    received: list[ReceivedSignal] = []
    listener = EngineListener(
        engine_a.url,
        on_signal=received.append,
        on_status=statuses.append,
        delays=lambda: backoff_delays(initial=0.05, cap=0.2),
    )
    dialog = SettingsDialog(Settings().with_address(engine_a.url), app_icon(), listener.url)
    qtbot.addWidget(dialog)
    dialog.settings_accepted.connect(lambda settings: listener.set_url(settings.url))
    listener.start()
    try:
        await wait_for(lambda: listener.counters.signals > 0, "a signal from engine A")
        dialog.show()
        dialog.port_spin.selectAll()
        qtbot.keyClicks(dialog.port_spin, str(engine_b.port))
        assert dialog.address_label.text() == engine_b.url
        switched_at = len(received)
        signals_before = listener.counters.signals
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
        await wait_for(
            lambda: (
                listener.status.url == engine_b.url
                and listener.status.state is ConnectionState.CONNECTED
                and listener.counters.signals > signals_before
                and any(signal.signal.trade_type == "engine-b" for signal in received[switched_at:])
            ),
            "a signal from engine B",
        )
    finally:
        await listener.stop()
        await engine_a.close()
        await engine_b.close()
    return statuses, received[switched_at:], engine_b.url


def test_saving_a_new_address_moves_the_listener_to_that_engine(qapp: QApplication, qtbot: QtBot) -> None:
    """Save in the dialog drops engine A at once and listens to engine B, on the app's qasync loop."""
    # As app.py does: the dialog closing must not end the application's (here the loop's) run.
    quit_on_last_window_closed = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(qapp)
    try:
        statuses, after_save, url_b = loop.run_until_complete(save_new_address_and_follow(qtbot))
    finally:
        loop.close()
        qapp.setQuitOnLastWindowClosed(quit_on_last_window_closed)
    assert after_save
    assert {signal.signal.trade_type for signal in after_save} == {"engine-b"}
    states_for_b = [status.state for status in statuses if status.url == url_b]
    assert states_for_b[:2] == [ConnectionState.CONNECTING, ConnectionState.CONNECTED]
    assert ConnectionState.DISCONNECTED not in states_for_b
    assert statuses[-1].state is ConnectionState.STOPPED
