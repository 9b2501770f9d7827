"""The on-screen number pad, and the two screens that use it: the call-back phone number and
the staff PIN."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk._qt.qt_style import Metrics
from kiosk._qt.qt_widgets import Button, button, label
from kiosk.flow import Flow
from kiosk.i18n import tr

__all__ = ["NumberPad", "PhoneScreen", "PinScreen", "group_digits"]


def group_digits(digits: str) -> str:
    """``13800138000`` -> ``138 0013 8000``: easier to check at a glance."""
    if len(digits) <= 3:
        return digits
    head, rest = digits[:3], digits[3:]
    return " ".join([head] + [rest[i : i + 4] for i in range(0, len(rest), 4)])


class NumberPad(QWidget):
    """Digits 0-9 plus clear and delete; emits ``key_pressed`` with a digit, "clear" or
    "delete"."""

    key_pressed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, Button] = {}
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "delete"]
        for i, key in enumerate(keys):
            b = Button("key" if key.isdigit() else "secondary", key, self)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            b.clicked.connect(lambda _=False, k=key: self.key_pressed.emit(k))
            self._grid.addWidget(b, i // 3, i % 3)
            self.buttons[key] = b

    def retranslate(self, language: str) -> None:
        self.buttons["clear"].setText(tr("clear", language))
        self.buttons["delete"].setText(tr("delete", language))

    def apply_metrics(self, m: Metrics) -> None:
        self._grid.setSpacing(m.gap)
        for b in self.buttons.values():
            b.set_padding(m.px(8), m.px(4))


class _PadScreen(QWidget):
    """The title across the top; hint, display, error line, cancel/OK on the left; the pad on
    the right."""

    max_digits = 12

    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.flow = flow
        self.digits = ""
        self.title = label("title")
        self.hint = label("soft")
        self.display = label("display", wrap=False)
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error = label("error")
        self.cancel = button("secondary")
        self.ok = button("primary")
        self.pad = NumberPad()
        for b in (self.cancel, self.ok):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        left = QVBoxLayout()
        left.addWidget(self.hint)
        left.addWidget(self.display)
        left.addWidget(self.error)
        left.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel, 1)
        buttons.addWidget(self.ok, 1)
        left.addLayout(buttons)
        self._row = QHBoxLayout()
        self._row.addLayout(left, 5)
        self._row.addWidget(self.pad, 4)
        self._outer = QVBoxLayout(self)
        self._outer.addWidget(self.title)
        self._outer.addLayout(self._row, 1)
        self._left = left
        self._buttons = buttons

        self.pad.key_pressed.connect(self._on_key)
        self.cancel.clicked.connect(self._on_cancel)
        self.ok.clicked.connect(self._on_ok)

    def apply_metrics(self, m: Metrics) -> None:
        self._outer.setContentsMargins(m.margin, max(m.px(36), m.mm(2)), m.margin, m.margin)
        self._outer.setSpacing(m.gap)
        self._row.setSpacing(max(m.margin, m.gap))
        self._left.setSpacing(m.gap)
        self._buttons.setSpacing(m.gap)
        self.pad.apply_metrics(m)
        for b in (self.cancel, self.ok):
            b.set_padding(m.px(28), m.px(8))

    def _on_key(self, key: str) -> None:
        self.flow.touch()
        if key == "clear":
            self.digits = ""
        elif key == "delete":
            self.digits = self.digits[:-1]
        elif len(self.digits) < self.max_digits:
            self.digits += key
        self.error.clear()
        self._show()
        self._typed()

    def _typed(self) -> None:
        """What the screen does with the digits so far, besides showing them."""

    def type_digits(self, text: str) -> None:
        """Press the pad's keys for each digit of ``text`` (used by tests and screenshots)."""
        for ch in text:
            self.pad.buttons[ch].click()

    def _show(self) -> None:
        raise NotImplementedError

    def _on_cancel(self) -> None:
        raise NotImplementedError

    def _on_ok(self) -> None:
        raise NotImplementedError


class PhoneScreen(_PadScreen):
    """The optional call-back number; the flow validates, this shows why a number is wrong."""

    def refresh(self) -> None:
        lang = self.flow.language
        self.title.setText(tr("phone_title", lang))
        self.hint.setText(tr("phone_hint", lang))
        self.cancel.setText(tr("cancel", lang))
        self.ok.setText(tr("ok", lang))
        self.pad.retranslate(lang)
        self._show()

    def enter(self) -> None:
        self.digits = self.flow.phone or ""
        self.error.clear()
        self.refresh()

    def _show(self) -> None:
        self.display.setText(group_digits(self.digits) or " ")

    def _typed(self) -> None:
        # Kept if the time limit fires before OK, once they form a number.
        self.flow.set_phone_draft(self.digits)

    def _on_cancel(self) -> None:
        self.flow.cancel_phone()

    def _on_ok(self) -> None:
        problem = self.flow.submit_phone(self.digits)
        if problem is not None:
            self.error.setText("⚠ " + tr(problem, self.flow.language))


class PinScreen(_PadScreen):
    """The staff PIN after the hidden gesture; digits are shown as dots."""

    max_digits = 8

    def refresh(self) -> None:
        lang = self.flow.language
        self.title.setText(tr("pin_title", lang))
        self.hint.setText(tr("pin_hint", lang))
        self.cancel.setText(tr("cancel", lang))
        self.ok.setText(tr("ok", lang))
        self.pad.retranslate(lang)
        self._show()

    def enter(self) -> None:
        self.digits = ""
        self.error.clear()
        self.refresh()

    def _show(self) -> None:
        self.display.setText(" ".join("●" * len(self.digits)) or " ")

    def _on_cancel(self) -> None:
        self.flow.cancel_pin()

    def _on_ok(self) -> None:
        pin, self.digits = self.digits, ""
        self._show()
        if not self.flow.enter_pin(pin):
            self.error.setText("⚠ " + tr("pin_wrong", self.flow.language))
