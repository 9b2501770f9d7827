"""The citizen's screens: idle (with the five faces), why, thank you, out of service; the
time-limit warning banner; and the configuration error screen. Thin views: they read the flow
and call its actions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QLayout,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk._qt.qt_qr import QrWidget
from kiosk._qt.qt_style import Metrics
from kiosk._qt.qt_widgets import Avatar, FaceButton, Icon, ReasonButton, button, card, label
from kiosk.flow import Flow, State
from kiosk.i18n import level_word, other_language_label, tr
from sync.schema import LEVEL_WORDS_ZH, Level

__all__ = [
    "ConfigErrorScreen",
    "Countdown",
    "IdleScreen",
    "OutOfServiceScreen",
    "ReasonGrid",
    "ThanksScreen",
    "WhyScreen",
]

# The faces and their words at 1920×1080 before they moved onto the idle screen (design px):
# they stay at least this large.
FACE_DESIGN_PX = 300
FACE_CARD_DESIGN_W = 342


class IdleScreen(QWidget):
    """The invitation and the five faces (one tap rates), beside the window, the unit, the staff
    member on duty and the QR code."""

    def __init__(
        self,
        flow: Flow,
        *,
        qr_url: str | None,
        photo_dirs: Sequence[Path] = (),
        parent: QWidget | None = None,
    ) -> None:
        """Builds the screen top to bottom in the order it reads (longer than most functions:
        one layout, kept in one place so its nesting can be seen)."""
        super().__init__(parent)
        self.setObjectName("screen")
        self.flow = flow
        self.photo_dirs = list(photo_dirs)
        self._m = Metrics(1920, 1080)
        self.invite_main = label("title")
        self.invite_sub = label("soft")
        self.lang = button("lang")
        self.hall = label("soft")
        self.window_name = label("huge")
        self.unit = label("heading")
        self.avatar = Avatar()
        self.staff_caption = label("soft")
        self.staff_name = label("heading")
        self.staff_no = label("body")
        self.qr = QrWidget()
        self.qr_title = label("strong")
        self.qr_hint = label("soft")
        self.qr_url = qr_url
        self.faces: dict[int, FaceButton] = {}

        top = QHBoxLayout()
        invite = QVBoxLayout()
        invite.setSpacing(0)
        invite.addWidget(self.invite_main)
        invite.addWidget(self.invite_sub)
        top.addLayout(invite, 1)
        self._invite = invite
        top.addWidget(self.lang, 0, Qt.AlignmentFlag.AlignTop)
        self._top = top

        where = QVBoxLayout()
        where.setSpacing(0)
        where.addWidget(self.hall)
        where.addWidget(self.window_name)
        where.addWidget(self.unit)
        where.addStretch(1)
        self._where = where

        self.card = card()
        card_row = QHBoxLayout(self.card)
        card_row.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignVCenter)
        who = QVBoxLayout()
        who.setSpacing(0)
        who.addStretch(1)
        who.addWidget(self.staff_caption)
        who.addWidget(self.staff_name)
        who.addWidget(self.staff_no)
        who.addStretch(1)
        card_row.addLayout(who, 1)
        self._card_layout = card_row

        self.qr_box = card()
        qr_row = QHBoxLayout(self.qr_box)
        qr_row.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignVCenter)
        qr_text = QVBoxLayout()
        qr_text.setSpacing(0)
        qr_text.addStretch(1)
        qr_text.addWidget(self.qr_title)
        qr_text.addWidget(self.qr_hint)
        qr_text.addStretch(1)
        qr_row.addLayout(qr_text, 1)
        self._qr_row = qr_row

        band = QHBoxLayout()
        band.addLayout(where, 5)
        band.addWidget(self.card, 4)
        band.addWidget(self.qr_box, 4)
        self._band = band

        row = QHBoxLayout()
        for level in (5, 4, 3, 2, 1):
            b = FaceButton(level, LEVEL_WORDS_ZH[Level(level)])
            b.clicked.connect(lambda _=False, lv=level: flow.rate(lv))
            row.addWidget(b, 1)
            self.faces[level] = b
        self._row = row

        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addLayout(band)
        outer.addLayout(row, 1)
        self._outer = outer

        self.lang.clicked.connect(self._on_lang)

    def apply_metrics(self, m: Metrics) -> None:
        self._m = m
        # Compact panels give the faces the screen's width: as wide as they were at 1280×800.
        side = m.mm(2) if m.compact else m.margin
        # The faces get every line the rest can spare: on a roomy panel the hint stands beside
        # the invitation, and the edges keep only what a bezel needs.
        self._outer.setContentsMargins(side, max(m.px(20), m.mm(2)), side, min(side, m.px(28)))
        self._invite.setDirection(
            QBoxLayout.Direction.TopToBottom if m.compact else QBoxLayout.Direction.LeftToRight
        )
        self._invite.setSpacing(0 if m.compact else m.gap)
        self._invite.setAlignment(self.invite_sub, Qt.AlignmentFlag.AlignBottom)
        self._invite.setStretch(1, 0 if m.compact else 1)  # the hint right after the invitation
        self._outer.setSpacing(m.gap)
        self._top.setSpacing(m.gap)
        self._band.setSpacing(m.gap)
        self._row.setSpacing(m.face_gap)
        avatar = max(m.px(200), m.mm(22))
        self.avatar.setFixedSize(avatar, avatar)
        pad = max(m.px(24), m.mm(2.5))
        self._card_layout.setContentsMargins(pad, pad, pad, pad)
        self._card_layout.setSpacing(pad)
        self._qr_row.setContentsMargins(pad, pad, pad, pad)
        self._qr_row.setSpacing(pad)
        qr = max(
            m.px(200), m.mm(32)
        )  # 50 mm on a 21.5-inch panel: a phone reads it at arm's length
        self.qr.setFixedSize(qr, qr)
        self.lang.set_padding(m.px(24), m.px(8))
        self._show_for_size()
        for b in self.faces.values():
            b.apply_metrics(m)
            b.setMinimumWidth(m.px(FACE_CARD_DESIGN_W) - 1)
        self._fit_faces()

    def _show_for_size(self) -> None:
        """A tablet keeps its lines for the window, the staff member and the faces: the photo,
        name and number say who serves; the code and its title say "scan"."""
        compact = self._m.compact
        self.hall.setVisible(not compact)
        self.staff_caption.setVisible(self.flow.signed_in is None or not compact)
        self.qr_hint.setVisible(not compact)

    def _fit_faces(self) -> None:
        """Every face the same size: room for the longest word, in as many lines as it takes."""
        m = self._m
        width = m.px(FACE_CARD_DESIGN_W)
        words = max(b.word_height(width) for b in self.faces.values())
        for b in self.faces.values():
            b.text_height = words
            b.setMinimumHeight(b.needed_height(width, m.px(FACE_DESIGN_PX)))
            b.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_faces()

    def refresh(self) -> None:
        f, lang = self.flow, self.flow.language
        self.invite_main.setText(tr("invite", lang))
        self.invite_sub.setText(tr("invite_tap", lang))
        self.hall.setText(f.roster.hall.name)
        self.lang.setText(other_language_label(lang))
        self.window_name.setText(f"{f.window.name}  {f.window.code}")
        self.unit.setText(f.unit.name)
        staff = f.signed_in
        self._show_for_size()
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
        for level, b in self.faces.items():
            b.set_word(level_word(level, lang))
        self._fit_faces()
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


class ReasonGrid(QWidget):
    """The reason buttons in as many columns and rows as fit at readable sizes; the rest on
    further pages (``page``/``pages``), never smaller text."""

    pages_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons: list[ReasonButton] = []
        self._m = Metrics(1920, 1080)
        self.page = 0
        self.pages = 1
        self.columns = 3
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_buttons(self, buttons: list[ReasonButton]) -> None:
        for b in self.buttons:
            b.setParent(None)
            b.deleteLater()
        self.buttons = buttons
        for b in buttons:
            b.setParent(self)
            b.apply_metrics(self._m)
        self.page = 0
        self.relayout()

    def apply_metrics(self, m: Metrics) -> None:
        self._m = m
        for b in self.buttons:
            b.apply_metrics(m)
        self.relayout()

    def turn(self, delta: int) -> None:
        self.page = min(max(0, self.page + delta), self.pages - 1)
        self.relayout()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.relayout()

    def relayout(self) -> None:
        m, gap = self._m, self._m.gap
        w, h = self.width(), self.height()
        if not self.buttons or w <= 0 or h <= 0:
            return
        # Lines of at least ~12 characters: fewer columns rather than narrower ones.
        cols = 3
        while cols > 1 and (w - (cols - 1) * gap) / cols < 12 * m.body:
            cols -= 1
        self.columns = cols
        cell_w = (w - (cols - 1) * gap) / cols
        rows = [self.buttons[i : i + cols] for i in range(0, len(self.buttons), cols)]
        heights = [max(b.needed_height(math.floor(cell_w)) for b in r) for r in rows]
        pages: list[list[int]] = [[]]
        used = 0.0
        for i, needed in enumerate(heights):
            extra = float(needed + (gap if pages[-1] else 0))
            if pages[-1] and used + extra > h:
                pages.append([])
                used, extra = 0.0, float(needed)
            pages[-1].append(i)
            used += extra
        old = self.pages
        self.pages = len(pages)
        self.page = min(self.page, self.pages - 1)
        for b in self.buttons:
            b.hide()
        shown = pages[self.page]
        spare = max(0.0, h - sum(heights[i] for i in shown) - gap * (len(shown) - 1))
        grow = min(spare / max(1, len(shown)), m.target / 2)  # fill a little, stay on top
        y = 0.0
        for i in shown:
            rh = heights[i] + grow
            for c, b in enumerate(rows[i]):
                x = c * (cell_w + gap)
                b.setGeometry(QRect(round(x), round(y), math.floor(cell_w), math.floor(rh)))
                b.show()
            y += rh + gap
        if old != self.pages:
            self.pages_changed.emit()


class WhyScreen(QWidget):
    """After a 差评: the five indicators and the hall's own reasons, several may be chosen."""

    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.flow = flow
        self._m = Metrics(1920, 1080)
        self.title = label("title")
        self.hint = label("soft")
        self.grid = ReasonGrid()
        self.reasons: dict[str, ReasonButton] = {}
        self.phone = button("secondary")
        self.prev_page = button("secondary", "‹")
        self.next_page = button("secondary", "›")
        self.page_label = label("body", wrap=False)
        self.skip = button("secondary")
        self.submit = button("primary")

        bottom = QHBoxLayout()
        bottom.addWidget(self.phone, 1)
        bottom.addWidget(self.prev_page)
        bottom.addWidget(self.page_label)
        bottom.addWidget(self.next_page)
        bottom.addSpacing(0)
        bottom.addWidget(self.skip)
        bottom.addWidget(self.submit)
        self._bottom = bottom

        outer = QVBoxLayout(self)
        outer.addWidget(self.title)
        outer.addWidget(self.hint)
        outer.addWidget(self.grid, 1)
        outer.addLayout(bottom)
        self._outer = outer

        self.phone.clicked.connect(flow.open_phone_pad)
        self.skip.clicked.connect(flow.skip)
        self.submit.clicked.connect(flow.confirm)
        self.prev_page.clicked.connect(lambda: self.turn(-1))
        self.next_page.clicked.connect(lambda: self.turn(1))
        self.grid.pages_changed.connect(self._show_pages)
        flow.selection_changed.connect(self._sync_checks)
        flow.roster_changed.connect(self._rebuild)
        self._rebuild()

    def _rebuild(self) -> None:
        buttons = []
        for r in self.flow.reasons:
            b = ReasonButton(r.code, r.label, r.line_zh)
            b.clicked.connect(lambda _=False, c=r.code: self.flow.toggle_reason(c))
            buttons.append(b)
        self.reasons = {b.code: b for b in buttons}
        self.grid.set_buttons(buttons)
        self.refresh()

    def enter(self) -> None:
        self.grid.page = 0
        self.refresh()

    def apply_metrics(self, m: Metrics) -> None:
        self._m = m
        self._outer.setContentsMargins(m.margin, max(m.px(36), m.mm(2)), m.margin, m.margin)
        self._outer.setSpacing(m.gap)
        self._bottom.setSpacing(m.gap)
        self.hint.setVisible(not m.compact)  # the title and the tick boxes say it on a tablet
        for b in (self.phone, self.skip, self.submit):
            b.set_padding(m.px(28), m.px(8))
        self.grid.apply_metrics(m)

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
        self.grid.relayout()
        self._sync_checks()
        self._show_pages()

    def turn(self, delta: int) -> None:
        """Show the page ``delta`` pages on (clamped to the first and the last)."""
        self.grid.turn(delta)
        self._show_pages()

    def _show_pages(self) -> None:
        g, lang = self.grid, self.flow.language
        many = g.pages > 1
        self.page_label.setVisible(many)
        # A page button only where there is a page to go to (never a greyed-out control).
        self.prev_page.setVisible(many and g.page > 0)
        self.next_page.setVisible(many and g.page < g.pages - 1)
        self.next_page.setText(tr("more_reasons", lang))
        self.page_label.setText(tr("page_of", lang, page=g.page + 1, pages=g.pages))

    def _sync_checks(self) -> None:
        chosen = set(self.flow.selected_reasons)
        for code, b in self.reasons.items():
            b.setChecked(code in chosen)
        phone = self.flow.phone
        lang = self.flow.language
        self.phone.setText(tr("phone_set", lang, phone=phone) if phone else tr("leave_phone", lang))


