"""Standings: the quarter as the wall ranks it, with every unit's explanation.

The same engine as the board (``board.standings.compute_standings``, run on the worker in the
console's language) and the board's own table model (``StandingsTableModel``), so the office
sees exactly the numbers the wall shows; selecting a unit shows the engine's explanation lines.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from board._qt.console.qt_common import (
    ConsoleContext,
    Page,
    ask_note,
    confirm,
    heading,
    local_time,
)
from board._qt.console.qt_worker import Client
from board._qt.console.texts import Tr
from board._qt.qt_table import COLUMNS, SORT_ROLE, UNIT_CODE_ROLE, StandingsTableModel
from board.history import fetch_history
from board.published import standings_of, standings_to_dict
from board.standings import Standings, UnitStanding, compute_standings
from sync.publish import aggregates_digest

__all__ = ["StandingsPage", "load_standings", "status_words"]

# The board model's columns (by their keys) in the console's words; the board's own order.
_WORDS = {
    "rank": "std_rank",
    "name": "std_unit",
    "n": "std_n",
    "l5": "level_5",
    "l4": "level_4",
    "l3": "level_3",
    "l2": "level_2",
    "l1": "level_1",
    "citizen": "std_citizen",
    "inspections": "std_inspections",
    "quarter": "std_quarter",
    "status": "std_status",
}
_KEYS = [key for _header, key in COLUMNS]
_STATUS_COLUMN = _KEYS.index("status")
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class QuarterView:
    """A quarter as the page shows it: what the wall shows (published or live), in the console's
    language; what "publish" would publish (the engine's ranking now, in Chinese, as the wall
    and the poster speak); the aggregates' digest; the quarter's state."""

    shown: Standings
    to_publish: Standings
    digest: str
    published: dict[str, Any] | None  # the store's record of the closed quarter, if any


def load_standings(client: Client, hall: str, quarter: str, lang: str) -> QuarterView | None:
    """The quarter from the store (worker thread); None for a quarter with no data."""
    r = client.aggregates(hall, quarter)
    if not isinstance(r.data, dict):
        return None
    history = fetch_history(client, hall, quarter)
    shown = standings_of(r.data, history=history, lang="en" if lang == "en" else "zh")
    to_publish = compute_standings(r.data, history=history)
    published = r.data.get("published") if isinstance(r.data.get("published"), dict) else None
    return QuarterView(shown, to_publish, aggregates_digest(r.data), published)


def publish_text(tr: Tr, quarter: str, s: Standings, digest: str) -> str:
    """What the confirmation says will be published: both lists, the count, the digest."""
    sep = "、" if tr.lang == "zh" else ", "
    red = sep.join(e.label for e in s.red_list) or tr("none_rows")
    black = sep.join(e.label for e in s.black_list) or (
        s.black_list_empty_reason or tr("black_empty")
    )
    ranked = sum(1 for u in s.units if u.rank is not None)
    return "\n".join(
        [
            tr("publish_text"),
            "",
            f"{tr('red_list')}: {red}",
            f"{tr('black_list')}: {black}",
            tr("publish_ranked", n=ranked),
            tr("publish_digest", digest=digest[:16]),
        ]
    )


def status_words(tr: Tr, u: UnitStanding) -> str:
    if u.status == "red":
        text = tr("status_red")
    elif u.status == "black":
        text = tr("status_black")
    elif u.status == "ranked":
        text = tr("status_ranked")
    else:
        text = tr("status_not_enough", n=u.needs_more)
    return text + (tr("status_misconduct") if u.misconduct else "")


class _Proxy(QSortFilterProxyModel):
    """The board's model sorted by place, with headers and status in the console's language."""

    def __init__(self, model: StandingsTableModel, tr: Tr) -> None:
        super().__init__()
        self.tr_ = tr
        self.board_model = model
        self.setSourceModel(model)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(_KEYS)
            and _KEYS[section] in _WORDS
        ):
            return self.tr_(_WORDS[_KEYS[section]])
        return super().headerData(section, orientation, role)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and index.isValid()
            and index.column() == _STATUS_COLUMN
        ):
            row = self.mapToSource(self.index(index.row(), index.column())).row()
            return status_words(self.tr_, self.board_model.unit_at(row))
        return super().data(index, role)


class StandingsPage(Page):
    """The table of every unit, the lists at a glance, and the selected unit's explanation."""

    key = "standings"
    roles = ("admin", "office", "unit")

    def __init__(self, ctx: ConsoleContext) -> None:
        super().__init__(ctx)
        tr = self.t
        box = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title_label = heading(tr("page_standings"))
        top.addWidget(self.title_label, 1)
        self.publish_button = QPushButton(tr("publish"))
        self.publish_button.clicked.connect(self.publish)
        self.reopen_button = QPushButton(tr("reopen"))
        self.reopen_button.clicked.connect(self.reopen)
        if ctx.identity.is_office:
            top.addWidget(self.publish_button)
            top.addWidget(self.reopen_button)
        self.publish_button.setEnabled(False)
        self.reopen_button.setEnabled(False)
        box.addLayout(top)
        self.lists_label = QLabel()
        self.lists_label.setWordWrap(True)
        self.lists_label.setTextFormat(Qt.TextFormat.PlainText)
        box.addWidget(self.lists_label)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.model = StandingsTableModel(self)
        self.proxy = _Proxy(self.model, tr)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(False)
        self.proxy.sort(0, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setTabKeyNavigation(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(29)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        split.addWidget(self.view)
        side = QWidget()
        sbox = QVBoxLayout(side)
        sbox.setContentsMargins(0, 0, 0, 0)
        self.explain_title = QLabel(f"<b>{tr('explanation')}</b>")
        sbox.addWidget(self.explain_title)
        self.explain = QPlainTextEdit()
        self.explain.setReadOnly(True)
        self.explain.setPlaceholderText(tr("explanation_hint"))
        self.explain.setTabChangesFocus(True)
        sbox.addWidget(self.explain, 1)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        box.addWidget(split, 1)
        self.standings: Standings | None = None
        self.view_data: QuarterView | None = None

    def refresh(self) -> None:
        hall, quarter, lang = self.ctx.hall, self.ctx.quarter, self.t.lang
        if not hall:
            return
        self.call(lambda c: load_standings(c, hall, quarter, lang), self.show_standings)

    def show_standings(self, v: QuarterView | None) -> None:
        tr = self.t
        self.view_data = v
        published = v.published if v is not None else None
        closed = published is not None and published.get("state") == "closed"
        state = tr("standings_live")
        if published is not None and closed:
            state = tr(
                "published_state",
                time=local_time(self.ctx, published.get("closed_at")),
                by=published.get("closed_by", ""),
            )
        elif published is not None:
            state = tr(
                "reopened_state",
                time=local_time(self.ctx, published.get("reopened_at")),
                by=published.get("reopened_by", ""),
                reason=published.get("reopen_reason", ""),
            )
        self.title_label.setText(f"{tr('standings_heading', quarter=self.ctx.quarter)} · {state}")
        self.publish_button.setEnabled(v is not None and not closed)
        self.reopen_button.setEnabled(closed)
        s = v.shown if v is not None else None
        self.standings = s
        if s is None:
            self.lists_label.setText(tr("none_rows"))
            return
        units = s.units
        unit = self.ctx.identity.unit
        if unit is not None:  # a unit's operator sees its own line and the lists
            units = [u for u in s.units if u.code == unit]
        shown = replace(s, units=units) if unit is not None else s
        current = self.current_code()
        self.model.set_standings(shown)
        if self.model.rowCount() and self.view.columnWidth(1) < 150:
            self.view.resizeColumnsToContents()
        sep = "、" if tr.lang == "zh" else ", "
        red = sep.join(e.label for e in s.red_list) or tr("none_rows")
        black = sep.join(e.label for e in s.black_list) or (
            s.black_list_empty_reason or tr("black_empty")
        )
        self.lists_label.setText(f"{tr('red_list')}: {red}\n{tr('black_list')}: {black}")
        if current:
            self.select_unit(current)
        elif units:
            self.select_unit(units[0].code)

    def publish(self) -> None:
        v, hall, quarter = self.view_data, self.ctx.hall, self.ctx.quarter
        if v is None or not hall:
            return
        tr = self.t
        text = publish_text(tr, quarter, v.to_publish, v.digest)
        if not confirm(self, tr, tr("publish_title", quarter=quarter), text):
            return
        digest, body = v.digest, standings_to_dict(v.to_publish)
        self.call(lambda c: c.close_quarter(hall, quarter, digest, body), self._on_published)

    def _on_published(self, _q: dict[str, Any]) -> None:
        self.ctx.message.emit(self.t("published_done", quarter=self.ctx.quarter))
        self.refresh()

    def reopen(self) -> None:
        hall, quarter = self.ctx.hall, self.ctx.quarter
        if not hall:
            return
        tr = self.t
        reason = ask_note(
            self, tr, tr("reopen_title", quarter=quarter), tr("reopen_text"), tr("reopen")
        )
        if reason is None:
            return
        self.call(lambda c: c.reopen_quarter(hall, quarter, reason), lambda _q: self.refresh())

    def current_code(self) -> str | None:
        index = self.view.currentIndex()
        code = index.siblingAtColumn(0).data(UNIT_CODE_ROLE) if index.isValid() else None
        return str(code) if code else None

    def select_unit(self, code: str) -> bool:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(UNIT_CODE_ROLE) == code:
                self.view.setCurrentIndex(index)
                self.view.scrollTo(index)
                return True
        return False

    def open_item(self, item: Any) -> None:
        if isinstance(item, str):
            self.select_unit(item)
        self.view.setFocus()

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self.standings is None or not current.isValid():
            self.explain.clear()
            return
        row = self.proxy.mapToSource(current).row()
        u = self.model.unit_at(row)
        tr = self.t
        place = tr("rank_n", n=u.rank) if u.rank else tr("not_ranked")
        self.explain_title.setText(f"<b>{u.name} · {place}</b>")
        self.explain.setPlainText("\n".join(f"· {line}" for line in u.explanation))
