"""Sizes, colours and the style sheet of the kiosk, computed from the window's size.

Numbers follow product.md's accessibility rules: body text >= 18 pt, the largest text on a
screen >= 30 pt, touch targets >= 15 mm, text contrast >= 4.5:1 (all pairs below are >= 7:1).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFont, QGuiApplication

# Colours: dark ink on a warm off-white; one deep blue for primary actions.
BG = "#F5F3EE"
CARD = "#FFFFFF"
INK = "#1A1A1A"  # 16:1 on BG
INK_SOFT = "#3D3D3D"  # 10:1 on BG
PRIMARY = "#0B4F8A"  # white on it: 8.6:1
PRIMARY_DOWN = "#083A66"
CHOSEN_BG = "#DCEAF7"  # INK on it: 14:1
WARN_BG = "#FFF1D6"
WARN_INK = "#5A3A00"  # 9:1 on WARN_BG
ERROR_INK = "#8A1C00"  # 8:1 on BG; always with a ⚠ glyph, never colour alone
LINE = "#1A1A1A"

FONT_FAMILY = "WenQuanYi Micro Hei"
MIN_BODY_PT = 18.0
MIN_TITLE_PT = 30.0


@dataclass(frozen=True)
class Metrics:
    """Font sizes (pt) and lengths (px) for a window of ``width`` × ``height``."""

    width: int
    height: int
    dpi: float = 96.0

    @property
    def s(self) -> float:
        """Scale against the 1920×1080 design."""
        return min(self.width / 1920, self.height / 1080)

    def pt(self, design: float, floor: float = MIN_BODY_PT) -> float:
        return max(floor, round(design * self.s, 1))

    def px(self, design: float) -> int:
        return max(1, round(design * self.s))

    def mm(self, millimetres: float) -> int:
        return round(millimetres * self.dpi / 25.4)

    @property
    def huge(self) -> float:  # the window number on idle
        return self.pt(80, MIN_TITLE_PT)

    @property
    def title(self) -> float:
        return self.pt(56, MIN_TITLE_PT)

    @property
    def heading(self) -> float:
        return self.pt(40)

    @property
    def body(self) -> float:
        return self.pt(30)

    @property
    def small(self) -> float:
        return self.pt(24)

    @property
    def target(self) -> int:
        """Smallest touch target side: 15 mm, and never below 72 px."""
        return max(self.mm(15), self.px(110), 72)

    @property
    def margin(self) -> int:
        return self.px(48)

    @property
    def gap(self) -> int:
        return self.px(28)


def screen_dpi() -> float:
    """The screen's physical dpi, or 96 when the platform does not know (offscreen)."""
    screen = QGuiApplication.primaryScreen()
    dpi = screen.physicalDotsPerInch() if screen else 96.0
    return dpi if 60 <= dpi <= 400 else 96.0


def font(pt: float, bold: bool = False) -> QFont:
    f = QFont(FONT_FAMILY)
    f.setPointSizeF(pt)
    f.setBold(bold)
    return f


def style_sheet(m: Metrics) -> str:
    """The whole kiosk's style sheet; widgets pick their role by objectName."""
    radius = m.px(18)
    border = max(3, m.px(4))
    return f"""
    QWidget#kiosk, QStackedWidget, QWidget#screen {{ background: {BG}; }}
    QLabel {{ color: {INK}; font-size: {m.body}pt; background: transparent; }}
    QLabel#huge {{ font-size: {m.huge}pt; font-weight: bold; }}
    QLabel#title {{ font-size: {m.title}pt; font-weight: bold; }}
    QLabel#heading {{ font-size: {m.heading}pt; font-weight: bold; }}
    QLabel#body {{ font-size: {m.body}pt; }}
    QLabel#soft {{ font-size: {m.small}pt; color: {INK_SOFT}; }}
    QLabel#error {{ font-size: {m.body}pt; color: {ERROR_INK}; font-weight: bold; }}
    QLabel#countdown {{ font-size: {m.small}pt; color: {WARN_INK}; background: {WARN_BG};
        border-radius: {radius}px; padding: {m.px(10)}px {m.px(20)}px; }}
    QLabel#display {{ font-size: {m.title}pt; font-weight: bold; background: {CARD};
        border: {border}px solid {LINE}; border-radius: {radius}px; padding: {m.px(12)}px; }}
    QFrame#card {{ background: {CARD}; border: {max(2, m.px(3))}px solid #8C8C8C;
        border-radius: {radius}px; }}
    QPushButton {{ font-size: {m.body}pt; min-height: {m.target}px; min-width: {m.target}px;
        border-radius: {radius}px; padding: 0 {m.px(32)}px; }}
    QPushButton#primary {{ background: {PRIMARY}; color: white; border: {border}px solid {PRIMARY};
        font-weight: bold; }}
    QPushButton#primary:pressed {{ background: {PRIMARY_DOWN}; }}
    QPushButton#secondary, QPushButton#key, QPushButton#staff, QPushButton#lang {{
        background: {CARD}; color: {INK}; border: {border}px solid {LINE}; }}
    QPushButton#secondary:pressed, QPushButton#key:pressed, QPushButton#staff:pressed,
    QPushButton#lang:pressed {{ background: {CHOSEN_BG}; }}
    QPushButton#key {{ font-size: {m.title}pt; font-weight: bold; padding: 0; }}
    QPushButton#lang {{ font-size: {m.small}pt; }}
    QPushButton#invite {{ background: {PRIMARY}; border: none; min-height: {m.px(200)}px; }}
    QLabel#invite_main {{ color: white; font-size: {m.title}pt; font-weight: bold; }}
    QLabel#invite_sub {{ color: white; font-size: {m.body}pt; }}
    QPushButton#staff_on {{ background: {CHOSEN_BG}; color: {INK}; font-weight: bold;
        border: {max(5, m.px(7))}px solid {PRIMARY}; }}
    QPushButton#invite:pressed {{ background: {PRIMARY_DOWN}; }}
    """
