"""The kiosk and the board in real windows on a (virtual) X screen, as a person would see them.

The PNGs land in ``$HALL_SCREENSHOTS`` when set (to look at them), else in the test's tmp dir.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.helpers.xvfb import wait_for_window, xvfb


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    where = Path(os.environ.get("HALL_SCREENSHOTS", tmp_path))
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture
def display() -> Iterator[str]:
    with xvfb(1920, 1080) as d:
        yield d


def _run(display: str, argv: list[str]) -> subprocess.Popen[bytes]:
    env = os.environ | {"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen[bytes]) -> str:
    proc.terminate()
    out, _ = proc.communicate(timeout=20)
    return out.decode(errors="replace")


def test_kiosk_full_screen_in_a_real_window(display: str, shots: Path) -> None:
    png = shots / "xvfb-kiosk.png"
    proc = _run(display, [sys.executable, "-m", "kiosk.app"])  # full screen, the demo config
    try:
        wait_for_window(display, png)
        assert proc.poll() is None, _stop(proc)
    finally:
        log = _stop(proc)
    img = QImage(str(png))
    assert img.size().toTuple() == (1920, 1080), log
    # Full screen: the kiosk's warm background reaches every corner of the X screen.
    corners = {img.pixel(2, 2), img.pixel(1917, 1077), img.pixel(2, 1077)}
    assert len(corners) == 1 and 0xFF000000 not in corners


def test_board_in_a_real_window(display: str, shots: Path) -> None:
    png = shots / "xvfb-board.png"
    proc = _run(display, [sys.executable, "-m", "board.app", "--demo-data"])
    try:
        wait_for_window(display, png, min_colours=12)
        assert proc.poll() is None, _stop(proc)
    finally:
        _stop(proc)
    assert QImage(str(png)).size().toTuple() == (1920, 1080)
