"""The shipped CJK font in Qt: one loader for the kiosk, the wall board and the poster.

A counter or wall PC, or a build server, may have no Chinese font at all; Qt would then draw
boxes. ``cjk_family()`` registers ``assets/fonts/wqy-microhei.ttc`` with Qt's font database on
first use; ``install_app_font`` also makes it the application's default.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

from assets import FONT_FILE

__all__ = ["FALLBACK_FAMILY", "cjk_family", "install_app_font"]

log = logging.getLogger(__name__)

FALLBACK_FAMILY = "Sans Serif"
_family: str | None = None


def cjk_family() -> str:
    """The shipped font's family name, loading it on first use (needs a QGuiApplication)."""
    global _family
    if _family is None:
        font_id = QFontDatabase.addApplicationFont(str(FONT_FILE))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families:
            _family = families[0]
        else:
            # Still start: a system CJK font may exist; say why the text may show boxes.
            log.error("could not load %s; Chinese may render as boxes", FONT_FILE)
            _family = FALLBACK_FAMILY
    return _family


def install_app_font(app: QGuiApplication, point_size: float) -> str:
    """Make the shipped font the application's default at ``point_size``; return its family."""
    family = cjk_family()
    font = QFont(family)
    font.setPointSizeF(point_size)
    app.setFont(font)
    return family
