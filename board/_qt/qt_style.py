"""Sizes, colours and words shared by the wall board's views.

Sizes are pixels at 1920×1080 and meant to be read from five metres: list entries >= 48 px,
the header >= 40 px, the table >= 28 px. Colours pass 4.5:1 against their background, and no
colour stands alone: every list, status and level also has its word.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy

from assets._qt import cjk_family
from board.standings import UnitStanding
from sync.quarter import Quarter

__all__ = [
    "BG",
    "BLACK",
    "BLACK_BG",
    "FitLabel",
    "badge_label",
    "streak_badge",
    "INK",
    "LEVEL_COLOURS",
    "LEVEL_WORDS",
    "MUTED",
    "OFFLINE",
    "PX_ENTRY",
    "PX_HEADER",
    "PX_TABLE",
    "RED",
    "RED_BG",
    "font",
    "quarter_title",
    "status_text",
]

PX_HEADER = 44
PX_ENTRY = 52
PX_TABLE = 28

BG = "#F7F5F0"  # warm paper white: less glare on a large screen than pure white
INK = "#1B1B1B"
MUTED = "#4A4A4A"  # 8.9:1 on BG
RED = "#B3261E"  # 6.0:1 on BG; white on it 6.4:1
RED_BG = "#FBE9E7"
BLACK = "#202124"
BLACK_BG = "#E8E8E8"
OFFLINE = "#8A4B00"  # amber-brown, 5.6:1 on BG; always with the words and a ⚠ sign

# Level 1 (非常不满意) … 5 (非常满意): the bar colours of the distribution chart.
LEVEL_COLOURS = {
    5: QColor("#1B5E20"),
    4: QColor("#558B2F"),
    3: QColor("#9E9D24"),
    2: QColor("#E65100"),
    1: QColor("#B71C1C"),
}
LEVEL_WORDS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


def font(px: int, *, bold: bool = False) -> QFont:
    """The shipped CJK font at ``px`` pixels."""
    f = QFont(cjk_family())
    f.setPixelSize(px)
    f.setBold(bold)
    return f


def quarter_title(quarter: str) -> str:
    """``2026Q3`` -> ``2026年第三季度``."""
    return Quarter.parse(quarter).label_zh if Quarter.is_label(quarter) else quarter


def status_text(u: UnitStanding) -> str:
    """The unit's place in words (the table's status column)."""
    if u.status == "red":
        text = "★ 红榜"
    elif u.status == "black":
        text = "▼ 黑榜"
    elif u.status == "ranked":
        text = "参与排名"
    else:
        text = f"评价不足，还差 {u.needs_more} 条" if u.needs_more else "评价不足"
    if u.misconduct:
        text += " · 一票否决"
    return text


class FitLabel(QLabel):
    """A one-line label that shrinks its font (down to ``min_px``) to fit its width, then elides.

    Unit names vary from 3 to 12+ characters; the long ones must not be cut on the wall.
    """

    def __init__(self, text: str, max_px: int, min_px: int, *, bold: bool = False) -> None:
        super().__init__(text)
        self._full = text
        self._max_px, self._min_px, self._bold = max_px, min_px, bold
        self.setFont(font(max_px, bold=bold))
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(QFontMetrics(self.font()).height())

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        width = self.contentsRect().width()
        if width <= 0:
            return
        px = self._max_px
        f = font(px, bold=self._bold)
        while px > self._min_px and QFontMetrics(f).horizontalAdvance(self._full) > width:
            px -= 2
            f = font(px, bold=self._bold)
        self.setFont(f)
        shown = QFontMetrics(f).elidedText(self._full, Qt.TextElideMode.ElideRight, width)
        if shown != self.text():
            super().setText(shown)
            self.setToolTip(self._full if shown != self._full else "")


def streak_badge(streak: int, escalation: str | None, *, on: str = "") -> str:
    """'⚠ 连续 3 个季度{on} · 问责分管领导', or '' when there is no streak to warn of."""
    if streak < 2 and not escalation:
        return ""
    text = f"⚠ 连续 {streak} 个季度{on}" if streak >= 2 else "⚠"
    return text + (f" · {escalation}" if escalation else "")


def badge_label(text: str, px: int) -> QLabel:
    """The streak warning: white on amber, in words (colour is never the only cue)."""
    label = QLabel(text)
    if text:
        label.setFont(font(px, bold=True))
        label.setStyleSheet(
            f"color: white; background: {OFFLINE}; padding: 4px 12px; border-radius: 6px;"
        )
    return label