class Countdown(QWidget):
    """The banner that warns, WARNING_S before a citizen screen's limit, what will happen and
    that a touch keeps the screen; laid over whichever screen is showing."""

    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = flow
        self.text = label("countdown")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.text)
        self._m = Metrics(1920, 1080)
        self.hide()

    def apply_metrics(self, m: Metrics) -> None:
        self._m = m
        self.place()

    def place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        m = self._m
        width = min(parent.width() - 2 * m.margin, max(m.px(1100), round(parent.width() * 0.7)))
        height = self.text.heightForWidth(width)
        # Lower middle of the screen: over the faces or the reasons, away from the corner
        # gesture, the language button and the screens' own buttons.
        y = round(parent.height() * 0.55 - height / 2)
        self.setGeometry((parent.width() - width) // 2, y, width, height)

    def update_from_flow(self) -> None:
        f = self.flow
        if not f.warning:
            self.hide()
            return
        left = f.seconds_left() or 0.0
        s = max(1, math.ceil(left))
        lang = f.language
        if f.state is State.IDLE:
            text = tr("idle_countdown", lang, s=s, default=other_language_label(lang))
        else:
            text = tr("why_countdown", lang, s=s)
        if text != self.text.text() or not self.isVisible():
            self.text.setText(text)
            self.place()
            self.show()
            self.raise_()


class ThanksScreen(QWidget):
    """The same screen whatever the level: nothing to read the verdict off."""

    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.flow = flow
        self.icon = Icon("tick")
        self.title = label("title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = label("body")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        col = QVBoxLayout(self)
        col.addStretch(1)
        col.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignHCenter)
        col.addSpacing(30)
        col.addWidget(self.title)
        col.addWidget(self.hint)
        col.addStretch(1)
        self._col = col

    def apply_metrics(self, m: Metrics) -> None:
        self.icon.setFixedSize(m.px(260), m.px(260))
        self._col.setContentsMargins(m.margin, m.margin, m.margin, m.margin)
        self.title.setStyleSheet(f"font-size: {m.font_px(96, 30)}px; font-weight: bold;")

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
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            col.addWidget(w)
        col.addStretch(1)
        self._col = col

    def apply_metrics(self, m: Metrics) -> None:
        self.icon.setFixedSize(m.px(220), m.px(220))
        self._col.setContentsMargins(m.margin, m.margin, m.margin, m.margin)

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
        self.message = label("body", message)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.card = card()
        inner = QVBoxLayout(self.card)
        inner.addWidget(self.message)
        self.hint = label(
            "soft", f"{tr('config_error_hint', 'zh')}\n{tr('config_error_hint', 'en')}"
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
        self.close_button.set_padding(m.px(32), m.px(8))
