"""Export: the quarter's CSV, workbook and PDF report, written by ``board.export`` itself.

The same ``export_quarter`` as ``hall-admin export`` runs on a thread of its own (with a client
of its own, so the other pages stay live), reporting progress by signal. Cancel makes the next
progress report raise: ``export_quarter`` then discards its temporary files, so no half-written
file is left and an existing file stays as it was.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from platformdirs import user_documents_dir
from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from board._qt.console.qt_common import ConsoleContext, Page, heading
from board._qt.console.qt_worker import as_api_error
from board.export import EXPORT_FILES, ExportError, ExportResult, export_quarter, target_paths

__all__ = ["ExportCancelled", "ExportPage"]

log = logging.getLogger(__name__)


class ExportCancelled(Exception):
    """Raised from the progress callback when the office pressed Cancel."""


class ExportPage(Page):
    """Pick the folder and options, export with a progress bar, cancel, open the folder."""

    key = "export"
    roles = ("admin", "office")
    _progressed = Signal(str, int, int)  # step, done, total (-1: unknown)
    _finished = Signal(object, object)  # ExportResult | None, message | None

    def __init__(self, ctx: ConsoleContext) -> None:
        super().__init__(ctx)
        t = self.t
        box = QVBoxLayout(self)
        box.addWidget(heading(t("export_heading")))
        form = QFormLayout()
        row = QHBoxLayout()
        self.folder = QLineEdit(str(Path(user_documents_dir()) / "hall-ratings"))
        row.addWidget(self.folder, 1)
        choose = QPushButton(t("export_choose"))
        choose.clicked.connect(self._on_choose)
        row.addWidget(choose)
        form.addRow(t("export_folder"), row)
        kinds = QHBoxLayout()
        self.kinds: dict[str, QCheckBox] = {}
        for kind in EXPORT_FILES:
            box_ = QCheckBox(t(f"export_kind_{kind}"))
            box_.setChecked(True)
            box_.toggled.connect(lambda _on: self._show_files())
            kinds.addWidget(box_)
            self.kinds[kind] = box_
        kinds.addStretch(1)
        form.addRow(t("export_kinds"), kinds)
        self.files = QLabel()
        self.files.setWordWrap(True)
        form.addRow(t("export_files"), self.files)
        self.contacts = QCheckBox(t("export_contacts"))
        form.addRow("", self.contacts)
        self.force = QCheckBox(t("export_overwrite"))
        form.addRow("", self.force)
        box.addLayout(form)
        buttons = QHBoxLayout()
        self.start_button = QPushButton(t("export_start"))
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        buttons.addWidget(self.start_button)
        self.cancel_button = QPushButton(t("export_cancel"))
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        buttons.addWidget(self.cancel_button)
        self.open_button = QPushButton(t("export_open"))
        self.open_button.clicked.connect(self.open_folder)
        self.open_button.setEnabled(False)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        box.addLayout(buttons)
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        box.addWidget(self.bar)
        self.state = QLabel()
        self.state.setWordWrap(True)
        box.addWidget(self.state)
        box.addStretch(1)
        self.folder.textChanged.connect(lambda _t: self._show_files())
        self._progressed.connect(self._on_progress)
        self._finished.connect(self._on_finished)
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self.result: ExportResult | None = None

    def refresh(self) -> None:
        self._show_files()

    def chosen(self) -> tuple[str, ...]:
        """The files to write, as ``export_quarter`` names them."""
        return tuple(k for k, box in self.kinds.items() if box.isChecked())

    def _targets(self) -> list[Path]:
        hall = self.ctx.hall or "?"
        folder = Path(self.folder.text().strip())
        paths: list[Path] = target_paths(folder, hall, self.ctx.quarter, self.chosen())
        return paths

    def _show_files(self) -> None:
        self.files.setText("\n".join(p.name for p in self._targets()))
        if not self.running:
            self.start_button.setEnabled(bool(self.chosen()))

    def _on_choose(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.t("export_folder"), self.folder.text())
        if path:
            self.folder.setText(path)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        hall, quarter = self.ctx.hall, self.ctx.quarter
        if not hall or self.running:
            return
        out_dir = Path(self.folder.text().strip()).expanduser()
        contacts, force = self.contacts.isChecked(), self.force.isChecked()
        files = self.chosen()
        if not files:
            return
        make_client = self.ctx.client_factory
        self._cancel.clear()
        self.result = None
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.open_button.setEnabled(False)
        self.bar.setRange(0, 0)
        self.state.setText(self.t("export_step_quarter"))

        def progress(step: str, done: int, total: int | None) -> None:
            if self._cancel.is_set():
                raise ExportCancelled()
            self._progressed.emit(step, done, -1 if total is None else total)

        def work() -> None:
            result: ExportResult | None = None
            message: str | None = None
            try:
                with make_client() as client:
                    result = export_quarter(
                        client,
                        hall,
                        quarter,
                        out_dir,
                        force=force,
                        include_contacts=contacts,
                        files=files,
                        progress=progress,
                    )
            except ExportCancelled:
                message = self.t("export_cancelled")
            except ExportError as e:
                message = self.t("export_failed", message=str(e))
            except Exception as e:  # the page must say what happened, whatever it was
                log.warning("export failed", exc_info=True)
                message = self.t("export_failed", message=as_api_error(e).detail)
            self._finished.emit(result, message)

        self._thread = threading.Thread(target=work, name="console-export", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        if self.running:
            self._cancel.set()
            self.cancel_button.setEnabled(False)

    def _on_progress(self, step: str, done: int, total: int) -> None:
        t = self.t
        if step == "ratings" and total >= 0:
            self.bar.setRange(0, max(1, total))
            self.bar.setValue(done)
            self.state.setText(t("export_step_ratings", done=done, total=total))
        else:
            self.bar.setRange(0, 0)
            self.state.setText(t(f"export_step_{step}"))

    def _on_finished(self, result: ExportResult | None, message: str | None) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.bar.setRange(0, 1)
        self.result = result
        if result is not None:
            self.bar.setValue(1)
            self.state.setText(
                self.t("export_done", n=result.ratings, files=len(result.paths))
                + "\n"
                + "\n".join(str(p) for p in result.paths)
            )
            self.open_button.setEnabled(True)
        else:
            self.bar.setValue(0)
            self.state.setText(message or "")

    def open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(self.folder.text().strip()))

    def wait(self, timeout: float = 60.0) -> None:
        """Tests and shutdown: wait for a running export's thread."""
        if self._thread is not None:
            self._thread.join(timeout)

    def closeEvent(self, event: Any) -> None:
        self.cancel()
        self.wait()
        super().closeEvent(event)
