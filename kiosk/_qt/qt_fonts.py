"""Load the bundled CJK font so Chinese renders on a counter PC with no Chinese fonts."""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from kiosk.config import ASSETS

__all__ = ["FONT_FILE", "load_app_font"]

log = logging.getLogger(__name__)

FONT_FILE = ASSETS / "fonts" / "wqy-microhei.ttc"


def load_app_font(app: QApplication) -> str | None:
    """Register WenQuanYi Micro Hei and make it the application font; return its family."""
    font_id = QFontDatabase.addApplicationFont(str(FONT_FILE))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        log.error("could not load %s; Chinese may render as boxes", FONT_FILE)
        return None
    family = families[0]
    f = QFont(family)
    f.setPointSizeF(18)
    app.setFont(f)
    return family
