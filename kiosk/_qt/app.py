"""The Qt half of ``hall-kiosk``: the application object, the window, screenshots.

``kiosk.app`` parses the arguments, loads the config and the roster and enrols; it hands over
to ``run`` here once a window is needed.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from assets._qt import install_app_font
from kiosk._qt.qt_kiosk import KioskWindow
from kiosk._qt.qt_screens import ConfigErrorScreen
from kiosk._qt.qt_style import Metrics, screen_ratio, style_sheet
from kiosk.app import (
    make_flow,
    open_store,
    qr_url,
    restore_sign_in,
    save_sign_in,
)
from kiosk.config import WARNING_S, ConfigError, KioskConfig
from kiosk.flow import Flow, State
from kiosk.sound import Sounds
from kiosk.store import LocalStore
from sync.defaults import DEMO_PIN
from sync.roster import Roster

if TYPE_CHECKING:
    from kiosk.sync_link import SyncLink  # httpx: only a kiosk with a server loads it

__all__ = ["make_app", "render_screenshots", "run", "show_config_error"]

log = logging.getLogger("kiosk")

SCREENSHOT_SIZES = ((1920, 1080, ""), (1280, 800, "-1280x800"))


def run(
    args: argparse.Namespace, config: KioskConfig, roster: Roster, link: SyncLink | None
) -> int:
    """Open the store, show the window and run until quit (or render and exit)."""
    rendering = bool(args.screenshot or args.screenshots)
    app = make_app()
    if args.screenshots:
        return render_screenshots(app, config, roster, args.screenshots)

    store, problem, recovered = open_store(config, roster)
    flow = make_flow(config, roster, store, problem=problem)
    restore_sign_in(flow, config)
    flow.staff_changed.connect(lambda _s: save_sign_in(flow, config))

    def retry() -> None:
        nonlocal store
        new, why, rec = open_store(config, roster)
        if new is None:
            flow.set_out_of_service(why or "?")
            return
        if store is not None:
            store.close()
        store = new
        if rec:
            window.set_recovered_from(str(rec))
        flow.set_store(new)

    sounds = Sounds(enabled=not rendering)
    window = KioskWindow(
        flow,
        qr_url=qr_url(config, roster),
        photo_dirs=[config.roster_path.parent, config.data_dir / "photos"],
        on_retry=retry,
        demo_pin=config.staff_pin == DEMO_PIN,
        sounds=sounds,
        sync_link=link,
        config=config,
    )
    window.set_recovered_from(str(recovered) if recovered else None)

    if os.environ.get("HALL_KIOSK_BENCH_FIRST_FRAME"):
        window.on_first_paint = lambda: _report_first_frame(app)

    if args.screenshot:
        w, h = args.size or (1920, 1080)
        code = 0 if _grab(app, window, w, h, args.screenshot) else 1
        _shutdown(window, store, None)
        return code

    if link is not None:
        link.tz = roster.hall.tz  # the pusher opens the store in the hall's zone
        flow.rating_recorded.connect(lambda _r: link.notify())
        link.start()  # its own thread: the network never touches the GUI thread
    _show(window, args)
    # Once the screen is up (not competing with the first frame), on its own thread: the first
    # citizen's tap is then heard at once.
    QTimer.singleShot(1500, sounds.open)
    _quit_on_signals(app)
    code = app.exec()
    _shutdown(window, store, link)
    return int(code)


# ------------------------------------------------------------------------------ start-up
def make_app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("hall-kiosk")
    install_app_font(app, 18)
    return app


def _show(window: QWidget, args: argparse.Namespace) -> None:
    if args.windowed:
        w, h = args.size or (1280, 800)
        window.resize(w, h)
        window.show()
    else:
        # A counter PC often runs X with no window manager, where "full screen" is only a hint
        # nobody acts on: cover the screen ourselves as well.
        screen = window.screen()
        if screen is not None:
            window.setGeometry(screen.geometry())
        window.showFullScreen()


def _quit_on_signals(app: QApplication) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.quit())
    # Let the Python interpreter run now and then so it can see the signal.
    timer = QTimer(app)
    timer.start(500)
    timer.timeout.connect(lambda: None)


def _shutdown(window: QWidget, store: LocalStore | None, link: SyncLink | None) -> None:
    window.close()
    if link is not None:
        link.stop()
    if store is not None:
        store.close()


def _report_first_frame(app: QApplication) -> None:
    rss = 0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    except OSError:
        pass
    sys.stdout.write(f"first_frame rss_kb={rss}\n")
    sys.stdout.flush()
    app.exit(0)


# ----------------------------------------------------------------------- config errors
def show_config_error(e: ConfigError, args: argparse.Namespace) -> None:
    """The config problem on screen until someone closes it (a counter has no terminal)."""
    app = make_app()
    screen = ConfigErrorScreen(str(e))
    w, h = args.size or (1280, 800)
    m = Metrics.for_window(w, h, None, screen_ratio())
    screen.setStyleSheet(style_sheet(m))
    screen.apply_metrics(m)
    screen.close_button.clicked.connect(app.quit)
    _show(screen, args)
    _quit_on_signals(app)
    app.exec()


# ------------------------------------------------------------------------ screenshots
def _grab(app: QApplication, window: QWidget, w: int, h: int, path: Path) -> bool:
    window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    window.resize(w, h)
    window.show()
    for _ in range(3):
        app.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(path))
    if not ok:
        log.error("could not write %s", path)
    return bool(ok)


def render_screenshots(app: QApplication, config: KioskConfig, roster: Roster, out: Path) -> int:
    """Drive a throwaway flow through every screen and save PNGs at both sizes."""
    out.mkdir(parents=True, exist_ok=True)
    now = [datetime.now(UTC)]
    with tempfile.TemporaryDirectory(prefix="hall-kiosk-shots-") as tmp:
        store = LocalStore(Path(tmp) / "kiosk.sqlite3", tz=roster.hall.tz)
        flow = make_flow(config, roster, store, clock=lambda: now[0])
        window = KioskWindow(
            flow,
            qr_url=qr_url(config, roster),
            photo_dirs=[config.roster_path.parent, config.data_dir / "photos"],
            demo_pin=config.staff_pin == DEMO_PIN,
            config=config,
        )
        if flow.window_staff:
            flow.sign_in(flow.window_staff[0].code)
        ok = True
        for w, h, suffix in SCREENSHOT_SIZES:

            def shot(name: str, w: int = w, h: int = h, suffix: str = suffix) -> None:
                nonlocal ok
                ok &= _grab(app, window, w, h, out / f"{name}{suffix}.png")

            for lang in ("zh", "en"):
                _drive(flow, window, shot, now, config, store, lang)
        error = ConfigErrorScreen(
            str(
                ConfigError(
                    "/etc/hall-ratings/kiosk.toml",
                    "timings.thanks_s",
                    "must be a number (seconds), got str '4'",
                )
            )
        )
        for w, h, suffix in SCREENSHOT_SIZES:
            m = Metrics.for_window(w, h, config.display)
            error.setStyleSheet(style_sheet(m))
            error.apply_metrics(m)
            ok &= _grab(app, error, w, h, out / f"config-error{suffix}.png")
        window.close()
        store.close()
    log.info("screenshots written to %s", out)
    return 0 if ok else 1


def _drive(
    flow: Flow,
    window: KioskWindow,
    shot: Callable[[str], None],
    now: list[datetime],
    config: KioskConfig,
    store: LocalStore,
    lang: str,
) -> None:
    """Every screen in ``lang`` (files named ``NAME`` in the default language, ``NAME-en`` /
    ``NAME-zh`` in the other): idle (with and without a QR code), why (each page), why with its
    time-limit warning, the phone pad (with a mistake), thanks, PIN, staff, out of service."""
    sfx = "" if lang == flow.default_language else f"-{lang}"

    def in_lang() -> None:
        flow.set_language(lang)

    def warn() -> None:
        left = flow.seconds_left() or 0.0
        now[0] += timedelta(seconds=left - WARNING_S + 1)
        flow.tick()
        window.countdown.update_from_flow()

    in_lang()
    shot("idle" + sfx)
    if not window.idle.qr_url:
        # Local-only kiosks show no QR code; render how the idle screen looks with a server.
        window.idle.qr_url = f"https://hall.example/rate?window={config.window}"
        window.idle.refresh()
        shot("idle-with-server" + sfx)
        window.idle.qr_url = None
        window.idle.refresh()
    if sfx:
        warn()  # the idle screen left in the other language is about to switch back
        shot("idle-warning" + sfx)
        flow.touch()
    flow.rate(2)
    flow.toggle_reason("tui")
    flow.toggle_reason(flow.reasons[-4].code)
    flow.open_phone_pad()
    window.phone.type_digits("13800138000")
    window.phone.ok.click()
    shot("why" + sfx)
    for page in range(1, window.why.grid.pages):
        window.why.next_page.click()
        shot(f"why-page{page + 1}{sfx}")
    window.why.turn(-99)
    warn()
    shot("why-warning" + sfx)
    flow.touch()
    window.countdown.update_from_flow()
    flow.open_phone_pad()
    window.phone.pad.buttons["clear"].click()
    window.phone.type_digits("1380013")
    window.phone.ok.click()
    shot("phone" + sfx)
    flow.cancel_phone()
    flow.confirm()
    assert flow.state is State.THANKS
    shot("thanks" + sfx)
    now[0] += timedelta(minutes=5)
    flow.tick()
    in_lang()
    flow.request_staff()
    window.pin.type_digits("12")
    shot("pin" + sfx)
    flow.enter_pin(config.staff_pin)
    shot("staff" + sfx)
    flow.close_staff()
    in_lang()
    flow.set_out_of_service("磁盘已满 / disk full")
    shot("out-of-service" + sfx)
    flow.set_store(store)
    now[0] += timedelta(minutes=5)
    flow.tick()
