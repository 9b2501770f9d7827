"""The "hardest sections, rated by the public" page (最难办事科室群众评): the top 10.

A hall with sections (科室) in its roster sees **sections** (``board.hardest``): each card shows
the place, the section and its unit, the review's answers that named a problem and its 差评 at
the counters, its main problems in words (冷 懒 推 乱 贪 and the hall's own), and what the hall's
rules attach to the place (约谈 and no promotion; 免去科室负责人 after two quarters in a row in
the top 3; 免去分管领导 after three). A hall without sections keeps the unit view
(``board.standings``): the place, the unit (or its category in anonymous mode), its 差评 count
and share, its main problems and the streak.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from board._qt.qt_style import INK, MUTED, RED, FitLabel, badge_label, font, streak_badge
from board.hardest import SectionEntry, SectionRanking
from board.standings import HardestEntry, Standings

__all__ = ["HardestCard", "HardestPage", "SectionCard", "problems_text"]


def problems_text(entry: HardestEntry, limit: int = 3) -> str:
    """``主要问题：推 9次 · 冷 4次 · 等候时间太长 2次`` — the most-cited reasons."""
    parts = [f"{name} {count}次" for _, name, count in entry.problems[:limit]]
    return "主要问题：" + (" · ".join(parts) if parts else "差评未注明原因")


# The five Nanchuan indicators in plain words, for the page's key line.
INDICATORS = " · ".join(
    f"{ch} {words}"
    for ch, words in [
        ("冷", "态度冷淡"),
        ("懒", "拖着不办"),
        ("推", "推诿扯皮"),
        ("乱", "办事无章"),
        ("贪", "吃拿卡要"),
    ]
)


def _ignore_width(label: QLabel) -> QLabel:
    # Long text must not widen the window past 1920 px; it is clipped instead.
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def _card_layout(
    card: QFrame, rank: int
) -> tuple[QHBoxLayout, QVBoxLayout, QHBoxLayout, QHBoxLayout]:
    """A hardest-list card's frame and big place number; the two lines beside it to fill."""
    card.setObjectName("card")
    card.setStyleSheet(
        "#card { background: white; border: 2px solid #9E9E9E; border-radius: 10px; }"
    )
    row = QHBoxLayout(card)
    row.setContentsMargins(12, 4, 16, 4)
    row.setSpacing(14)
    place = QLabel(f"{rank}")
    place.setFont(font(56, bold=True))
    place.setFixedWidth(80)
    place.setAlignment(Qt.AlignmentFlag.AlignCenter)
    place.setStyleSheet(f"color: {RED if rank <= 3 else INK};")
    row.addWidget(place)
    col = QVBoxLayout()
    col.setSpacing(0)
    line1, line2 = QHBoxLayout(), QHBoxLayout()
    col.addLayout(line1)
    col.addLayout(line2)
    return row, col, line1, line2


class HardestCard(QFrame):
    """One section on the hardest list: two lines, so ten fit on one screen."""

    clicked = Signal(str)

    def __init__(self, entry: HardestEntry) -> None:
        super().__init__()
        self.entry = entry
        row, col, line1, line2 = _card_layout(self, entry.rank)
        self.name_label = FitLabel(entry.label, 46, 38, bold=True)
        self.name_label.setStyleSheet(f"color: {INK};")
        line1.addWidget(self.name_label, 1)
        self.share_label = QLabel(f"差评 {entry.negative}/{entry.n} · {entry.share * 100:.1f}%")
        self.share_label.setFont(font(32, bold=True))
        self.share_label.setStyleSheet(f"color: {MUTED};")
        line1.addWidget(self.share_label)
        self.problems_label = _ignore_width(QLabel(problems_text(entry)))
        self.problems_label.setFont(font(30))
        self.problems_label.setStyleSheet(f"color: {INK};")
        line2.addWidget(self.problems_label, 1)
        self.badge_label = badge_label(streak_badge(entry.streak, entry.escalation), 28)
        if self.badge_label.text():
            # Its own line: the problems must stay readable beside it.
            col.addWidget(self.badge_label, 0, Qt.AlignmentFlag.AlignLeft)
        row.addLayout(col, 1)
        if entry.unit_code:
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.entry.unit_code:
            self.clicked.emit(self.entry.unit_code)
        super().mousePressEvent(event)


def section_badge(entry: SectionEntry, months: int = 3) -> tuple[str, bool]:
    """What the rules attach to the place, in words, and whether it is an escalation:
    ('⚠ 连续 2 次前 3 · 免去科室负责人', True) or ('约谈科室负责人 · 3个月内不得提拔', False)."""
    if entry.top3_streak >= 2 and entry.escalation:
        return f"⚠ 连续 {entry.top3_streak} 次前 3 · {entry.escalation}", True
    if entry.misconduct:
        return "⚠ 查实违规违纪 · 直接列第 1 名", True
    if entry.rank is not None:
        return f"约谈科室负责人 · {months}个月内不得提拔", False
    return "", False


