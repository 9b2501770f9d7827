"""The staff panel behind the hidden gesture and PIN: sign in/out, today's count (never a
verdict), the terminal's state, default language, close the app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from kiosk._qt.qt_style import Metrics
from kiosk._qt.qt_widgets import Button, button, card, label
from kiosk.flow import Flow
from kiosk.i18n import tr

if TYPE_CHECKING:
    from sync.pusher import SyncStatus

__all__ = ["StaffPanel", "sync_line"]


def _fmt_time(t: datetime | None, tz: tzinfo) -> str:
    if t is None:
        return "?"
    return t.astimezone(tz).strftime("%m-%d %H:%M")


def sync_line(status: SyncStatus | None, language: str, tz: tzinfo) -> str:
    """One line about the pusher: online / offline since … / revoked / not enrolled, backlog."""
    if status is None:
        return tr("sync_local", language)
    state = status.state
    n = status.backlog
    if state == "online":
        text = tr("sync_online", language, n=n)
    elif state == "revoked":
        text = tr("sync_revoked", language)
    elif state == "not_enrolled":
        text = tr("sync_not_enrolled", language)
    elif state == "wrong_window":
        text = tr("sync_wrong_window", language)
    else:
        since = _fmt_time(status.offline_since, tz)
        text = tr("sync_offline", language, since=since, n=n)
    if status.rejected:
        text += tr("sync_rejected", language, n=status.rejected)
    return text


class StaffPanel(QWidget):
    """Reads the flow; ``on_retry`` reopens the store, ``on_close`` ends the app."""

    def __init__(
        self,
        flow: Flow,
        *,
        on_retry: Callable[[], None],
        on_close: Callable[[], None],
        demo_pin: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """Builds the panel in the order staff read it (one layout, kept in one place)."""
        super().__init__(parent)
        self.setObjectName("screen")
        self.flow = flow
        self.demo_pin = demo_pin
        self.recovered_from: str | None = None
        self.sync_status: SyncStatus | None = None

        self.title = label("title")
        self.done = button("primary")
        self.who = label("heading")
        self.who.setWordWrap(True)
        self.sign_hint = label("soft")
        self.staff_grid = QGridLayout()
        self.staff_buttons: dict[str, Button] = {}
        self.sign_out = button("secondary")
        self.count = label("heading")
        self.store = label("body")
        self.store.setWordWrap(True)
        self.recovered = label("soft")
        self.recovered.setWordWrap(True)
        self.sync = label("body")
        self.sync.setWordWrap(True)
        self.pin_note = label("soft")
        self.pin_note.setWordWrap(True)
        self.language = button("secondary")
        self.retry = button("secondary")
        self.close_app = button("secondary")
        for b in (self.done, self.sign_out, self.language, self.retry, self.close_app):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.done)

        self.left_card = card()
        left = QVBoxLayout(self.left_card)
        left.addWidget(self.who)
        left.addWidget(self.sign_hint)
        left.addLayout(self.staff_grid)  # the staff's names, then "sign out"
        left.addStretch(1)

        self.right_card = card()
        right = QVBoxLayout(self.right_card)
        right.addWidget(self.count)
        right.addWidget(self.store)
        right.addWidget(self.recovered)
        right.addWidget(self.sync)
        right.addWidget(self.pin_note)
        right.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.language)
        buttons.addWidget(self.retry)
        buttons.addStretch(1)
        buttons.addWidget(self.close_app)
        right.addLayout(buttons)

        cols = QHBoxLayout()
        cols.addWidget(self.left_card, 1)
        cols.addWidget(self.right_card, 1)

        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addLayout(cols, 1)
        self._layouts = (outer, cols, left, right, buttons, self.staff_grid)

        self.done.clicked.connect(flow.close_staff)
        self.sign_out.clicked.connect(flow.sign_out)
        self.language.clicked.connect(
            lambda: flow.set_default_language("en" if flow.default_language == "zh" else "zh")
        )
        self.retry.clicked.connect(on_retry)
        self.close_app.clicked.connect(on_close)
        flow.staff_changed.connect(lambda _s: self.refresh())
        flow.roster_changed.connect(self._rebuild_staff)
        self._rebuild_staff()

    def _rebuild_staff(self) -> None:
        for b in self.staff_buttons.values():
            self.staff_grid.removeWidget(b)
            b.deleteLater()
        self.staff_buttons = {}
        for i, s in enumerate(self.flow.window_staff):
            b = button("staff")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, code=s.code: self.flow.sign_in(code))
            self.staff_grid.addWidget(b, i // 2, i % 2)
            self.staff_buttons[s.code] = b
        n = len(self.staff_buttons)
        self.staff_grid.removeWidget(self.sign_out)
        self.staff_grid.addWidget(self.sign_out, n // 2, n % 2)
        self.refresh()

    def apply_metrics(self, m: Metrics) -> None:
        outer, cols, left, right, buttons, grid = self._layouts
        outer.setContentsMargins(m.margin, m.px(36), m.margin, m.margin)
        outer.setSpacing(m.gap)
        cols.setSpacing(m.gap)
        for lay in (left, right):
            lay.setContentsMargins(m.px(30), m.px(26), m.px(30), m.px(26))
            lay.setSpacing(m.px(18))
        buttons.setSpacing(m.gap)
        grid.setSpacing(m.gap)
        self.sign_hint.setVisible(not m.compact)  # staff know to touch their name
        for b in (self.done, self.sign_out, self.language, self.retry, self.close_app):
            b.set_padding(m.px(28), m.px(8))
        for b in self.staff_buttons.values():
            b.set_padding(m.px(20), m.px(8))

    def refresh(self) -> None:
        f, lang = self.flow, self.flow.language
        self.title.setText(f"{tr('staff_title', lang)} · {f.window.name}")
        self.done.setText(tr("done", lang))
        s = f.signed_in
        if s is not None:
            self.who.setText(tr("signed_in_as", lang, name=s.name, code=s.code))
        else:
            self.who.setText(tr("nobody_signed_in", lang, unit=f.unit.name))
        self.sign_hint.setText(tr("sign_in_hint", lang))
        for code, b in self.staff_buttons.items():
            person = next(p for p in f.window_staff if p.code == code)
            on = s is not None and s.code == code
            b.setText(f"{'✔ ' if on else ''}{person.name}  {code}")
            if b.objectName() != ("staff_on" if on else "staff"):
                b.setObjectName("staff_on" if on else "staff")
                b.style().unpolish(b)
                b.style().polish(b)
        self.sign_out.setText(tr("sign_out", lang))
        self.sign_out.setEnabled(s is not None)
        n = f.count_today()
        self.count.setText(
            tr("today_count", lang, n=n) if n is not None else tr("today_unknown", lang)
        )
        if f.problem:
            self.store.setText("⚠ " + tr("store_bad", lang, reason=f.problem))
        else:
            self.store.setText(tr("store_ok", lang))
        self.retry.setVisible(f.problem is not None)
        self.retry.setText(tr("retry_store", lang))
        self.recovered.setVisible(self.recovered_from is not None)
        if self.recovered_from:
            self.recovered.setText("⚠ " + tr("recovered", lang, path=self.recovered_from))
        self.pin_note.setVisible(self.demo_pin)
        self.pin_note.setText(tr("demo_pin", lang))
        self.language.setText(tr("default_lang", f.default_language))
        self.close_app.setText(tr("close_app", lang))
        self.update_sync()

    def update_sync(self) -> None:
        self.sync.setText(sync_line(self.sync_status, self.flow.language, self.flow.roster.zone))
