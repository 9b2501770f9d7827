"""Table models over the API's lists: one row per record, columns described once.

``RecordTableModel`` holds the records a page fetched (dataclasses or dicts) and a list of
``Column``s that say how to show them. A refresh with ``set_rows`` compares keys: rows still
there are updated in place (``dataChanged`` only where a cell changed), rows gone are removed and
new rows inserted with the begin/end calls, so a view keeps its selection and scroll position
across the periodic refresh; only a reordering of kept rows resets the model.
``FilterProxy`` filters on any column's text and sorts on each column's sort value.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from board._qt.console.texts import Tr

__all__ = ["RECORD_ROLE", "SORT_ROLE", "Column", "FilterProxy", "RecordTableModel"]

RECORD_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
_Index = QModelIndex | QPersistentModelIndex
WARN = "#A4262C"  # 6.5:1 on white; always beside words, never the only cue


@dataclass(frozen=True)
class Column:
    """A column: its header text key, the cell text of a record, and optionally more."""

    header: str
    text: Callable[[Any], str]
    sort: Callable[[Any], Any] | None = None  # default: the text
    numeric: bool = False
    warn: Callable[[Any], bool] | None = None  # red text (with words saying why in the cell)
    tooltip: Callable[[Any], str] | None = None


class RecordTableModel(QAbstractTableModel):
    """Records × columns; ``key(record)`` identifies a record across refreshes."""

    def __init__(
        self,
        columns: Sequence[Column],
        tr: Tr,
        key: Callable[[Any], Hashable],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.t = tr
        self._key = key
        self._rows: list[Any] = []

    @property
    def rows(self) -> list[Any]:
        return list(self._rows)

    def record(self, row: int) -> Any:
        return self._rows[row]

    def row_of(self, key: Hashable) -> int:
        for i, r in enumerate(self._rows):
            if self._key(r) == key:
                return i
        return -1

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Show ``rows``: update, remove and insert as the keys say (see the module doc)."""
        new = list(rows)
        new_keys = [self._key(r) for r in new]
        if len(set(new_keys)) != len(new_keys):
            raise ValueError("two records with the same key")
        wanted = set(new_keys)
        # 1. rows gone, from the bottom up so the indexes stay right
        for i in range(len(self._rows) - 1, -1, -1):
            if self._key(self._rows[i]) not in wanted:
                self.beginRemoveRows(QModelIndex(), i, i)
                del self._rows[i]
                self.endRemoveRows()
        kept = [self._key(r) for r in self._rows]
        if kept != [k for k in new_keys if k in set(kept)]:
            self.beginResetModel()  # the kept rows changed order: nothing to preserve
            self._rows = new
            self.endResetModel()
            return
        # 2. update kept rows, insert new ones where they belong
        last_col = len(self.columns) - 1
        for i, (k, record) in enumerate(zip(new_keys, new, strict=True)):
            if i < len(self._rows) and self._key(self._rows[i]) == k:
                if self._rows[i] != record:
                    self._rows[i] = record
                    self.dataChanged.emit(self.index(i, 0), self.index(i, last_col))
            else:
                self.beginInsertRows(QModelIndex(), i, i)
                self._rows.insert(i, record)
                self.endInsertRows()

    def set_language(self, tr: Tr) -> None:
        self.t = tr
        if self.columns:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns) - 1)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(self.columns) - 1)
            )

    # Qt overrides ---------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.t(self.columns[section].header)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self.columns):
            return None
        record = self._rows[index.row()]
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.text(record)
        if role == RECORD_ROLE:
            return record
        if role == SORT_ROLE:
            value = col.sort(record) if col.sort else col.text(record)
            return value if isinstance(value, int | float | str) else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col.numeric:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col.warn and col.warn(record):
            return QBrush(QColor(WARN))
        if role == Qt.ItemDataRole.ToolTipRole and col.tooltip:
            return col.tooltip(record)
        return None


class FilterProxy(QSortFilterProxyModel):
    """Sorts by each column's sort value; keeps rows whose any cell contains the filter text."""

    def __init__(self, source: QAbstractTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self.setDynamicSortFilter(True)
        self._extra: Callable[[Any], bool] | None = None

    def set_record_filter(self, keep: Callable[[Any], bool] | None) -> None:
        """Keep only records for which ``keep(record)`` (besides the text filter)."""
        self.beginFilterChange()
        self._extra = keep
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        if self._extra is not None:
            record = self.sourceModel().index(source_row, 0, source_parent).data(RECORD_ROLE)
            if record is not None and not self._extra(record):
                return False
        return super().filterAcceptsRow(source_row, source_parent)
