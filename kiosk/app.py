"""``hall-kiosk``: the counter app.

    hall-kiosk [--config FILE] [--windowed] [--size 1920x1080]
               [--screenshot PNG] [--screenshots DIR] [--enroll CODE]

With no config file the demo runs (window A01 of the demo hall). A bad config is shown on
screen and on stderr, exit code 2. ``--screenshots DIR`` renders every screen at 1920×1080 and
1280×800 into DIR using a throwaway store, and works with no display.

Environment: ``HALL_KIOSK_BENCH_FIRST_FRAME=1`` prints ``first_frame rss_kb=N`` once the first
frame is painted and exits (tests/bench/bench_kiosk_start.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from kiosk.config import ConfigError, KioskConfig, load_config, load_roster
from kiosk.flow import Flow, State
from kiosk.store import LocalStore, StoreUnavailable
from sync.roster import Roster

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from kiosk.qt_kiosk import KioskWindow

__all__ = ["main", "parse_args"]

log = logging.getLogger("kiosk")

SCREENSHOT_SIZES = ((1920, 1080, ""), (1280, 800, "-1280x800"))
SIGNED_IN_FILE = "signed-in.json"
EXIT_CONFIG = 2


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="hall-kiosk", description="The counter rating kiosk.")
    p.add_argument("--config", type=Path, help="kiosk TOML file (default: the user config dir)")
    p.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    p.add_argument("--size", type=_size, help="window size WxH, e.g. 1920x1080")
    p.add_argument("--screenshot", type=Path, metavar="PNG", help="render the start screen, exit")
    p.add_argument("--screenshots", type=Path, metavar="DIR", help="render every screen, exit")
    p.add_argument("--enroll", metavar="CODE", help="enrol this kiosk with a one-time code, exit")
    return p.parse_args(argv)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1920x1080, got {text!r}") from None
    if w < 640 or h < 480:
        raise argparse.ArgumentTypeError("size must be at least 640x480")
    return w, h


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    rendering = bool(args.screenshot or args.screenshots)
    if rendering and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    try:
        config = load_config(args.config)
    except ConfigError as e:
        return _config_failed(e, args)

    if args.enroll:
        return _enroll(config, args.enroll)

    link = _sync_link(config)
    try:
        roster = load_roster(config, cached=link.cached_roster() if link else None)
    except ConfigError as e:
        return _config_failed(e, args)

    app = _make_app()
    if args.screenshots:
        return render_screenshots(app, config, roster, args.screenshots)

    store, problem, recovered = _open_store(config, roster)
    flow = _make_flow(config, roster, store, problem=problem)
    _restore_sign_in(flow, config)
    flow.staff_changed.connect(lambda _s: _save_sign_in(flow, config))

    def retry() -> None:
        nonlocal store
        new, why, rec = _open_store(config, roster)
        if new is None:
            flow.set_out_of_service(why or "?")
            return
        if store is not None:
            store.close()
        store = new
        if rec:
            window.set_recovered_from(str(rec))
        flow.set_store(new)

    from kiosk.qt_kiosk import KioskWindow
    from kiosk.qt_sound import Chime

    window = KioskWindow(
        flow,
        qr_url=_qr_url(config, roster),
        photo_dirs=[config.roster_path.parent, config.data_dir / "photos"],
        on_retry=retry,
        demo_pin=config.staff_pin == "1234",
        chime=Chime(enabled=not rendering),
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
    _quit_on_signals(app)
    code = app.exec()
    _shutdown(window, store, link)
    return int(code)


# ------------------------------------------------------------------------------ start-up
def _make_app() -> QApplication:
    from PySide6.QtWidgets import QApplication

    from kiosk.qt_fonts import load_app_font

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("hall-kiosk")
    load_app_font(app)
    return app


def _make_flow(config: KioskConfig, roster: Roster, store: LocalStore | None, **kw: Any) -> Flow:
    """The counter's flow as its config describes it (``kw``: problem, clock)."""
    return Flow(
        roster=roster,
        window=config.window,
        store=store,
        timings=config.timings,
        misuse=config.misuse(roster),
        staff_pin=config.staff_pin,
        language=config.language,
        **kw,
    )


def _open_store(
    config: KioskConfig, roster: Roster
) -> tuple[LocalStore | None, str | None, Path | None]:
    try:
        store = LocalStore(config.store_path, tz=roster.hall.tz)
    except StoreUnavailable as e:
        log.error("local store unavailable: %s", e)
        return None, e.reason, None
    if store.recovered_from:
        log.warning("corrupt data file moved aside to %s", store.recovered_from)
    return store, None, store.recovered_from


def _sync_link(config: KioskConfig) -> Any:
    """The pusher link when a server is configured; local-only kiosks never import httpx."""
    if not config.server_url:
        return None
    from kiosk.sync_link import SyncLink

    return SyncLink(config)


def _qr_url(config: KioskConfig, roster: Roster) -> str | None:
    """The phone rating page for this window (the hall too: a district store holds many)."""
    if not config.server_url:
        return None
    query = urlencode({"hall": roster.hall.code, "window": config.window})
    return f"{config.server_url.rstrip('/')}/rate?{query}"


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
    from PySide6.QtCore import QTimer

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.quit())
    # Let the Python interpreter run now and then so it can see the signal.
    timer = QTimer(app)
    timer.start(500)
    timer.timeout.connect(lambda: None)


