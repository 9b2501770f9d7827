"""The kiosk window driven by taps (pytest-qt), checked against the SQLite file on disk.

Time is the flow's injectable clock: a test moves it and waits (with a deadline) for the
window's own tick timer to act, so no test sleeps.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel
from pytestqt.qtbot import QtBot

from assets._qt import install_app_font
from kiosk._qt.qt_kiosk import KioskWindow
from kiosk.config import Misuse, Timings
from kiosk.flow import Flow, State
from kiosk.store import LocalStore
from sync.roster import Roster, parse_roster
from sync.schema import LEVEL_WORDS_ZH, Level
from tests.kiosk.fakes import FullDiskStore

OPEN = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Chongqing
LEFT = Qt.MouseButton.LeftButton
PIN = "2468"


class Clock:
    def __init__(self) -> None:
        self.now = OPEN

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Chimes:
    """Counts the thank-you sounds (and proves they take no argument: one sound for all)."""

    def __init__(self) -> None:
        self.played = 0

    def play(self) -> None:
        self.played += 1


@pytest.fixture(scope="session", autouse=True)
def app_font(qapp: QApplication) -> str:
    return install_app_font(qapp, 18)


@pytest.fixture
def roster(demo_roster_path: Path) -> Roster:
    return parse_roster(demo_roster_path).for_window("A01")


@pytest.fixture
def store(data_dir: Path) -> Iterator[LocalStore]:
    s = LocalStore(data_dir / "kiosk.sqlite3")
    yield s
    s.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_kiosk(
    qtbot: QtBot, roster: Roster, store: LocalStore, clock: Clock
) -> Callable[..., KioskWindow]:
    def make(**kw: Any) -> KioskWindow:
        flow = Flow(
            roster=roster,
            window="A01",
            store=kw.pop("store", store),
            timings=kw.pop("timings", Timings(rate_timeout_s=30, why_timeout_s=60, thanks_s=4)),
            misuse=kw.pop("misuse", Misuse(min_interval_s=3, burst_count=8, burst_window_s=60)),
            staff_pin=PIN,
            clock=clock,
        )
        w = KioskWindow(flow, long_press_ms=60, tick_ms=10, chime=Chimes(), **kw)  # type: ignore[arg-type]
        qtbot.addWidget(w)
        w.resize(1280, 800)
        w.show()
        qtbot.waitExposed(w)
        return w

    return make


def rows(store: LocalStore) -> list[sqlite3.Row]:
    conn = sqlite3.connect(store.path)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM ratings ORDER BY seq").fetchall()
    finally:
        conn.close()


def on_screen(w: KioskWindow) -> Any:
    return w.stack.currentWidget()


def tap(qtbot: QtBot, widget: Any) -> None:
    qtbot.mouseClick(widget, LEFT)


def to_faces(qtbot: QtBot, w: KioskWindow) -> None:
    assert on_screen(w) is w.idle
    tap(qtbot, w.idle.invite)
    assert on_screen(w) is w.rate


def wait_idle(qtbot: QtBot, w: KioskWindow, clock: Clock) -> None:
    clock.advance(60)
    qtbot.waitUntil(lambda: on_screen(w) is w.idle, timeout=2000)


def open_staff_panel(qtbot: QtBot, w: KioskWindow) -> None:
    """The hidden gesture (long press on the top-left corner), then the PIN on the pad."""
    qtbot.mousePress(w.hotspot, LEFT)
    qtbot.waitUntil(lambda: on_screen(w) is w.pin, timeout=2000)
    qtbot.mouseRelease(w.hotspot, LEFT)
    for digit in PIN:
        tap(qtbot, w.pin.pad.buttons[digit])
    tap(qtbot, w.pin.ok)
    assert on_screen(w) is w.staff


def texts(widget: Any) -> str:
    return "\n".join(lab.text() for lab in widget.findChildren(QLabel))


# ----------------------------------------------------------------------------- the faces
def test_faces_are_named_in_chinese(make_kiosk: Callable[..., KioskWindow]) -> None:
    w = make_kiosk()
    names = [b.accessibleName() for b in w.rate.faces.values()]
    assert names == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]


@pytest.mark.parametrize("level", [5, 4, 3, 2, 1])
def test_each_face_records_exactly_one_rating(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore, level: int
) -> None:
    w = make_kiosk()
    w.flow.sign_in("TL0002")
    to_faces(qtbot, w)
    tap(qtbot, w.rate.faces[level])
    if level <= 2:
        assert on_screen(w) is w.why and rows(store) == []
        tap(qtbot, w.why.skip)
    assert on_screen(w) is w.thanks
    (row,) = rows(store)
    assert (row["level"], row["window"], row["unit"], row["staff"]) == (
        level,
        "A01",
        "YJJ",
        "TL0002",
    )
    assert w.chime.played == 1


def test_thank_you_is_the_same_whatever_the_level(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], clock: Clock
) -> None:
    w = make_kiosk()
    images = []
    for level in (5, 1):
        to_faces(qtbot, w)
        tap(qtbot, w.rate.faces[level])
        if level == 1:
            tap(qtbot, w.why.submit)
        assert on_screen(w) is w.thanks
        images.append(w.grab().toImage())
        wait_idle(qtbot, w, clock)
    assert images[0] == images[1]
    assert w.chime.played == 2


# ------------------------------------------------------------------------------- why flow
def test_why_with_reasons_and_phone(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore
) -> None:
    w = make_kiosk()
    to_faces(qtbot, w)
    tap(qtbot, w.rate.faces[1])
    assert set(w.why.reasons) >= {"leng", "lan", "tui", "luan", "tan", "H01", "H02", "H03", "H04"}
    tap(qtbot, w.why.reasons["leng"])
    tap(qtbot, w.why.reasons["H02"])
    assert w.why.reasons["leng"].isChecked() and w.why.reasons["H02"].isChecked()
    tap(qtbot, w.why.phone)
    assert on_screen(w) is w.phone
    w.phone.type_digits("13912345678")
    tap(qtbot, w.phone.ok)
    assert on_screen(w) is w.why
    assert "13912345678" in w.why.phone.text()
    tap(qtbot, w.why.submit)
    assert on_screen(w) is w.thanks
    (row,) = rows(store)
    assert row["level"] == 1 and row["phone"] == "13912345678"
    assert sorted(json.loads(row["reasons"])) == ["H02", "leng"]


def test_why_skip_records_without_reasons(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore
) -> None:
    w = make_kiosk()
    to_faces(qtbot, w)
    tap(qtbot, w.rate.faces[2])
    tap(qtbot, w.why.reasons["tui"])
    tap(qtbot, w.why.skip)
    (row,) = rows(store)
    assert (row["level"], json.loads(row["reasons"]), row["phone"]) == (2, [], None)


def test_why_timeout_records_without_reasons_and_touch_postpones_it(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore, clock: Clock
) -> None:
    w = make_kiosk()
    to_faces(qtbot, w)
    tap(qtbot, w.rate.faces[2])
    clock.advance(50)
    tap(qtbot, w.why.reasons["lan"])  # a citizen mid-choice
    clock.advance(45)
    qtbot.waitUntil(lambda: w.why.countdown.isVisible(), timeout=2000)  # warned in words
    assert "秒" in w.why.countdown.text()
    assert on_screen(w) is w.why and rows(store) == []
    clock.advance(16)
    qtbot.waitUntil(lambda: on_screen(w) is w.thanks, timeout=2000)
    (row,) = rows(store)
    assert (row["level"], json.loads(row["reasons"])) == (2, [])


@pytest.mark.parametrize(
    ("digits", "message"),
    [
        ("12345678901", "号码不对"),
        ("1380013800", "号码不对"),
        ("0123", "号码不对"),
        ("", "请先输入"),
    ],
)
def test_phone_pad_rejects_bad_numbers(
    qtbot: QtBot,
    make_kiosk: Callable[..., KioskWindow],
    store: LocalStore,
    digits: str,
    message: str,
) -> None:
    w = make_kiosk()
    to_faces(qtbot, w)
    tap(qtbot, w.rate.faces[1])
    tap(qtbot, w.why.phone)
    w.phone.type_digits(digits)
    tap(qtbot, w.phone.ok)
    assert on_screen(w) is w.phone
    assert message in w.phone.error.text() and w.phone.error.text().startswith("⚠")
    tap(qtbot, w.phone.cancel)
    tap(qtbot, w.why.submit)
    (row,) = rows(store)
    assert row["phone"] is None


# ------------------------------------------------------------------------------ timeouts
def test_faces_left_alone_return_to_idle(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore, clock: Clock
) -> None:
    w = make_kiosk()
    to_faces(qtbot, w)
    clock.advance(31)
    qtbot.waitUntil(lambda: on_screen(w) is w.idle, timeout=2000)
    assert rows(store) == []


def test_thanks_and_staff_panel_return_to_idle(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], clock: Clock
) -> None:
    w = make_kiosk()
    to_faces(qtbot, w)
    tap(qtbot, w.rate.faces[4])
    clock.advance(3.9)
    qtbot.wait(50)  # several ticks
    assert on_screen(w) is w.thanks
    clock.advance(0.2)
    qtbot.waitUntil(lambda: on_screen(w) is w.idle, timeout=2000)
    open_staff_panel(qtbot, w)
    clock.advance(61)
    qtbot.waitUntil(lambda: on_screen(w) is w.idle, timeout=2000)


def test_minimum_interval_faces_come_back_only_after_it(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore, clock: Clock
) -> None:
    w = make_kiosk(timings=Timings(thanks_s=1), misuse=Misuse(min_interval_s=10))
    to_faces(qtbot, w)
    tap(qtbot, w.rate.faces[5])
    clock.advance(5)
    qtbot.wait(50)
    assert on_screen(w) is w.thanks
    qtbot.mouseClick(w.thanks, LEFT)  # hammering the thank-you screen does nothing
    assert on_screen(w) is w.thanks
    clock.advance(5)
    qtbot.waitUntil(lambda: on_screen(w) is w.idle, timeout=2000)
    assert len(rows(store)) == 1


# --------------------------------------------------------------------------------- flags
def test_burst_and_after_hours_are_flagged_not_dropped(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore, clock: Clock
) -> None:
    w = make_kiosk(misuse=Misuse(min_interval_s=3, burst_count=2, burst_window_s=600))
    for _ in range(3):
        to_faces(qtbot, w)
        tap(qtbot, w.rate.faces[5])
        wait_idle(qtbot, w, clock)
    clock.now = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)  # 20:30 local: closed
    to_faces(qtbot, w)
    tap(qtbot, w.rate.faces[4])
    flags = [json.loads(r["flags"]) for r in rows(store)]
    assert flags == [[], [], ["burst"], ["after_hours"]]


# -------------------------------------------------------------------------- staff panel
def test_sign_in_and_out_attribution(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore, clock: Clock
) -> None:
    w = make_kiosk()
    assert "本窗口暂无工作人员签到" in texts(w.idle)
    open_staff_panel(qtbot, w)
    tap(qtbot, w.staff.staff_buttons["TL0048"])
    assert "任超" in w.staff.who.text()
    tap(qtbot, w.staff.done)
    assert on_screen(w) is w.idle
    assert "任超" in texts(w.idle) and "TL0048" in texts(w.idle)
    to_faces(qtbot, w)
    tap(qtbot, w.rate.faces[5])
    wait_idle(qtbot, w, clock)
    open_staff_panel(qtbot, w)
    tap(qtbot, w.staff.sign_out)
    tap(qtbot, w.staff.done)
    to_faces(qtbot, w)
    tap(qtbot, w.rate.faces[4])
    got = [(r["unit"], r["staff"]) for r in rows(store)]
    assert got == [("TJJ", "TL0048"), ("YJJ", None)]


def test_short_tap_in_the_corner_is_an_ordinary_tap(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow]
) -> None:
    w = make_kiosk()
    tap(qtbot, w.hotspot)
    assert on_screen(w) is w.rate


def test_wrong_pin_is_refused(qtbot: QtBot, make_kiosk: Callable[..., KioskWindow]) -> None:
    w = make_kiosk()
    qtbot.mousePress(w.hotspot, LEFT)
    qtbot.waitUntil(lambda: on_screen(w) is w.pin, timeout=2000)
    qtbot.mouseRelease(w.hotspot, LEFT)
    w.pin.type_digits("1111")
    assert w.pin.display.text() == "● ● ● ●"  # never the digits
    tap(qtbot, w.pin.ok)
    assert on_screen(w) is w.pin and "密码不对" in w.pin.error.text()


def test_staff_panel_counts_but_never_shows_a_verdict(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], clock: Clock
) -> None:
    w = make_kiosk()
    to_faces(qtbot, w)
    tap(qtbot, w.rate.faces[1])
    tap(qtbot, w.why.reasons["leng"])
    tap(qtbot, w.why.submit)
    wait_idle(qtbot, w, clock)
    open_staff_panel(qtbot, w)
    shown = texts(w.staff) + "\n".join(b.text() for b in w.staff.staff_buttons.values())
    assert "今日评价：1 条" in shown
    for word in [*LEVEL_WORDS_ZH.values(), "冷", "态度冷淡"]:
        assert word not in shown


# ------------------------------------------------------------------------------ language
def test_language_toggle_and_back_to_chinese_after_rating(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], clock: Clock
) -> None:
    w = make_kiosk()
    assert w.idle.invite_main.text() == "请为本次服务评价" and w.idle.lang.text() == "English"
    tap(qtbot, w.idle.lang)
    assert w.idle.invite_main.text() == "Please rate our service"
    assert w.idle.lang.text() == "中文"
    to_faces(qtbot, w)
    assert w.rate.title.text() == "How was our service today?"
    very = w.rate.faces[5]
    assert very.accessibleDescription() == "Very satisfied"
    assert very.accessibleName() == LEVEL_WORDS_ZH[Level.VERY_SATISFIED]
    tap(qtbot, very)
    assert w.thanks.title.text() == "Thank you for your feedback!"
    wait_idle(qtbot, w, clock)
    assert w.idle.invite_main.text() == "请为本次服务评价"  # the next citizen starts in Chinese


# ------------------------------------------------------------------------ out of service
def test_store_failure_shows_out_of_service_and_staff_see_why(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore
) -> None:
    broken = FullDiskStore()
    w: KioskWindow

    def retry() -> None:
        w.flow.set_store(store)

    w = make_kiosk(store=broken, on_retry=retry)
    to_faces(qtbot, w)
    tap(qtbot, w.rate.faces[5])
    assert on_screen(w) is w.out_of_service
    assert w.out_of_service.title.text() == "终端暂停服务"
    assert w.out_of_service.hint.text() == "请告知工作人员"
    assert broken.calls == 1 and w.chime.played == 0  # the tap is not acknowledged
    assert "磁盘" not in texts(w.out_of_service)  # the technical reason is for staff
    tap(qtbot, w.out_of_service)
    assert on_screen(w) is w.out_of_service  # taps do nothing
    open_staff_panel(qtbot, w)
    assert "磁盘已满" in w.staff.store.text() and w.staff.retry.isVisible()
    tap(qtbot, w.staff.retry)
    tap(qtbot, w.staff.done)
    assert on_screen(w) is w.idle
    to_faces(qtbot, w)
    tap(qtbot, w.rate.faces[5])
    assert on_screen(w) is w.thanks and len(rows(store)) == 1


# ---------------------------------------------------------------------- touch targets
@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)])
def test_touch_targets_and_text_sizes(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], size: tuple[int, int]
) -> None:
    w = make_kiosk()
    w.resize(*size)
    qtbot.waitUntil(lambda: (w.width(), w.height()) == size, timeout=2000)
    target = w.metrics.target  # 15 mm at the screen's dpi, at least 72 px
    assert target >= w.metrics.mm(15)
    assert w.metrics.body >= 18 and w.metrics.title >= 30
    for state, page in [(State.RATE, w.rate), (State.WHY, w.why), (State.PHONE, w.phone)]:
        if state is State.RATE:
            w.flow.start()
        elif state is State.WHY:
            w.flow.rate(1)
        else:
            w.flow.open_phone_pad()
        qtbot.waitUntil(lambda page=page: on_screen(w) is page, timeout=2000)
        QApplication.processEvents()
        for b in page.findChildren(QAbstractButton):
            if b.isVisible():
                assert b.width() >= target and b.height() >= target, (b.text(), b.size())


# ---------------------------------------------------------------------------------- sync
class FakeLink:
    """What the window reads of kiosk.sync_link.SyncLink."""

    def __init__(self) -> None:
        from sync.pusher import SyncStatus

        self.status = SyncStatus(
            state="offline", backlog=3, offline_since=datetime(2026, 7, 1, 1, 5, tzinfo=UTC)
        )
        self.roster: dict[str, Any] | None = None

    def cached_roster(self) -> dict[str, Any] | None:
        return self.roster


def test_staff_panel_shows_sync_state_and_server_roster_applies(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], roster: Roster, tmp_path: Path
) -> None:
    from kiosk.config import load_config

    cfg_file = tmp_path / "kiosk.toml"
    cfg_file.write_text('[kiosk]\nwindow = "A01"\n', encoding="utf-8")
    link = FakeLink()
    w = make_kiosk(sync_link=link, config=load_config(cfg_file))
    open_staff_panel(qtbot, w)
    qtbot.waitUntil(lambda: "离线" in w.staff.sync.text(), timeout=3000)
    assert "待上传 3 条" in w.staff.sync.text() and "07-01 09:05" in w.staff.sync.text()
    tap(qtbot, w.staff.done)
    server = roster.to_dict()
    server["units"] = [
        u | {"name": "应急管理局（新）"} if u["code"] == "YJJ" else u for u in server["units"]
    ]
    link.roster = server
    qtbot.waitUntil(lambda: "应急管理局（新）" in w.idle.unit.text(), timeout=4000)
