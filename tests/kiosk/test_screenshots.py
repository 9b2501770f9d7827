"""``hall-kiosk`` as a process: screenshots with no display, Chinese that renders, config
errors on stderr with exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QRawFont
from PySide6.QtWidgets import QApplication

from assets import FONT_FILE
from assets._qt import install_app_font

# Every screen in Chinese and in English (``-en``), the faces on idle, and the time-limit
# warnings; the config error shows both languages at once.
SCREENS = [
    f"{name}{lang}"
    for name in (
        "idle",
        "idle-with-server",
        "why",
        "why-warning",
        "phone",
        "thanks",
        "pin",
        "staff",
        "out-of-service",
    )
    for lang in ("", "-en")
] + ["idle-warning-en", "config-error"]


def run_kiosk(
    *args: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("DISPLAY", None)  # the app must choose offscreen itself
    env.pop("QT_QPA_PLATFORM", None)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "kiosk.app", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shots")
    proc = run_kiosk("--screenshots", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.parametrize("name", SCREENS)
@pytest.mark.parametrize(("suffix", "size"), [("", (1920, 1080)), ("-1280x800", (1280, 800))])
def test_screenshot_exists_with_size_and_content(
    shots: Path, name: str, suffix: str, size: tuple[int, int]
) -> None:
    path = shots / f"{name}{suffix}.png"
    img = QImage(str(path))
    assert not img.isNull(), f"{path} missing or unreadable"
    assert (img.width(), img.height()) == size
    # Not blank: many pixels differ from the background colour, and there is dark ink.
    small = img.scaled(
        192, 108, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    bg = small.pixelColor(0, 0)
    differ = dark = 0
    for y in range(small.height()):
        for x in range(small.width()):
            c = small.pixelColor(x, y)
            if (
                abs(c.red() - bg.red()) + abs(c.green() - bg.green()) + abs(c.blue() - bg.blue())
                > 60
            ):
                differ += 1
            if c.lightness() < 80:
                dark += 1
    assert differ > 150 and dark > 20, (differ, dark)


def test_screenshot_of_start_screen(tmp_path: Path) -> None:
    png = tmp_path / "start.png"
    proc = run_kiosk(
        "--screenshot",
        str(png),
        "--size",
        "1280x800",
        env_extra={"XDG_DATA_HOME": str(tmp_path / "data")},
    )
    assert proc.returncode == 0, proc.stderr
    img = QImage(str(png))
    assert (img.width(), img.height()) == (1280, 800)


def _render(text: str, family: str) -> QImage:
    img = QImage(200, 100, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    f = QFont(family)
    f.setPixelSize(60)
    p.setFont(f)
    p.setPen(QColor("black"))
    p.drawText(img.rect(), Qt.AlignmentFlag.AlignCenter, text)
    p.end()
    return img


def test_chinese_renders_with_the_bundled_font(qapp: QApplication) -> None:
    family = install_app_font(qapp, 18)
    assert family == "WenQuanYi Micro Hei"
    assert qapp.font().family() == family
    fm = QFontMetrics(QFont(family))
    for ch in "满意非常不基本冷懒推乱贪谢":
        assert fm.inFontUcs4(ord(ch)), ch
    raw = QRawFont(str(FONT_FILE), 60)
    assert raw.supportsCharacter("满")
    # Two different characters draw differently: not the same tofu box twice.
    assert _render("满", family) != _render("意", family)
    assert _render("满意", family) != _render("", family)


def test_config_error_exits_2_naming_key_and_file(tmp_path: Path) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[kiosk]\nwindow = "A01"\n[timings]\nthanks_s = "four"\n', encoding="utf-8")
    proc = run_kiosk("--config", str(cfg), "--screenshot", str(tmp_path / "x.png"))
    assert proc.returncode == 2
    assert "timings.thanks_s" in proc.stderr and str(cfg) in proc.stderr
    assert not (tmp_path / "x.png").exists()


def test_missing_window_key_exits_2(tmp_path: Path) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[kiosk]\nlanguage = "zh"\n', encoding="utf-8")
    proc = run_kiosk("--config", str(cfg), "--screenshots", str(tmp_path / "shots"))
    assert proc.returncode == 2
    assert "kiosk.window" in proc.stderr and "missing" in proc.stderr
