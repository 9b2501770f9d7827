"""The Qt half of ``hall-board``: the application, the wall window and its source, screenshots.

``board.app`` parses and checks the arguments; ``run`` takes over once a window is needed.
"""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

from assets._qt import install_app_font
from board._qt.qt_board import BoardWindow
from board._qt.source import BoardSource, StaticSource
from board.sample import sample_aggregates, sample_history
from board.source import AggregatesPoller, BoardData
from board.standings import compute_standings
from sync.defaults import DEFAULT_TZ

__all__ = ["run"]

log = logging.getLogger("board.app")


def run(args: argparse.Namespace, quarter: str) -> int:
    """Show the board for ``quarter`` (or render its pages and exit)."""
    headless = bool(args.screenshot or args.screenshots)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    install_app_font(app, 14)
    window = BoardWindow(rotate_s=args.rotate_s)

    source: BoardSource | StaticSource
    if args.demo_data:
        aggregates = sample_aggregates(quarter, today=datetime.now(ZoneInfo(DEFAULT_TZ)).date())
        standings = compute_standings(aggregates, history=sample_history(quarter))
        source = StaticSource(BoardData(standings, aggregates))
    else:
        poller = AggregatesPoller(args.server, args.token, args.hall, quarter)
        source = BoardSource(poller, interval_s=args.poll_s)
    window.attach(source)

    if headless:
        window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        window.resize(1920, 1080)
        window.show()
        source.start()
        if isinstance(source, BoardSource):
            _wait_first_answer(source)
        code = 0
        try:
            if args.screenshots:
                paths = window.render_pages(args.screenshots)
                log.info("wrote %d pages to %s", len(paths), args.screenshots)
            if args.screenshot:
                app.processEvents()
                args.screenshot.parent.mkdir(parents=True, exist_ok=True)
                if not window.grab().save(str(args.screenshot)):
                    sys.stderr.write(f"hall-board: could not write {args.screenshot}\n")
                    code = 1
        finally:
            source.stop()
            _dispose(window)
        return code

    if args.windowed:
        window.resize(1920 // 2 + 240, 1080 // 2 + 135)
        window.show()
    else:
        # A wall PC often runs X with no window manager, where "full screen" is only a hint
        # nobody acts on: cover the screen ourselves as well.
        screen = window.screen()
        if screen is not None:
            window.setGeometry(screen.geometry())
        window.showFullScreen()
    source.start()
    # Ctrl+C in a terminal: let Python see the signal now and then, then quit cleanly.
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    tick = QTimer()
    tick.timeout.connect(lambda: None)
    tick.start(500)
    try:
        return app.exec()
    finally:
        source.stop()
        _dispose(window)


def _dispose(window: object) -> None:
    """Delete the window while Qt still runs: two pyqtgraph plots left to the interpreter's
    final garbage collection crash PySide6 6.12 on exit."""
    window.stop()  # type: ignore[attr-defined]
    window.deleteLater()  # type: ignore[attr-defined]
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


def _wait_first_answer(source: BoardSource, timeout_s: float = 15.0) -> None:
    """Screenshots of a live board: run events until the first poll answered (or timeout)."""
    loop = QEventLoop()
    source.status_changed.connect(loop.quit)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    source.status_changed.disconnect(loop.quit)
