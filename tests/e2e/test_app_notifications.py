"""The installed app's own popups on dunst, with default settings: clickable, and engine outages
announced once, with dbus-monitor as the witness and real clicks."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from ..programs import Program
from ..waiting import wait_until
from .conftest import ARTIFACTS
from .desktop import VirtualDesktop
from .helpers import start_engine
from .test_desktop_notify_dunst import Witnessed, witnessed

pytestmark = pytest.mark.e2e

DOWN, BACK = "AlgoMesh engine disconnected", "AlgoMesh engine is back"


def _private_data(tmp_path: Path, **settings: object) -> Path:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    if settings:
        (data_dir / "settings.json").write_text(json.dumps(settings))
    return data_dir


def _ours(desktop: VirtualDesktop, already: int) -> list[Any]:
    return [n for n in desktop.notifications()[already:] if n.app_name == "AlgoMesh Tray"]


def test_a_click_on_a_popup_opens_the_trades_window_on_that_trade(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """Default settings: the popup is the desktop's own; a real middle click (dunst's default action)
    brings up the trades window with that trade selected."""
    desktop.dismiss_notifications()
    already = len(desktop.notifications())
    _engine, port = start_engine(start_program, "--rate", "2", "--count", "1", "--seed", "5")
    data_dir = _private_data(tmp_path)
    app = start_program("algomesh-tray", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port),
                        env=desktop.env)  # fmt: skip
    app.wait_for_line("notifications shown by the desktop's notifications")
    wait_until(lambda: _ours(desktop, already), 15, "the popup's Notify call")

    def popup() -> Any:
        return next((w for w in desktop.windows() if '"Dunst"' in w.wm_class and w.width > 1
                     and desktop.is_viewable(w.id)), None)  # fmt: skip

    desktop.screenshot(ARTIFACTS / "e2e-app-popup.png")

    for attempt in range(3):  # dunst may still be placing a session's first popup when it is first seen
        window = wait_until(popup, 10, "dunst's popup on screen")
        x, y = window.x + window.width // 2, window.y + window.height // 2  # type: ignore[attr-defined]
        desktop.run("xdotool", "mousemove", str(x), str(y), "click", "2")
        try:
            app.wait_for_line("trades window shows trade id=1", timeout=4)
            break
        except AssertionError:
            if attempt == 2:
                raise
    wait_until(
        lambda: any(w.name == "AlgoMesh Tray — Trades" and desktop.is_viewable(w.id) for w in desktop.windows()),
        10,
        "the trades window on screen",
    )
    assert app.stop() == 0


def _engine_on(start_program: Any, port: int) -> Program:
    engine: Program = start_program("algomesh-tray-engine", "--port", str(port), "--rate", "5", "--echo")
    engine.wait_for_line("listening on ws://")
    return engine


def test_an_engine_outage_is_announced_once_and_its_end_once(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """Engine killed: one critical popup within the alert delay + 2 s, however often the app retries;
    engine back: one popup saying so. Nothing else about the engine in between."""
    engine, port = start_engine(start_program, "--rate", "5")
    data_dir = _private_data(tmp_path, engine_alert_seconds=2)
    already = len(desktop.notifications())
    app = start_program("algomesh-tray", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port),
                        env=desktop.env)  # fmt: skip
    app.wait_for_line("engine connected")
    engine.process.kill()
    engine.process.wait()
    killed = time.monotonic()
    down = wait_until(lambda: [n for n in _ours(desktop, already) if n.summary == DOWN], 2 + 2 + 3, "the alert")
    took = time.monotonic() - killed
    wait_until(lambda: sum("retrying" in line or "disconnected from" in line for line in app.lines) >= 4, 15,
               "several retries")  # fmt: skip
    desktop.screenshot(ARTIFACTS / "e2e-engine-down.png")
    restarted = _engine_on(start_program, port)
    wait_until(lambda: [n for n in _ours(desktop, already) if n.summary == BACK], 15, "the 'back' popup")
    engine_popups = [n.summary for n in _ours(desktop, already) if n.summary in (DOWN, BACK)]
    assert engine_popups == [DOWN, BACK]
    assert took <= 2 + 2 + 1  # the delay, the retry that notices, and the bus
    assert "connection refused" in down[0].body or "not running" in down[0].body
    assert app.stop() == 0
    restarted.stop()


def test_a_flapping_engine_makes_no_popup_storm(desktop: VirtualDesktop, start_program: Any, tmp_path: Path) -> None:
    """Down and up every second: each outage is shorter than the alert delay, so nothing pops up."""
    engine, port = start_engine(start_program, "--rate", "5")
    data_dir = _private_data(tmp_path, engine_alert_seconds=3)
    already = len(desktop.notifications())
    app = start_program("algomesh-tray", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port),
                        env=desktop.env)  # fmt: skip
    app.wait_for_line("engine connected")
    for _ in range(6):
        # Counted before the kill: the app may reconnect before _engine_on has seen the new engine up.
        connected = sum("connected to ws://" in line for line in app.lines)
        engine.process.kill()
        engine.process.wait()
        engine = _engine_on(start_program, port)
        wait_until(lambda c=connected: sum("connected to ws://" in line for line in app.lines) > c, 10, "reconnected")
    assert [n.summary for n in _ours(desktop, already) if n.summary in (DOWN, BACK)] == []
    assert app.stop() == 0
    engine.stop()


def test_quit_under_a_steady_feed_ends_within_two_seconds(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """200 signals a second for a few seconds, popups queued and folded: SIGTERM still ends the app at once."""
    _engine, port = start_engine(start_program, "--rate", "200")
    data_dir = _private_data(tmp_path)
    app = start_program("algomesh-tray", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port),
                        env=desktop.env)  # fmt: skip
    app.wait_for_line("engine connected")
    wait_until(lambda: sum("notifications shown" in line for line in app.lines) >= 1, 10, "the popups' backend")
    time.sleep(3)  # a feed running for a while: a measurement of quitting under load, not a synchronisation
    began = time.monotonic()
    assert app.stop(timeout=10) == 0
    assert time.monotonic() - began <= 2.0
    assert any("stopped cleanly" in line for line in app.lines)


def test_the_apps_own_warning_is_a_desktop_popup_not_a_qt_balloon(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """A data folder other accounts can read: the warning reaches dunst as a Notify call from the
    app, on an XEmbed tray (trayer) where a tray message would be Qt's own balloon window."""
    already = len(desktop.notifications())
    _engine, port = start_engine(start_program, "--count", "0")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    data_dir.chmod(0o755)
    app = start_program("algomesh-tray", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port),
                        env=desktop.env)  # fmt: skip
    app.wait_for_line("tray icon shown")
    warning = wait_until(
        lambda: next((n for n in _ours(desktop, already) if "can be read by other accounts" in n.body), None),
        15,
        "the warning's Notify call",
    )
    assert warning.summary == "AlgoMesh Tray" and str(data_dir) in warning.body
    app.wait_for_line("engine connected")
    balloons = [w for w in desktop.windows() if w.name == "AlgoMesh Tray" and '"algomesh-tray"' in w.wm_class
                and w.height > 40 and desktop.is_viewable(w.id)]  # fmt: skip
    desktop.screenshot(ARTIFACTS / "e2e-own-warning.png")
    assert balloons == []
    assert app.stop() == 0
    assert not any("tray message shown" in line for line in app.lines)


