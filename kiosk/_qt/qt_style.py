"""Sizes, colours and the style sheet of the kiosk, computed in millimetres from the panel.

product.md's accessibility rules, on the panel the config names (``[display]``, else a default
per resolution): body text >= 18 pt, the largest text on a screen >= 30 pt, line height >= 1.3,
touch targets >= 15 mm with gaps between them, text contrast >= 4.5:1, borders >= 3:1. A point
here is a physical point (1/72 inch) on that panel, not a logical one: a 10-inch tablet's pixels
are two thirds the size of a 21.5-inch panel's, so the same text takes more of them.

On a 1920×1080 panel every size is at least what the 1920 design gave before (design pixels,
``s`` = 1); on a smaller panel the physical floors win and the screens reflow (fewer columns,
wrapped lines) rather than shrink.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QGuiApplication

from kiosk.config import Display

# Colours: dark ink on a warm off-white; one deep blue for primary actions. Every text pair is
# >= 7:1, every border >= 4.5:1 against what surrounds it (contrast() below checks).
BG = "#F5F3EE"
CARD = "#FFFFFF"
INK = "#1A1A1A"  # 16:1 on BG
INK_SOFT = "#3D3D3D"  # 10:1 on BG
PRIMARY = "#0B4F8A"  # white on it: 8.6:1
PRIMARY_DOWN = "#083A66"
CHOSEN_BG = "#DCEAF7"  # INK on it: 14:1
WARN_BG = "#FFF1D6"
WARN_INK = "#5A3A00"  # 9:1 on WARN_BG
WARN_LINE = "#8A5A00"  # the warning banner's border: 5:1 on BG
ERROR_INK = "#8A1C00"  # 8:1 on BG; always with a ⚠ glyph, never colour alone
LINE = "#1A1A1A"
CARD_LINE = "#6B6B6B"  # card and face borders: 5.2:1 on BG, 5.3:1 on white

FONT_FAMILY = "WenQuanYi Micro Hei"
MIN_BODY_PT = 18.0
MIN_TITLE_PT = 30.0
LINE_HEIGHT = 1.3  # wrapped text: line pitch / font size
MIN_TARGET_MM = 15.0
MIN_GAP_MM = 4.5
MM_PER_PT = 25.4 / 72


def luminance(colour: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(a: QColor | str, b: QColor | str) -> float:
    """WCAG contrast ratio of two colours (1..21)."""
    la, lb = luminance(QColor(a)), luminance(QColor(b))
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


@dataclass(frozen=True)
class Metrics:
    """Font sizes and lengths in logical pixels for a window of ``width`` × ``height`` logical
    pixels, each ``mm_per_px`` millimetres wide on the panel."""

    width: int
    height: int
    mm_per_px: float = 0.248

    @classmethod
    def for_window(
        cls, width: int, height: int, display: Display | None = None, ratio: float = 1.0
    ) -> Metrics:
        """``ratio``: physical pixels per logical pixel (the platform's scaling)."""
        phys_w, phys_h = round(width * ratio), round(height * ratio)
        pitch = (display or Display()).pitch(phys_w, phys_h)
        return cls(width, height, pitch * ratio)

    # ------------------------------------------------------------------------- units
    @property
    def s(self) -> float:
        """Scale against the 1920×1080 design."""
        return min(self.width / 1920, self.height / 1080)

    def mm(self, millimetres: float) -> int:
        """Logical pixels for a length on the panel (rounded up)."""
        return math.ceil(millimetres / self.mm_per_px - 1e-9)

    def pt_px(self, points: float) -> int:
        """Logical pixels of a font em of ``points`` physical points (rounded up)."""
        return self.mm(points * MM_PER_PT)

    def to_pt(self, pixels: float) -> float:
        """Physical points of a length of ``pixels``."""
        return pixels * self.mm_per_px / MM_PER_PT

    def to_mm(self, pixels: float) -> float:
        return pixels * self.mm_per_px

    def px(self, design: float) -> int:
        """A length of the 1920 design, scaled to this window."""
        return max(1, round(design * self.s))

    def font_px(self, design: float, floor_pt: float = MIN_BODY_PT) -> int:
        """A font size: the design's (in 1920 pixels), never below ``floor_pt`` on the panel."""
        return max(self.px(design), self.pt_px(floor_pt))

    # ---------------------------------------------------------------------- text roles
    @property
    def huge(self) -> int:  # the window's name on idle
        return self.font_px(107, MIN_TITLE_PT + 4)

    @property
    def title(self) -> int:
        return self.font_px(75, MIN_TITLE_PT)

    @property
    def heading(self) -> int:
        return self.font_px(53, 22)

    @property
    def word(self) -> int:  # the word under each face
        return self.font_px(54)

    @property
    def body(self) -> int:
        return self.font_px(40)

    @property
    def small(self) -> int:
        return self.font_px(32)

    # ----------------------------------------------------------------------- geometry
    @property
    def target(self) -> int:
        """Smallest touch target side: 15 mm, and never below the design's 110 px."""
        return max(self.mm(MIN_TARGET_MM), self.px(110))

    @property
    def margin(self) -> int:
        return max(self.mm(3), self.px(48))

    @property
    def gap(self) -> int:
        """Space between neighbouring touch targets: 6 mm, or the 1920 design's 28 px."""
        return max(self.mm(6), self.px(28))

    @property
    def face_gap(self) -> int:
        """Between the five faces: a little less on a tablet, so that each face keeps the
        width it had there before (a third of the screen's width is five faces' worth)."""
        return max(self.mm(MIN_GAP_MM + 0.25), self.px(28))

    @property
    def border(self) -> int:
        return max(3, self.px(4), self.mm(0.7))

    @property
    def compact(self) -> bool:
        """Too few text lines fit for the roomy layout: the screens reflow."""
        return self.height / (self.body * LINE_HEIGHT) < 19 or self.width / self.body < 40


def screen_ratio() -> float:
    """Physical pixels per logical pixel on the primary screen (1 when unknown)."""
    screen = QGuiApplication.primaryScreen()
    ratio = screen.devicePixelRatio() if screen else 1.0
    return ratio if 0.5 <= ratio <= 4 else 1.0


def font(px: int, bold: bool = False) -> QFont:
    f = QFont(FONT_FAMILY)
    f.setPixelSize(px)
    f.setBold(bold)
    return f


def style_sheet(m: Metrics) -> str:
    """The whole kiosk's style sheet; widgets pick their role by objectName."""
    radius = m.px(18)
    border = m.border
    return f"""
    QWidget#kiosk, QStackedWidget, QWidget#screen {{ background: {BG}; }}
    QLabel {{ color: {INK}; font-size: {m.body}px; background: transparent; }}
    QLabel#huge {{ font-size: {m.huge}px; font-weight: bold; }}
    QLabel#title {{ font-size: {m.title}px; font-weight: bold; }}
    QLabel#heading {{ font-size: {m.heading}px; font-weight: bold; }}
    QLabel#body {{ font-size: {m.body}px; }}
    QLabel#strong {{ font-size: {m.body}px; font-weight: bold; }}
    QLabel#soft {{ font-size: {m.small}px; color: {INK_SOFT}; }}
    QLabel#error {{ font-size: {m.body}px; color: {ERROR_INK}; font-weight: bold; }}
    QLabel#countdown {{ font-size: {m.body}px; color: {WARN_INK}; background: {WARN_BG};
        font-weight: bold; border: {border}px solid {WARN_LINE}; border-radius: {radius}px;
        padding: {m.px(14)}px {m.px(28)}px; }}
    QLabel#display {{ font-size: {m.title}px; font-weight: bold; background: {CARD};
        border: {border}px solid {LINE}; border-radius: {radius}px; padding: {m.px(12)}px; }}
    QFrame#card {{ background: {CARD}; border: {border}px solid {CARD_LINE};
        border-radius: {radius}px; }}
    QPushButton {{ min-height: {m.target}px; min-width: {m.target}px;
        border-radius: {radius}px; padding: 0; }}
    QPushButton QLabel {{ font-size: {m.body}px; }}
    QPushButton#primary {{ background: {PRIMARY}; border: {border}px solid {PRIMARY}; }}
    QPushButton#primary QLabel {{ color: white; font-weight: bold; }}
    QPushButton#primary:pressed {{ background: {PRIMARY_DOWN}; }}
    QPushButton#secondary, QPushButton#key, QPushButton#staff, QPushButton#lang {{
        background: {CARD}; border: {border}px solid {LINE}; }}
    QPushButton#secondary:pressed, QPushButton#key:pressed, QPushButton#staff:pressed,
    QPushButton#lang:pressed {{ background: {CHOSEN_BG}; }}
    QPushButton#key QLabel {{ font-size: {m.title}px; font-weight: bold; }}
    QPushButton#staff_on {{ background: {CHOSEN_BG}; border: {max(5, m.px(7))}px solid {PRIMARY}; }}
    QPushButton#staff_on QLabel {{ font-weight: bold; }}
    """
