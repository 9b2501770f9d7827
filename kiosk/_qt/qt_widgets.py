"""Painted widgets of the kiosk: the face buttons, reason buttons, the staff avatar, icons."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QAbstractButton, QFrame, QLabel, QPushButton, QSizePolicy, QWidget

from assets import face_file
from kiosk._qt.qt_style import CARD, CHOSEN_BG, FONT_FAMILY, INK, INK_SOFT, PRIMARY, Metrics

__all__ = [
    "Avatar",
    "FaceButton",
    "Icon",
    "ReasonButton",
    "button",
    "card",
    "label",
]


def label(role: str, text: str = "", wrap: bool = False) -> QLabel:
    """A label styled by its role (``title``, ``heading``, ``body``, ``soft``, ``error`` …)."""
    lab = QLabel(text)
    lab.setObjectName(role)
    lab.setWordWrap(wrap)
    return lab


def button(role: str, text: str = "") -> QPushButton:
    """A touch button styled by its role; never takes keyboard focus (no focus ring)."""
    b = QPushButton(text)
    b.setObjectName(role)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return b


def card() -> QFrame:
    f = QFrame()
    f.setObjectName("card")
    return f


def _font(pt: float, bold: bool = False) -> QFont:
    f = QFont(FONT_FAMILY)
    f.setPointSizeF(pt)
    f.setBold(bold)
    return f


class FaceButton(QAbstractButton):
    """One of the five faces with its word underneath; accessibleName is the Chinese word."""

    def __init__(self, level: int, word_zh: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtSvg import QSvgRenderer  # first needed after the first frame

        self.level = level
        self._renderer = QSvgRenderer(str(face_file(level)), self)
        self._word = word_zh
        self._m = Metrics(1920, 1080)
        self.setAccessibleName(word_zh)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_word(self, word: str) -> None:
        self._word = word
        self.setAccessibleDescription(word)
        self.update()

    def apply_metrics(self, m: Metrics) -> None:
        self._m = m
        self.setMinimumSize(m.target * 2, m.target * 2)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(320, 420)

    def paintEvent(self, event: QPaintEvent) -> None:
        m = self._m
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        down = self.isDown()
        p.setPen(QPen(QColor(INK if down else "#8C8C8C"), max(3, m.px(4))))
        p.setBrush(QColor(CHOSEN_BG if down else CARD))
        p.drawRoundedRect(r, m.px(24), m.px(24))
        word_font = _font(m.pt(40), bold=True)
        p.setFont(word_font)
        line_h = p.fontMetrics().height()
        pad = m.px(22)
        gap = m.px(18)
        # the face and its word as one block, centred in the card
        side = min(r.width() - 2 * pad, r.height() - 2 * pad - gap - line_h * 2)
        block = side + gap + line_h
        top = r.top() + max(pad, (r.height() - block) / 2)
        face = QRectF(r.center().x() - side / 2, top, side, side)
        self._renderer.render(p, face)
        p.setPen(QColor(INK))
        text_rect = QRectF(
            r.left() + 4, face.bottom() + gap, r.width() - 8, r.bottom() - face.bottom() - gap
        )
        p.drawText(
            text_rect,
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
            self._word,
        )
        p.end()


class ReasonButton(QAbstractButton):
    """A checkable reason: a tick box (a shape, not only colour), the label and its line."""

    def __init__(self, code: str, label: str, line: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code = code
        self._label = label
        self._line = line
        self._m = Metrics(1920, 1080)
        self.setCheckable(True)
        self.setAccessibleName(f"{label} {line}")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_texts(self, label: str, line: str) -> None:
        self._label, self._line = label, line
        self.setAccessibleName(f"{label} {line}")
        self.update()

    def apply_metrics(self, m: Metrics) -> None:
        self._m = m
        self.setMinimumHeight(m.target)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(560, 150)

    def paintEvent(self, event: QPaintEvent) -> None:
        m = self._m
        on = self.isChecked()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        bw = max(5, m.px(7)) if on else max(3, m.px(3))
        r = QRectF(self.rect()).adjusted(bw / 2, bw / 2, -bw / 2, -bw / 2)
        p.setPen(QPen(QColor(PRIMARY if on else "#8C8C8C"), bw))
        p.setBrush(QColor(CHOSEN_BG if on or self.isDown() else CARD))
        p.drawRoundedRect(r, m.px(18), m.px(18))

        box = min(m.px(56), r.height() * 0.5)
        bx = r.left() + m.px(26)
        by = r.center().y() - box / 2
        box_rect = QRectF(bx, by, box, box)
        p.setPen(QPen(QColor(PRIMARY if on else INK), max(3, m.px(4))))
        p.setBrush(QColor(PRIMARY) if on else QColor(CARD))
        p.drawRoundedRect(box_rect, box * 0.15, box * 0.15)
        if on:
            tick = QPainterPath(QPointF(bx + box * 0.22, by + box * 0.52))
            tick.lineTo(QPointF(bx + box * 0.43, by + box * 0.72))
            tick.lineTo(QPointF(bx + box * 0.80, by + box * 0.28))
            pen = QPen(QColor("white"), max(4, box * 0.13))
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(tick)

        tx = box_rect.right() + m.px(26)
        text_w = r.right() - tx - m.px(16)
        label_font = _font(m.pt(40) if len(self._label) <= 2 else m.pt(30), bold=True)
        line_font = _font(m.pt(24))
        p.setFont(label_font)
        lh = p.fontMetrics().height()
        p.setFont(line_font)
        line_h = p.fontMetrics().height()
        block = lh + line_h * 1.15
        ty = r.center().y() - block / 2
        p.setPen(QColor(INK))
        p.setFont(label_font)
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        p.drawText(QRectF(tx, ty, text_w, lh), flags, self._label)
        p.setFont(line_font)
        p.setPen(QColor(INK_SOFT if not on else INK))
        elided = p.fontMetrics().elidedText(self._line, Qt.TextElideMode.ElideRight, int(text_w))
        p.drawText(QRectF(tx, ty + lh + line_h * 0.15, text_w, line_h), flags, elided)
        p.end()


class Avatar(QWidget):
    """The staff member's photo, or a drawn initial (the surname) when there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._name = ""
        self._photo: QPixmap | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_person(self, name: str, photo: Path | None) -> None:
        self._name = name
        self._photo = None
        if photo is not None and photo.is_file():
            pix = QPixmap(str(photo))
            self._photo = pix if not pix.isNull() else None
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height())
        rect = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        clip = QPainterPath()
        clip.addEllipse(rect)
        if self._photo is not None:
            p.setClipPath(clip)
            scaled = self._photo.scaled(
                int(side),
                int(side),
                Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                Qt.TransformationMode.SmoothTransformation,
            )
            p.drawPixmap(rect.toRect(), scaled)
            p.setClipping(False)
        else:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(PRIMARY))
            p.drawEllipse(rect)
            p.setPen(QColor("white"))
            f = _font(max(18.0, side * 0.30), bold=True)
            p.setFont(f)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, self._name[:1])
        p.end()


class Icon(QWidget):
    """A large round icon: ``tick`` (thank you) or ``pause`` (out of service)."""

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height())
        c = QPointF(self.width() / 2, self.height() / 2)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(PRIMARY if self.kind == "tick" else "#5A5A5A"))
        p.drawEllipse(c, side / 2, side / 2)
        pen = QPen(QColor("white"), side * 0.09)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        if self.kind == "tick":
            path = QPainterPath(QPointF(c.x() - side * 0.22, c.y() + side * 0.02))
            path.lineTo(QPointF(c.x() - side * 0.06, c.y() + side * 0.18))
            path.lineTo(QPointF(c.x() + side * 0.24, c.y() - side * 0.16))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)
        else:
            for dx in (-0.1, 0.1):
                x = c.x() + dx * side
                p.drawLine(QPointF(x, c.y() - side * 0.18), QPointF(x, c.y() + side * 0.18))
        p.end()
