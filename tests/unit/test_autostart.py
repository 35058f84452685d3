"""Start at login: the entries each platform reads, written and removed in a scratch home."""

from __future__ import annotations

import plistlib
from pathlib import Path

from algomesh_tray.autostart import Autostart, desktop_exec, launch_agent_plist, xdg_autostart_entry


def test_exec_line_quotes_per_the_desktop_entry_spec() -> None:
    """Spaces get double quotes; quote, dollar and percent are escaped the way the spec says."""
    assert desktop_exec(["/opt/algomesh-tray/algomesh-tray"]) == "/opt/algomesh-tray/algomesh-tray"
    assert desktop_exec(["/home/a b/algomesh-tray", "--data-dir", '/x/50%$"']) == (
        '"/home/a b/algomesh-tray" --data-dir "/x/50%%\\\\$\\\\""'
    )


def test_xdg_entry_starts_the_given_command() -> None:
    """The entry is an Application with the command as Exec and the autostart switch on."""
    entry = xdg_autostart_entry(["/opt/algomesh-tray/algomesh-tray"])
    assert entry.startswith("[Desktop Entry]\n")
    assert "\nExec=/opt/algomesh-tray/algomesh-tray\n" in entry
    assert "\nX-GNOME-Autostart-enabled=true\n" in entry


def test_launch_agent_runs_at_load_with_the_command() -> None:
    """macOS: a LaunchAgent labelled for the app that runs the command once at login."""
    agent = plistlib.loads(launch_agent_plist(["/Applications/AlgoMesh Tray.app/Contents/MacOS/algomesh-tray"]))
    assert agent["Label"] == "com.algomesh.tray"
    assert agent["RunAtLoad"] is True
    assert agent["ProgramArguments"] == ["/Applications/AlgoMesh Tray.app/Contents/MacOS/algomesh-tray"]


def test_linux_enable_and_disable_in_a_new_home(tmp_path: Path) -> None:
    """No ~/.config yet: turning it on creates the folders; turning it off removes only the entry."""
    autostart = Autostart(platform="linux", home=tmp_path)
    assert not autostart.is_enabled()
    autostart.set_enabled(True, ["/usr/bin/algomesh-tray"])
    entry = tmp_path / ".config" / "autostart" / "algomesh-tray.desktop"
    assert autostart.is_enabled() and "Exec=/usr/bin/algomesh-tray" in entry.read_text()
    autostart.set_enabled(False)
    assert not autostart.is_enabled() and entry.parent.is_dir()
    autostart.set_enabled(False)  # already off: nothing to do, no error


def test_macos_writes_a_launch_agent(tmp_path: Path) -> None:
    """On macOS the entry is ~/Library/LaunchAgents/com.algomesh.tray.plist."""
    autostart = Autostart(platform="darwin", home=tmp_path)
    autostart.set_enabled(True, ["/Applications/AlgoMesh Tray.app/Contents/MacOS/algomesh-tray"])
    path = tmp_path / "Library" / "LaunchAgents" / "com.algomesh.tray.plist"
    assert autostart.entry_path == path and plistlib.loads(path.read_bytes())["RunAtLoad"] is True
