"""The first run: told once where the icon lives and what happens next. No Qt.

Nothing else is visible at a first launch: Windows 11 puts a new tray icon in the overflow behind
the ^ arrow, and the Mac app has no Dock icon and no window. Whether this is the first run is
kept as a marker file beside the settings; an install that already has settings or a trade log
(an upgrade) is not a first run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from .paths import make_private_folder

__all__ = ["WELCOME_TITLE", "claim_first_run", "welcome_text", "where_the_icon_lives"]

log = logging.getLogger(__name__)

#: Not the app's name alone: that is the title of its tray balloons.
WELCOME_TITLE = "Welcome to AlgoMesh Tray"


def claim_first_run(marker: Path, earlier: Iterable[Path]) -> bool:
    """True the first time only: no ``marker`` and none of the ``earlier`` files (an older version's
    settings or trade log). Leaves the marker, so the next run is not the first."""
    if marker.exists():
        return False
    first = not any(path.exists() for path in earlier)
    try:
        make_private_folder(marker.parent)
        marker.write_text("The welcome was shown; remove this file to see it again.\n", encoding="utf-8")
    except OSError as error:  # not said again all the same: by then the trade log exists
        log.warning("cannot note that the welcome was shown (%s): %s", marker, error)
    return first


def where_the_icon_lives(platform: str) -> str:
    """Where to look for the icon, on this platform, in words."""
    if platform.startswith("win"):
        return (
            "AlgoMesh Tray runs in the notification area, at the right end of the taskbar. Windows may "
            "put a new icon behind the ^ arrow there: drag it onto the taskbar to keep it in sight, or "
            "turn it on in Settings > Personalization > Taskbar > Other system tray icons."
        )
    if platform == "darwin":
        return (
            "AlgoMesh Tray lives in the menu bar at the top right of the screen. It has no Dock icon: "
            "its windows open from the menu-bar icon."
        )
    return "AlgoMesh Tray lives in your panel's system tray."


def welcome_text(platform: str, *, engines: Sequence[tuple[str, str]], alert_seconds: int) -> str:
    """The first run's message: where the icon is, then what happens next. ``engines``: the
    (name, address) of each engine watched."""
    if len(engines) == 1:
        watching = f"the AlgoMesh engine at {engines[0][1]}"
    else:
        watching = f"{len(engines)} engines: " + ", ".join(f"{name} at {url}" for name, url in engines)
    click = "Click the icon" if platform == "darwin" else "Right-click the icon"
    parts = [
        where_the_icon_lives(platform),
        f"It is connecting to {watching}. Each trading signal then shows as a notification "
        f"and goes to the trade log. {click} for Settings (the engine's address, how popups are shown) and Quit.",
    ]
    if alert_seconds:
        parts.append(f"If an engine cannot be reached for {alert_seconds} s, an engine alert says so.")
    parts.append("This message is shown once.")
    return "\n\n".join(parts)
