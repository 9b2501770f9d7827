"""The kiosk's main window: one stacked page per flow state, a tick timer, the hidden staff
gesture, the chime, and the sync status line. All decisions stay in ``kiosk.flow``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QMouseEvent, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QApplication, QStackedWidget, QVBoxLayout, QWidget

from kiosk.config import load_roster
from kiosk.flow import Flow, State
from kiosk.qt_phone_pad import PhoneScreen, PinScreen
from kiosk.qt_screens import IdleScreen, OutOfServiceScreen, RateScreen, ThanksScreen, WhyScreen
from kiosk.qt_sound import Chime
from kiosk.qt_staff_panel import StaffPanel
from kiosk.qt_style import Metrics, screen_dpi, style_sheet

__all__ = ["CornerHotspot", "KioskWindow"]

log = logging.getLogger(__name__)


class CornerHotspot(QWidget):
    """An invisible square in the top-left corner: a long press asks for the staff PIN; a
    short tap is an ordinary tap on the screen below."""

    def __init__(self, flow: Flow, long_press_ms: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.flow = flow
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(long_press_ms)
        self.timer.timeout.connect(self._on_long_press)
        self._fired = False
        self.setAccessibleName("staff")

    def _on_long_press(self) -> None:
        self._fired = True
        self.flow.request_staff()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._fired = False
        self.timer.start()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.timer.stop()
        if not self._fired:
            self.flow.start()


class KioskWindow(QWidget):
    """Thin view over a ``Flow``; ``sync_link`` (optional) reports status and rosters."""

    def __init__(
        self,
        flow: Flow,
        *,
        qr_url: str | None = None,
        photo_dirs: Sequence[Path] = (),
        on_retry: Callable[[], None] = lambda: None,
        demo_pin: bool = False,
        chime: Chime | None = None,
        sync_link: Any = None,
        config: Any = None,
        long_press_ms: int = 3000,
        tick_ms: int = 200,
    ) -> None:
        super().__init__()
        self.setObjectName("kiosk")
        self.setWindowTitle("Hall Ratings")
        self.flow = flow
        self.chime = chime or Chime(enabled=False)
        self.sync_link = sync_link
        self.config = config
        self.metrics = Metrics(1920, 1080)
        self.on_first_paint: Callable[[], None] | None = None
        self._painted = False
        self._last_roster: dict[str, Any] | None = None

        self.stack = QStackedWidget(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.stack)

        self.idle = IdleScreen(flow, qr_url=qr_url, photo_dirs=photo_dirs)
        self.rate = RateScreen(flow)
        self.why = WhyScreen(flow)
        self.phone = PhoneScreen(flow)
        self.thanks = ThanksScreen(flow)
        self.pin = PinScreen(flow)
        self.staff = StaffPanel(
            flow, on_retry=on_retry, on_close=self._on_close_app, demo_pin=demo_pin
        )
        self.out_of_service = OutOfServiceScreen(flow)
        self.pages: dict[State, QWidget] = {
            State.IDLE: self.idle,
            State.RATE: self.rate,
            State.WHY: self.why,
            State.PHONE: self.phone,
            State.THANKS: self.thanks,
            State.PIN: self.pin,
            State.STAFF: self.staff,
            State.OUT_OF_SERVICE: self.out_of_service,
        }
        for page in self.pages.values():
            self.stack.addWidget(page)
        self.hotspot = CornerHotspot(flow, long_press_ms, self)

        flow.state_changed.connect(self._on_state_changed)
        flow.language_changed.connect(lambda _lang: self._refresh_current())
        flow.staff_changed.connect(lambda _s: self._refresh_current())
        flow.roster_changed.connect(self._refresh_current)

        self.ticker = QTimer(self)
        self.ticker.setInterval(tick_ms)
        self.ticker.timeout.connect(self._on_tick)
        self.ticker.start()
        self.sync_timer = QTimer(self)
        self.sync_timer.setInterval(1500)
        self.sync_timer.timeout.connect(self._on_sync_poll)
        if sync_link is not None:
            self.sync_timer.start()

        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._apply_metrics()
        self._on_state_changed(flow.state)

    # ---------------------------------------------------------------------------- layout
    def _apply_metrics(self) -> None:
        w, h = max(self.width(), 640), max(self.height(), 480)
        m = Metrics(w, h, screen_dpi())
        self.metrics = m
        self.setStyleSheet(style_sheet(m))
        for page in self.pages.values():
            apply = getattr(page, "apply_metrics", None)
            if apply is not None:
                apply(m)
        side = max(m.target, m.px(140))
        self.hotspot.setGeometry(0, 0, side, side)
        self.hotspot.raise_()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        old = self.metrics
        if (old.width, old.height) != (self.width(), self.height()):
            self._apply_metrics()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            if self.on_first_paint is not None:
                QTimer.singleShot(0, self.on_first_paint)

    # ------------------------------------------------------------------------ flow events
    def _on_state_changed(self, state: State) -> None:
        page = self.pages[state]
        enter = getattr(page, "enter", None)
        if enter is not None:
            enter()
        else:
            page.refresh()  # type: ignore[attr-defined]
        self.stack.setCurrentWidget(page)
        self.hotspot.setVisible(state in (State.IDLE, State.OUT_OF_SERVICE))
        self.hotspot.raise_()
        if state is State.THANKS:
            self.chime.play()
        if state is State.STAFF:
            self._on_sync_poll()

    def _refresh_current(self) -> None:
        page = self.stack.currentWidget()
        refresh = getattr(page, "refresh", None)
        if refresh is not None:
            refresh()

    def _on_tick(self) -> None:
        self.flow.tick()
        if self.flow.state is State.WHY:
            self.why.update_countdown()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Any touch anywhere restarts the current screen's time limit.
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            self.flow.touch()
        return False

    # ------------------------------------------------------------------------------ sync
    def _on_sync_poll(self) -> None:
        link = self.sync_link
        if link is None:
            return
        try:
            self.staff.sync_status = link.status
        except Exception as e:  # the status line must never take the kiosk down
            log.warning("sync status unavailable: %s", e)
        if self.flow.state is State.STAFF:
            self.staff.update_sync()
        try:
            cached = link.cached_roster()
        except Exception as e:
            log.warning("cached roster unavailable: %s", e)
            return
        if cached is not None and cached != self._last_roster and self.config is not None:
            self._last_roster = cached
            roster = load_roster(self.config, cached=cached)
            self.flow.set_roster(roster)

    def _on_close_app(self) -> None:
        self.close()
        app = QApplication.instance()
        if app is not None:
            app.quit()
