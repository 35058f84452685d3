"""Start at login on macOS: the LaunchAgent as a file, opened by bundle id, refused while translocated."""

from __future__ import annotations

import plistlib
import subprocess
import sys
from pathlib import Path

import pytest

from algomesh_tray.platform.autostart import Autostart, launch_command
from algomesh_tray.platform.autostart.macos import (
    BUNDLE_ID,
    LAUNCH_AGENT_LABEL,
    OPEN_OR_RETIRE,
    launch_agent_plist,
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
    """The agent for the bundled app runs `open -b com.algomesh.tray` through OPEN_OR_RETIRE, with the
    .app and its own file as arguments, and names the app for System Settings' Login Items."""
    autostart = Autostart(platform="darwin", home=tmp_path, executable=BUNDLED)
    autostart.set_enabled(True, launch_command(executable=BUNDLED, frozen=True, platform="darwin"))
    path = tmp_path / "Library" / "LaunchAgents" / "com.algomesh.tray.plist"
    agent = plistlib.loads(path.read_bytes())
    assert agent == {
        "Label": "com.algomesh.tray",
        "AssociatedBundleIdentifiers": ["com.algomesh.tray"],
        "ProgramArguments": [
            "/bin/sh", "-c", OPEN_OR_RETIRE, "algomesh-tray-login",
            "com.algomesh.tray", "/Applications/AlgoMesh Tray.app", str(path),
        ],
        "RunAtLoad": True,
        "ProcessType": "Interactive",
    }  # fmt: skip
    assert OPEN_OR_RETIRE.startswith('/usr/bin/open -b "$1" && exit 0\n')


def _log_in(tmp_path: Path, *, registered: bool, app_still_there: bool) -> tuple[int, Path, str]:
    """Run the agent's program as launchd would at login, with a double of `open -b`: it opens the
    app (exit 0) when LaunchServices knows the bundle id, else says so and exits 1, as open(1) does."""
    app = tmp_path / "Applications" / "AlgoMesh Tray.app"
    autostart = Autostart(platform="darwin", home=tmp_path, executable=f"{app}/Contents/MacOS/algomesh-tray")
    autostart.set_enabled(True, ["/usr/bin/open", "-b", BUNDLE_ID])
    if app_still_there:
        app.mkdir(parents=True)
    opened = tmp_path / "opened"
    open_double = tmp_path / "open"
    open_double.write_text(
        "#!/bin/sh\n"
        f'[ "$1" = -b ] && [ "$2" = {BUNDLE_ID} ] && {"true" if registered else "false"} && '
        f'{{ echo "$2" >> "{opened}"; exit 0; }}\n'
        """echo "Unable to find application named '$2'" >&2; exit 1\n"""
    )
    open_double.chmod(0o755)
    assert autostart.entry_path is not None
    program = plistlib.loads(autostart.entry_path.read_bytes())["ProgramArguments"]
    program[2] = program[2].replace("/usr/bin/open", str(open_double))
    result = subprocess.run(program, capture_output=True, text=True, timeout=30, check=False)
    return result.returncode, autostart.entry_path, opened.read_text() if opened.exists() else ""


def test_the_agent_opens_the_app_by_id_and_stays(tmp_path: Path) -> None:
    """LaunchServices finds the app (wherever it was moved): it is opened, the agent stays."""
    code, agent, opened = _log_in(tmp_path, registered=True, app_still_there=False)
    assert (code, opened) == (0, f"{BUNDLE_ID}\n") and agent.exists()


def test_the_agent_removes_itself_once_the_app_is_deleted(tmp_path: Path) -> None:
    """No app with the id and none where it was: the agent deletes its file, so the next login runs
    nothing (and the app's checkbox, reading the file, shows start at login off)."""
    code, agent, opened = _log_in(tmp_path, registered=False, app_still_there=False)
    assert code == 1 and opened == "" and not agent.exists()


def test_the_agent_stays_when_open_fails_but_the_app_is_there(tmp_path: Path) -> None:
    """`open` failing while the .app is still in place is not a deletion: the agent is kept."""
    code, agent, _ = _log_in(tmp_path, registered=False, app_still_there=True)
    assert code == 1 and agent.exists()


def test_the_bundle_id_is_the_one_the_app_is_built_with() -> None:
    """The agent's AssociatedBundleIdentifiers and `open -b` use packaging's CFBundleIdentifier."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "packaging"))
    import metadata

    assert metadata.BUNDLE_ID == BUNDLE_ID == LAUNCH_AGENT_LABEL
    assert metadata.mac_info_plist("1.0", "6.11.0")["CFBundleIdentifier"] == BUNDLE_ID


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


def test_an_agent_written_for_where_the_app_was_follows_it_at_start(tmp_path: Path) -> None:
    """Ticked in /Applications, the app then moved to ~/Apps: at start the agent is written again for
    the new place (else it would delete itself at the next login); once there, nothing is written.
    Not ticked, or a translocated copy: nothing is written."""
    moved = "/Users/ann/Apps/AlgoMesh Tray.app/Contents/MacOS/AlgoMesh Tray"
    before = Autostart(platform="darwin", home=tmp_path, executable=BUNDLED)
    before.set_enabled(True, launch_command(executable=BUNDLED, frozen=True, platform="darwin"))
    after = Autostart(platform="darwin", home=tmp_path, executable=moved)
    entry = after._entry
    assert entry is not None and entry.written_for() == Path("/Applications/AlgoMesh Tray.app")  # type: ignore[attr-defined]
    assert after.follow_the_app()
    assert entry.written_for() == Path("/Users/ann/Apps/AlgoMesh Tray.app")  # type: ignore[attr-defined]
    assert not after.follow_the_app()  # written for here already
    translocated = "/private/var/folders/x/AppTranslocation/1/d/AlgoMesh Tray.app/Contents/MacOS/AlgoMesh Tray"
    assert not Autostart(platform="darwin", home=tmp_path, executable=translocated).follow_the_app()
    after.set_enabled(False)
    assert not after.follow_the_app() and not after.is_enabled()  # not ticked: stays off
    assert not Autostart(platform="linux", home=tmp_path).follow_the_app()
