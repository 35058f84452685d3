"""Start at login on macOS: the LaunchAgent as a file, opened by bundle id, refused while translocated."""

from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

from algomesh_tray.platform.autostart import (
    Autostart,
    launch_agent_plist,
    launch_command,
    mac_app_bundle,
    translocation_problem,
)


def test_launch_agent_runs_at_load_with_the_command() -> None:
    """macOS: a LaunchAgent labelled for the app that runs the command once at login."""
    agent = plistlib.loads(launch_agent_plist(["/Applications/AlgoMesh Tray.app/Contents/MacOS/algomesh-tray"]))
    assert agent["Label"] == "com.algomesh.tray"
    assert agent["RunAtLoad"] is True
    assert agent["ProgramArguments"] == ["/Applications/AlgoMesh Tray.app/Contents/MacOS/algomesh-tray"]


def test_macos_writes_a_launch_agent(tmp_path: Path) -> None:
    """On macOS the entry is ~/Library/LaunchAgents/com.algomesh.tray.plist."""
    autostart = Autostart(platform="darwin", home=tmp_path)
    autostart.set_enabled(True, ["/Applications/AlgoMesh Tray.app/Contents/MacOS/algomesh-tray"])
    path = tmp_path / "Library" / "LaunchAgents" / "com.algomesh.tray.plist"
    assert autostart.entry_path == path and plistlib.loads(path.read_bytes())["RunAtLoad"] is True


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
