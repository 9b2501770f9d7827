"""Terminals: last contact, missing ratings, anomalies; enrol with a large QR code; revoke.

Enrolling asks the server for a one-time code for a window and shows it as a QR code the
kiosk's camera or a phone can read, and as digits a person can type; the code is valid once
and for the minutes chosen. Revoking asks first: the terminal's token stops working at once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QKeySequence, QPainter, QPaintEvent, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from board._qt.console.qt_common import (
    ConsoleContext,
    Page,
    RecordTable,
    confirm,
    error_text,
    heading,
    local_time,
)
from board._qt.console.qt_models import Column
from board._qt.console.texts import Tr
from sync.client import Anomaly, ApiError, EnrolmentCode, TerminalInfo

__all__ = ["EnrolDialog", "QrCode", "TerminalsPage", "qr_matrix"]


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code's modules for ``text`` (medium error correction, no quiet zone)."""
    import qrcode

    qr = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


class QrCode(QWidget):
    """A QR code as large as the widget, with its white quiet zone."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = text
        self.matrix = qr_matrix(text) if text else []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(text)

    def set_text(self, text: str) -> None:
        self.text = text
        self.matrix = qr_matrix(text) if text else []
        self.setAccessibleName(text)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(320, 320)

    def minimumSizeHint(self) -> QSize:
        return QSize(220, 220)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.matrix:
            return
        n = len(self.matrix)
        side = min(self.width(), self.height())
        module = side / (n + 8)  # four modules of quiet zone on each side
        x0, y0 = (self.width() - side) / 2, (self.height() - side) / 2
        p = QPainter(self)
        p.fillRect(QRectF(x0, y0, side, side), QColor("white"))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("black"))
        for r, row in enumerate(self.matrix):
            for c, dark in enumerate(row):
                if dark:
                    p.drawRect(QRectF(x0 + (c + 4) * module, y0 + (r + 4) * module, module, module))
        p.end()


class EnrolDialog(QDialog):
    """Pick a window, get the one-time code, show it large as QR and digits."""

    def __init__(self, page: TerminalsPage, windows: list[tuple[str, str]]) -> None:
        super().__init__(page)
        tr = page.t
        self.page = page
        self.tr_ = tr
        self.setWindowTitle(tr("enrol_title"))
        box = QVBoxLayout(self)
        form = QFormLayout()
        self.window_box = QComboBox()
        for code, name in windows:
            self.window_box.addItem(f"{code} · {name}", code)
        form.addRow(tr("enrol_window"), self.window_box)
        self.minutes = QSpinBox()
        self.minutes.setRange(5, 7 * 24 * 60)
        self.minutes.setValue(30)
        self.minutes.setSuffix(" min")
        form.addRow(tr("enrol_minutes"), self.minutes)
        box.addLayout(form)
        self.create_button = QPushButton(tr("enrol_create"))
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self._on_create)
        box.addWidget(self.create_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.title = QLabel()
        self.title.setFont(_px(self.font(), 20, bold=True))
        box.addWidget(self.title)
        self.qr = QrCode()
        self.qr.hide()
        box.addWidget(self.qr, 1)
        self.digits = QLabel()
        self.digits.setFont(_px(self.font(), 44, bold=True, mono=True))
        self.digits.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.digits.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.digits)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        box.addWidget(self.detail)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #A4262C;")
        box.addWidget(self.error)
        buttons = QDialogButtonBox()
        buttons.addButton(tr("close"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        box.addWidget(buttons)
        self.code: EnrolmentCode | None = None
        self.resize(560, 720)

    def _on_create(self) -> None:
        window = self.window_box.currentData()
        if not window:
            return
        hall, minutes = self.page.ctx.hall, self.minutes.value()
        self.create_button.setEnabled(False)
        self.error.clear()
        self.page.ctx.api.run(
            lambda c: c.create_enrolment_code(window, hall=hall, minutes=minutes),
            self.show_code,
            self._on_error,
            owner=self,
        )

    def show_code(self, code: EnrolmentCode) -> None:
        self.code = code
        self.create_button.setEnabled(True)
        self.title.setText(self.tr_("enrol_code_for", window=code.window))
        self.qr.set_text(code.code)
        self.qr.show()
        self.digits.setText(code.code)
        self.detail.setText(
            self.tr_(
                "enrol_valid_until",
                time=local_time(self.page.ctx, code.expires_at),
                code=code.code,
            )
        )
        self.page.refresh()

    def _on_error(self, error: ApiError) -> None:
        self.create_button.setEnabled(True)
        self.error.setText(error_text(self.tr_, error, self.page.ctx.identity.server))


def _px(base: QFont, px: int, *, bold: bool = False, mono: bool = False) -> QFont:
    f = QFont(base)
    if mono:
        f.setFamilies(["DejaVu Sans Mono", "Monospace", *base.families()])
        f.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 4)
    f.setPixelSize(px)
    f.setBold(bold)
    return f


def _terminal_columns(ctx: ConsoleContext) -> list[Column]:
    tr = ctx.t
    return [
        Column("col_window", lambda t: t.window),
        Column("col_terminal", lambda t: t.id),
        Column(
            "col_last_seen",
            lambda t: local_time(ctx, t.last_seen_at),
            sort=lambda t: t.last_seen_at.isoformat() if t.last_seen_at else "",
        ),
        Column(
            "col_seq",
            lambda t: str(t.highest_contiguous_seq),
            sort=lambda t: t.highest_contiguous_seq,
            numeric=True,
        ),
        Column(
            "col_backlog",
            lambda t: str(t.max_seq),
            sort=lambda t: t.max_seq,
            numeric=True,
            warn=lambda t: t.max_seq > t.highest_contiguous_seq,
            tooltip=lambda t: (
                tr(
                    "today_backlog",
                    terminal=t.id,
                    window=t.window,
                    contiguous=t.highest_contiguous_seq,
                    max=t.max_seq,
                )
                if t.max_seq > t.highest_contiguous_seq
                else ""
            ),
        ),
        Column(
            "col_anomalies",
            lambda t: str(t.open_anomalies),
            sort=lambda t: t.open_anomalies,
            numeric=True,
            warn=lambda t: t.open_anomalies > 0,
        ),
        Column(
            "col_state",
            lambda t: tr("state_revoked") if t.revoked_at else tr("state_active"),
            warn=lambda t: t.revoked_at is not None,
        ),
        Column("col_enrolled", lambda t: local_time(ctx, t.enrolled_at)),
    ]


def anomaly_kind(tr: Tr, kind: str) -> str:
    key = f"kind_{kind}"
    text = tr(key)
    return kind if text == key else text


class TerminalsPage(Page):
    """Every terminal of the hall, and the open anomalies below."""

    key = "terminals"

    def __init__(self, ctx: ConsoleContext) -> None:
        super().__init__(ctx)
        tr = self.t
        box = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading(tr("terminals_heading")), 1)
        self.enrol_button = QPushButton(tr("enrol"))
        self.enrol_button.setShortcut(QKeySequence("Ctrl+N"))
        self.enrol_button.setToolTip("Ctrl+N")
        self.enrol_button.clicked.connect(self.enrol)
        top.addWidget(self.enrol_button)
        self.revoke_button = QPushButton(tr("revoke"))
        self.revoke_button.setToolTip("Delete")
        self.revoke_button.clicked.connect(self.revoke_current)
        top.addWidget(self.revoke_button)
        box.addLayout(top)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = RecordTable(tr, _terminal_columns(ctx), key=lambda t: t.id)
        self.table.selection_changed.connect(self._on_selected)
        split.addWidget(self.table)
        lower = QWidget()
        lbox = QVBoxLayout(lower)
        lbox.setContentsMargins(0, 0, 0, 0)
        lbox.addWidget(QLabel(f"<b>{tr('anomalies_heading')}</b>"))
        self.anomalies = RecordTable(
            tr,
            [
                Column("col_detected", lambda a: local_time(ctx, a.detected_at)),
                Column("col_terminal", lambda a: a.terminal),
                Column("col_kind", lambda a: anomaly_kind(tr, a.kind)),
                Column("col_seqs", lambda a: f"{a.seq_from}–{a.seq_to}"),
                Column("col_detail", lambda a: a.detail),
            ],
            key=lambda a: a.id,
            with_filter=False,
        )
        lbox.addWidget(self.anomalies)
        split.addWidget(lower)
        split.setSizes([500, 200])
        box.addWidget(split, 1)
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table.view, self.revoke_current)
        self.terminals: list[TerminalInfo] = []
        self._on_selected(None)

    def refresh(self) -> None:
        hall = self.ctx.hall
        self.call(lambda c: (c.list_terminals(hall), c.anomalies()), self._on_loaded)

    def _on_loaded(self, result: tuple[list[TerminalInfo], list[Anomaly]]) -> None:
        terminals, anomalies = result
        self.terminals = terminals
        self.table.set_rows(terminals)
        hall = self.ctx.hall
        self.anomalies.set_rows([a for a in anomalies if hall is None or a.hall == hall])
        self._on_selected(self.table.current())

    def _on_selected(self, t: Any) -> None:
        self.revoke_button.setEnabled(isinstance(t, TerminalInfo) and t.revoked_at is None)

    def open_item(self, item: Any) -> None:
        """Select a terminal by id (from the Today page)."""
        if isinstance(item, str):
            self.table.select_key(item)
            self.table.view.setFocus()

    def windows(self) -> list[tuple[str, str]]:
        roster = self.ctx.roster
        if roster is None:
            return []
        return [(w.code, w.name) for w in roster.windows.values()]

    def enrol(self) -> EnrolDialog:
        dialog = EnrolDialog(self, self.windows())
        dialog.setModal(True)
        dialog.show()
        return dialog

    def revoke_current(self) -> None:
        t = self.table.current()
        if not isinstance(t, TerminalInfo) or t.revoked_at is not None:
            return
        tr = self.t
        if not confirm(
            self, tr, tr("revoke"), tr("revoke_confirm", terminal=t.id, window=t.window)
        ):
            return
        self.call(lambda c: c.revoke_terminal(t.id), self._on_revoked)

    def _on_revoked(self, t: TerminalInfo) -> None:
        self.ctx.message.emit(self.t("revoked_done", terminal=t.id))
        self.refresh()
