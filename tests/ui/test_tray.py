"""The tray icon that follows the listener's status and the pause."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from algomesh_tray.feed.status import ConnectionState, ListenerStatus
from algomesh_tray.notify.notification import Notification
from algomesh_tray.platform.resources import TRAY_ICON_SIZES, TRAY_ICONS, tray_icon_paths
from algomesh_tray.qt.actions import AppActions
from algomesh_tray.qt.tray import TrayIcon

from .conftest import RecordFactory

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))  # render_icons, whatever ran before

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
    tray.follow(
        last_frame_at=lambda engine: time.monotonic() - 90, quiet_until=lambda: None, down_since=lambda engine: None
    )
    with qtbot.waitSignal(tray.status_text_changed, timeout=1000) as blocker:
        tray.set_status(ListenerStatus(ConnectionState.CONNECTED, URL, "connected"))
    assert blocker.args == [f"Connected to {URL} · no data for 1 min 30 s"]
    assert tray._idle_check.isActive()
    tray.set_status(ListenerStatus(ConnectionState.DISCONNECTED, URL, "lost", 1.0))
    assert not tray._idle_check.isActive()


def test_several_engines_show_the_worst_state_a_line_each_and_a_reconnect_each(qtbot: QtBot) -> None:
    """Desk connected and VPS down: the icon is VPS's, the tooltip has a line per engine, the menu a
    submenu per engine whose "Reconnect now" names it; an engine removed is forgotten."""
    actions = AppActions()
    tray = TrayIcon(actions)
    tray.set_engines(["Desk", "VPS"])
    tray.follow(last_frame_at=lambda engine: None, quiet_until=lambda: None,
                down_since=lambda engine: time.time() - 60 if engine == "VPS" else None)  # fmt: skip
    tray.set_status(ListenerStatus(ConnectionState.CONNECTED, "ws://127.0.0.1:1/connect", engine="Desk"))
    assert tray._icon_name == "tray-connected" and actions.reconnect.text() == "Reconnect all"
    tray.set_status(ListenerStatus(ConnectionState.DISCONNECTED, URL, "engine not running", 5.0, engine="VPS"))
    assert tray._icon_name == "tray-disconnected"
    assert tray.text.startswith("Connected: Desk · VPS: Disconnected from")
    assert [line.split(":")[0] for line in tray.tooltip.splitlines()] == ["Desk", "VPS"]
    titles = {name: menu.title() for name, menu in tray._engine_menus.items()}
    assert titles["Desk"] == "Desk: connected" and titles["VPS"].startswith("VPS: down since ")
    with qtbot.waitSignal(tray.reconnect_requested, timeout=1000) as blocker:
        tray._engine_menus["VPS"].actions()[0].trigger()
    assert blocker.args == ["VPS"]
    tray.set_engines(["Desk"])
    tray.set_status(ListenerStatus(ConnectionState.STOPPED, URL, "stopped", engine="VPS"))  # its last word
    assert tray.text == "Connected to ws://127.0.0.1:1/connect" and tray._icon_name == "tray-connected"
    assert not tray._engine_menus and actions.reconnect.text() == "Reconnect now"
    tray.set_engines([])  # every engine switched off in Settings
    assert tray.text == "No engine is switched on" and tray._icon_name == "tray-disconnected"


def test_tray_icons_are_the_svgs_rendered_at_tray_sizes(tmp_path: Path) -> None:
    """The checked-in PNGs are what packaging/render_icons.py --tray makes of today's SVGs."""
    import render_icons

    fresh = render_icons.render_tray_icons(tmp_path)
    assert len(fresh) == len(TRAY_ICONS) * len(TRAY_ICON_SIZES)
    for name in TRAY_ICONS:
        for size, shipped in tray_icon_paths(name).items():
            made, kept = QImage(str(tmp_path / f"{name}-{size}.png")), QImage(str(shipped))
            assert kept.size() == made.size() == QSize(size, size), shipped
            assert _largest_difference(made, kept) <= 8, f"{shipped} is stale: run packaging/render_icons.py --tray"


