"""The kiosk's main window: one stacked page per flow state, a tick timer, the time-limit
warning, the hidden staff gesture, the sounds, and the sync status line. All decisions stay in
``kiosk.flow``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QCloseEvent, QMouseEvent, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk._qt.qt_screens import (
    Countdown,
    IdleScreen,
    OutOfServiceScreen,
    ThanksScreen,
    WhyScreen,
)
from kiosk._qt.qt_staff_panel import StaffPanel
from kiosk._qt.qt_style import Metrics, screen_ratio, style_sheet
from kiosk.config import ConfigError, Display, load_roster
from kiosk.flow import Flow, State
from kiosk.sound import Sounds

if TYPE_CHECKING:
    from kiosk._qt.qt_phone_pad import PhoneScreen, PinScreen
    from kiosk.config import KioskConfig
    from kiosk.sync_link import SyncLink
    from sync.pusher import SyncStatus

__all__ = ["CornerHotspot", "KioskWindow"]

log = logging.getLogger(__name__)


class Page(Protocol):
    """What the window asks of every screen it stacks (each is also a ``QWidget``)."""

    def apply_metrics(self, m: Metrics) -> None: ...

    def refresh(self) -> None: ...


def _page(widget: QWidget | None) -> Page:
    # Every widget in the stack was made by one of KioskWindow._factories: all are pages.
    return cast(Page, widget)


def _phone_screen(flow: Flow) -> QWidget:
    """The number-pad screens are imported when first needed (after the first frame)."""
    from kiosk._qt.qt_phone_pad import PhoneScreen

    return PhoneScreen(flow)


def _pin_screen(flow: Flow) -> QWidget:
    from kiosk._qt.qt_phone_pad import PinScreen

    return PinScreen(flow)


class CornerHotspot(QWidget):
    """An invisible square in the top-left corner (where no control is): a long press asks for
    the staff PIN; a short tap is just a touch."""

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
        sounds: Sounds | None = None,
        sync_link: SyncLink | None = None,
        config: KioskConfig | None = None,
        long_press_ms: int = 3000,
        tick_ms: int = 200,
    ) -> None:
        super().__init__()
        self.setObjectName("kiosk")
        self.setWindowTitle("Hall Ratings")
        self.flow = flow
        self.sounds = sounds or Sounds(enabled=False)
        self.sync_link = sync_link
        self.config = config
        self.display: Display = getattr(config, "display", None) or Display()
        self.metrics = Metrics.for_window(1920, 1080, self.display)
        self.on_first_paint: Callable[[], None] | None = None
        self._painted = False
        self._styled = False  # the style sheet waits for the real size (first resize event)
        self._last_roster: dict[str, Any] | None = None

        self.stack = QStackedWidget(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        # The window takes the screen's size and the metrics follow it, never the reverse:
        # the pages' minimum sizes at the previous size must not hold the window bigger.
        lay.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        lay.addWidget(self.stack)

        self.recovered_from: str | None = None
        self.sync_status: SyncStatus | None = None
        # Only the first screen is built before the first frame; the rest right after it
        # (see paintEvent), so a counter PC shows its idle screen as early as it can.
        self._factories: dict[State, Callable[[], QWidget]] = {
            State.IDLE: lambda: IdleScreen(flow, qr_url=qr_url, photo_dirs=photo_dirs),
            State.WHY: lambda: WhyScreen(flow),
            State.PHONE: lambda: _phone_screen(flow),
            State.THANKS: lambda: ThanksScreen(flow),
            State.PIN: lambda: _pin_screen(flow),
            State.STAFF: lambda: self._make_staff_panel(on_retry, demo_pin),
            State.OUT_OF_SERVICE: lambda: OutOfServiceScreen(flow),
        }
        self.pages: dict[State, QWidget] = {}
        self.hotspot = CornerHotspot(flow, long_press_ms, self)
        self.countdown = Countdown(flow, self)

        flow.state_changed.connect(self._on_state_changed)
        flow.language_changed.connect(lambda _lang: self._refresh_current())
        flow.staff_changed.connect(lambda _s: self._refresh_current())
        flow.roster_changed.connect(self._refresh_current)
        flow.time_warning.connect(self._on_time_warning)

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
        self._on_state_changed(flow.state)

    # ----------------------------------------------------------------------------- pages
    def page(self, state: State) -> QWidget:
        """The screen for ``state``, built on first use."""
        page = self.pages.get(state)
        if page is None:
            page = self._factories[state]()
            _page(page).apply_metrics(self.metrics)
            self.pages[state] = page
            self.stack.addWidget(page)
        return page

    def build_all_pages(self) -> None:
        for state in State:
            self.page(state)

    def _make_staff_panel(self, on_retry: Callable[[], None], demo_pin: bool) -> StaffPanel:
        panel = StaffPanel(
            self.flow, on_retry=on_retry, on_close=self._on_close_app, demo_pin=demo_pin
        )
        panel.recovered_from = self.recovered_from
        panel.sync_status = self.sync_status
        return panel

    @property
    def idle(self) -> IdleScreen:
        return cast(IdleScreen, self.page(State.IDLE))

    @property
    def why(self) -> WhyScreen:
        return cast(WhyScreen, self.page(State.WHY))

    @property
    def phone(self) -> PhoneScreen:
        return cast("PhoneScreen", self.page(State.PHONE))

    @property
    def thanks(self) -> ThanksScreen:
        return cast(ThanksScreen, self.page(State.THANKS))

    @property
    def pin(self) -> PinScreen:
        return cast("PinScreen", self.page(State.PIN))

    @property
    def staff(self) -> StaffPanel:
        return cast(StaffPanel, self.page(State.STAFF))

    @property
    def out_of_service(self) -> OutOfServiceScreen:
        return cast(OutOfServiceScreen, self.page(State.OUT_OF_SERVICE))

    def set_recovered_from(self, path: str | None) -> None:
        self.recovered_from = path
        if State.STAFF in self.pages:
            self.staff.recovered_from = path

    # ---------------------------------------------------------------------------- layout
    def _apply_metrics(self) -> None:
        w, h = max(self.width(), 640), max(self.height(), 480)
        m = Metrics.for_window(w, h, self.display, screen_ratio())
        self.metrics = m
        self.setStyleSheet(style_sheet(m))
        for page in self.pages.values():
            _page(page).apply_metrics(m)
        self.countdown.apply_metrics(m)
        side = max(m.target, m.px(140))
        self.hotspot.setGeometry(0, 0, side, side)
        self.hotspot.raise_()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        old = self.metrics
        if not self._styled or (old.width, old.height) != (self.width(), self.height()):
            self._styled = True
            self._apply_metrics()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            if self.on_first_paint is not None:
                QTimer.singleShot(0, self.on_first_paint)
            QTimer.singleShot(0, self.build_all_pages)

    # ------------------------------------------------------------------------ flow events
    def _on_state_changed(self, state: State) -> None:
        page = self.page(state)
        if state is State.PHONE:
            self.phone.enter()  # a fresh number pad, not the last one's digits
        elif state is State.PIN:
            self.pin.enter()
        elif state is State.WHY:
            self.why.enter()  # the first page of reasons
        else:
            _page(page).refresh()
        self.stack.setCurrentWidget(page)
        self.hotspot.setVisible(state in (State.IDLE, State.OUT_OF_SERVICE))
        self.hotspot.raise_()
        self.countdown.update_from_flow()
        if state is State.THANKS:
            self.sounds.play("thanks")
        if state is State.STAFF:
            self._on_sync_poll()

    def _refresh_current(self) -> None:
        if self.stack.currentWidget() is not None:
            _page(self.stack.currentWidget()).refresh()

    def _on_tick(self) -> None:
        self.flow.tick()
        self.countdown.update_from_flow()

    def _on_time_warning(self, _state: State) -> None:
        self.countdown.update_from_flow()
        self.sounds.play("warning")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Any touch anywhere restarts the current screen's time limit (and ends its warning).
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            self.flow.touch()
            self.countdown.update_from_flow()
            # The same neutral tap for every button and face, whatever it does.
            if isinstance(watched, QAbstractButton) and watched.window() is self:
                self.sounds.play("tap")
        return False

    # ------------------------------------------------------------------------------ sync
    def _on_sync_poll(self) -> None:
        link = self.sync_link
        if link is None:
            return
        try:
            self.sync_status = link.status
        except Exception as e:  # the status line must never take the kiosk down
            log.warning("sync status unavailable: %s", e)
        if State.STAFF in self.pages:
            self.staff.sync_status = self.sync_status
            if self.flow.state is State.STAFF:
                self.staff.update_sync()
        try:
            cached = link.cached_roster()
        except Exception as e:
            log.warning("cached roster unavailable: %s", e)
            return
        if cached is not None and cached != self._last_roster and self.config is not None:
            self._last_roster = cached
            try:
                roster = load_roster(self.config, cached=cached)
            except ConfigError as e:
                log.warning("new roster not applied: %s", e)
                return
            self.flow.set_roster(roster)

    def closeEvent(self, event: QCloseEvent) -> None:
        # A closed window stops driving its flow: no timer fires into a closed store.
        self.ticker.stop()
        self.sync_timer.stop()
        self.hotspot.timer.stop()
        self.sounds.close()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        super().closeEvent(event)

    def _on_close_app(self) -> None:
        self.close()
        app = QApplication.instance()
        if app is not None:
            app.quit()
