"""Makes the app's own sounds, resources/sounds/algomesh-<name>.wav, from nothing but arithmetic.

Short sine tones with soft attack and decay, 16-bit mono at 22,050 Hz, written with the standard
library's ``wave`` module: ``alert`` (E6 then A6, 90 ms and 140 ms; the default), ``ping`` (one
A6) and ``knock`` (three short A4). The sounds are part of AlgoMesh Tray and under its MIT licence
(LICENSE); running this again makes the same bytes.

    python packaging/make_sound.py [FOLDER]
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

__all__ = ["RATE", "SOUNDS", "samples", "write", "write_all"]

RATE = 22_050
#: Each sound's tones, (frequency in Hz, seconds), played one after the other.
SOUNDS: dict[str, tuple[tuple[float, float], ...]] = {
    "alert": ((1318.5, 0.09), (1760.0, 0.14)),
    "ping": ((1760.0, 0.25),),
    "knock": ((440.0, 0.07), (440.0, 0.07), (440.0, 0.1)),
}
VOLUME = 0.45
FOLDER = Path(__file__).resolve().parents[1] / "resources" / "sounds"
OUT = FOLDER / "algomesh-alert.wav"


def samples(tones: tuple[tuple[float, float], ...] = SOUNDS["alert"]) -> list[int]:
    """The sound as 16-bit samples: each tone rises over 5 ms and decays exponentially."""
    out: list[int] = []
    for frequency, seconds in tones:
        count = int(RATE * seconds)
        for n in range(count):
            t = n / RATE
            envelope = min(1.0, t / 0.005) * math.exp(-5.0 * t / seconds)
            out.append(round(32767 * VOLUME * envelope * math.sin(2 * math.pi * frequency * t)))
    return out


def write(path: Path = OUT, name: str = "alert") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(RATE)
        sound.writeframes(b"".join(struct.pack("<h", value) for value in samples(SOUNDS[name])))
    return path


def write_all(folder: Path = FOLDER) -> list[Path]:
    """Every sound, as ``folder/algomesh-<name>.wav``."""
    return [write(folder / f"algomesh-{name}.wav", name) for name in SOUNDS]


if __name__ == "__main__":
    for made in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER):
        print(made)