def test_a_sound_rules_popup_asks_for_the_specs_sound_and_dunst_gets_the_apps_own(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """``action BUY: sound``: BUY popups carry the ``sound-name`` hint, SELL popups none; dunst
    lists no ``sound`` capability, so the app also plays its own sound with the player on the PATH
    (here a script that records its arguments), never making the Qt thread wait for it."""
    already = len(witnessed(desktop))
    bin_dir, heard = tmp_path / "bin", tmp_path / "heard"
    bin_dir.mkdir()
    player = bin_dir / "paplay"
    player.write_text(f'#!/bin/sh\necho "$@" >> "{heard}"\n')
    player.chmod(0o755)
    env = {**desktop.env, "PATH": f"{bin_dir}:{desktop.env.get('PATH', '/usr/bin:/bin')}"}
    _engine, port = start_engine(start_program, "--rate", "4", "--count", "12", "--seed", "5")
    data_dir = _private_data(tmp_path, rules="action BUY: sound")
    app = start_program("algomesh-tray", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port),
                        env=env)  # fmt: skip

    def ours() -> list[Witnessed]:
        return [call for call in witnessed(desktop)[already:] if call.app_name == "AlgoMesh Tray"]

    wait_until(lambda: {c.summary.split()[0] for c in ours()} >= {"BUY", "SELL"}, 20, "a BUY and a SELL popup")
    for call in ours():
        if call.summary.startswith("BUY "):
            assert call.hints["sound-name"] == 'string "message-new-instant"', call
        elif call.summary.startswith("SELL "):
            assert "sound-name" not in call.hints, call
    wait_until(lambda: heard.exists() and heard.read_text().strip(), 10, "the player to be started")
    played = heard.read_text().splitlines()  # one line a start: the file it was handed, alone
    assert played and all(line == played[0] for line in played), played
    assert played[0].endswith("sounds/algomesh-alert.wav") and Path(played[0]).is_file()
    assert app.stop() == 0
    assert any("sound played with paplay" in line for line in app.lines)
