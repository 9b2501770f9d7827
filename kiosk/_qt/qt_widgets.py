"""Painted widgets of the kiosk: text that wraps at 1.3 line height, buttons whose words wrap,
the face buttons, reason buttons, the staff avatar, icons.

Every widget that draws text keeps what it drew last as ``TextRun`` records (``runs()``), so the
accessibility test measures the live screens (font size, line pitch, whether the text fits its
box, the ink) rather than the numbers the code meant to use.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from assets import face_file
from kiosk._qt.qt_style import (
    CARD,
    CARD_LINE,
    CHOSEN_BG,
    FONT_FAMILY,
    INK,
    INK_SOFT,
    LINE_HEIGHT,
    PRIMARY,
    Metrics,
)

__all__ = [
    "Avatar",
    "Button",
    "FaceButton",
    "Icon",
    "ReasonButton",
    "Text",
    "TextRun",
    "button",
    "card",
    "label",
    "wrap_text",
]


@dataclass(frozen=True)
class TextRun:
    """A piece of text as it was painted, in its widget's coordinates."""

    text: str
    box: QRectF  # where the text had to fit
    ink: QColor
    px: int  # font size (em) in pixels
    bold: bool
    lines: int
    pitch: float  # distance between the tops of consecutive lines
    used: QRectF  # the lines as laid out


@dataclass
class Wrapped:
    layout: QTextLayout
    height: float
    width: float  # the widest line
    lines: int
    pitch: float


def _font(px: int, bold: bool = False) -> QFont:
    f = QFont(FONT_FAMILY)
    f.setPixelSize(max(1, px))
    f.setBold(bold)
    return f


def wrap_text(
    text: str, font: QFont, width: float, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft
) -> Wrapped:
    """Lay ``text`` out in lines of at most ``width``, 1.3 × the font size apart.

    Words wrap at spaces (English) or between characters (Chinese); a word longer than a line
    breaks anywhere rather than being cut off.
    """
    lay = QTextLayout(text.replace("\n", "\u2028"), font)
    opt = QTextOption()
    opt.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    opt.setAlignment(align)
    lay.setTextOption(opt)
    fm = QFontMetricsF(font)
    pitch = max(LINE_HEIGHT * font.pixelSize(), fm.height())
    lead = (pitch - fm.height()) / 2
    lay.beginLayout()
    n = 0
    widest = 0.0
    while True:
        line = lay.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(1.0, width))
        line.setPosition(QPointF(0, n * pitch + lead))
        widest = max(widest, line.naturalTextWidth())
        n += 1
    lay.endLayout()
    return Wrapped(lay, max(1, n) * pitch, widest, max(1, n), pitch)


def _draw_wrapped(
    p: QPainter,
    text: str,
    font: QFont,
    box: QRectF,
    ink: QColor,
    align: Qt.AlignmentFlag,
) -> TextRun:
    """Paint ``text`` wrapped into ``box`` (vertically as ``align`` says) and report it."""
    h_align = align & Qt.AlignmentFlag.AlignHorizontal_Mask
    w = wrap_text(text, font, box.width(), Qt.AlignmentFlag(h_align))
    if align & Qt.AlignmentFlag.AlignTop:
        top = box.top()
    elif align & Qt.AlignmentFlag.AlignBottom:
        top = box.bottom() - w.height
    else:
        top = box.top() + (box.height() - w.height) / 2
    p.setPen(ink)
    w.layout.draw(p, QPointF(box.left(), top))
    if h_align & Qt.AlignmentFlag.AlignHCenter:
        left = box.left() + (box.width() - w.width) / 2
    elif h_align & Qt.AlignmentFlag.AlignRight:
        left = box.right() - w.width
    else:
        left = box.left()
    return TextRun(
        text,
        QRectF(box),
        QColor(ink),
        font.pixelSize(),
        font.bold(),
        w.lines,
        w.pitch,
        QRectF(left, top, w.width, w.height),
    )


def _min_word_width(text: str, font: QFont) -> float:
    """The widest unbreakable piece: an English word, or one Chinese character."""
    fm = QFontMetricsF(font)
    pieces = re.findall(r"[\x21-\x7e]+", text) or []
    widest = max((fm.horizontalAdvance(w) for w in pieces), default=0.0)
    return max(widest, fm.horizontalAdvance("国") * 2)