def _shutdown(window: QWidget, store: LocalStore | None, link: Any) -> None:
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
def _config_failed(e: ConfigError, args: argparse.Namespace) -> int:
    sys.stderr.write(f"hall-kiosk: configuration error: {e}\n")
    if args.screenshot or args.screenshots:
        return EXIT_CONFIG
    app = _make_app()
    from kiosk.qt_screens import ConfigErrorScreen
    from kiosk.qt_style import Metrics, screen_dpi, style_sheet

    screen = ConfigErrorScreen(str(e))
    w, h = args.size or (1280, 800)
    m = Metrics(w, h, screen_dpi())
    screen.setStyleSheet(style_sheet(m))
    screen.apply_metrics(m)
    screen.close_button.clicked.connect(app.quit)
    _show(screen, args)
    _quit_on_signals(app)
    app.exec()
    return EXIT_CONFIG


def _enroll(config: KioskConfig, code: str) -> int:
    if not config.server_url:
        sys.stderr.write(
            f"hall-kiosk: {config.source}: [kiosk.server_url] is empty; "
            "set the server's address before enrolling\n"
        )
        return EXIT_CONFIG
    from kiosk.sync_link import EnrollError, SyncLink

    try:
        creds = SyncLink(config).enroll(code)
    except EnrollError as e:
        sys.stderr.write(f"hall-kiosk: enrolment failed: {e}\n")
        return 1
    sys.stdout.write(
        f"enrolled: terminal {creds.terminal}, window {creds.window}, hall {creds.hall}\n"
    )
    return 0


# --------------------------------------------------------------------- sign-in memory
def _save_sign_in(flow: Flow, config: KioskConfig) -> None:
    """Remember who is signed in so a restart mid-day keeps the attribution."""
    path = config.data_dir / SIGNED_IN_FILE
    s = flow.signed_in
    today = datetime.now(UTC).astimezone(flow.roster.zone).date().isoformat()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if s is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(json.dumps({"staff": s.code, "date": today}), encoding="utf-8")
    except OSError as e:
        log.warning("cannot remember the sign-in: %s", e)


def _restore_sign_in(flow: Flow, config: KioskConfig) -> None:
    path = config.data_dir / SIGNED_IN_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    today = datetime.now(UTC).astimezone(flow.roster.zone).date().isoformat()
    code = data.get("staff") if isinstance(data, dict) else None
    # A sign-in lasts one working day: tomorrow's first citizen must not rate yesterday's staff.
    if data.get("date") == today and code in {s.code for s in flow.window_staff}:
        flow.sign_in(code)


# ------------------------------------------------------------------------ screenshots
def _grab(app: QApplication, window: QWidget, w: int, h: int, path: Path) -> bool:
    from PySide6.QtCore import Qt

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
    from kiosk.qt_kiosk import KioskWindow
    from kiosk.qt_screens import ConfigErrorScreen
    from kiosk.qt_style import Metrics, style_sheet

    out.mkdir(parents=True, exist_ok=True)
    now = [datetime.now(UTC)]
    with tempfile.TemporaryDirectory(prefix="hall-kiosk-shots-") as tmp:
        store = LocalStore(Path(tmp) / "kiosk.sqlite3", tz=roster.hall.tz)
        flow = _make_flow(config, roster, store, clock=lambda: now[0])
        window = KioskWindow(
            flow,
            qr_url=_qr_url(config, roster),
            photo_dirs=[config.roster_path.parent, config.data_dir / "photos"],
            demo_pin=config.staff_pin == "1234",
            config=config,
        )
        if flow.window_staff:
            flow.sign_in(flow.window_staff[0].code)
        ok = True
        for w, h, suffix in SCREENSHOT_SIZES:

            def shot(name: str, w: int = w, h: int = h, suffix: str = suffix) -> None:
                nonlocal ok
                ok &= _grab(app, window, w, h, out / f"{name}{suffix}.png")

            _drive(flow, window, shot, now, config, store)
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
            m = Metrics(w, h)
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
) -> None:
    """Idle, idle in English, rate, why, phone pad (with a mistake), thanks, PIN, staff, and
    out of service."""
    shot("idle")
    if not window.idle.qr_url:
        # Local-only kiosks show no QR code; render how the idle screen looks with a server.
        window.idle.qr_url = f"https://hall.example/rate?window={config.window}"
        window.idle.refresh()
        shot("idle-with-server")
        window.idle.qr_url = None
        window.idle.refresh()
    flow.set_language("en")
    shot("idle-en")
    flow.set_language(flow.default_language)
    flow.start()
    shot("rate")
    flow.rate(2)
    flow.toggle_reason("tui")
    flow.toggle_reason(flow.reasons[-4].code)
    flow.open_phone_pad()
    window.phone.type_digits("13800138000")
    window.phone.ok.click()
    shot("why")
    flow.open_phone_pad()
    window.phone.pad.buttons["clear"].click()
    window.phone.type_digits("1380013")
    window.phone.ok.click()
    shot("phone")
    flow.cancel_phone()
    flow.confirm()
    assert flow.state is State.THANKS
    shot("thanks")
    now[0] += timedelta(minutes=5)
    flow.tick()
    flow.request_staff()
    window.pin.type_digits("12")
    shot("pin")
    flow.enter_pin(config.staff_pin)
    shot("staff")
    flow.close_staff()
    flow.set_out_of_service("磁盘已满 / disk full")
    shot("out-of-service")
    flow.set_store(store)
    now[0] += timedelta(minutes=5)


if __name__ == "__main__":
    sys.exit(main())
