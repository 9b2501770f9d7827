"""Every visible text and control on every citizen screen, on both panels, in both languages,
measured from the live widgets against product.md's numbers (MIIT 适老化, WCAG 2.2):

* text >= 18 pt and the largest text on a screen >= 30 pt, physical points on the panel;
* wrapped text 1.3 × its size apart, and every line inside its box (nothing cut off or elided);
* text contrast >= 4.5:1 against the pixels actually behind it (from a grab of the window);
* touch targets >= 15 mm, >= 6 mm apart (the five faces >= 4.5 mm); borders >= 3:1 against
  what surrounds them;
* the faces, their words and targets at least as large as before they moved onto idle.

The panels are the two the kiosk renders: 21.5-inch 1920×1080 (0.248 mm/px) and 10.1-inch
1280×800 (0.170 mm/px), as the config's per-resolution default names them.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, QRectF
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QAbstractButton, QApplication, QFrame, QLabel, QWidget
from pytestqt.qtbot import QtBot

from assets._qt import install_app_font
from kiosk._qt.qt_kiosk import KioskWindow
from kiosk._qt.qt_screens import ConfigErrorScreen
from kiosk._qt.qt_style import (
    BG,
    MIN_BODY_PT,
    MIN_GAP_MM,
    MIN_TARGET_MM,
    MIN_TITLE_PT,
    Metrics,
    contrast,
    style_sheet,
)
from kiosk._qt.qt_widgets import Avatar, FaceButton, ReasonButton, Text, TextRun
from kiosk.config import WARNING_S, ConfigError, Display
from kiosk.flow import Flow, State
from kiosk.store import LocalStore
from sync.roster import Roster
from tests.helpers.clock import Clock

OPEN = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
PANELS = [(1920, 1080, 0.248), (1280, 800, 0.170)]
# The rate screen's faces before issue 7 moved them onto idle, measured at each size:
# face side, word size (px), card width, card height. On the 10.1-inch tablet the card cannot
# keep its height (478 px): the text around it grew from 11.6 pt to 18 pt and the idle screen
# now holds the window, the staff member and the QR code too; the face, its word and the
# card's width are as large as before, the card 57 mm tall.
FACES_BEFORE = {(1920, 1080): (294, 53.3, 342, 599), (1280, 800): (194, 35.6, 228, None)}


@pytest.fixture(scope="module", autouse=True)
def app_font(qapp: QApplication) -> str:
    return install_app_font(qapp, 18)


@pytest.fixture
def kiosk(qtbot: QtBot, roster: Roster, store: LocalStore) -> Iterator[KioskWindow]:
    flow = Flow(roster=roster, window="A01", store=store, clock=Clock(OPEN), staff_pin="2468")
    w = KioskWindow(flow, qr_url="https://hall.example/rate?hall=TL&window=A01", tick_ms=10_000)
    qtbot.addWidget(w)
    flow.sign_in("TL0001")
    yield w
    w.close()


# ------------------------------------------------------------------------- measuring
def _settle() -> None:
    for _ in range(4):
        QApplication.processEvents()


def _background(img: QImage, box: QRect, ink: QColor) -> QColor:
    """The commonest colour in ``box`` that is not (nearly) the ink: what is behind the text."""
    counts: Counter[int] = Counter()
    steps = 14
    for i, j in itertools.product(range(steps), range(steps)):
        x = box.left() + (box.width() - 1) * i // (steps - 1)
        y = box.top() + (box.height() - 1) * j // (steps - 1)
        if 0 <= x < img.width() and 0 <= y < img.height():
            c = img.pixelColor(x, y)
            if contrast(c, ink) > 1.5:
                counts[c.rgb()] += 1
    assert counts, f"no background found in {box}"
    return QColor.fromRgb(counts.most_common(1)[0][0])


def _runs(window: QWidget) -> Iterator[tuple[QWidget, TextRun]]:
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or not hasattr(widget, "runs"):
            continue
        for run in widget.runs():
            yield widget, run


def _targets(window: QWidget) -> list[QAbstractButton]:
    return [b for b in window.findChildren(QAbstractButton) if b.isVisible()]


def _in_window(widget: QWidget, window: QWidget, rect: QRectF) -> QRect:
    top_left = widget.mapTo(window, QPoint(round(rect.left()), round(rect.top())))
    return QRect(top_left.x(), top_left.y(), round(rect.width()), round(rect.height()))


def _separation(a: QRect, b: QRect) -> int:
    dx = max(b.left() - a.right() - 1, a.left() - b.right() - 1, 0)
    dy = max(b.top() - a.bottom() - 1, a.top() - b.bottom() - 1, 0)
    return max(dx, dy)


def measure(window: QWidget, m: Metrics, where: str) -> dict[str, float]:
    """Check everything on the screen now showing; return its smallest/largest figures."""
    _settle()
    window.repaint()
    img = window.grab().toImage()
    _settle()  # paintEvents recorded their runs during the grab
    problems: list[str] = []
    plain = [
        lab
        for lab in window.findChildren(QLabel)
        if lab.isVisible() and lab.text() and not isinstance(lab, Text)
    ]
    problems += [f"{where}: {lab.text()!r} is a plain QLabel (elides, 1.2 lines)" for lab in plain]
    sizes: list[float] = []
    pitches: list[float] = []
    contrasts: list[float] = []
    screen = QRect(0, 0, window.width(), window.height())
    # The time-limit banner lies over the screen; what it covers is measured without it.
    banner = QRect()
    countdown = getattr(window, "countdown", None)
    if countdown is not None and countdown.isVisible():
        banner = QRect(countdown.mapTo(window, QPoint(0, 0)), countdown.size())
        y = banner.center().y()
        edge = img.pixelColor(banner.left() + 1, y)
        fill = img.pixelColor(banner.left() + m.border + 3, y)
        if contrast(edge, fill) < 3.0 or contrast(edge, BG) < 3.0:
            problems.append(f"{where}: warning banner's border {edge.name()} on {fill.name()}")

    def covered(widget: QWidget, rect: QRect) -> bool:
        return (
            not banner.isNull() and banner.intersects(rect) and not countdown.isAncestorOf(widget)  # type: ignore[union-attr]
        )

    for widget, run in _runs(window):
        pt = m.to_pt(run.px)
        sizes.append(pt)
        what = f"{where}: {run.text[:40]!r} in {type(widget).__name__}"
        if pt < MIN_BODY_PT - 0.05:
            problems.append(f"{what}: {pt:.1f} pt < {MIN_BODY_PT} pt")
        if run.lines > 1:
            pitches.append(run.pitch / run.px)
            if run.pitch < 1.3 * run.px - 0.01:
                problems.append(f"{what}: line height {run.pitch / run.px:.2f} < 1.3")
        used, box = run.used, run.box
        if used.width() > box.width() + 1.5 or used.height() > box.height() + 1.5:
            problems.append(f"{what}: text {used.size()} does not fit its box {box.size()}")
        seen = widget.visibleRegion().boundingRect()
        placed = _in_window(widget, window, used)
        if not seen.contains(used.toRect().adjusted(1, 1, -1, -1)) or not screen.contains(
            placed.adjusted(1, 1, -1, -1)
        ):
            problems.append(f"{what}: cut off (drawn at {placed}, visible {seen})")
        if covered(widget, placed):
            continue
        bg = _background(img, placed.intersected(screen), run.ink)
        ratio = contrast(run.ink, bg)
        contrasts.append(ratio)
        if ratio < 4.5:
            problems.append(f"{what}: contrast {ratio:.2f} ({run.ink.name()} on {bg.name()})")
    if not sizes:
        problems.append(f"{where}: no text at all")
    elif max(sizes) < MIN_TITLE_PT:
        problems.append(f"{where}: largest text {max(sizes):.1f} pt < {MIN_TITLE_PT} pt")

    targets = _targets(window)
    rects = {b: QRect(b.mapTo(window, QPoint(0, 0)), b.size()) for b in targets}
    sides = [min(r.width(), r.height()) for r in rects.values()]
    for b, r in rects.items():
        name = b.text() if hasattr(b, "text") and b.text() else type(b).__name__
        if min(m.to_mm(r.width()), m.to_mm(r.height())) < MIN_TARGET_MM - 0.05:
            problems.append(
                f"{where}: target {name!r} {m.to_mm(r.width()):.1f}×"
                f"{m.to_mm(r.height()):.1f} mm < {MIN_TARGET_MM} mm"
            )
        if not screen.contains(r):
            problems.append(f"{where}: target {name!r} at {r} runs off the screen")
        # The border against what surrounds the control (3:1): one pixel inside the left edge
        # at mid-height, against two pixels outside it.
        y = r.center().y()
        inside = img.pixelColor(r.left() + 1, y)
        outside = img.pixelColor(max(0, r.left() - 3), y)
        if covered(b, QRect(r.left() - 3, y, 5, 1)):
            continue
        if r.left() >= 3 and contrast(inside, outside) < 3.0:
            problems.append(
                f"{where}: border of {name!r} {inside.name()} on {outside.name()}: "
                f"{contrast(inside, outside):.2f} < 3"
            )
    gaps = []
    for (a, ra), (b, rb) in itertools.combinations(rects.items(), 2):
        gap = _separation(ra, rb)
        gaps.append(gap)
        # 6 mm between controls; the five faces, as wide as they were, sit 4.5 mm apart.
        least = MIN_GAP_MM if isinstance(a, FaceButton) and isinstance(b, FaceButton) else 6.0
        if m.to_mm(gap) < least - 0.05:
            problems.append(
                f"{where}: {type(a).__name__} and {type(b).__name__} "
                f"{m.to_mm(gap):.1f} mm apart < {least} mm"
            )
    for frame in window.findChildren(QFrame, "card"):
        if frame.isVisible():
            r = QRect(frame.mapTo(window, QPoint(0, 0)), frame.size())
            y = r.center().y()
            inside, outside = img.pixelColor(r.left() + 1, y), img.pixelColor(r.left() - 3, y)
            if contrast(inside, outside) < 3.0:
                problems.append(f"{where}: card border {inside.name()} on {outside.name()}")
    assert not problems, "\n".join(problems)
    return {
        "smallest_pt": min(sizes),
        "largest_pt": max(sizes),
        "min_pitch": min(pitches, default=1.3),
        "min_contrast": min(contrasts),
        "smallest_target_mm": m.to_mm(min(sides)) if sides else 99.0,
        "smallest_gap_mm": m.to_mm(min(gaps)) if gaps else 99.0,
    }


# --------------------------------------------------------------------- the screens
def screens(w: KioskWindow, lang: str) -> Iterator[str]:
    """Put the kiosk on each citizen screen in turn (and the staff's), yielding its name."""
    flow: Flow = w.flow
    clock: Clock = flow._clock  # type: ignore[assignment]

    def warn() -> None:
        clock.now += timedelta(seconds=(flow.seconds_left() or 0) - WARNING_S + 1)
        flow.tick()
        w.countdown.update_from_flow()

    flow.set_language(lang)
    yield "idle"
    if lang != flow.default_language:
        warn()
        assert w.countdown.isVisible()
        yield "idle warning"
        flow.touch()
        w.countdown.update_from_flow()
    flow.rate(1)
    flow.toggle_reason("tui")
    flow.toggle_reason("H02")
    for page in range(w.why.grid.pages):
        if page:
            w.why.next_page.click()
        yield f"why page {page + 1}"
    w.why.turn(-99)
    assert w.why.grid.page == 0 and not w.why.prev_page.isVisible()
    warn()
    assert w.countdown.isVisible()
    yield "why warning"
    flow.touch()
    w.countdown.update_from_flow()
    flow.open_phone_pad()
    w.phone.type_digits("1380013")
    w.phone.ok.click()  # the error line shows
    yield "phone"
    flow.cancel_phone()
    flow.confirm()
    assert flow.state is State.THANKS
    yield "thanks"
    clock.now += timedelta(minutes=1)
    flow.tick()
    flow.set_language(lang)
    flow.request_staff()
    w.pin.type_digits("12")
    yield "pin"
    flow.enter_pin("2468")
    yield "staff"
    flow.close_staff()
    flow.set_language(lang)
    flow.set_out_of_service("disk full")
    yield "out of service"


FIGURES: dict[tuple[int, int], dict[str, float]] = {}


@pytest.mark.parametrize(("width", "height", "pitch"), PANELS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_screen_meets_the_numbers(
    qtbot: QtBot, kiosk: KioskWindow, width: int, height: int, pitch: float, lang: str
) -> None:
    kiosk.resize(width, height)
    kiosk.show()
    qtbot.waitExposed(kiosk)
    qtbot.waitUntil(lambda: (kiosk.width(), kiosk.height()) == (width, height), timeout=3000)
    m = kiosk.metrics
    assert round(m.mm_per_px, 3) == pitch  # the panel the config's default names
    seen = []
    for name in screens(kiosk, lang):
        state = kiosk.flow.state
        assert kiosk.stack.currentWidget() is kiosk.page(state), name
        figures = measure(kiosk, m, f"{width}×{height} {lang} {name}")
        seen.append(name)
        for key, value in figures.items():
            old = FIGURES.setdefault((width, height), {}).get(key)
            better = min if key != "largest_pt" else max
            FIGURES[(width, height)][key] = value if old is None else better(old, value)
    assert {"idle", "why page 1", "why warning", "phone", "thanks", "pin", "staff"} <= set(seen)
    print(f"\n{width}×{height} {lang}: {FIGURES[(width, height)]}")


@pytest.mark.parametrize(("width", "height", "pitch"), PANELS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_faces_on_idle_are_as_large_as_before(
    qtbot: QtBot, kiosk: KioskWindow, width: int, height: int, pitch: float, lang: str
) -> None:
    kiosk.resize(width, height)
    kiosk.show()
    qtbot.waitUntil(lambda: (kiosk.width(), kiosk.height()) == (width, height), timeout=3000)
    kiosk.flow.set_language(lang)
    measure(kiosk, kiosk.metrics, f"{width}×{height} {lang} idle")
    side, word_px, card_w, card_h = FACES_BEFORE[(width, height)]
    faces = kiosk.idle.faces
    assert [f.level for f in faces.values()] == [5, 4, 3, 2, 1]
    for face in faces.values():
        assert face.isVisible()
        assert face.face_rect.width() >= side, (face.word, face.face_rect.width(), side)
        (run,) = face.runs()
        assert run.px >= word_px and run.text == face.word
        assert face.width() >= card_w, (face.word, face.width(), card_w)
        if card_h is not None:
            assert face.height() >= card_h, (face.word, face.height(), card_h)
    # Every face the same size, whatever its word.
    sides = [f.face_rect.width() for f in faces.values()]
    assert max(sides) - min(sides) <= 1


@pytest.mark.parametrize(("width", "height", "pitch"), PANELS)
def test_config_error_screen_meets_the_numbers(
    qtbot: QtBot, width: int, height: int, pitch: float
) -> None:
    error = ConfigErrorScreen(
        str(ConfigError("/etc/hall-ratings/kiosk.toml", "timings.thanks_s", "must be a number"))
    )
    qtbot.addWidget(error)
    m = Metrics.for_window(width, height, Display())
    error.setStyleSheet(style_sheet(m))
    error.apply_metrics(m)
    error.resize(width, height)
    error.show()
    qtbot.waitExposed(error)
    measure(error, m, f"{width}×{height} config error")


def test_the_checks_catch_what_they_claim(qtbot: QtBot, kiosk: KioskWindow) -> None:
    """A plain QLabel, 12 pt text and a target under 15 mm are each refused."""
    kiosk.resize(1280, 800)
    kiosk.show()
    qtbot.waitUntil(lambda: kiosk.width() == 1280, timeout=3000)
    m = kiosk.metrics
    checks: list[Callable[[], Any]] = []

    small = Text("", "小字")
    small.setStyleSheet(f"font-size: {m.pt_px(12)}px;")
    plain = QLabel("plain")
    tiny = kiosk.idle.lang
    for name, break_it, mend in [
        ("plain QLabel", lambda: kiosk.idle._top.addWidget(plain), plain.hide),
        ("pt <", lambda: kiosk.idle._top.addWidget(small), small.hide),
        (
            "mm <",
            lambda: tiny.setFixedSize(m.mm(10), m.mm(10)),
            lambda: tiny.setFixedSize(m.mm(20), m.mm(20)),
        ),
    ]:
        break_it()
        _settle()
        with pytest.raises(AssertionError, match=name):
            measure(kiosk, m, "broken on purpose")
        mend()
        checks.append(mend)
    assert len(checks) == 3
    assert isinstance(kiosk.idle.faces[5], FaceButton)
    assert isinstance(kiosk.why.reasons["tui"], ReasonButton)
    assert isinstance(kiosk.idle.avatar, Avatar)
