"""The citizen's screens: idle, the five faces, why, thank you, out of service; and the
configuration error screen. Thin views: they read the flow and call its actions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLayout,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk._qt.qt_qr import QrWidget
from kiosk._qt.qt_style import Metrics
from kiosk._qt.qt_widgets import Avatar, FaceButton, Icon, ReasonButton, button, card, label
from kiosk.flow import Flow
from kiosk.i18n import level_word, other_language_label, tr
from sync.schema import LEVEL_WORDS_ZH, Level

__all__ = [
    "ConfigErrorScreen",
    "IdleScreen",
    "OutOfServiceScreen",
    "RateScreen",
    "ThanksScreen",
    "WhyScreen",
]


def staff_line(flow: Flow) -> str:
    """ "1号窗口 · 区应急管理局 · 王小琴" : whom the citizen is rating."""
    parts = [flow.window.name, flow.unit.name]
    if flow.signed_in:
        parts.append(flow.signed_in.name)
    return "  ·  ".join(parts)


class IdleScreen(QWidget):
    """Window, unit, the staff member on duty and an invitation; a tap anywhere starts."""

    def __init__(
        self,
        flow: Flow,
        *,
        qr_url: str | None,
        photo_dirs: Sequence[Path] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.flow = flow
        self.photo_dirs = list(photo_dirs)
        self.hall = label("soft")
        self.lang = button("lang")
        self.window_name = label("huge")
        self.unit = label("heading", wrap=True)
        self.avatar = Avatar()
        self.staff_caption = label("soft")
        self.staff_name = label("heading")
        self.staff_no = label("body")
        self.invite = button("invite")
        self.invite.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.invite_main = label("invite_main")
        self.invite_sub = label("invite_sub")
        inv = QVBoxLayout(self.invite)
        for lab in (self.invite_main, self.invite_sub):
            # the labels only draw; the button underneath takes the tap
            lab.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            inv.addWidget(lab, 0, Qt.AlignmentFlag.AlignHCenter)
        self._invite_layout = inv
        self.qr = QrWidget()
        self.qr_title = label("heading")
        self.qr_hint = label("soft", wrap=True)
        self.qr_url = qr_url

        top = QHBoxLayout()
        top.addWidget(self.hall, 1)
        top.addWidget(self.lang)

        self.card = card()
        card_row = QHBoxLayout(self.card)
        card_row.addWidget(self.avatar)
        who = QVBoxLayout()
        who.addStretch(1)
        who.addWidget(self.staff_caption)
        who.addWidget(self.staff_name)
        who.addWidget(self.staff_no)
        who.addStretch(1)
        card_row.addLayout(who, 1)
        self._card_layout = card_row

        left = QVBoxLayout()
        left.addWidget(self.window_name)
        left.addWidget(self.unit)
        left.addSpacing(10)
        left.addWidget(self.card)
        left.addStretch(1)

        self.qr_box = card()
        qr_col = QVBoxLayout(self.qr_box)
        qr_col.addWidget(self.qr_title, 0, Qt.AlignmentFlag.AlignHCenter)
        qr_col.addWidget(self.qr, 1)
        qr_col.addWidget(self.qr_hint)
        self._qr_col = qr_col

        middle = QHBoxLayout()
        middle.addLayout(left, 3)
        middle.addWidget(self.qr_box, 1)
        self._middle = middle

        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addLayout(middle, 1)
        outer.addWidget(self.invite)
        self._outer = outer

        self.lang.clicked.connect(self._on_lang)
        self.invite.clicked.connect(flow.start)

    def apply_metrics(self, m: Metrics) -> None:
        self._outer.setContentsMargins(m.margin, m.px(28), m.margin, m.margin)
        self._outer.setSpacing(m.gap)
        self._middle.setSpacing(m.margin)
        side = m.px(200)
        self.avatar.setFixedSize(side, side)
        self._card_layout.setContentsMargins(m.px(28), m.px(24), m.px(28), m.px(24))
        self._card_layout.setSpacing(m.px(36))
        self._qr_col.setContentsMargins(m.px(20), m.px(20), m.px(20), m.px(20))
        self.qr.setMinimumSize(m.px(260), m.px(260))
        self._invite_layout.setContentsMargins(m.px(20), m.px(22), m.px(20), m.px(22))
        self._invite_layout.setSpacing(m.px(6))

    def refresh(self) -> None:
        f, lang = self.flow, self.flow.language
        self.hall.setText(f.roster.hall.name)
        self.lang.setText(other_language_label(lang))
        self.window_name.setText(f"{f.window.name}  {f.window.code}")
        self.unit.setText(f.unit.name)
        staff = f.signed_in
        if staff is not None:
            self.staff_caption.setText(tr("staff_on_duty", lang))
            self.staff_name.setText(staff.name)
            self.staff_no.setText(tr("staff_no", lang, code=staff.code))
            self.avatar.set_person(staff.name, self._photo(staff.photo))
            self.avatar.show()
            self.staff_name.show()
            self.staff_no.show()
        else:
            self.staff_caption.setText(tr("nobody_on_duty", lang))
            self.avatar.hide()
            self.staff_name.hide()
            self.staff_no.hide()
        self.invite_main.setText(tr("invite", lang))
        self.invite_sub.setText(tr("invite_tap", lang))
        self.invite.setAccessibleName(tr("invite", lang))
        if self.qr_url:
            self.qr.set_text(self.qr_url)
            self.qr_title.setText(tr("scan_to_rate", lang))
            self.qr_hint.setText(tr("scan_hint", lang))
            self.qr_box.show()
        else:
            # Local-only: a code that leads nowhere would mislead, so there is none.
            self.qr_box.hide()

    def _photo(self, name: str | None) -> Path | None:
        if not name:
            return None
        for d in self.photo_dirs:
            if (d / name).is_file():
                return d / name
        return None

    def _on_lang(self) -> None:
        self.flow.set_language("en" if self.flow.language == "zh" else "zh")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        # A tap anywhere on the idle screen (labels pass their clicks up) starts the rating.
        self.flow.start()


class RateScreen(QWidget):
    """Five large faces with their words; one tap rates."""

    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.flow = flow
        self.title = label("title")
        self.who = label("body")
        self.lang = button("lang")
        self.back = button("secondary")
        self.hint = label("soft")
        self.faces: dict[int, FaceButton] = {}
        row = QHBoxLayout()
        for level in (5, 4, 3, 2, 1):
            b = FaceButton(level, LEVEL_WORDS_ZH[Level(level)])
            b.clicked.connect(lambda _=False, lv=level: flow.rate(lv))
            row.addWidget(b, 1)
            self.faces[level] = b
        self._row = row

        top = QHBoxLayout()
        heads = QVBoxLayout()
        heads.addWidget(self.title)
        heads.addWidget(self.who)
        top.addLayout(heads, 1)
        top.addWidget(self.lang, 0, Qt.AlignmentFlag.AlignTop)

        bottom = QHBoxLayout()
        bottom.addWidget(self.back)
        bottom.addStretch(1)
        bottom.addWidget(self.hint)

        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addLayout(row, 1)
        outer.addLayout(bottom)
        self._outer = outer

        self.lang.clicked.connect(
            lambda: flow.set_language("en" if flow.language == "zh" else "zh")
        )
        self.back.clicked.connect(flow.back)

    def apply_metrics(self, m: Metrics) -> None:
        self._outer.setContentsMargins(m.margin, m.px(36), m.margin, m.margin)
        self._outer.setSpacing(m.margin)
        self._row.setSpacing(m.gap)
        for b in self.faces.values():
            b.apply_metrics(m)

    def refresh(self) -> None:
        lang = self.flow.language
        self.title.setText(tr("rate_title", lang))
        self.who.setText(staff_line(self.flow))
        self.lang.setText(other_language_label(lang))
        self.back.setText(tr("back", lang))
        self.hint.setText(tr("rate_hint", lang))
        for level, b in self.faces.items():
            b.set_word(level_word(level, lang))


class WhyScreen(QWidget):
    """After a 差评: the five indicators and the hall's own reasons, several may be chosen."""

    COLUMNS = 3

    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.flow = flow
        self._m = Metrics(1920, 1080)
        self.title = label("title")
        self.hint = label("soft")
        self.grid = QGridLayout()
        self.reasons: dict[str, ReasonButton] = {}
        self.phone = button("secondary")
        self.countdown = label("countdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.skip = button("secondary")
        self.submit = button("primary")

        bottom = QHBoxLayout()
        bottom.addWidget(self.phone)
        bottom.addStretch(1)
        bottom.addWidget(self.countdown)
        bottom.addStretch(1)
        bottom.addWidget(self.skip)
        bottom.addWidget(self.submit)
        self._bottom = bottom

        outer = QVBoxLayout(self)
        outer.addWidget(self.title)
        outer.addWidget(self.hint)
        outer.addLayout(self.grid, 1)
        outer.addLayout(bottom)
        self._outer = outer

        self.phone.clicked.connect(flow.open_phone_pad)
        self.skip.clicked.connect(flow.skip)
        self.submit.clicked.connect(flow.confirm)
        flow.selection_changed.connect(self._sync_checks)
        flow.roster_changed.connect(self._rebuild)
        self._rebuild()

    def _rebuild(self) -> None:
        for b in self.reasons.values():
            self.grid.removeWidget(b)
            b.deleteLater()
        self.reasons = {}
        for i, r in enumerate(self.flow.reasons):
            b = ReasonButton(r.code, r.label, r.line_zh)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, c=r.code: self.flow.toggle_reason(c))
            b.apply_metrics(self._m)
            self.grid.addWidget(b, i // self.COLUMNS, i % self.COLUMNS)
            self.reasons[r.code] = b
        self.refresh()

    def apply_metrics(self, m: Metrics) -> None:
        self._m = m
        self._outer.setContentsMargins(m.margin, m.px(36), m.margin, m.margin)
        self._outer.setSpacing(m.gap)
        self.grid.setSpacing(m.gap)
        self._bottom.setSpacing(m.gap)
        for b in self.reasons.values():
            b.apply_metrics(m)

    def refresh(self) -> None:
        lang = self.flow.language
        self.title.setText(tr("why_title", lang))
        self.hint.setText(tr("why_hint", lang))
        self.skip.setText(tr("skip", lang))
        self.submit.setText(tr("submit", lang))
        for r in self.flow.reasons:
            b = self.reasons.get(r.code)
            if b is not None:
                b.set_texts(r.label, r.line_en if lang == "en" else r.line_zh)
        self._sync_checks()
        self.update_countdown()

    def _sync_checks(self) -> None:
        chosen = set(self.flow.selected_reasons)
        for code, b in self.reasons.items():
            b.setChecked(code in chosen)
        phone = self.flow.phone
        lang = self.flow.language
        self.phone.setText(tr("phone_set", lang, phone=phone) if phone else tr("leave_phone", lang))

    def update_countdown(self) -> None:
        """Warn in words before the time limit records the rating without reasons."""
        left = self.flow.seconds_left()
        limit = self.flow.timings.why_timeout_s * self.flow.timings.timeout_scale
        warn_from = min(20.0, limit / 3)
        if left is not None and left <= warn_from:
            self.countdown.setText(tr("why_countdown", self.flow.language, s=int(left + 0.99)))
            self.countdown.show()
        else:
            self.countdown.hide()


class ThanksScreen(QWidget):
    """The same screen whatever the level: nothing to read the verdict off."""

    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.flow = flow
        self.icon = Icon("tick")
        self.title = label("title")
        self.hint = label("body")
        col = QVBoxLayout(self)
        col.addStretch(1)
        col.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignHCenter)
        col.addSpacing(30)
        col.addWidget(self.title, 0, Qt.AlignmentFlag.AlignHCenter)
        col.addWidget(self.hint, 0, Qt.AlignmentFlag.AlignHCenter)
        col.addStretch(1)

    def apply_metrics(self, m: Metrics) -> None:
        self.icon.setFixedSize(m.px(260), m.px(260))
        self.title.setStyleSheet(f"font-size: {m.pt(72, 30)}pt; font-weight: bold;")

    def refresh(self) -> None:
        lang = self.flow.language
        self.title.setText(tr("thanks_title", lang))
        self.hint.setText(tr("thanks_hint", lang))


