"""The app on a desktop whose tray is a D-Bus StatusNotifier host, as on KDE Plasma and on GNOME with
AppIndicator. There Qt's tray messages become Notify calls, so feed text must be escaped for them too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..waiting import wait_until
from .conftest import ARTIFACTS
from .desktop import VirtualDesktop
from .helpers import signal_frame, start_engine

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sni_desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtualDesktop]:
    virtual = VirtualDesktop(tmp_path_factory.mktemp("sni-desktop"), status_notifier=True)
    try:
        yield virtual.start()
    finally:
        virtual.stop()


def test_tray_messages_through_a_status_notifier_tray_are_escaped(
    sni_desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """The icon registers with the watcher, and a tray message reaches dunst with its markup escaped."""
    hostile = '<b>Bold</b> <img src="http://example.invalid/x.png">'
    replay = tmp_path / "frames.txt"
    replay.write_text(signal_frame(strategyName=hostile) + "\n")
    _engine, port = start_engine(start_program, "--rate", "20", "--replay", str(replay))
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)  # private, as the app makes its own: no warning comes before the message
    (data_dir / "settings.json").write_text(json.dumps({"notify_style": "tray"}))
    app = start_program(
        "algomesh-tray", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port),
        env=sni_desktop.env,
    )  # fmt: skip
    app.wait_for_line("tray icon shown")
    wait_until(lambda: "string" in sni_desktop.watcher_property("RegisteredStatusNotifierItems"), 10,
               "the tray icon registered with the StatusNotifier watcher")  # fmt: skip

    app.wait_for_line("tray message shown")
    notify = wait_until(lambda: next(iter(sni_desktop.notifications()), None), 10, "the Notify call")
    sni_desktop.screenshot(ARTIFACTS / "e2e-status-notifier-message.png")
    assert notify.summary == "BUY BTCUSDT"  # type: ignore[attr-defined]
    assert "&lt;b&gt;Bold&lt;/b&gt; &lt;img src=" in notify.body  # type: ignore[attr-defined]
    assert "<b>" not in notify.body and "<img" not in notify.body  # type: ignore[attr-defined]
    assert notify.app_name == "AlgoMesh Tray"  # type: ignore[attr-defined]
    assert app.stop() == 0


def test_a_popup_clicked_on_a_status_notifier_desktop_opens_its_trade(
    sni_desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """As on KDE or GNOME with AppIndicator: the default popups are the desktop's own and a click on
    one (dunstctl's action on the newest popup) opens the trades window on that trade."""
    _engine, port = start_engine(start_program, "--rate", "2", "--count", "1", "--seed", "3")
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    sni_desktop.dismiss_notifications()  # dunstctl acts on the newest popup on screen: ours only
    already = len(sni_desktop.notifications())
    app = start_program("algomesh-tray", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port),
                        env=sni_desktop.env)  # fmt: skip
    app.wait_for_line("notifications shown by the desktop's notifications")
    wait_until(lambda: any(n.app_name == "AlgoMesh Tray" for n in sni_desktop.notifications()[already:]), 15,
               "the popup")  # fmt: skip
    sni_desktop.run("dunstctl", "action", "0")
    app.wait_for_line("trades window shows trade id=1")
    assert app.stop() == 0
