"""The shipped CJK font for the wall board and the poster.

A wall PC or a build server may have no Chinese font at all; Qt would then draw boxes. We load
``assets/fonts/wqy-microhei.ttc`` into the application font database and make it the default.
(The kiosk has its own loader: the board must not import the kiosk.)
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

__all__ = ["FONT_PATH", "cjk_family", "install_app_font"]

log = logging.getLogger(__name__)

FONT_PATH = Path(__file__).resolve().parents[2] / "assets" / "fonts" / "wqy-microhei.ttc"
_FALLBACK = "Sans Serif"
_family: str | None = None


def cjk_family() -> str:
    """The family name of the shipped font, loading it on first use (needs a QGuiApplication)."""
    global _family
    if _family is None:
        font_id = QFontDatabase.addApplicationFont(str(FONT_PATH))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families:
            _family = families[0]
        else:
            # Still start: a system CJK font may exist; say why the text may show boxes.
            log.warning("could not load %s; Chinese may not render", FONT_PATH)
            _family = _FALLBACK
    return _family


def install_app_font(app: QGuiApplication, point_size: int = 14) -> QFont:
    """Make the shipped font the application's default and return it."""
    font = QFont(cjk_family(), point_size)
    app.setFont(font)
    return font