class OutOfServiceScreen(QWidget):
    """Calm words for the citizen; the reason is for the staff panel only."""

    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.flow = flow
        self.icon = Icon("pause")
        self.title = label("title")
        self.hint = label("heading")
        self.other = label("soft")
        col = QVBoxLayout(self)
        col.addStretch(1)
        col.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignHCenter)
        col.addSpacing(30)
        for w in (self.title, self.hint, self.other):
            col.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        col.addStretch(1)

    def apply_metrics(self, m: Metrics) -> None:
        self.icon.setFixedSize(m.px(220), m.px(220))

    def refresh(self) -> None:
        lang = self.flow.language
        other = "en" if lang == "zh" else "zh"
        self.title.setText(tr("oos_title", lang))
        self.hint.setText(tr("oos_hint", lang))
        self.other.setText(f"{tr('oos_title', other)} · {tr('oos_hint', other)}")


class ConfigErrorScreen(QWidget):
    """A big readable configuration error, in both languages, with a close button."""

    def __init__(self, message: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.title = label("title", f"{tr('config_error_title', 'zh')}")
        self.title_en = label("heading", tr("config_error_title", "en"))
        self.message = label("body", message, wrap=True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.card = card()
        inner = QVBoxLayout(self.card)
        inner.addWidget(self.message)
        self.hint = label(
            "soft", f"{tr('config_error_hint', 'zh')}\n{tr('config_error_hint', 'en')}", wrap=True
        )
        self.close_button = button("primary")
        self.close_button.setText(f"{tr('close', 'zh')} / {tr('close', 'en')}")
        col = QVBoxLayout(self)
        col.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        col.addWidget(self.title)
        col.addWidget(self.title_en)
        col.addWidget(self.card, 1)
        col.addWidget(self.hint)
        col.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)
        self._col = col
        self._inner = inner

    def apply_metrics(self, m: Metrics) -> None:
        self._col.setContentsMargins(m.margin, m.margin, m.margin, m.margin)
        self._col.setSpacing(m.gap)
        self._inner.setContentsMargins(m.px(30), m.px(30), m.px(30), m.px(30))