class Text(QLabel):
    """A label whose lines wrap (never elide) at 1.3 line height; styled by its role like any
    ``QLabel`` (``title``, ``heading``, ``body``, ``soft``, ``error``, ``countdown`` …)."""

    def __init__(
        self,
        role: str = "",
        text: str = "",
        *,
        wrap: bool = True,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
    ) -> None:
        super().__init__(text)
        if role:
            self.setObjectName(role)
        self.setWordWrap(wrap)
        self.setAlignment(align)
        self._runs: list[TextRun] = []
        self._hfw_key: tuple[str, str, int] | None = None
        self._hfw = 0
        pol = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        pol.setHeightForWidth(wrap)
        self.setSizePolicy(pol)

    def runs(self) -> list[TextRun]:
        return list(self._runs)

    def _extra(self) -> tuple[int, int]:
        m = self.contentsMargins()
        fw = self.frameWidth()
        return m.left() + m.right() + 2 * fw, m.top() + m.bottom() + 2 * fw

    def hasHeightForWidth(self) -> bool:
        return self.wordWrap()

    def heightForWidth(self, width: int) -> int:
        # Layouts ask this many times per pass; lay the text out once per text, font and width.
        ex, ey = self._extra()
        key = (self.text(), self.font().key(), width - ex)
        if self._hfw_key != key:
            self._hfw_key = key
            self._hfw = math.ceil(wrap_text(self.text(), self.font(), width - ex).height)
        return self._hfw + ey

    def sizeHint(self) -> QSize:
        self.ensurePolished()
        ex, ey = self._extra()
        fm = QFontMetricsF(self.font())
        natural = math.ceil(
            max((fm.horizontalAdvance(t) for t in self.text().split("\n")), default=0)
        )
        width = natural + ex + 2
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        self.ensurePolished()
        if not self.wordWrap():
            return self.sizeHint()
        ex, ey = self._extra()
        width = math.ceil(min(_min_word_width(self.text(), self.font()), self.sizeHint().width()))
        width += ex + 2
        return QSize(width, self.heightForWidth(width))

    def paintEvent(self, event: QPaintEvent) -> None:
        QFrame.paintEvent(self, event)  # the style sheet's background and border
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        r = QRectF(self.contentsRect())
        ink = self.palette().color(QPalette.ColorRole.WindowText)
        self._runs = (
            [_draw_wrapped(p, self.text(), self.font(), r, ink, self.alignment())]
            if self.text()
            else []
        )
        p.end()


def label(role: str, text: str = "", wrap: bool = True) -> Text:
    """A label styled by its role; its lines wrap unless ``wrap`` is False."""
    return Text(role, text, wrap=wrap)


