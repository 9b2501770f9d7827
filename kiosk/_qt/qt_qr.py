"""A QR code painted with QPainter from the ``qrcode`` library's module matrix (no PIL)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

__all__ = ["QrWidget", "qr_matrix"]


def qr_matrix(text: str) -> list[list[bool]]:
    """The module matrix of ``text`` (medium error correction, no quiet zone)."""
    import qrcode  # imported on first use: keeps it out of the kiosk's start-up path

    qr = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


class QrWidget(QWidget):
    """A square QR code with a white quiet zone, as large as the widget allows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._matrix: list[list[bool]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    @property
    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self._matrix = qr_matrix(text) if text else []
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(260, 260)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, 120)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._matrix:
            return
        n = len(self._matrix)
        side = min(self.width(), self.height())
        quiet = 4  # modules of white around the code, as the standard asks
        module = side / (n + 2 * quiet)
        x0 = (self.width() - side) / 2
        y0 = (self.height() - side) / 2
        p = QPainter(self)
        p.fillRect(QRectF(x0, y0, side, side), QColor("white"))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("black"))
        for r, row in enumerate(self._matrix):
            for c, dark in enumerate(row):
                if dark:
                    # a hair of overlap so no seams show between modules
                    p.drawRect(
                        QRectF(
                            x0 + (c + quiet) * module,
                            y0 + (r + quiet) * module,
                            module + 0.5,
                            module + 0.5,
                        )
                    )
        p.end()
