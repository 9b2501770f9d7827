"""The full standings table: every unit with its counts, scores and status in words.

``StandingsTableModel`` keeps one row per unit in a stable order (by unit code) so a new poll
with the same units only emits ``dataChanged``; ``StandingsTableView`` sorts it by place through a
``QSortFilterProxyModel``. In anonymous mode a black-listed unit's row shows its window category,
never its name, as the black list does.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from board._qt.qt_style import BLACK_BG, PX_TABLE, RED_BG, font, status_text
from board.standings import Standings, UnitStanding

__all__ = [
    "COLUMNS",
    "SORT_ROLE",
    "UNIT_CODE_ROLE",
    "StandingsTableModel",
    "StandingsTableView",
    "inspection_summary",
]

UNIT_CODE_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

# (header, key) — the level columns count scored ratings per level.
COLUMNS: list[tuple[str, str]] = [
    ("名次", "rank"),
    ("单位", "name"),
    ("评价数", "n"),
    ("非常满意", "l5"),
    ("满意", "l4"),
    ("基本满意", "l3"),
    ("不满意", "l2"),
    ("非常不满意", "l1"),
    ("群众评分", "citizen"),
    ("巡查扣分/加分", "inspections"),
    ("季度得分", "quarter"),
    ("状态", "status"),
]
_NUMERIC = {"rank", "n", "l5", "l4", "l3", "l2", "l1", "citizen", "quarter"}

_Index = QModelIndex | QPersistentModelIndex


class StandingsTableModel(QAbstractTableModel):
    """Units × (place, counts, scores, status); rows keep a stable order by unit code."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._units: list[UnitStanding] = []
        self._anonymous = False

    def set_standings(self, standings: Standings) -> None:
        units = sorted(standings.units, key=lambda u: u.code)
        anonymous = standings.settings.naming == "anonymous"
        same_rows = [u.code for u in units] == [u.code for u in self._units]
        if same_rows and anonymous == self._anonymous:
            self._units = units
            if units:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(len(units) - 1, len(COLUMNS) - 1)
                )
            return
        self.beginResetModel()
        self._units = units
        self._anonymous = anonymous
        self.endResetModel()

    def unit_at(self, row: int) -> UnitStanding:
        return self._units[row]

    def label(self, u: UnitStanding) -> str:
        """What the wall may call this unit (its category when anonymity protects it)."""
        if self._anonymous and u.status == "black":
            return f"{u.category_name}（匿名）"
        return u.name

    # Qt overrides ---------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._units)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][0]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._units)):
            return None
        if not 0 <= index.column() < len(COLUMNS):
            return None
        u = self._units[index.row()]
        key = COLUMNS[index.column()][1]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(u, key)
        if role == SORT_ROLE:
            # Ranked units by place, then the unranked by name: the wall's reading order.
            # A string, because the proxy cannot compare Python tuples.
            return f"0{u.rank:06d}" if u.rank is not None else f"1{u.name}"
        if role == UNIT_CODE_ROLE:
            return None if self._anonymous and u.status == "black" else u.code
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if key in _NUMERIC:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole:
            if u.status == "red":
                return QBrush(QColor(RED_BG))
            if u.status == "black":
                return QBrush(QColor(BLACK_BG))
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(u.explanation)
        return None

    def _display(self, u: UnitStanding, key: str) -> str:
        if key == "rank":
            return str(u.rank) if u.rank is not None else "—"
        if key == "name":
            return self.label(u)
        if key == "n":
            return str(u.n)
        if key.startswith("l"):
            return str(u.counts.get(int(key[1]), 0))
        if key == "citizen":
            return f"{u.citizen_score:.1f}" if u.n else "—"
        if key == "quarter":
            return f"{u.quarter_score:.1f}" if u.status != "not_enough" else "—"
        if key == "inspections":
            return inspection_summary(u)
        return status_text(u)


_DIM_SHORT = (("image", "形象"), ("behaviour", "行为"), ("discipline", "纪律"))


def inspection_summary(u: UnitStanding) -> str:
    """Deductions and bonuses per dimension, e.g. ``形象−4/+2  纪律−10``; ``—`` when none."""
    parts = []
    for dim, short in _DIM_SHORT:
        minus, plus = u.deductions(dim), u.bonuses(dim)
        figures = [f"−{abs(minus):g}"] if minus else []
        figures += [f"+{plus:g}"] if plus else []
        if figures:
            parts.append(f"{short}{'/'.join(figures)}")
    return "  ".join(parts) or "—"


class StandingsTableView(QTableView):
    """The table as the wall shows it: big rows sorted by place; a click asks for the reasons."""

    unit_selected = Signal(str)  # unit code

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table_model = StandingsTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.table_model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setDynamicSortFilter(True)
        self.setModel(self.proxy)
        self.proxy.sort(0, Qt.SortOrder.AscendingOrder)

        self.setFont(font(PX_TABLE))
        self.horizontalHeader().setFont(font(PX_TABLE - 2, bold=True))
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(PX_TABLE + 16)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWordWrap(False)
        self.setStyleSheet(
            "QTableView { background: white; alternate-background-color: #F2F2F2;"
            " gridline-color: #C8C8C8; color: #1B1B1B;"
            " selection-background-color: #1A4D8F; selection-color: white; }"
            "QHeaderView::section { background: #E3E0D8; color: #1B1B1B; padding: 6px;"
            " border: 0; border-right: 1px solid #C8C8C8; }"
        )
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setFixedHeight(PX_TABLE + 24)
        widths = [60, 345, 100, 120, 75, 120, 90, 145, 110, 280, 110, 230]
        for col, w in enumerate(widths):
            self.setColumnWidth(col, w)
        header.setStretchLastSection(True)
        self.clicked.connect(self._on_clicked)

    def set_standings(self, standings: Standings) -> None:
        self.table_model.set_standings(standings)

    def rows_per_view(self) -> int:
        """How many rows fit without scrolling at the current height."""
        usable = self.viewport().height()
        return max(1, usable // self.verticalHeader().defaultSectionSize())

    def show_part(self, part: int) -> None:
        """Scroll so the ``part``-th screenful (from 0) of rows is shown."""
        row = part * self.rows_per_view()
        if row < self.proxy.rowCount():
            self.scrollTo(self.proxy.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)

    def part_count(self) -> int:
        rows = self.proxy.rowCount()
        return max(1, -(-rows // self.rows_per_view()))

    def _on_clicked(self, index: QModelIndex) -> None:
        code = self.proxy.data(index, UNIT_CODE_ROLE)
        if code:
            self.unit_selected.emit(code)