def _largest_difference(first: QImage, second: QImage) -> int:
    """The largest difference of one colour channel of one pixel (renderers may round differently)."""
    first = first.convertToFormat(QImage.Format.Format_RGBA8888)
    second = second.convertToFormat(QImage.Format.Format_RGBA8888)
    return max(abs(a - b) for a, b in zip(bytes(first.constBits()), bytes(second.constBits()), strict=True))


def test_the_tray_draws_its_icons_without_loading_qt_svg() -> None:
    """SVG support costs the idle app 1.2 MB (the module and its plugins): the tray's PNGs need none."""
    probe = (
        "from PySide6.QtWidgets import QApplication; app = QApplication([]);"
        "from algomesh_tray.qt.icons import tray_icon;"
        "from algomesh_tray.platform.resources import TRAY_ICONS;"
        "assert all(not tray_icon(name).pixmap(22, 22).isNull() for name in TRAY_ICONS);"
        "print('Svg' in open('/proc/self/maps').read())"
    )
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, cwd=ROOT)  # fmt: skip
    assert found.stdout.strip() == "False", found.stderr


def clicks_of(tray: TrayIcon) -> list[object]:
    """What each click on a tray message reports: its trade (or None), or "unknown"."""
    heard: list[object] = []
    tray.message_clicked.connect(heard.append)
    tray.unidentified_message_clicked.connect(lambda: heard.append("unknown"))
    return heard


def click_message(tray: TrayIcon) -> None:
    tray._icon.messageClicked.emit()  # what Qt emits, saying no more than that


def test_on_windows_and_macos_a_click_names_a_trade_only_when_its_message_is_the_only_one_out(
    qtbot: QtBot, make_record: RecordFactory
) -> None:
    """The Action Center and Notification Center keep every message, and Qt does not say which was
    clicked: with two out, neither is named (the app opens the recent trades instead)."""
    for platform in ("win32", "darwin"):
        tray = TrayIcon(AppActions(), platform=platform)
        heard = clicks_of(tray)
        first, second, third = make_record(), make_record(), make_record()
        tray.show_message(Notification.for_record(first))
        click_message(tray)
        tray.show_message(Notification.for_record(second))
        tray.show_message(Notification.for_record(third))
        click_message(tray)  # the second or the third: unknown
        click_message(tray)  # the other one, still unknown
        tray.show_message(Notification.for_record(first))  # nothing else out now
        click_message(tray)
        assert heard == [first, "unknown", "unknown", first]


def test_an_app_message_between_makes_a_click_unidentified(qtbot: QtBot, make_record: RecordFactory) -> None:
    """A warning shown after a trade's message: a click may be on either, so neither is named."""
    tray = TrayIcon(AppActions(), platform="win32")
    heard = clicks_of(tray)
    tray.show_message(Notification.for_record(make_record()))
    tray.show_message(Notification("AlgoMesh Tray", "The settings could not be saved."))
    click_message(tray)
    assert heard == ["unknown"]


def test_a_click_after_the_message_left_the_screen_names_no_trade(qtbot: QtBot, make_record: RecordFactory) -> None:
    """macOS reports clicks on any entry of Notification Center, an earlier run's too: once the one
    message out has left the screen, a click may be on another, so no trade is named."""
    tray = TrayIcon(AppActions(), platform="darwin")
    now = [1000.0]
    tray._clock = lambda: now[0]
    heard = clicks_of(tray)
    record = make_record()
    tray.show_message(Notification.for_record(record))
    now[0] += 5  # still on screen
    click_message(tray)
    tray.show_message(Notification.for_record(record))
    now[0] += 11  # gone to the notification centre
    click_message(tray)
    assert heard == [record, "unknown"]


def test_qts_own_balloon_is_one_at_a_time_so_a_click_is_on_the_last(qtbot: QtBot, make_record: RecordFactory) -> None:
    """On an XEmbed tray Qt shows one balloon, each replacing the last: the click is on the newest."""
    tray = TrayIcon(AppActions(), platform="linux")
    tray._escape_messages = False  # what tray_messages_read_markup answers without a StatusNotifier host
    heard = clicks_of(tray)
    first, second = make_record(), make_record()
    tray.show_message(Notification.for_record(first))
    tray.show_message(Notification.for_record(second))
    click_message(tray)
    tray.show_message(Notification("AlgoMesh Tray", "A notice."))
    click_message(tray)
    assert heard == [second, None]
