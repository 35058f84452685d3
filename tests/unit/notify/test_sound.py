"""The app's own sound: which player plays it, with real processes from a PATH of scripts that
record their arguments, and the missing player said once."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from algomesh_tray.notify.sound import (
    MACOS_SOUND,
    MISSING_PLAYER,
    SOUND_FILE,
    SOUNDS,
    SoundPlayer,
    own_sound_file,
    player_command,
)
from algomesh_tray.platform.resources import resource_path

from ...waiting import wait_until


def fake_players(folder: Path, *names: str) -> tuple[str, Path]:
    """A PATH holding only ``names``, each a script that writes its name and arguments to a file."""
    folder.mkdir(parents=True)
    heard = folder.parent / "heard"
    heard.mkdir()
    for name in names:
        script = folder / name
        record = f'printf "%s\\n" "{name}" "$@" > "{heard}/{name}.tmp"'
        script.write_text(f'#!/bin/sh\n{record}\nmv "{heard}/{name}.tmp" "{heard}/{name}"\n')
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(folder), heard


def heard_from(heard: Path, name: str) -> list[str]:
    return (heard / name).read_text().splitlines()


def test_every_sound_settings_offers_is_shipped_as_a_short_wav(tmp_path: Path) -> None:
    """resources/ carries each choice's sound (a RIFF WAVE, under a second); "desktop" falls back to the alert."""
    import wave

    assert own_sound_file("desktop") == own_sound_file("alert") == SOUND_FILE
    for choice in SOUNDS:
        with wave.open(str(resource_path(own_sound_file(choice)))) as sound:
            seconds = sound.getnframes() / sound.getframerate()
        assert 0.1 < seconds < 1.0, choice


def test_canberra_comes_first_then_pipewire_then_pulseaudio(tmp_path: Path) -> None:
    """With every player installed libcanberra's is used (with -f and the file); each alone is found."""
    sound = tmp_path / "alert.wav"
    path, _ = fake_players(tmp_path / "bin", "paplay", "pw-play", "canberra-gtk-play")
    assert player_command("linux", sound, path=path) == [f"{path}/canberra-gtk-play", "-f", str(sound)]
    os.remove(f"{path}/canberra-gtk-play")
    assert player_command("linux", sound, path=path) == [f"{path}/pw-play", str(sound)]
    os.remove(f"{path}/pw-play")
    assert player_command("linux", sound, path=path) == [f"{path}/paplay", str(sound)]
    os.remove(f"{path}/paplay")
    assert player_command("linux", sound, path=path) is None


def test_macos_plays_the_system_sound_with_afplay(tmp_path: Path) -> None:
    path, _ = fake_players(tmp_path / "bin", "afplay")
    assert player_command("darwin", tmp_path / "x.wav", path=path) == [f"{path}/afplay", MACOS_SOUND]


def test_play_starts_the_player_on_the_sound_file_and_returns_at_once(tmp_path: Path) -> None:
    """A real process runs the player with the file; play() does not wait for it."""
    sound = tmp_path / "alert.wav"
    path, heard = fake_players(tmp_path / "bin", "paplay")
    told: list[str] = []
    player = SoundPlayer(sound_file=sound, on_missing=told.append, platform="linux", path=path)
    player.play()
    wait_until(lambda: (heard / "paplay").exists(), 10, "the player to run")
    assert heard_from(heard, "paplay") == ["paplay", str(sound)]
    assert player.played == 1 and told == []
    player.close()


def test_a_burst_of_sounds_starts_one_player(tmp_path: Path) -> None:
    """Within min_interval a second play() starts nothing (a storm of "sound" popups is one sound)."""
    path, _ = fake_players(tmp_path / "bin", "pw-play")
    player = SoundPlayer(sound_file=tmp_path / "a.wav", platform="linux", path=path, min_interval=60)
    player.play()
    player.play()
    assert player.played == 1


def test_a_missing_player_is_said_once_with_what_to_install(tmp_path: Path) -> None:
    """No player on the PATH: on_missing hears it once, naming the packages; later plays say nothing."""
    path, _ = fake_players(tmp_path / "bin")
    told: list[str] = []
    player = SoundPlayer(sound_file=tmp_path / "a.wav", on_missing=told.append, platform="linux", path=path,
                         min_interval=0)  # fmt: skip
    player.play()
    player.play()
    assert told == [MISSING_PLAYER] and player.played == 0
    assert "pulseaudio-utils (paplay)" in MISSING_PLAYER and "pipewire-bin (pw-play)" in MISSING_PLAYER


def test_a_player_that_cannot_start_is_said_too(tmp_path: Path) -> None:
    """A player file that is not executable after all (broken install): said once, the app goes on."""
    path, _ = fake_players(tmp_path / "bin", "paplay")
    (Path(path) / "paplay").write_text("#!/nonexistent/interpreter\n")
    told: list[str] = []
    player = SoundPlayer(sound_file=tmp_path / "a.wav", on_missing=told.append, platform="linux", path=path)
    player.play()
    assert len(told) == 1 and "could not be started" in told[0] and MISSING_PLAYER in told[0]


def test_test_sound_plays_at_once_and_says_a_missing_player_each_time(tmp_path: Path) -> None:
    """Settings' "Test sound" (asked=True) is not held back by a sound just played, and a trader
    who clicks it again without a player hears why again."""
    path, _ = fake_players(tmp_path / "bin", "paplay")
    player = SoundPlayer(sound_file=tmp_path / "a.wav", platform="linux", path=path, min_interval=60)
    player.play()
    player.play(asked=True)
    assert player.played == 2
    told: list[str] = []
    empty, _ = fake_players(tmp_path / "empty" / "bin")
    silent = SoundPlayer(sound_file=tmp_path / "a.wav", on_missing=told.append, platform="linux", path=empty)
    silent.play()
    silent.play(asked=True)
    silent.play(asked=True)
    assert told == [MISSING_PLAYER] * 3
