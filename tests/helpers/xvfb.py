"""A virtual X server for tests that need a real window, and a grab of what is on its screen."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers.programs import program

GRAB = """
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv[:1])
shot = app.primaryScreen().grabWindow(0)
sys.exit(0 if shot.save(sys.argv[1]) else 1)
"""


@contextmanager
def xvfb(width: int = 1920, height: int = 1080) -> Iterator[str]:
    """Start ``Xvfb`` on a free display; yield the ``DISPLAY`` value."""
    exe = program("Xvfb")
    r, w = os.pipe()
    proc = subprocess.Popen(
        [exe, "-displayfd", str(w), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
        pass_fds=(w,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(w)
    try:
        with os.fdopen(r) as f:
            number = f.readline().strip()  # Xvfb writes the display number once it is ready
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def grab_screen(display: str, png: Path) -> None:
    """What a person would see on the X screen right now, as a PNG."""
    env = os.environ | {"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    subprocess.run([sys.executable, "-c", GRAB, str(png)], env=env, check=True, timeout=60)


def wait_for_window(display: str, png: Path, *, min_colours: int = 8, timeout: float = 60) -> None:
    """Grab the screen until something with real content is on it (an empty X screen is one colour)."""
    from PySide6.QtGui import QImage

    deadline = time.monotonic() + timeout
    while True:
        grab_screen(display, png)
        img = QImage(str(png))
        colours = {
            img.pixel(x, y) for x in range(0, img.width(), 29) for y in range(0, img.height(), 17)
        }
        if len(colours) >= min_colours:
            return
        assert time.monotonic() < deadline, f"no window appeared on {display} in {timeout} s"
        time.sleep(0.3)  # polling another process's screen: there is no signal to wait on
