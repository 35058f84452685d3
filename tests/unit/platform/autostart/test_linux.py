"""Start at login on Linux: the XDG autostart entry, its Exec line quoted per the spec."""

from __future__ import annotations

from pathlib import Path

from algomesh_tray.platform.autostart import (
    Autostart,
    desktop_exec,
    xdg_autostart_entry,
)


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
