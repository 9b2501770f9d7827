"""What every console page shares: who is signed in, the hall and quarter, the worker, words.

``Identity`` is the signed-in operator (or the admin token, which may do everything).
``ConsoleContext`` carries the worker, the language and the chosen hall and quarter; pages read
it and listen to ``hall_changed``. ``Page`` is the base of every page: it knows its title key,
which roles see it, and how to ``refresh`` itself through the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from board._qt.console.qt_models import RECORD_ROLE, Column, FilterProxy, RecordTableModel
from board._qt.console.qt_worker import ApiWorker, Client
from board._qt.console.texts import Tr
from sync.client import ApiError
from sync.defaults import DEFAULT_TZ
from sync.roster import Roster

__all__ = [
    "ROLES",
    "ConsoleContext",
    "Identity",
    "NoteDialog",
    "ask_note",
    "Page",
    "RecordTable",
    "confirm",
    "error_text",
    "heading",
    "local_time",
]

ROLES = ("admin", "office", "inspector", "unit")
PX_BODY = 15


@dataclass(frozen=True)
class Identity:
    """Who uses the console: ``role`` is office, inspector, unit, or admin (the admin token)."""

    server: str
    name: str
    role: str
    halls: tuple[str, ...] = ()  # empty: every hall
    unit: str | None = None

    @property
    def is_office(self) -> bool:
        return self.role in ("admin", "office")


def _no_second_client() -> Client:
    raise ApiError(-1, "this console has no second connection to the server")


class ConsoleContext(QObject):
    """The worker, the words and the chosen hall/quarter, shared by the window and its pages."""

    hall_changed = Signal()
    roster_changed = Signal()
    halls_stale = Signal()  # a roster import created a hall: the hall list needs a refetch
    message = Signal(str)  # a short note for the status bar ("终端已停用")

    def __init__(
        self,
        api: ApiWorker,
        identity: Identity,
        tr: Tr,
        client_factory: Callable[[], Client] | None = None,
    ) -> None:
        super().__init__()
        self.api = api
        # A client of its own for long work beside the worker (the export).
        self.client_factory: Callable[[], Client] = client_factory or _no_second_client
        self.identity = identity
        self.t = tr
        self.hall: str | None = None
        self.hall_name = ""
        self.zone: tzinfo = ZoneInfo(DEFAULT_TZ)
        self.quarter = ""
        self.halls: list[dict[str, Any]] = []
        self.roster: Roster | None = None  # the chosen hall's, once fetched
        self.clock: Callable[[], datetime] = lambda: datetime.now().astimezone()

    def set_hall(self, code: str | None, quarter: str | None = None) -> None:
        info = next((h for h in self.halls if h.get("code") == code), None)
        self.hall = code
        self.hall_name = str(info.get("name", code)) if info else (code or "")
        try:
            self.zone = ZoneInfo(str(info.get("tz"))) if info else ZoneInfo(DEFAULT_TZ)
        except (KeyError, ValueError):
            self.zone = ZoneInfo(DEFAULT_TZ)
        if quarter:
            self.quarter = quarter
        self.hall_changed.emit()

    def set_roster(self, roster: Roster | None) -> None:
        self.roster = roster
        self.roster_changed.emit()

    def unit_name(self, code: str | None) -> str:
        if not code:
            return ""
        unit = self.roster.units.get(code) if self.roster else None
        return unit.name if unit else code

    def now(self) -> datetime:
        return self.clock().astimezone(self.zone)


def local_time(
    ctx: ConsoleContext, when: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M"
) -> str:
    """A server time in the hall's time zone, or "从未"/"never"."""
    if when is None or when == "":
        return ctx.t("never")
    if isinstance(when, str):
        try:
            parsed = datetime.fromisoformat(when)
        except ValueError:
            return when
    else:
        parsed = when
    return parsed.astimezone(ctx.zone).strftime(fmt)


def error_text(tr: Tr, error: ApiError, server: str = "") -> str:
    """The server's own message, or what "unreachable" means, in the console's language."""
    if error.status == 0:
        return tr("unreachable", server=server)
    suffix = f" (HTTP {error.status})" if error.status > 0 else ""
    return tr("server_said", message=error.detail) + suffix


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("heading")  # the window's style sheet sizes it (22 px)
    label.setAccessibleName(text)
    return label


