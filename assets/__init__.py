"""Data files shipped with Hall Ratings: faces, the CJK font and its licence, the demo roster, sounds.

A package so that an installed wheel carries them next to ``kiosk``, ``sync`` and ``board``, and
so that every part finds them the same way: ``from assets import DEMO_ROSTER``. The font's Qt
loader, shared by the kiosk, the wall board and the poster, is ``assets._qt``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ASSETS", "CHIME", "DEMO_ROSTER", "FACES_DIR", "FONT_FILE", "face_file"]

ASSETS = Path(__file__).resolve().parent
FACES_DIR = ASSETS / "faces"
FONT_FILE = ASSETS / "fonts" / "wqy-microhei.ttc"  # WenQuanYi Micro Hei (licence beside it)
DEMO_ROSTER = ASSETS / "roster" / "demo-hall.csv"  # a 31-unit hall, as Tongliang's
CHIME = ASSETS / "sounds" / "chime.wav"  # the one neutral sound, the same for every level

_FACE_FILES = {
    5: "5-very-satisfied.svg",
    4: "4-satisfied.svg",
    3: "3-basic.svg",
    2: "2-dissatisfied.svg",
    1: "1-very-dissatisfied.svg",
}


def face_file(level: int) -> Path:
    """The SVG face of a level (5 非常满意 … 1 非常不满意)."""
    return FACES_DIR / _FACE_FILES[level]
