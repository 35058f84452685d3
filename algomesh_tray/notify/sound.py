"""The "sound" rule's sound where the desktop does not play it from the popup. No Qt.

A freedesktop notification service that lists the ``sound`` capability plays the popup's
``sound-name`` hint itself (freedesktop.py sends it). Elsewhere (dunst, notify-send, tray
messages) the app plays its own short sound, ``resources/sounds/algomesh-alert.wav`` (made by
packaging/make_sound.py): on Linux with the first player found on the PATH (libcanberra's
``canberra-gtk-play``, PipeWire's ``pw-play``, PulseAudio's ``paplay``) in a process nobody waits
for; on Windows with ``winsound`` (asynchronous); on macOS with ``afplay`` and the system's Glass
sound. No player: said once, with what to install.
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess

__all__ = [
    "MACOS_SOUND",
    "MISSING_PLAYER",
    "SOUNDS",
    "SOUND_FILE",
    "SOUND_NAME",
    "SoundPlayer",
    "own_sound_file",
    "player_command",
]

log = logging.getLogger(__name__)

#: The freedesktop sound naming spec's name for "a new message arrived", the ``sound-name`` hint.
SOUND_NAME = "message-new-instant"
#: The app's own sound, under resources/.
SOUND_FILE = "sounds/algomesh-alert.wav"
#: Settings' choice: "desktop" asks the desktop for its "new message" sound (``sound-name``; the
#: app's alert where it plays none); the others are the app's own sounds, sent as ``sound-file`` too.
SOUNDS: dict[str, str] = {
    "desktop": "The desktop's message sound",
    "alert": "Alert (two tones)",
    "ping": "Ping (one tone)",
    "knock": "Knock (three short tones)",
}


def own_sound_file(choice: str) -> str:
    """The file under resources/ the app plays for a Settings choice ("desktop": the alert)."""
    return SOUND_FILE if choice in ("desktop", "alert") else f"sounds/algomesh-{choice}.wav"


MACOS_SOUND = "/System/Library/Sounds/Glass.aiff"
#: Linux players in the order they are tried, with the options that come before the file.
_LINUX_PLAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("canberra-gtk-play", ("-f",)),
    ("pw-play", ()),
    ("paplay", ()),
)
MISSING_PLAYER = (
    'No sound player was found, so the "sound" rule plays nothing. Install one of: pulseaudio-utils '
    "(paplay), pipewire-bin (pw-play) or gnome-session-canberra (canberra-gtk-play); on Fedora "
    "pulseaudio-utils or pipewire-utils."
)


def player_command(platform: str, sound_file: Path, *, path: str | None = None) -> list[str] | None:
    """The command that plays ``sound_file`` here (``path``: the PATH to search, None for the
    process's own); None when no player is installed. Not for Windows, which plays in-process."""
    if platform == "darwin":
        return [shutil.which("afplay", path=path) or "/usr/bin/afplay", MACOS_SOUND]
    for name, options in _LINUX_PLAYERS:
        found = shutil.which(name, path=path)
        if found is not None:
            return [found, *options, str(sound_file)]
    return None


def _play_with_winsound(sound_file: Path) -> None:
    if sys.platform == "win32":
        import winsound

        winsound.PlaySound(str(sound_file), winsound.SND_FILENAME | winsound.SND_ASYNC | winsound.SND_NODEFAULT)


class SoundPlayer:
    """Plays the app's sound without ever waiting for it; at most one start per ``min_interval`` s
    (a burst of "sound" popups is one sound, not a din). ``on_missing(message)`` is told once when
    no player can be found or started."""

    def __init__(
        self,
        *,
        sound_file: Path,
        on_missing: Callable[[str], None] = lambda message: None,
        platform: str = sys.platform,
        path: str | None = None,
        min_interval: float = 1.0,
    ) -> None:
        self._sound_file = sound_file
        self._on_missing = on_missing
        self._platform = platform
        self._path = path
        self._min_interval = min_interval
        self._last = -float("inf")
        self._missing_told = False
        self._children: list[subprocess.Popen[bytes]] = []
        self.played = 0

    def play(self, *, asked: bool = False) -> None:
        """Start the sound and return at once. ``asked``: the trader asked for it (Settings' "Test
        sound"): played even right after another, and a missing player is said every time."""
        now = time.monotonic()
        if now - self._last < self._min_interval and not asked:
            return
        if asked:
            self._missing_told = False
        self._last = now
        self._reap()
        if self._platform == "win32":
            try:
                _play_with_winsound(self._sound_file)
            except RuntimeError as error:  # winsound's error when the sound cannot be played
                log.warning("the sound could not be played: %s", error)
                return
            self.played += 1
            return
        command = player_command(self._platform, self._sound_file, path=self._path)
        if command is None:
            self._missing(MISSING_PLAYER)
            return
        import subprocess  # here: asyncio imports it after start-up, and the tray shows before

        try:
            child = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl+C in the app's terminal is not the player's business
            )
        except OSError as error:
            self._missing(f"The sound player {command[0]} could not be started ({error}). {MISSING_PLAYER}")
            return
        self._children.append(child)
        self.played += 1
        log.info("sound played with %s", Path(command[0]).name)

    def close(self) -> None:
        """Collect the players that have finished (those still playing are left to end on their own)."""
        self._reap()

    def _reap(self) -> None:
        self._children = [child for child in self._children if child.poll() is None]

    def _missing(self, message: str) -> None:
        if self._missing_told:
            return
        self._missing_told = True
        log.warning("%s", message)
        self._on_missing(message)