def confirm(parent: QWidget, tr: Tr, title: str, text: str) -> bool:
    """A yes/no question whose default answer is No (Enter does not destroy anything)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    yes = box.addButton(tr("confirm"), QMessageBox.ButtonRole.AcceptRole)
    no = box.addButton(tr("cancel"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.exec()
    return box.clickedButton() is yes


class NoteDialog(QDialog):
    """A decision with a note: what will happen, a required note, OK / Cancel."""

    def __init__(self, parent: QWidget, tr: Tr, title: str, text: str, ok: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.tr_ = tr
        box = QVBoxLayout(self)
        label = QLabel(text)
        label.setWordWrap(True)
        box.addWidget(label)
        box.addWidget(QLabel(tr("note")))
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(tr("note_placeholder"))
        self.note.setTabChangesFocus(True)
        self.note.setMinimumHeight(90)
        box.addWidget(self.note)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #A4262C;")
        box.addWidget(self.problem)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton(ok, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(tr("cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        box.addWidget(buttons)
        self.resize(520, 300)

    def text(self) -> str:
        return self.note.toPlainText().strip()

    def _on_accept(self) -> None:
        if not self.text():
            self.problem.setText(self.tr_("note_required"))
            self.note.setFocus()
            return
        self.accept()


def ask_note(parent: QWidget, tr: Tr, title: str, text: str, ok: str) -> str | None:
    """Ask for a decision's note (required); None when the office cancelled."""
    dialog = NoteDialog(parent, tr, title, text, ok)
    return dialog.text() if dialog.exec() else None


class RecordTable(QWidget):
    """A filter line over a sortable table of records; Enter or double-click activates a row."""

    activated = Signal(object)  # the record
    selection_changed = Signal(object)  # the record or None

    def __init__(
        self,
        tr: Tr,
        columns: list[Column],
        key: Callable[[Any], Any],
        *,
        with_filter: bool = True,
        sort_column: int = 0,
        descending: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = RecordTableModel(columns, tr, key, self)
        self.proxy = FilterProxy(self.model, self)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(tr("filter_placeholder"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        if with_filter:
            row = QHBoxLayout()
            label = QLabel(tr("filter"))
            label.setBuddy(self.filter)
            row.addWidget(label)
            row.addWidget(self.filter, 1)
            box.addLayout(row)
        else:
            self.filter.hide()
        self.view = QTableView()
        self.view.setModel(self.proxy)
        # Qt's default indicator is descending; say which column reads top-down, and how.
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        self.view.horizontalHeader().setSortIndicator(sort_column, order)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(PX_BODY + 14)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        self.view.setTabKeyNavigation(False)  # Tab leaves the table: keyboard users move on
        self.view.doubleClicked.connect(self._on_activated)
        self.view.activated.connect(self._on_activated)
        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        box.addWidget(self.view, 1)

    def set_rows(self, rows: list[Any]) -> None:
        first = self.model.rowCount() == 0
        self.model.set_rows(rows)
        if rows and not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.proxy.index(0, 0))  # the first line is shown at once
        if first and rows:
            self.view.resizeColumnsToContents()
            for c in range(self.model.columnCount()):  # a long note must not push the rest off
                self.view.setColumnWidth(c, min(self.view.columnWidth(c), 360))

    def current(self) -> Any:
        index = self.view.currentIndex()
        return index.data(RECORD_ROLE) if index.isValid() else None

    def select_key(self, key: Any) -> bool:
        row = self.model.row_of(key)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)
        return True

    def _on_activated(self, index: Any) -> None:
        record = index.data(RECORD_ROLE)
        if record is not None:
            self.activated.emit(record)

    def _on_current(self, current: Any, _previous: Any) -> None:
        self.selection_changed.emit(current.data(RECORD_ROLE) if current.isValid() else None)


class Page(QWidget):
    """A console page: ``key`` names it, ``roles`` may see it, ``refresh`` reloads it."""

    key = ""
    roles: tuple[str, ...] = ("admin", "office")

    def __init__(self, ctx: ConsoleContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.t = ctx.t
        self.setObjectName(f"page-{self.key}")

    @property
    def title(self) -> str:
        return self.t(f"page_{self.key}")

    def refresh(self) -> None:
        """Fetch what the page shows (through ``self.ctx.api``); called when shown and on F5."""

    def open_item(self, item: Any) -> None:
        """Show one thing of this page (a case, a terminal…), e.g. from the Today page."""

    def call(
        self,
        fn: Callable[[Any], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[ApiError], None] | None = None,
    ) -> int:
        return self.ctx.api.run(fn, on_done, on_error, owner=self)
