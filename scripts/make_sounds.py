"""Write the kiosk's tap and warning sounds (assets/sounds/), 22.05 kHz mono 16-bit.

Made here with Python's ``wave`` module, so they carry no third-party licence. Run again to
change them: ``python scripts/make_sounds.py``. ``chime.wav`` (the thank-you) was made the same
way: 660 Hz then 880 Hz, 0.35 s.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22050
OUT = Path(__file__).resolve().parent.parent / "assets" / "sounds"


def tone(
    freq: float, seconds: float, volume: float, decay: float, attack: float = 0.004
) -> list[float]:
    n = int(RATE * seconds)
    out = []
    for i in range(n):
        t = i / RATE
        env = min(1.0, t / attack) * math.exp(-t * decay)
        # a little of the octave below makes a soft, wooden "tock" rather than a beep
        s = math.sin(2 * math.pi * freq * t) + 0.35 * math.sin(math.pi * freq * t)
        out.append(volume * env * s / 1.35)
    return out


def silence(seconds: float) -> list[float]:
    return [0.0] * int(RATE * seconds)


def write(name: str, samples: list[float]) -> None:
    path = OUT / name
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(
            b"".join(struct.pack("<h", round(max(-1, min(1, s)) * 32000)) for s in samples)
        )


def main() -> None:
    # The same short tap for every face (nobody can hear the level) and every button.
    write("tap.wav", tone(1000, 0.07, 0.55, decay=60))
    # Two gentle, lower notes, then a third: "time is running out", not an alarm.
    note = tone(523, 0.22, 0.6, decay=9, attack=0.02)
    write(
        "warning.wav",
        note + silence(0.12) + note + silence(0.12) + tone(440, 0.35, 0.6, decay=7, attack=0.02),
    )


if __name__ == "__main__":
    main()
