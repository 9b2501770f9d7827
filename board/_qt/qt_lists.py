"""Page 1 of the wall: the quarter's red list (红榜) and black list (黑榜), side by side.

Both lists are labelled in words with a sign (★ / ▼), not only by colour. The black list may be
empty: then the page says so and gives the engine's reason. In anonymous mode the engine's
``BoardEntry.label`` is already the window category, and the entry carries no unit code.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from board._qt.qt_style import (
    BLACK,
    INK,
    MUTED,
    PX_ENTRY,
    RED,
    FitLabel,
    badge_label,
    font,
    streak_badge,
)
from board.standings import BoardEntry, Standings

__all__ = ["BoardListPanel", "ListsPage"]


class _EntryRow(QFrame):
    """One unit on a list: place, name, score and rating count; click for the reasons."""

    clicked = Signal(str)

    def __init__(self, place: int, entry: BoardEntry, accent: str, *, with_reason: bool) -> None:
        super().__init__()
        self.entry = entry
        self.setObjectName("entry")
        self.setStyleSheet(
            f"#entry {{ background: white; border: 2px solid {accent}; border-radius: 10px; }}"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(20, 6, 24, 6)
        row.setSpacing(22)
        badge = QLabel(str(place))
        badge.setFont(font(PX_ENTRY, bold=True))
        badge.setFixedSize(96, 96)
        badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        badge.setStyleSheet(f"background: {accent}; color: white; border-radius: 48px;")
        row.addWidget(badge, 0, Qt.AlignmentFlag.AlignVCenter)

        text = QVBoxLayout()
        text.setSpacing(2)
        self.name_label = FitLabel(entry.label, PX_ENTRY + 8, PX_ENTRY, bold=True)
        self.name_label.setStyleSheet(f"color: {INK};")
        text.addWidget(self.name_label)
        self.detail_label = QLabel(f"季度得分 {entry.score:.1f} 分 · {entry.n} 条评价")
        self.detail_label.setFont(font(40))
        self.detail_label.setStyleSheet(f"color: {MUTED};")
        text.addWidget(self.detail_label)
        self.reason_label = QLabel(entry.reason if with_reason else "")
        if with_reason and entry.reason:
            self.reason_label.setFont(font(32))
            self.reason_label.setWordWrap(True)
            self.reason_label.setStyleSheet(f"color: {INK};")
            text.addWidget(self.reason_label)
        warning = streak_badge(entry.streak, entry.escalation, on="上榜")
        self.badge_label = badge_label(warning, 32)
        if warning:
            text.addWidget(self.badge_label, 0, Qt.AlignmentFlag.AlignLeft)
        row.addLayout(text, 1)
        if entry.unit_code:
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.entry.unit_code:
            self.clicked.emit(self.entry.unit_code)
        super().mousePressEvent(event)


class BoardListPanel(QFrame):
    """A titled list: the red list or the black list."""

    unit_selected = Signal(str)

    def __init__(
        self, title: str, subtitle: str, accent: str, *, with_reason: bool = False
    ) -> None:
        super().__init__()
        self._accent = accent
        self._with_reason = with_reason
        self.setObjectName("panel")
        self.setStyleSheet(f"#panel {{ border: 3px solid {accent}; border-radius: 14px; }}")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 12)
        outer.setSpacing(10)
        head = QLabel(title)
        head.setObjectName("head")
        head.setFont(font(56, bold=True))
        head.setAlignment(Qt.AlignmentFlag.AlignCenter)
        head.setStyleSheet(
            f"#head {{ background: {accent}; color: white; padding: 4px;"
            " border-top-left-radius: 10px; border-top-right-radius: 10px; }"
        )
        outer.addWidget(head)
        self.subtitle = QLabel(subtitle)
        self.subtitle.setFont(font(32))
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle.setStyleSheet(f"color: {MUTED};")
        outer.addWidget(self.subtitle)
        self._body = QVBoxLayout()
        self._body.setContentsMargins(24, 0, 24, 0)
        self._body.setSpacing(12)
        outer.addLayout(self._body)
        outer.addStretch(1)
        self.rule_label = QLabel()
        self.rule_label.setFont(font(30))
        self.rule_label.setWordWrap(True)
        self.rule_label.setContentsMargins(28, 0, 28, 0)
        self.rule_label.setStyleSheet(f"color: {MUTED};")
        outer.addWidget(self.rule_label)
        self.rows: list[_EntryRow] = []
        self.empty_label = QLabel()
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()

    def set_entries(self, entries: list[BoardEntry], empty_text: str, empty_reason: str) -> None:
        for r in self.rows:
            r.setParent(None)
            r.deleteLater()
        self.rows = []
        self._body.removeWidget(self.empty_label)
        for place, e in enumerate(entries, start=1):
            row = _EntryRow(place, e, self._accent, with_reason=self._with_reason)
            row.clicked.connect(self.unit_selected)
            if e.reason:
                row.setToolTip(e.reason)
            self._body.addWidget(row)
            self.rows.append(row)
        if entries:
            self.empty_label.hide()
            return
        # Rich text keeps the statement big and the reason readable below it.
        # The engine's reason may repeat the statement ("本季度无单位列入黑榜：…"); say it once.
        reason = empty_reason.removeprefix(empty_text).lstrip("：:，, ")
        sign = "✓ " if self._with_reason else ""
        self.empty_label.setText(
            f"<div style='font-size:{PX_ENTRY}px; font-weight:bold; color:{INK}'>"
            f"{sign}{empty_text}</div>"
            f"<div style='font-size:34px; color:{MUTED}; margin-top:18px'>{html.escape(reason)}</div>"
        )
        self.empty_label.setFont(font(34))
        self._body.addWidget(self.empty_label)
        self.empty_label.show()

    def labels(self) -> list[str]:
        """The names (or categories) shown, top first."""
        return [r.name_label.full_text() for r in self.rows]


class ListsPage(QWidget):
    """红榜 on the left, 黑榜 on the right."""

    unit_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(40, 16, 40, 8)
        row.setSpacing(40)
        self.red = BoardListPanel("★ 红榜", "本季度服务评价前列单位", RED)
        self.black = BoardListPanel("▼ 黑榜", "本季度服务评价末位单位", BLACK, with_reason=True)
        row.addWidget(self.red, 1)
        row.addWidget(self.black, 1)
        self.red.unit_selected.connect(self.unit_selected)
        self.black.unit_selected.connect(self.unit_selected)

    def set_standings(self, standings: Standings) -> None:
        s = standings.settings
        self.red.subtitle.setText(f"本季度服务评价前 {s.red_count} 名")
        self.red.rule_label.setText(
            f"规则：有效评价满 {s.min_ratings} 条的单位按综合得分排名，取前 {s.red_count} 名。"
        )
        self.black.rule_label.setText(
            f"规则：综合得分低于 {s.black_threshold:g} 分且明显低于全厅平均的末位单位列入，"
            "可以为空；核实的违规违纪直接列入。"
        )
        self.red.set_entries(
            standings.red_list,
            "本季度暂无单位列入红榜",
            f"参与排名需至少 {s.min_ratings} 条有效评价",
        )
        if standings.settings.naming == "anonymous":
            self.black.subtitle.setText("本季度末位（匿名通报：只公布窗口类别）")
        else:
            self.black.subtitle.setText("本季度服务评价末位单位（实名通报）")
        self.black.set_entries(
            standings.black_list,
            "本季度无单位列入黑榜",
            standings.black_list_empty_reason or "",
        )
