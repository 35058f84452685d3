"""Start at login on macOS: a LaunchAgent in ~/Library/LaunchAgents that opens the app by its bundle id,
so it survives the app being moved, and removes itself once the app is deleted; named after the app
in System Settings (AssociatedBundleIdentifiers); refused while macOS runs the app from a temporary copy."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "BUNDLE_ID",
    "LAUNCH_AGENT_LABEL",
    "LaunchAgent",
    "launch_agent_plist",
    "mac_app_bundle",
    "translocation_problem",
]

#: The .app's CFBundleIdentifier (packaging/metadata.py's BUNDLE_ID; a test keeps the two equal).
BUNDLE_ID = "com.algomesh.tray"
LAUNCH_AGENT_LABEL = BUNDLE_ID

#: What the agent runs for the bundled app, with $1 the bundle id, $2 the .app it was written for and
#: $3 the agent's own file. A deleted app would make `open -b` fail at every login: when it fails and
#: the .app is gone from where it was, the agent deletes itself (ticking the checkbox writes it again).
#: If the .app is still there, `open` failed for another reason and the agent stays.
OPEN_OR_RETIRE = """/usr/bin/open -b "$1" && exit 0
[ -d "$2" ] && exit 1
/bin/rm -f "$3"
exit 1
"""


def mac_app_bundle(executable: str) -> Path | None:
    """The .app a macOS executable belongs to (…/X.app/Contents/MacOS/exe), or None."""
    path = Path(executable)
    if path.parent.name == "MacOS" and path.parent.parent.name == "Contents" and path.parents[2].suffix == ".app":
        return path.parents[2]
    return None


def translocation_problem(executable: str) -> str | None:
    """Why start at login cannot point at this copy of the app (None: it can).

    macOS runs an app opened where it was downloaded or unzipped (quarantined, not moved) from a
    read-only random path under AppTranslocation, gone after a restart.
    """
    if "/AppTranslocation/" not in executable:
        return None
    return (
        "macOS is running AlgoMesh Tray from a temporary copy because it was opened where it was "
        "downloaded. Move AlgoMesh Tray to the Applications folder, open it from there, then turn "
        "start at login on again"
    )


def launch_agent_plist(command: list[str], *, app: Path | None = None, agent: Path | None = None) -> bytes:
    """A per-user LaunchAgent that starts ``command`` at login, once.

    AssociatedBundleIdentifiers names the app in System Settings' Login Items ("Allow in the
    Background"), where the program run (``open``) would otherwise show. ``command`` opening the
    app by bundle id, with the ``app`` bundle and the ``agent`` file known, runs OPEN_OR_RETIRE.
    """
    import plistlib  # macOS only: its XML parser (pyexpat, 5 modules) is not loaded elsewhere

    program = command
    if command[:2] == ["/usr/bin/open", "-b"] and len(command) == 3 and app is not None and agent is not None:
        program = ["/bin/sh", "-c", OPEN_OR_RETIRE, "algomesh-tray-login", command[2], str(app), str(agent)]
    return plistlib.dumps(
        {
            "Label": LAUNCH_AGENT_LABEL,
            "AssociatedBundleIdentifiers": [BUNDLE_ID],
            "ProgramArguments": program,
            "RunAtLoad": True,
            "ProcessType": "Interactive",
        }
    )


class LaunchAgent:
    """~/Library/LaunchAgents/com.algomesh.tray.plist, refused for a translocated copy of the app."""

    def __init__(self, home: Path, executable: str) -> None:
        self.home = home
        self.executable = executable

    @property
    def entry_path(self) -> Path:
        return self.home / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"

    def is_enabled(self) -> bool:
        return self.entry_path.exists()

    def set_enabled(self, enabled: bool, command: list[str]) -> None:
        if enabled and (problem := translocation_problem(self.executable)):
            raise OSError(problem)
        path = self.entry_path
        if not enabled:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(launch_agent_plist(command, app=mac_app_bundle(self.executable), agent=path))

    def written_for(self) -> Path | None:
        """The .app the agent's login program was written for; None without one (an older version's
        agent, a pip install's, or none at all)."""
        import plistlib

        try:
            program = plistlib.loads(self.entry_path.read_bytes()).get("ProgramArguments")
        except (OSError, ValueError):  # plistlib.InvalidFileException is a ValueError
            return None
        if isinstance(program, list) and len(program) == 7 and program[:2] == ["/bin/sh", "-c"]:
            return Path(str(program[5]))
        return None

    def follow_the_app(self, command: list[str]) -> bool:
        """At start: an agent written for the .app where it was when the box was ticked is written
        again for where it is now (moved since, or an older version's agent), else it would delete
        itself at the next login. Whether it was rewritten."""
        app = mac_app_bundle(self.executable)
        if app is None or translocation_problem(self.executable) or not self.is_enabled():
            return False
        if self.written_for() == app:
            return False
        self.set_enabled(True, command)
        return True