class SectionCard(QFrame):
    """One section on the hardest list: its place, name and unit, evidence and problems."""

    clicked = Signal(str)

    def __init__(self, entry: SectionEntry, months: int = 3) -> None:
        super().__init__()
        self.entry = entry
        row, col, line1, line2 = _card_layout(self, entry.rank or 0)
        self.name_label = FitLabel(entry.label, 44, 32, bold=True)
        self.name_label.setStyleSheet(f"color: {INK};")
        line1.addWidget(self.name_label, 1)
        evidence = f"评议 {entry.with_problems}/{entry.answers}"
        if entry.ratings:
            evidence += f" · 差评 {entry.negative}/{entry.ratings}"
        self.share_label = QLabel(evidence)
        self.share_label.setFont(font(30, bold=True))
        self.share_label.setStyleSheet(f"color: {MUTED};")
        line1.addWidget(self.share_label)
        parts = [f"{name} {count}次" for _, name, count in entry.problems]
        text = "主要问题：" + (" · ".join(parts) if parts else "未注明")
        if entry.misconduct:
            text = "查实违规违纪 · " + text
        self.problems_label = _ignore_width(QLabel(text))
        self.problems_label.setFont(font(30))
        self.problems_label.setStyleSheet(f"color: {INK};")
        line2.addWidget(self.problems_label, 1)
        text, escalated = section_badge(entry, months)
        self.badge_label = badge_label(text, 28)
        if text and not escalated:  # the consequence every place carries: quieter, in words
            self.badge_label.setFont(font(26))
            self.badge_label.setStyleSheet(
                f"color: {INK}; background: #E3E7EC; padding: 2px 12px; border-radius: 6px;"
            )
        if text:
            col.addWidget(self.badge_label, 0, Qt.AlignmentFlag.AlignLeft)
        row.addLayout(col, 1)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.clicked.emit(self.entry.code)
        super().mousePressEvent(event)


class HardestPage(QWidget):
    """Title plus two columns of five cards (places 1–5 left, 6–10 right)."""

    unit_selected = Signal(str)
    section_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 16, 40, 12)
        outer.setSpacing(10)
        head = QHBoxLayout()
        outer.addLayout(head)
        title = QLabel("最难办事科室 · 群众评")
        title.setFont(font(52, bold=True))
        title.setStyleSheet(f"color: {INK};")
        head.addWidget(title)
        head.addStretch(1)
        key = QLabel(INDICATORS)
        key.setFont(font(30, bold=True))
        key.setStyleSheet(f"color: {INK};")
        head.addWidget(key, 0, Qt.AlignmentFlag.AlignBottom)
        self.subtitle = _ignore_width(QLabel())
        self.subtitle.setFont(font(30))
        self.subtitle.setStyleSheet(f"color: {MUTED};")
        outer.addWidget(self.subtitle)
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(30)
        self._grid.setVerticalSpacing(12)
        outer.addLayout(self._grid, 1)
        self.empty_label = QLabel("✓ 本季度没有差评，暂无“最难办事”单位")
        self.empty_label.setFont(font(52, bold=True))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()
        outer.addWidget(self.empty_label, 1)
        self.cards: list[HardestCard | SectionCard] = []

    def _clear(self) -> None:
        for c in self.cards:
            c.setParent(None)
            c.deleteLater()
        self.cards = []

    def set_data(self, standings: Standings, sections: SectionRanking | None) -> None:
        """Sections when the hall has them, else the units of ``standings``."""
        if sections is None:
            self.set_standings(standings)
        else:
            self.set_sections(sections)

    def set_sections(self, ranking: SectionRanking) -> None:
        self._clear()
        s = ranking.settings
        review = ranking.review
        source = (
            f"群众评议发出邀请 {review.get('invitations')} 份、收回 {review.get('responses')} 份"
            if review
            else "本季度未开展群众评议，按窗口差评"
        )
        self.subtitle.setText(
            f"{source} · 评议 x/y：y 份答卷评价该科室、x 份指出问题 · "
            f"连续 {s.escalate_head_after} 次前 3 免去科室负责人，{s.escalate_leader_after} 次免去分管领导"
        )
        entries = ranking.hardest
        half = max(1, (len(entries) + 1) // 2)
        for i, e in enumerate(entries):
            card = SectionCard(e, s.no_promotion_months)
            card.clicked.connect(self.section_selected)
            self._grid.addWidget(card, i % half, i // half)
            self.cards.append(card)
        self.empty_label.setText("✓ 本季度暂无群众反映难办的科室")
        self.empty_label.setVisible(not entries)

    def set_standings(self, standings: Standings) -> None:
        self._clear()
        n = standings.settings.hardest_count
        self.subtitle.setText(
            f"按差评（不满意、非常不满意）占比排出前 {n} 名及其主要问题；"
            f"评价不少于 {standings.settings.min_ratings} 条的单位参与；核实的违规行为直接列第 1 名"
        )
        entries = standings.hardest
        half = max(1, (len(entries) + 1) // 2)
        for i, e in enumerate(entries):
            card = HardestCard(e)
            card.clicked.connect(self.unit_selected)
            self._grid.addWidget(card, i % half, i // half)
            self.cards.append(card)
        self.empty_label.setText("✓ 本季度没有差评，暂无“最难办事”单位")
        self.empty_label.setVisible(not entries)

    def labels(self) -> list[str]:
        return [c.name_label.full_text() for c in self.cards]
