"""Makes the app's own alert sound, resources/sounds/algomesh-alert.wav, from nothing but arithmetic.

Two short sine tones (E6 then A6, 90 ms and 140 ms) with soft attack and decay, 16-bit mono at
22,050 Hz, written with the standard library's ``wave`` module. The sound is part of AlgoMesh Tray
and under its MIT licence (LICENSE); running this again makes the same bytes.

    python packaging/make_sound.py [OUT]
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

__all__ = ["RATE", "samples", "write"]

RATE = 22_050
#: (frequency in Hz, seconds) of each tone, played one after the other.
TONES = ((1318.5, 0.09), (1760.0, 0.14))
VOLUME = 0.45
OUT = Path(__file__).resolve().parents[1] / "resources" / "sounds" / "algomesh-alert.wav"


def samples() -> list[int]:
    """The sound as 16-bit samples: each tone rises over 5 ms and decays exponentially."""
    out: list[int] = []
    for frequency, seconds in TONES:
        count = int(RATE * seconds)
        for n in range(count):
            t = n / RATE
            envelope = min(1.0, t / 0.005) * math.exp(-5.0 * t / seconds)
            out.append(round(32767 * VOLUME * envelope * math.sin(2 * math.pi * frequency * t)))
    return out


def write(path: Path = OUT) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(RATE)
        sound.writeframes(b"".join(struct.pack("<h", value) for value in samples()))
    return path


if __name__ == "__main__":
    print(write(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
