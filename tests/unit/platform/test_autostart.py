"""Start at login: the entries each platform reads, written and removed in a scratch home."""

from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

from algomesh_tray.platform.autostart import (
    Autostart,
    desktop_exec,
    launch_agent_plist,
    launch_command,
    mac_app_bundle,
    startup_approved_disabled,
    translocation_problem,
    xdg_autostart_entry,
)

from ...windows_doubles import Registry


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


# -- Windows, through a winreg double (tests/windows_doubles.py) -----------------------------------

RUN = r"Software\Microsoft\Windows\CurrentVersion\Run"
APPROVED = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
#: What Windows' Startup apps page writes: 03 and when it was switched off (a FILETIME).
DISABLED = bytes.fromhex("03000000d40d438dc83bd901")
ENABLED = bytes.fromhex("020000000000000000000000")
EXE = r"C:\Users\Ana\AppData\Local\Programs\AlgoMesh Tray\algomesh-tray.exe"


def windows(registry: Registry) -> Autostart:
    """Autostart as on Windows, over ``registry``."""
    return Autostart(platform="win32", registry=registry)


def test_windows_on_writes_the_quoted_run_value_and_off_removes_it() -> None:
    """The Run value quotes a path with spaces; turning it off twice is no error."""
    registry = Registry()
    autostart = windows(registry)
    assert not autostart.is_enabled()  # no Run key at all yet: FileNotFoundError, read as "off"
    autostart.set_enabled(True, [EXE])
    assert registry.values(RUN) == {"AlgoMesh Tray": f'"{EXE}"'}
    assert autostart.is_enabled()
    autostart.set_enabled(False)
    autostart.set_enabled(False)
    assert registry.values(RUN) == {} and not autostart.is_enabled()


def test_windows_switched_off_in_startup_apps_reads_as_off() -> None:
    """A Run value Windows' Startup apps page disabled does not start: the checkbox says off."""
    registry = Registry()
    registry.put(RUN, "AlgoMesh Tray", f'"{EXE}"', Registry.REG_SZ)
    registry.put(APPROVED, "AlgoMesh Tray", DISABLED, Registry.REG_BINARY)
    assert not windows(registry).is_enabled()
    registry.put(APPROVED, "AlgoMesh Tray", ENABLED, Registry.REG_BINARY)
    assert windows(registry).is_enabled()
    registry.put(APPROVED, "algomesh tray", bytes.fromhex("07000000d40d438dc83bd901"), Registry.REG_BINARY)
    assert not windows(registry).is_enabled()  # value names are case-insensitive; 07 is "off" too


def test_windows_turning_it_on_clears_a_disabled_left_in_startup_apps() -> None:
    """Ticking the box is the user's latest word: the Disabled mark goes, other apps' stay."""
    registry = Registry()
    registry.put(RUN, "AlgoMesh Tray", f'"{EXE}"', Registry.REG_SZ)
    registry.put(APPROVED, "AlgoMesh Tray", DISABLED, Registry.REG_BINARY)
    registry.put(APPROVED, "OneDrive", DISABLED, Registry.REG_BINARY)
    autostart = windows(registry)
    autostart.set_enabled(True, [EXE])
    assert autostart.is_enabled()
    assert registry.values(APPROVED) == {"OneDrive": DISABLED}
    registry.put(APPROVED, "AlgoMesh Tray", DISABLED, Registry.REG_BINARY)
    autostart.set_enabled(False)
    assert registry.values(APPROVED) == {"OneDrive": DISABLED} and registry.values(RUN) == {}


def test_windows_without_a_startup_approved_key_the_run_value_decides() -> None:
    """A fresh profile has no StartupApproved key: on and off work and nothing is created there."""
    registry = Registry()
    autostart = windows(registry)
    autostart.set_enabled(True, [EXE])
    autostart.set_enabled(False)
    assert APPROVED.lower() not in registry.keys


def test_startup_approved_reads_only_the_switch_bit() -> None:
    """02/06 are on, 03/07 off; no value or another type leaves the Run value in charge."""
    assert [startup_approved_disabled(bytes([first]) + bytes(11)) for first in (2, 3, 6, 7)] == [
        False,
        True,
        False,
        True,
    ]
    assert not startup_approved_disabled(None) and not startup_approved_disabled(3)


# -- macOS ---------------------------------------------------------------------------------------

BUNDLED = "/Applications/AlgoMesh Tray.app/Contents/MacOS/algomesh-tray"
TRANSLOCATED = (
    "/private/var/folders/x1/abc/T/AppTranslocation/3C1F2E4A-0000-4000-8000-000000000000/d/"
    "AlgoMesh Tray.app/Contents/MacOS/algomesh-tray"
)


def test_the_bundled_mac_app_starts_by_bundle_id() -> None:
    """Frozen in a .app: `open -b`, which LaunchServices resolves wherever the app was moved to."""
    assert launch_command(executable=BUNDLED, frozen=True, platform="darwin") == [
        "/usr/bin/open",
        "-b",
        "com.algomesh.tray",
    ]
    assert mac_app_bundle(BUNDLED) == Path("/Applications/AlgoMesh Tray.app")
    assert launch_command(executable="/opt/x/algomesh-tray", frozen=True, platform="darwin") == ["/opt/x/algomesh-tray"]
    assert mac_app_bundle("/usr/local/bin/algomesh-tray") is None


def test_macos_agent_for_the_bundle_opens_it_by_id(tmp_path: Path) -> None:
    """The LaunchAgent written for the bundled app runs `open -b com.algomesh.tray`, nothing else."""
    autostart = Autostart(platform="darwin", home=tmp_path, executable=BUNDLED)
    autostart.set_enabled(True, launch_command(executable=BUNDLED, frozen=True, platform="darwin"))
    agent = plistlib.loads((tmp_path / "Library" / "LaunchAgents" / "com.algomesh.tray.plist").read_bytes())
    assert agent == {
        "Label": "com.algomesh.tray",
        "ProgramArguments": ["/usr/bin/open", "-b", "com.algomesh.tray"],
        "RunAtLoad": True,
        "ProcessType": "Interactive",
    }


def test_macos_refuses_while_translocated_and_says_why(tmp_path: Path) -> None:
    """Opened where it was unzipped, the app runs from a temporary copy: refuse, in words, write nothing."""
    autostart = Autostart(platform="darwin", home=tmp_path, executable=TRANSLOCATED)
    with pytest.raises(OSError, match="temporary copy") as refused:
        autostart.set_enabled(True)
    assert "Applications folder" in str(refused.value)
    assert not autostart.is_enabled() and not (tmp_path / "Library").exists()
    autostart.set_enabled(False)  # turning it off is always allowed
    assert translocation_problem(BUNDLED) is None


def test_launch_agent_keeps_odd_paths_intact() -> None:
    """XML specials and spaces in a path survive the plist (plistlib escapes them)."""
    path = "/Users/a&b/<Apps>/AlgoMesh Tray.app/Contents/MacOS/algomesh-tray"
    data = launch_agent_plist([path])
    assert b"a&amp;b/&lt;Apps&gt;" in data
    assert plistlib.loads(data)["ProgramArguments"] == [path]
