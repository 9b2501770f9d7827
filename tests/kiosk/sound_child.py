"""Run by test_sound.py in its own process: a real kiosk window with real sounds, on a machine
whose PATH has no sound player. A citizen taps a face; later the idle screen, left in English,
warns before it switches back. Prints what it found on PATH and the backend that played."""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from kiosk._qt.qt_kiosk import KioskWindow
from kiosk.config import WARNING_S
from kiosk.flow import Flow, State
from kiosk.sound import Sounds
from kiosk.store import LocalStore
from sync.roster import parse_roster


def main(data: Path, roster_csv: Path) -> None:
    # Nothing at all on PATH: no external player can be what makes the sound.
    on_path = [
        f.name
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and Path(d).is_dir()
        for f in Path(d).iterdir()
    ]
    print("programs on PATH:", on_path or "none", flush=True)
    app = QApplication([])
    now = [datetime(2026, 7, 1, 2, 0, tzinfo=UTC)]
    store = LocalStore(data / "kiosk.sqlite3")
    roster = parse_roster(roster_csv).for_window("A01")
    flow = Flow(roster=roster, window="A01", store=store, clock=lambda: now[0])
    sounds = Sounds()
    w = KioskWindow(flow, sounds=sounds, tick_ms=20)
    w.resize(1280, 800)
    w.show()
    QTest.mouseClick(w.idle.faces[4], Qt.MouseButton.LeftButton)  # the tap, then the thank-you
    assert flow.state is State.THANKS
    now[0] += timedelta(minutes=1)
    flow.tick()
    flow.set_language("en")
    now[0] += timedelta(seconds=(flow.seconds_left() or 0) - WARNING_S + 1)
    deadline = time.monotonic() + 20
    while (sounds.busy or sounds.backend == "not opened" or not flow.warning) and (
        time.monotonic() < deadline
    ):
        app.processEvents()
        time.sleep(0.01)
    print("backend:", sounds.backend, flush=True)
    time.sleep(0.3)  # the last period leaves the device
    w.close()
    store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
