"""``hall-demo --screenshots``: the README's first command, headless, from start to pictures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from PySide6.QtGui import QImage

EXPECTED_BOARD = ["01-lists", "02-table", "04-hardest", "05-weekly", "06-distribution"]
EXPECTED_KIOSK = ["idle", "why", "thanks", "staff", "idle-en", "why-en"]


def _not_blank(path: Path) -> bool:
    img = QImage(str(path))
    if img.isNull():
        return False
    colours = {
        img.pixel(x, y) for x in range(0, img.width(), 37) for y in range(0, img.height(), 23)
    }
    return len(colours) > 5


def test_demo_hall_runs_headless_and_writes_every_screen(tmp_path: Path, qapp: object) -> None:
    out = tmp_path / "shots"
    hall = tmp_path / "hall"
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run(
        [sys.executable, "-m", "board.demo", "--dir", str(hall), "--screenshots", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    for name in EXPECTED_BOARD:
        png = out / "board" / f"{name}.png"
        assert png.exists(), f"{png} missing; have {sorted(p.name for p in out.rglob('*.png'))}"
        assert QImage(str(png)).size().toTuple() == (1920, 1080)
        assert _not_blank(png)
    for name in EXPECTED_KIOSK:
        assert _not_blank(out / "kiosk-A01" / f"{name}.png")
    # The history went through the real store: tens of thousands of ratings, none rejected.
    log = r.stderr
    pushed = int(log.split("history: ")[1].split(" ratings")[0])
    assert pushed > 20_000
    assert "rejected" not in log
    # Both quarters' public reviews were answered through the store's public API and paper entry.
    answered = int(log.split("reviews: ")[1].split(" letters")[0])
    assert answered > 100
    # The demo ended what it started: its server no longer answers.
    url = log.split("central store up at ")[1].split()[0]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/api/v1/health", timeout=2)
