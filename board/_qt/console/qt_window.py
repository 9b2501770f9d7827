"""The console's main window: a bar (hall, quarter, who, language), the pages, the messages.

Pages are listed on the left (Ctrl+1…9 jump to them, arrows move in the list); F5 refreshes the
page shown, which also refreshes itself every minute. A refusal from the server appears in the
red bar above the page with the server's own message until dismissed (Esc). Switching the
language builds the pages again in the other language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from board._qt.console.qt_appeals import AppealsPage
from board._qt.console.qt_audit import AuditPage
from board._qt.console.qt_cases import CasesPage
from board._qt.console.qt_common import ConsoleContext, Identity, Page, error_text
from board._qt.console.qt_export import ExportPage
from board._qt.console.qt_flagged import FlaggedPage
from board._qt.console.qt_inspections import InspectionsPage
from board._qt.console.qt_roster import RosterPage
from board._qt.console.qt_standings import StandingsPage
from board._qt.console.qt_terminals import TerminalsPage
from board._qt.console.qt_today import TodayPage
from board._qt.console.qt_worker import ApiWorker, Client
from board._qt.console.texts import Lang, Tr
from sync.client import ApiError
from sync.quarter import Quarter

__all__ = ["PAGE_TYPES", "ConsoleWindow"]

log = logging.getLogger(__name__)

PAGE_TYPES: list[type[Page]] = [
    TodayPage,
    CasesPage,
    InspectionsPage,
    AppealsPage,
    FlaggedPage,
    StandingsPage,
    RosterPage,
    TerminalsPage,
    ExportPage,
    AuditPage,
]
REFRESH_MS = 60_000
QUARTERS_BACK = 7

STYLE = """
QWidget { font-size: 15px; }
QLabel#heading { font-size: 22px; font-weight: bold; }
#bar { background: #1A3A5F; }
#bar QLabel { color: white; }
#bar QPushButton { padding: 4px 10px; }
#nav { background: #F2F0EA; border: 0; font-size: 16px; }
#nav::item { padding: 8px 10px; }
#nav::item:selected { background: #1A4D8F; color: white; }
#errorbar { background: #FDE7E9; border: 1px solid #A4262C; }
#errorbar QLabel { color: #7A1C21; }
QTableView { gridline-color: #D0D0D0; selection-background-color: #1A4D8F;
             selection-color: white; alternate-background-color: #F6F6F6; }
QHeaderView::section { background: #E3E0D8; padding: 4px; border: 0;
                       border-right: 1px solid #C8C8C8; font-weight: bold; }
QPushButton:focus, QComboBox:focus, QLineEdit:focus, QCheckBox:focus, QListWidget:focus,
QTableView:focus, QPlainTextEdit:focus, QSpinBox:focus { border: 2px solid #E08A00; }
"""


class ErrorBar(QFrame):
    """The server's refusal, in words, until dismissed."""

    def __init__(self, tr: Tr) -> None:
        super().__init__()
        self.setObjectName("errorbar")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 12, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.label, 1)
        self.dismiss = QPushButton(tr("dismiss"))
        self.dismiss.clicked.connect(self.hide)
        row.addWidget(self.dismiss)
        self.hide()

    def show_text(self, text: str) -> None:
        self.label.setText("⚠ " + text)
        self.show()


class ConsoleWindow(QMainWindow):
    """The office console over one signed-in client (``ApiWorker``)."""

    signed_out = Signal()
    session_ended = Signal(str)  # the server's reason (expired, signed out elsewhere, disabled)
    page_shown = Signal(str)

    def __init__(
        self,
        api: ApiWorker,
        identity: Identity,
        *,
        lang: Lang = "zh",
        hall: str | None = None,
        quarter: str | None = None,
        on_language: Callable[[Lang], None] | None = None,
        client_factory: Callable[[], Client] | None = None,
    ) -> None:
        super().__init__()
        self.api = api
        self.identity = identity
        self._wanted_hall = hall
        self._wanted_quarter = quarter
        self._on_language = on_language
        self.ctx = ConsoleContext(api, identity, Tr(lang), client_factory)
        self.pages: dict[str, Page] = {}
        self.resize(1366, 768)
        api.failed.connect(self.show_error)
        api.busy_changed.connect(self._on_busy)
        self.ctx.halls_stale.connect(self.load_halls)
        self._build()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(REFRESH_MS)
        for n in range(1, 10):
            QShortcut(QKeySequence(f"Ctrl+{n}"), self, lambda n=n: self.show_index(n - 1))
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh)
        QShortcut(QKeySequence("Ctrl+L"), self, self.toggle_language)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, lambda: self.errors.hide())
        self.load_halls()

    # layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        tr = self.ctx.t
        self.setWindowTitle(tr("app_title"))
        central = QWidget()
        central.setStyleSheet(STYLE)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._build_bar(tr))
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFixedWidth(190 if tr.lang == "en" else 160)
        self.nav.setAccessibleName("pages")
        self.stack = QStackedWidget()
        self.pages = {}
        for page_type in PAGE_TYPES:
            if self.identity.role not in page_type.roles:
                continue
            page = page_type(self.ctx)
            self.pages[page.key] = page
            self.stack.addWidget(page)
            n = len(self.pages)
            label = f"{page.title}" + (f"   Ctrl+{n}" if n <= 9 else "")
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, page.key)
            self.nav.addItem(item)
            if isinstance(page, TodayPage):
                page.open_requested.connect(self.open_item)
        self.nav.currentRowChanged.connect(self._on_nav)
        body.addWidget(self.nav)
        right = QVBoxLayout()
        right.setContentsMargins(12, 8, 12, 4)
        self.errors = ErrorBar(tr)
        right.addWidget(self.errors)
        right.addWidget(self.stack, 1)
        self.status = QLabel(tr("nav_hint"))
        self.status.setStyleSheet("color: #4A4A4A;")
        right.addWidget(self.status)
        body.addLayout(right, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)
        self.ctx.message.connect(self._on_message)
        if self.nav.count():
            self.nav.setCurrentRow(0)
        self.nav.setFocus()

    def _build_bar(self, tr: Tr) -> QWidget:
        bar = QFrame()
        bar.setObjectName("bar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(12, 6, 12, 6)
        title = QLabel(f"<b>{tr('app_title')}</b>")
        row.addWidget(title)
        row.addSpacing(16)
        hall_label = QLabel(tr("hall"))
        row.addWidget(hall_label)
        self.hall_box = QComboBox()
        self.hall_box.setMinimumWidth(220)
        hall_label.setBuddy(self.hall_box)
        self.hall_box.activated.connect(self._on_hall_chosen)
        row.addWidget(self.hall_box)
        quarter_label = QLabel(tr("quarter"))
        row.addWidget(quarter_label)
        self.quarter_box = QComboBox()
        quarter_label.setBuddy(self.quarter_box)
        self.quarter_box.activated.connect(self._on_quarter_chosen)
        row.addWidget(self.quarter_box)
        row.addStretch(1)
        self.busy = QLabel()
        row.addWidget(self.busy)
        role = tr(f"role_{self.identity.role}")
        who = tr("signed_in_as", name=self.identity.name, role=role)
        if self.identity.unit:
            who += f" · {self.identity.unit}"
        self.who = QLabel(who)
        row.addWidget(self.who)
        self.refresh_button = QPushButton(tr("refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        row.addWidget(self.refresh_button)
        self.language_button = QPushButton(tr("language"))
        self.language_button.clicked.connect(self.toggle_language)
        row.addWidget(self.language_button)
        self.sign_out_button = QPushButton(tr("sign_out"))
        self.sign_out_button.clicked.connect(self.signed_out.emit)
        row.addWidget(self.sign_out_button)
        return bar

    # hall and quarter -----------------------------------------------------------------------

    def load_halls(self) -> None:
        self.api.run(lambda c: c.halls(), self._on_halls, owner=self)

    def _on_halls(self, halls: list[dict[str, Any]]) -> None:
        allowed = self.identity.halls
        halls = [h for h in halls if not allowed or h["code"] in allowed]
        self.ctx.halls = halls
        self.hall_box.clear()
        for h in halls:
            self.hall_box.addItem(f"{h['code']} · {h['name']}", h["code"])
        wanted = self._wanted_hall or self.ctx.hall
        codes = [h["code"] for h in halls]
        code = wanted if wanted in codes else (codes[0] if codes else None)
        if code is not None:
            self.hall_box.setCurrentIndex(codes.index(code))
        self._set_hall(code)

    def _set_hall(self, code: str | None) -> None:
        self.ctx.set_hall(code)
        self._fill_quarters()
        self.ctx.set_roster(None)
        if code:
            self.api.run(lambda c: c.roster(code), self.ctx.set_roster, owner=self)
        self.refresh()

    def _fill_quarters(self) -> None:
        now = Quarter.of(self.ctx.now().date())
        quarters = [str(now)]
        for _ in range(QUARTERS_BACK):
            now = now.previous()
            quarters.append(str(now))
        current = quarters[0]
        wanted = self._wanted_quarter or self.ctx.quarter or current
        if wanted not in quarters:
            quarters.insert(0, wanted)
        self.quarter_box.clear()
        for q in quarters:
            self.quarter_box.addItem(q, q)
        self.quarter_box.setCurrentIndex(quarters.index(wanted))
        self.ctx.quarter = wanted

    def _on_hall_chosen(self, index: int) -> None:
        self._wanted_hall = self.hall_box.itemData(index)
        self._set_hall(self._wanted_hall)

    def _on_quarter_chosen(self, index: int) -> None:
        self._wanted_quarter = self.quarter_box.itemData(index)
        self.ctx.quarter = self._wanted_quarter or self.ctx.quarter
        self.ctx.hall_changed.emit()
        self.refresh()

    # pages ----------------------------------------------------------------------------------

    @property
    def current_page(self) -> Page | None:
        w = self.stack.currentWidget()
        return w if isinstance(w, Page) else None

    def show_page(self, key: str) -> Page:
        page = self.pages[key]
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.setCurrentRow(row)
        return page

    def show_index(self, index: int) -> None:
        if 0 <= index < self.nav.count():
            self.nav.setCurrentRow(index)

    def _on_nav(self, row: int) -> None:
        if row < 0:
            return
        key = self.nav.item(row).data(Qt.ItemDataRole.UserRole)
        page = self.pages[key]
        self.stack.setCurrentWidget(page)
        if self.ctx.hall:
            page.refresh()
        self.page_shown.emit(key)

    def open_item(self, key: str, item: Any) -> None:
        """Show page ``key`` with ``item`` selected once its data is in."""
        if key not in self.pages:
            return
        page = self.show_page(key)
        # The page's refresh is queued on the worker; select after it has answered.
        self.api.run(lambda _c: None, lambda _r: page.open_item(item), owner=page)

    def refresh(self) -> None:
        page = self.current_page
        if page is not None and self.ctx.hall:
            page.refresh()

    # language -------------------------------------------------------------------------------

    def toggle_language(self) -> None:
        self.set_language("en" if self.ctx.t.lang == "zh" else "zh")

    def set_language(self, lang: Lang) -> None:
        if lang == self.ctx.t.lang:
            return
        key = self.current_page.key if self.current_page else None
        hall, quarter = self.ctx.hall, self.ctx.quarter
        halls, roster = self.ctx.halls, self.ctx.roster
        old = self.centralWidget()
        self.ctx.t = Tr(lang)
        try:
            self.ctx.message.disconnect(self._on_message)
        except (RuntimeError, TypeError):
            pass
        self._build()
        if old is not None:
            old.deleteLater()
        self.ctx.halls, self.ctx.roster, self.ctx.quarter = halls, roster, quarter
        self._wanted_quarter = quarter
        self.hall_box.clear()
        for h in halls:
            self.hall_box.addItem(f"{h['code']} · {h['name']}", h["code"])
        codes = [h["code"] for h in halls]
        if hall in codes:
            self.hall_box.setCurrentIndex(codes.index(hall))
        self._fill_quarters()
        self.ctx.roster_changed.emit()
        if key and key in self.pages:
            self.show_page(key)
        self.refresh()
        if self._on_language is not None:
            self._on_language(lang)

    # messages -------------------------------------------------------------------------------

    def show_error(self, error: ApiError) -> None:
        if error.status == 401 and self.identity.role != "admin":
            self.session_ended.emit(error.detail)  # back to the sign-in form, saying why
            return
        self.errors.show_text(error_text(self.ctx.t, error, self.identity.server))

    def _on_message(self, text: str) -> None:
        self.status.setText(text)

    def _on_busy(self, busy: bool) -> None:
        self.busy.setText(self.ctx.t("loading") if busy else "")

    # screenshots and tests ------------------------------------------------------------------

    def settle(self, timeout_s: float = 20.0) -> None:
        """Run events until the worker has answered everything queued (or the timeout)."""
        if not self.api.busy:
            QApplication.processEvents()
            return
        loop = QEventLoop()
        self.api.busy_changed.connect(lambda busy: None if busy else loop.quit())
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        if self.api.busy:
            loop.exec()
        QApplication.processEvents()

    def render_pages(self, out_dir: Path, prefix: str) -> list[Path]:
        """Every page of this role to ``out_dir/{prefix}-NN-page.png``."""
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for n, key in enumerate(self.pages, start=1):
            self.show_page(key)
            self.settle()
            path = out_dir / f"{prefix}-{n:02d}-{key}.png"
            if not self.grab().save(str(path)):
                raise OSError(f"could not write {path}")
            written.append(path)
        return written

    def closeEvent(self, event: Any) -> None:
        self._timer.stop()
        super().closeEvent(event)
