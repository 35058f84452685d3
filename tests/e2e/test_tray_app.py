"""The installed app on a real virtual desktop, against the simulated engine, as a user runs it."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ..waiting import wait_until
from .conftest import ARTIFACTS, BIN
from .desktop import VirtualDesktop
from .helpers import expected_notification, sent_frames, signal_frame, start_engine

pytestmark = pytest.mark.e2e


def test_every_signal_becomes_a_notification_and_a_log_entry(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """Tray docks, each signal sent reaches dunst as a Notify with the right text, and history lists it."""
    count = 6
    engine, port = start_engine(start_program, "--rate", "4", "--count", str(count), "--seed", "11")
    data_dir = tmp_path / "data"
    already = len(desktop.notifications())
    desktop.dismiss_notifications()  # earlier tests' popups would hide these in the screenshot
    app = start_program(
        "algomesh-tray", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port), env=desktop.env
    )
    app.wait_for_line("tray icon shown")
    wait_until(lambda: desktop.docked_windows("algomesh-tray"), 10, "the tray icon to dock in trayer")
    app.wait_for_line("engine connected")

    wait_until(lambda: len(sent_frames(engine)) == count, 15, f"the engine to send {count} signals")
    frames = sent_frames(engine)
    ours = lambda: [n for n in desktop.notifications()[already:] if n.app_name == "AlgoMesh Tray"]  # noqa: E731
    wait_until(lambda: len(ours()) >= count, 20, f"{count} Notify calls on the session bus")
    desktop.screenshot(ARTIFACTS / "e2e-notifications.png")
    assert [(n.summary, n.body) for n in ours()] == [expected_notification(frame) for frame in frames]

    history = subprocess.run(
        [str(BIN / "algomesh-tray"), "history", "--data-dir", str(data_dir), "--format", "json"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    logged = json.loads(history.stdout)
    assert [(row["action"], row["symbol"], row["price"], row["strategyName"]) for row in logged] == [
        (frame["action"], frame["symbol"], frame["price"], frame["strategyName"]) for frame in reversed(frames)
    ]

    assert app.stop() == 0
    assert any("stopped cleanly" in line for line in app.lines)


def test_clicking_a_tray_message_opens_the_trades_window_on_that_trade(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """With tray messages chosen in settings, a real click on the balloon shows that trade selected."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "settings.json").write_text(json.dumps({"notify_style": "tray"}))
    _engine, port = start_engine(start_program, "--rate", "2", "--count", "1", "--seed", "5")
    app = start_program(
        "algomesh-tray", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port), env=desktop.env
    )
    app.wait_for_line("tray message shown")
    is_balloon = lambda w: w.name == "AlgoMesh Tray" and '"algomesh-tray"' in w.wm_class and w.height > 40  # noqa: E731
    balloon = wait_until(
        lambda: next((w for w in desktop.windows() if is_balloon(w) and desktop.is_viewable(w.id)), None),
        10,
        "the tray balloon",
    )
    desktop.screenshot(ARTIFACTS / "e2e-tray-message.png")
    desktop.run("xdotool", "mousemove", str(balloon.x + 60), str(balloon.y + balloon.height // 2), "click", "1")  # type: ignore[attr-defined]

    app.wait_for_line("tray message clicked")
    app.wait_for_line("trades window shows trade id=1")
    trades = wait_until(
        lambda: next(
            (w for w in desktop.windows() if w.name == "AlgoMesh Tray — Trades" and desktop.is_viewable(w.id)), None
        ),
        10,
        "the trades window to be on screen",
    )
    assert trades
    desktop.screenshot(ARTIFACTS / "e2e-trades-window.png")
    assert app.stop() == 0


def test_a_second_launch_shows_the_running_app_and_exits(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """Double-clicking again hands over: the running app shows its window, the new one exits 0."""
    engine, port = start_engine(start_program, "--count", "0")
    arguments = ("--data-dir", str(tmp_path / "data"), "--host", "127.0.0.1", "--port", str(port))
    first = start_program("algomesh-tray", *arguments, env=desktop.env)
    first.wait_for_line("engine connected")
    second = start_program("algomesh-tray", *arguments, env=desktop.env)
    assert second.process.wait(timeout=20) == 0
    second.wait_for_line("already running")
    first.wait_for_line("another launch asked to show the window")
    wait_until(
        lambda: any(w.name == "AlgoMesh Tray — Trades" and desktop.is_viewable(w.id) for w in desktop.windows()),
        10,
        "the first app's trades window",
    )
    assert len([line for line in engine.lines if "connection open" in line]) == 1
    assert first.stop() == 0


def test_hostile_and_broken_frames_stay_text_and_do_not_stop_the_app(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """Markup from the feed reaches dunst escaped; bad frames are rejected; later signals still arrive."""
    hostile = '<b>Bold</b> <img src="http://example.invalid/x.png"> <a href="http://example.invalid">click</a>'
    frames = [
        signal_frame(strategyName=hostile, symbol="<i>BTC</i>"),
        "not json {",
        json.dumps({"type": "HEARTBEAT"}),
        signal_frame(price="64320.5"),
        signal_frame(action="SELL", strategyName="\u202eevil" + "x" * 10_000),
    ]
    replay = tmp_path / "frames.txt"
    replay.write_text("\n".join(frames) + "\n")
    _engine, port = start_engine(start_program, "--rate", "20", "--replay", str(replay))
    data_dir = tmp_path / "data"
    already = len(desktop.notifications())
    desktop.dismiss_notifications()  # earlier tests' popups would hide these in the screenshot
    app = start_program(
        "algomesh-tray", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port), env=desktop.env
    )
    ours = lambda: [n for n in desktop.notifications()[already:] if n.app_name == "AlgoMesh Tray"]  # noqa: E731
    wait_until(lambda: len(ours()) >= 2, 20, "two Notify calls")
    desktop.screenshot(ARTIFACTS / "e2e-hostile-notification.png")
    first, second = ours()[:2]
    assert first.summary == "BUY <i>BTC</i>"  # the summary is plain text by the spec; dunst shows it so
    assert "&lt;b&gt;Bold&lt;/b&gt; &lt;img src=" in first.body
    assert "<b>" not in first.body and "<img" not in first.body and "<a " not in first.body
    assert second.summary == "SELL BTCUSDT"
    assert "\u202e" not in second.body and "\ufffdevilxxx" in second.body and len(second.body) < 300
    app.wait_for_line("rejected a frame from the engine: not valid JSON")
    app.wait_for_line("field 'price' should be a number, got str")

    history = subprocess.run(
        [str(BIN / "algomesh-tray"), "history", "--data-dir", str(data_dir), "--format", "json"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    logged = json.loads(history.stdout)
    assert [row["strategyName"] for row in logged] == ["\u202eevil" + "x" * 10_000, hostile]
    assert app.stop() == 0
    # The signal refused for its price is kept against its market, for the dashboard's count.
    with contextlib.closing(sqlite3.connect(data_dir / "trades.sqlite3")) as db:
        kept = db.execute("SELECT strategy, symbol, count, last_reason FROM rejected_signals").fetchall()
    assert kept == [("BTC_Momentum_Scalp", "BTCUSDT", 1, "field 'price' should be a number, got str")]


def test_a_left_click_on_the_tray_icon_opens_the_trades_window(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """The docked icon answers a real click by showing the trades window."""
    _engine, port = start_engine(start_program, "--count", "0")
    app = start_program(
        "algomesh-tray", "--data-dir", str(tmp_path / "data"), "--port", str(port), "--host", "127.0.0.1",
        env=desktop.env,
    )  # fmt: skip
    app.wait_for_line("engine connected")
    (icon,) = wait_until(lambda: desktop.docked_windows("algomesh-tray"), 10, "the docked icon")  # type: ignore[misc]
    desktop.run("xdotool", "mousemove", str(icon.x + icon.width // 2), str(icon.y + icon.height // 2), "click", "1")
    wait_until(
        lambda: any(w.name == "AlgoMesh Tray — Trades" and desktop.is_viewable(w.id) for w in desktop.windows()),
        10,
        "the trades window after the click",
    )
    assert app.stop() == 0


def test_without_a_system_tray_the_app_says_so_and_keeps_its_window(start_program: Any, tmp_path: Path) -> None:
    """No tray (Qt's offscreen platform has none): the window stays open and the reason is given."""
    _engine, port = start_engine(start_program, "--count", "0")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    app = start_program("algomesh-tray", "--data-dir", str(tmp_path / "data"), "--port", str(port), env=env)
    app.wait_for_line("has no system tray, so AlgoMesh Tray keeps its window open")
    app.wait_for_line("engine connected")
    assert app.stop() == 0


def test_a_tray_that_appears_after_start_up_is_moved_into(start_program: Any, tmp_path: Path) -> None:
    """Started at login before the panel: the window stays open at first, then the icon docks in the
    tray when it comes, and closing the window no longer quits."""
    desktop = VirtualDesktop(tmp_path / "late-tray-desktop", system_tray=False)
    desktop.workdir.mkdir()
    desktop.start()
    try:
        _engine, port = start_engine(start_program, "--count", "0")
        app = start_program("algomesh-tray", "--data-dir", str(tmp_path / "data"), "--port", str(port), env=desktop.env)
        app.wait_for_line("has no system tray, so AlgoMesh Tray keeps its window open")
        desktop.start_system_tray()
        app.wait_for_line("a system tray appeared")
        wait_until(lambda: desktop.docked_windows("algomesh-tray"), 10, "the tray icon to dock in the late tray")
        app.wait_for_line("A system tray is here now")
        trades = wait_until(
            lambda: next((w for w in desktop.windows() if w.name == "AlgoMesh Tray — Trades"), None), 10,
            "the trades window",
        )  # fmt: skip
        desktop.run("xdotool", "windowfocus", "--sync", trades.id, "key", "ctrl+w")  # type: ignore[attr-defined]
        wait_until(lambda: not desktop.is_viewable(trades.id), 10, "the window to close")  # type: ignore[attr-defined]
        assert app.process.poll() is None, "closing the window quit the app although a tray is there now"
        assert app.stop() == 0
    finally:
        desktop.stop()


def test_without_a_notification_service_the_app_falls_back_to_tray_messages(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """Style "notify-send" chosen, and plyer finds no backend (no notify-send, no dbus-python: as on a
    Mac without pyobjus): the user is told once, and this and later signals appear as the tray's own
    messages."""
    _engine, port = start_engine(start_program, "--rate", "5", "--count", "3", "--seed", "9")
    env = {**desktop.env, "PATH": str(BIN)}  # the app's own folder only: no notify-send
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    (data_dir / "settings.json").write_text(json.dumps({"notify_style": "plyer"}))
    app = start_program("algomesh-tray", "--data-dir", str(data_dir), "--port", str(port), env=env)
    app.wait_for_line("desktop notification failed")
    app.wait_for_line("Desktop notifications are not working (no notification service was found). "
                      "AlgoMesh Tray shows its own instead.")  # fmt: skip
    wait_until(lambda: sum("tray message shown: BUY" in line or "tray message shown: SELL" in line
                           for line in app.lines) == 3, 15, "all three signals as tray messages")  # fmt: skip
    assert sum("Desktop notifications are not working" in line for line in app.lines) == 1
    assert app.stop() == 0


def test_the_first_run_says_where_the_icon_lives_once(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """A fresh data folder: a window says where the icon lives and what comes next; the next run does not."""
    _engine, port = start_engine(start_program, "--count", "0")
    arguments = ("--data-dir", str(tmp_path / "data"), "--port", str(port), "--host", "127.0.0.1")
    welcome = lambda: any(  # noqa: E731
        w.name == "Welcome to AlgoMesh Tray" and desktop.is_viewable(w.id) for w in desktop.windows()
    )
    first = start_program("algomesh-tray", *arguments, env=desktop.env, welcomed=False)
    first.wait_for_line("first run: the welcome is shown")
    wait_until(welcome, 10, "the welcome window")
    desktop.screenshot(ARTIFACTS / "e2e-first-run.png")
    assert first.stop() == 0
    again = start_program("algomesh-tray", *arguments, env=desktop.env, welcomed=False)
    again.wait_for_line("engine connected")
    assert not welcome()
    assert not any("first run" in line for line in again.lines)
    assert again.stop() == 0
