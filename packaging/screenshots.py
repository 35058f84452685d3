"""The README's and the software centres' screenshots, made from the real app in one command:

    .venv/bin/python packaging/screenshots.py [OUT_DIR]     (default: docs/screenshots)

Starts a virtual desktop (Xvfb, a D-Bus session, trayer, dunst: tests/e2e/desktop.py, the same
one the end-to-end tests use), runs ``algomesh-tray --demo`` on it with a fresh data folder, and
captures the screen with ImageMagick's ``import`` as a user would see it: the tray icon with the
signals' popups, the trades window with a trade selected, the dashboard, Settings, and the rules
preview. Run it again when the UI changes; every part it started is stopped by its process id.
Needs the desktop's tools (tests/run.sh installs them) and the app installed in this Python's
environment (its ``algomesh-tray`` command, whose name is the windows' class the tray is found by).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from algomesh_tray.startup import WELCOME_MARKER  # noqa: E402
from tests.e2e.desktop import VirtualDesktop, Window  # noqa: E402
from tests.waiting import wait_until  # noqa: E402

__all__ = ["SHOTS", "main"]

#: Each screenshot's file name and what it shows (the README's and the metainfo's captions).
SHOTS = {
    "tray-and-popups.png": "The tray icon and the desktop's popups for the engine's signals",
    "trades-window.png": "The trades window: every signal, newest first, with the selected trade's fields and frame",
    "dashboard.png": "The dashboard: signals and volume per strategy and market, and the chosen market's prices",
    "settings.png": "Settings: the engine's address and how popups are shown",
    "rules-preview.png": "Rules with their live preview on the last signals",
}
#: Rules typed into Settings for the preview: one of each outcome.
RULES = ("action SELL: silent", "strategy ETH_Grid: sound")
TRADES_TITLE = "AlgoMesh Tray — Trades"
SETTINGS_TITLE = "AlgoMesh Tray — Settings"


def _window(desktop: VirtualDesktop, title: str) -> Window:
    found: list[Window] = wait_until(
        lambda: [w for w in desktop.windows() if w.name == title and desktop.is_viewable(w.id)], 20, title
    )
    return found[0]


def _click(desktop: VirtualDesktop, window: Window, x: int, y: int) -> None:
    """Click at (x, y) inside ``window`` (there is no window manager: windows have no frame)."""
    desktop.run("xdotool", "mousemove", str(window.x + x), str(window.y + y), "click", "1")


def _capture(desktop: VirtualDesktop, path: Path, *, window: Window | None = None, crop: str | None = None) -> None:
    """One window (``import -window ID``) or the screen, cropped to ``crop`` (WxH+X+Y)."""
    command = ["import", "-window", window.id if window is not None else "root"]
    if crop is not None:
        command += ["-crop", crop, "+repage"]
    desktop.run(*command, str(path))
    print(f"  {path}")


def _settled(check: Callable[[], bool], what: str) -> None:
    """Wait for the app to have drawn ``what`` (the demo engine sends a signal every 2 s)."""
    wait_until(check, 30, what)


def make_screenshots(out_dir: Path, work: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    desktop = VirtualDesktop(work).start()
    app: subprocess.Popen[bytes] | None = None
    # A returning user's desk: the first run's welcome (over the tray here, with no window manager
    # to place it) was shown before.
    (work / "data").mkdir(mode=0o700, parents=True, exist_ok=True)
    (work / "data" / WELCOME_MARKER).touch()
    try:
        with (work / "app.log").open("wb") as app_log:
            app = subprocess.Popen(
                [str(Path(sys.executable).parent / "algomesh-tray"), "--demo", "--data-dir", str(work / "data")],
                env=desktop.env, stdout=app_log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        icon: Window = wait_until(lambda: desktop.docked_windows("algomesh-tray"), 30, "the docked tray icon")[0]
        _settled(lambda: len(desktop.notifications()) >= 4, "four popups")
        # The tray (top right) and dunst's popups below it, before any window covers them.
        _capture(desktop, out_dir / "tray-and-popups.png", crop="400x440+880+0")
        trades = _shoot_trades_window(desktop, icon, out_dir)
        _shoot_settings(desktop, trades, out_dir)
    finally:
        if app is not None:
            app.terminate()
            try:
                app.wait(timeout=15)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()
        desktop.stop()


def _shoot_trades_window(desktop: VirtualDesktop, icon: Window, out_dir: Path) -> Window:
    """The trades window opened by a click on the tray icon, a trade selected; then its dashboard."""
    desktop.run("dunstctl", "close-all")
    _click(desktop, icon, icon.width // 2, icon.height // 2)
    trades = _window(desktop, TRADES_TITLE)
    _settled(lambda: len(desktop.notifications()) >= 8, "eight signals in the table")
    _click(desktop, trades, 200, 125)  # the newest trade: its fields and frame in the detail pane
    desktop.run("dunstctl", "close-all")
    _capture(desktop, out_dir / "trades-window.png", window=trades)

    _click(desktop, trades, 108, 42)  # the Dashboard tab
    _click(desktop, trades, 75, 87)  # its first market: that market's prices, charted below
    _settled(lambda: len(desktop.notifications()) >= 10, "the dashboard to count a few more")
    desktop.run("dunstctl", "close-all")
    _capture(desktop, out_dir / "dashboard.png", window=trades)
    _click(desktop, trades, 31, 42)  # back to Trades
    return trades


def _shoot_settings(desktop: VirtualDesktop, trades: Window, out_dir: Path) -> None:
    """Settings from the trades window's toolbar; then rules typed in, with their preview."""
    _click(desktop, trades, 35, 14)  # the toolbar's Settings…
    settings = _window(desktop, SETTINGS_TITLE)
    desktop.run("dunstctl", "close-all")
    _capture(desktop, out_dir / "settings.png", window=settings)

    _click(desktop, settings, 111, 24)  # the Rules tab
    _click(desktop, settings, 280, 145)  # into the rules' text
    for line in RULES:
        desktop.run("xdotool", "type", "--delay", "20", line)
        desktop.run("xdotool", "key", "Return")
    _settled(lambda: len(desktop.notifications()) >= 12, "a few signals under the new rules")
    desktop.run("dunstctl", "close-all")
    _capture(desktop, out_dir / "rules-preview.png", window=settings)


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else ROOT / "docs" / "screenshots"
    with tempfile.TemporaryDirectory(prefix="algomesh-screenshots-") as work:
        print(f"screenshots of algomesh-tray --demo, into {out_dir}:")
        make_screenshots(out_dir, Path(work))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