class Button(QPushButton):
    """A touch button whose words wrap (an English phrase never runs off the button); styled
    by its role; never takes keyboard focus (no focus ring)."""

    def __init__(self, role: str, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(role)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.caption = Text("", text, align=Qt.AlignmentFlag.AlignCenter)
        self.caption.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._lay = QHBoxLayout(self)
        self._lay.addWidget(self.caption)
        self.setAccessibleName(text)

    def text(self) -> str:
        return self.caption.text()

    def setText(self, text: str) -> None:
        if text != self.caption.text():
            self.caption.setText(text)
            self.setAccessibleName(text)
            self.updateGeometry()

    def set_padding(self, horizontal: int, vertical: int) -> None:
        self._lay.setContentsMargins(horizontal, vertical, horizontal, vertical)

    def sizeHint(self) -> QSize:
        inner = self._lay.sizeHint()
        return inner.expandedTo(self.minimumSize())

    def minimumSizeHint(self) -> QSize:
        return self._lay.minimumSize().expandedTo(self.minimumSize())


def button(role: str, text: str = "") -> Button:
    return Button(role, text)


def card() -> QFrame:
    f = QFrame()
    f.setObjectName("card")
    return f


class FaceButton(QAbstractButton):
    """One of the five faces with its word underneath; accessibleName is the Chinese word."""

    def __init__(self, level: int, word_zh: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtSvg import QSvgRenderer

        self.level = level
        self._renderer = QSvgRenderer(str(face_file(level)), self)
        self._word = word_zh
        self._m = Metrics(1920, 1080)
        self._runs: list[TextRun] = []
        self.face_rect = QRectF()
        self.text_height = 0.0  # the row's tallest word: every face the same size
        self.setAccessibleName(word_zh)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    @property
    def word(self) -> str:
        return self._word

    def runs(self) -> list[TextRun]:
        return list(self._runs)

    def set_word(self, word: str) -> None:
        self._word = word
        self.setAccessibleDescription(word)
        self.update()

    def apply_metrics(self, m: Metrics) -> None:
        self._m = m
        self.setMinimumSize(m.target, m.target)
        self.update()

    def pads(self) -> tuple[int, int, int]:
        """Padding inside the card, beside the word, and between the face and its word."""
        m = self._m
        return max(m.px(18), m.mm(1.5)), max(m.px(8), m.mm(1)), max(m.px(14), m.mm(1.5))

    def word_height(self, width: float) -> float:
        """Height of the word wrapped inside a card ``width`` wide."""
        _, side, _ = self.pads()
        text_w = width - 2 * self._m.border - 2 * side
        return wrap_text(self._word, _font(self._m.word, True), text_w).height

    def needed_height(self, width: int, face: int) -> int:
        """Height for a face of ``face`` pixels and the word wrapped at ``width``."""
        pad, _, gap = self.pads()
        text = max(self.word_height(width), self.text_height)
        return math.ceil(2 * pad + face + gap + text + 2 * self._m.border)

    def sizeHint(self) -> QSize:
        return QSize(320, 420)

    def paintEvent(self, event: QPaintEvent) -> None:
        m = self._m
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        bw = m.border
        r = QRectF(self.rect()).adjusted(bw / 2, bw / 2, -bw / 2, -bw / 2)
        down = self.isDown()
        p.setPen(QPen(QColor(INK if down else CARD_LINE), bw))
        p.setBrush(QColor(CHOSEN_BG if down else CARD))
        p.drawRoundedRect(r, m.px(24), m.px(24))
        inner = r.adjusted(bw / 2, bw / 2, -bw / 2, -bw / 2)
        pad, text_pad, gap = self.pads()
        word_font = _font(m.word, bold=True)
        text = wrap_text(self._word, word_font, inner.width() - 2 * text_pad)
        text_h = max(text.height, self.text_height)
        side = max(0.0, min(inner.width() - 2 * pad, inner.height() - 2 * pad - gap - text_h))
        block = side + gap + text_h
        top = inner.top() + max(pad, (inner.height() - block) / 2)
        self.face_rect = QRectF(inner.center().x() - side / 2, top, side, side)
        self._renderer.render(p, self.face_rect)
        box = QRectF(
            inner.left() + text_pad,
            self.face_rect.bottom() + gap,
            inner.width() - 2 * text_pad,
            text_h,
        )
        self._runs = [
            _draw_wrapped(
                p,
                self._word,
                word_font,
                box,
                QColor(INK),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            )
        ]
        p.end()


class ReasonButton(QAbstractButton):
    """A checkable reason: a tick box (a shape, not only colour), the label and its line, both
    wrapping."""

    def __init__(self, code: str, label: str, line: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code = code
        self._label = label
        self._line = line
        self._m = Metrics(1920, 1080)
        self._runs: list[TextRun] = []
        self.setCheckable(True)
        self.setAccessibleName(f"{label} {line}")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    @property
    def texts(self) -> tuple[str, str]:
        return self._label, self._line

    def runs(self) -> list[TextRun]:
        return list(self._runs)

    def set_texts(self, label: str, line: str) -> None:
        self._label, self._line = label, line
        self.setAccessibleName(f"{label} {line}")
        self.update()

    def apply_metrics(self, m: Metrics) -> None:
        self._m = m
        self.setMinimumHeight(m.target)
        self.update()

    def _fonts(self) -> tuple[QFont, QFont]:
        m = self._m
        big = len(self._label) <= 2
        return _font(m.heading if big else m.body, bold=True), _font(m.small)

    def _geometry(self, width: float) -> tuple[float, float, float]:
        """Tick box side, text left edge and text width for a button ``width`` wide."""
        m = self._m
        box = max(m.px(52), m.mm(7))
        pad = max(m.px(24), m.mm(2.5))
        tx = pad + box + max(m.px(22), m.mm(2.5))
        return box, tx, width - tx - pad

    def needed_height(self, width: int) -> int:
        """The height the label and its line need at ``width``, with padding."""
        m = self._m
        _, _, text_w = self._geometry(width)
        label_font, line_font = self._fonts()
        h = wrap_text(self._label, label_font, text_w).height
        h += wrap_text(self._line, line_font, text_w).height
        return max(m.target, math.ceil(h + 2 * max(m.px(16), m.mm(2))))

    def sizeHint(self) -> QSize:
        return QSize(560, 150)

    def paintEvent(self, event: QPaintEvent) -> None:
        m = self._m
        on = self.isChecked()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        bw = max(5, m.px(7)) if on else m.border
        r = QRectF(self.rect()).adjusted(bw / 2, bw / 2, -bw / 2, -bw / 2)
        p.setPen(QPen(QColor(PRIMARY if on else CARD_LINE), bw))
        p.setBrush(QColor(CHOSEN_BG if on or self.isDown() else CARD))
        p.drawRoundedRect(r, m.px(18), m.px(18))

        box, tx, text_w = self._geometry(self.width())
        box = min(box, r.height() * 0.6)
        bx = max(m.px(24), m.mm(2.5))
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

        label_font, line_font = self._fonts()
        lab = wrap_text(self._label, label_font, text_w)
        line = wrap_text(self._line, line_font, text_w)
        top = r.center().y() - (lab.height + line.height) / 2
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        self._runs = [
            _draw_wrapped(
                p, self._label, label_font, QRectF(tx, top, text_w, lab.height), QColor(INK), left
            ),
            _draw_wrapped(
                p,
                self._line,
                line_font,
                QRectF(tx, top + lab.height, text_w, line.height),
                QColor(INK if on else INK_SOFT),
                left,
            ),
        ]
        p.end()


class Avatar(QWidget):
    """The staff member's photo, or a drawn initial (the surname) when there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._name = ""
        self._photo: QPixmap | None = None
        self._runs: list[TextRun] = []
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def runs(self) -> list[TextRun]:
        return list(self._runs)

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
        self._runs = []
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
            f = _font(max(24, round(side * 0.40)), bold=True)
            self._runs = [
                _draw_wrapped(
                    p, self._name[:1], f, rect, QColor("white"), Qt.AlignmentFlag.AlignCenter
                )
            ]
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


def geometry_in(widget: QWidget, ancestor: QWidget) -> QRect:
    """``widget``'s rectangle in ``ancestor``'s coordinates."""
    return QRect(widget.mapTo(ancestor, widget.rect().topLeft()), widget.size())
