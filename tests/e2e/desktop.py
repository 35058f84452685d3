"""A real virtual desktop for end-to-end tests: Xvfb, a D-Bus session, trayer, dunst, dbus-monitor;
optionally a StatusNotifier watcher and host, the D-Bus tray of KDE and GNOME's AppIndicator.

Each part is started in order and waited for (polled, never slept on), and stopped by its
process id. See ../shared/desktop-testing.md for the recipe this follows.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..waiting import wait_until

__all__ = ["REQUIRED_TOOLS", "Notify", "VirtualDesktop"]

STATUS_NOTIFIER_WATCHER = "org.kde.StatusNotifierWatcher"

REQUIRED_TOOLS = (
    "Xvfb",
    "dbus-daemon",
    "dbus-monitor",
    "dbus-send",
    "trayer",
    "dunst",
    "xdotool",
    "xwininfo",
    "import",
    "status-notifier-watcher",
    "gtk-sni-tray-standalone",
)


@dataclass(frozen=True)
class Notify:
    """One org.freedesktop.Notifications.Notify call as dbus-monitor saw it."""

    app_name: str
    summary: str
    body: str
    #: When the call went over the bus (dbus-monitor's time stamp, time.time()).
    at: float = 0.0


_WINDOW_LINE = re.compile(r'^(\s*)(0x[0-9a-f]+) "(.*)": \((.*)\)\s+(\d+)x(\d+)\+(-?\d+)\+(-?\d+)\s+\+(-?\d+)\+(-?\d+)')


@dataclass(frozen=True)
class Window:
    """A window from ``xwininfo -root -tree``: id, name, class, size and absolute position."""

    depth: int
    id: str
    name: str
    wm_class: str
    width: int
    height: int
    x: int
    y: int


class VirtualDesktop:
    """Starts the desktop's parts; ``env`` is what a program needs to run on it."""

    def __init__(
        self, workdir: Path, *, system_tray: bool = True, status_notifier: bool = False, dunstrc: Path | None = None
    ) -> None:
        """``dunstrc``: dunst's configuration file (its stock one when None)."""
        self.workdir = workdir
        self.dunstrc = dunstrc
        self.system_tray = system_tray
        self.status_notifier = status_notifier
        self.notify_log = workdir / "notify.log"
        self._processes: list[subprocess.Popen[bytes]] = []
        self.env: dict[str, str] = {}

    def start(self) -> VirtualDesktop:
        missing = [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
        if missing:
            raise RuntimeError(f"missing desktop tools {missing}: run tests/run.sh, which installs them")
        read_end, write_end = os.pipe()
        self._spawn(
            ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            pass_fds=(write_end,),
        )
        os.close(write_end)
        with os.fdopen(read_end) as display_pipe:
            display = display_pipe.readline().strip()
        assert display, "Xvfb did not report a display number"
        self.env = {**os.environ, "DISPLAY": f":{display}", "QT_QPA_PLATFORM": "xcb"}
        self.env.pop("WAYLAND_DISPLAY", None)
        bus = self._spawn(["dbus-daemon", "--session", "--nofork", "--print-address=1"], stdout=subprocess.PIPE)
        assert bus.stdout is not None
        self.env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().decode().strip()
        if self.system_tray:
            self.start_system_tray()
        if self.status_notifier:
            self._spawn(["status-notifier-watcher"])
            wait_until(lambda: self._has_owner(STATUS_NOTIFIER_WATCHER), 10, "the StatusNotifier watcher")
            self._spawn(["gtk-sni-tray-standalone"])
            wait_until(lambda: "boolean true" in self.watcher_property("IsStatusNotifierHostRegistered"), 10,
                       "a StatusNotifier host")  # fmt: skip
        self._spawn(["dunst"] if self.dunstrc is None else ["dunst", "-config", str(self.dunstrc)])
        wait_until(lambda: self._has_owner("org.freedesktop.Notifications"), 10, "dunst on the session bus")
        monitor_out = self.notify_log.open("wb")
        self._spawn(
            ["dbus-monitor", "--session", "interface='org.freedesktop.Notifications',member='Notify'"],
            stdout=monitor_out,
        )
        wait_until(lambda: b"NameAcquired" in self.notify_log.read_bytes(), 10, "dbus-monitor to listen")
        return self

    def start_system_tray(self, attempts: int = 3) -> None:
        """trayer, retried: on a loaded machine it has been seen to start without a panel."""
        for attempt in range(1, attempts + 1):
            trayer = self._spawn(["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel",
                                  "--width", "120", "--height", "24", "--SetDockType", "true"])  # fmt: skip
            try:
                wait_until(lambda: any(w.wm_class.startswith('"panel"') for w in self.windows()), 10, "trayer")
                return
            except AssertionError:
                trayer.kill()
                trayer.wait()
                self._processes.remove(trayer)
                if attempt == attempts:
                    raise AssertionError(f"trayer showed no panel{self._diagnosis('trayer')}") from None

    def stop(self) -> None:
        for process in reversed(self._processes):
            process.terminate()
        for process in reversed(self._processes):
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        self._processes.clear()

    def run(self, *command: str, check: bool = True) -> str:
        """Run a command on this desktop and return what it printed."""
        return subprocess.run(command, env=self.env, check=check, capture_output=True, text=True, timeout=30).stdout

    def windows(self) -> list[Window]:
        found = []
        for line in self.run("xwininfo", "-root", "-tree").splitlines():
            match = _WINDOW_LINE.match(line)
            if match:
                indent, window_id, name, wm_class, width, height, _, _, x, y = match.groups()
                found.append(Window(len(indent), window_id, name, wm_class, int(width), int(height), int(x), int(y)))
        return found

    def is_viewable(self, window_id: str) -> bool:
        return "IsViewable" in self.run("xwininfo", "-id", window_id, check=False)

    def docked_windows(self, wm_class: str) -> list[Window]:
        """Windows of ``wm_class`` that sit inside trayer's panel (docked tray icons)."""
        docked, panel_depth = [], None
        for window in self.windows():
            if window.wm_class.startswith('"panel"'):
                panel_depth = window.depth
            elif panel_depth is not None and window.depth <= panel_depth:
                panel_depth = None
            elif panel_depth is not None and f'"{wm_class}"' in window.wm_class:
                docked.append(window)
        return docked

    def notifications(self) -> list[Notify]:
        """Every Notify call seen so far, in order."""
        calls: list[Notify] = []
        arguments: list[str] | None = None
        at = 0.0
        for line in self.notify_log.read_text(errors="replace").splitlines():
            if line.startswith("method call") and "member=Notify" in line:
                arguments = []
                stamp = re.search(r"time=([0-9.]+)", line)
                at = float(stamp.group(1)) if stamp else 0.0
            elif arguments is not None and (match := re.match(r"^\s+(string|uint32|int32) (.*)$", line)):
                kind, value = match.groups()
                arguments.append(value[1:-1] if kind == "string" else value)
                if len(arguments) == 5:
                    calls.append(Notify(app_name=arguments[0], summary=arguments[3], body=arguments[4], at=at))
                    arguments = None
        return calls

    def dismiss_notifications(self) -> None:
        """Close every popup on screen, so that a screenshot shows only those of the test at hand."""
        self.run("dunstctl", "close-all")

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.run("import", "-window", "root", str(path))
        return path

    def watcher_property(self, name: str) -> str:
        """A property of the StatusNotifier watcher, as dbus-send prints it ('' if there is none)."""
        return self.run(
            "dbus-send", "--session", "--print-reply", f"--dest={STATUS_NOTIFIER_WATCHER}", "/StatusNotifierWatcher",
            "org.freedesktop.DBus.Properties.Get", f"string:{STATUS_NOTIFIER_WATCHER}", f"string:{name}", check=False,
        )  # fmt: skip

    def _has_owner(self, bus_name: str) -> bool:
        reply = self.run(
            "dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner", f"string:{bus_name}", check=False,
        )  # fmt: skip
        return "boolean true" in reply

    def _spawn(self, command: list[str], **options: object) -> subprocess.Popen[bytes]:
        """Start a part; its stderr goes to <name>.log in the work folder, for diagnosis."""
        options.setdefault("stdout", subprocess.DEVNULL)
        with (self.workdir / f"{command[0]}.log").open("ab") as errors:
            process = subprocess.Popen(command, env=self.env or None, stderr=errors, **options)  # type: ignore[call-overload]
        self._processes.append(process)
        return process

    def _diagnosis(self, part: str) -> str:
        log = self.workdir / f"{part}.log"
        return f"; {part} said: {log.read_text(errors='replace')[-1000:]!r}" if log.exists() else ""
