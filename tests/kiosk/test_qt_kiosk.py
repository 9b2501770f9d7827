"""The kiosk window driven by taps (pytest-qt), checked against the SQLite file on disk.

Time is the flow's injectable clock: a test moves it and waits (with a deadline) for the
window's own tick timer to act, so no test sleeps.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel
from pytestqt.qtbot import QtBot

from assets._qt import install_app_font
from kiosk._qt.qt_kiosk import KioskWindow
from kiosk.config import Misuse, Timings
from kiosk.flow import Flow
from kiosk.store import LocalStore
from sync.roster import Roster
from sync.schema import LEVEL_WORDS_ZH, Level
from tests.helpers.clock import Clock
from tests.kiosk.fakes import FullDiskStore

OPEN = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Chongqing
LEFT = Qt.MouseButton.LeftButton
PIN = "2468"


class Sounds:
    """Records what the window asked to play (tests/kiosk/test_sound.py hears it for real)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def play(self, name: str) -> None:
        self.names.append(name)

    def close(self) -> None:
        pass

    @property
    def played(self) -> int:
        return self.names.count("thanks")


@pytest.fixture(scope="session", autouse=True)
def app_font(qapp: QApplication) -> str:
    return install_app_font(qapp, 18)


@pytest.fixture
def clock() -> Clock:
    return Clock(OPEN)


@pytest.fixture
def make_kiosk(
    qtbot: QtBot, roster: Roster, store: LocalStore, clock: Clock
) -> Callable[..., KioskWindow]:
    def make(**kw: Any) -> KioskWindow:
        flow = Flow(
            roster=roster,
            window="A01",
            store=kw.pop("store", store),
            timings=kw.pop("timings", Timings(why_timeout_s=60, thanks_s=4)),
            misuse=kw.pop("misuse", Misuse(min_interval_s=3, burst_count=8, burst_window_s=60)),
            staff_pin=PIN,
            clock=clock,
        )
        w = KioskWindow(flow, long_press_ms=60, tick_ms=10, sounds=Sounds(), **kw)  # type: ignore[arg-type]
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


def ticks(w: KioskWindow, n: int = 3) -> None:
    """What the window's tick timer does, n times, without waiting for it: a test that checks
    nothing happened yet needs ticks that surely ran, not a sleep that hopes they did."""
    for _ in range(n):
        w.ticker.timeout.emit()


def tap(qtbot: QtBot, widget: Any) -> None:
    qtbot.mouseClick(widget, LEFT)


def face(w: KioskWindow, level: int) -> Any:
    """A face on the idle screen: the screen a citizen finds, where one tap rates."""
    assert on_screen(w) is w.idle
    return w.idle.faces[level]


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
    names = [b.accessibleName() for b in w.idle.faces.values()]
    assert names == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]


class TapCounter(QObject):
    """Counts the citizen's touches anywhere in the application."""

    def __init__(self) -> None:
        super().__init__()
        self._presses: set[tuple[int, float, float]] = set()

    @property
    def taps(self) -> int:
        return len(self._presses)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            # A press passed on to a parent widget is the same touch: same time, same place.
            pos = event.globalPosition()
            self._presses.add((event.timestamp(), pos.x(), pos.y()))
        return False


@pytest.mark.parametrize("level", [5, 4, 3])
def test_one_tap_from_idle_to_a_stored_rating(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore, level: int
) -> None:
    w = make_kiosk()
    counter = TapCounter()
    QApplication.instance().installEventFilter(counter)  # type: ignore[union-attr]
    try:
        assert on_screen(w) is w.idle and rows(store) == []
        target = w.idle.faces[level]
        assert target.isVisible()  # the faces are there without touching anything first
        qtbot.mouseClick(target, LEFT)
    finally:
        QApplication.instance().removeEventFilter(counter)  # type: ignore[union-attr]
    assert counter.taps == 1
    (row,) = rows(store)
    assert row["level"] == level and on_screen(w) is w.thanks
    # One neutral tap sound, then the thank-you: the same two sounds for every level.
    assert w.sounds.names == ["tap", "thanks"]


@pytest.mark.parametrize("level", [5, 4, 3, 2, 1])
def test_each_face_records_exactly_one_rating(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore, level: int
) -> None:
    w = make_kiosk()
    w.flow.sign_in("TL0002")
    tap(qtbot, face(w, level))
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
    assert w.sounds.played == 1


def test_thank_you_is_the_same_whatever_the_level(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], clock: Clock
) -> None:
    w = make_kiosk()
    images = []
    for level in (5, 1):
        tap(qtbot, face(w, level))
        if level == 1:
            tap(qtbot, w.why.submit)
        assert on_screen(w) is w.thanks
        images.append(w.grab().toImage())
        wait_idle(qtbot, w, clock)
    assert images[0] == images[1]
    assert w.sounds.played == 2


# ------------------------------------------------------------------------------- why flow
def test_why_with_reasons_and_phone(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore
) -> None:
    w = make_kiosk()
    tap(qtbot, face(w, 1))
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
    tap(qtbot, face(w, 2))
    tap(qtbot, w.why.reasons["tui"])
    tap(qtbot, w.why.skip)
    (row,) = rows(store)
    assert (row["level"], json.loads(row["reasons"]), row["phone"]) == (2, [], None)


def test_why_timeout_keeps_the_chosen_reasons_and_phone_after_a_warning(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore, clock: Clock
) -> None:
    w = make_kiosk()
    tap(qtbot, face(w, 2))
    tap(qtbot, w.why.reasons["tui"])
    tap(qtbot, w.why.phone)
    w.phone.type_digits("13912345678")
    tap(qtbot, w.phone.ok)
    clock.advance(50)
    tap(qtbot, w.why.reasons["leng"])  # a citizen mid-choice: the limit starts again
    clock.advance(34)
    ticks(w)
    assert not w.countdown.isVisible() and "warning" not in w.sounds.names
    clock.advance(2)  # 24 s left
    qtbot.waitUntil(lambda: w.countdown.isVisible(), timeout=2000)  # warned in words ...
    assert "秒后将提交您已选的内容" in w.countdown.text.text()
    assert int(w.countdown.text.text().split(" ")[0]) >= 20
    assert w.sounds.names.count("warning") == 1  # ... and by sound, once
    assert on_screen(w) is w.why and rows(store) == []
    clock.advance(25)
    qtbot.waitUntil(lambda: on_screen(w) is w.thanks, timeout=2000)
    assert not w.countdown.isVisible()
    (row,) = rows(store)
    assert (row["level"], json.loads(row["reasons"]), row["phone"]) == (
        2,
        ["tui", "leng"],
        "13912345678",
    )


def test_phone_screen_timeout_keeps_the_reasons_and_the_typed_number(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore, clock: Clock
) -> None:
    w = make_kiosk()
    tap(qtbot, face(w, 1))
    tap(qtbot, w.why.reasons["tui"])
    tap(qtbot, w.why.reasons["leng"])
    tap(qtbot, w.why.phone)
    w.phone.type_digits("13800138000")  # typed; the citizen walked off before OK
    clock.advance(36)
    qtbot.waitUntil(lambda: w.countdown.isVisible(), timeout=2000)
    assert on_screen(w) is w.phone
    clock.advance(25)
    qtbot.waitUntil(lambda: on_screen(w) is w.thanks, timeout=2000)
    (row,) = rows(store)
    assert (json.loads(row["reasons"]), row["phone"]) == (["tui", "leng"], "13800138000")


def test_a_touch_ends_the_warning_and_restarts_the_limit(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore, clock: Clock
) -> None:
    w = make_kiosk()
    tap(qtbot, face(w, 2))
    clock.advance(40)
    qtbot.waitUntil(lambda: w.countdown.isVisible(), timeout=2000)
    tap(qtbot, w.countdown)  # a touch anywhere, the banner too
    assert not w.countdown.isVisible()
    clock.advance(40)
    ticks(w)
    assert on_screen(w) is w.why and rows(store) == []


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
    tap(qtbot, face(w, 1))
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
def test_idle_left_in_english_warns_then_speaks_chinese_again(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore, clock: Clock
) -> None:
    w = make_kiosk(timings=Timings(language_timeout_s=60, timeout_scale=2))
    tap(qtbot, w.idle.lang)
    assert w.idle.invite_main.text() == "Please rate our service"
    clock.advance(94)
    ticks(w)
    assert not w.countdown.isVisible()
    clock.advance(2)  # 24 s of 120 left
    qtbot.waitUntil(lambda: w.countdown.isVisible(), timeout=2000)
    assert w.countdown.text.text().startswith("Switching to 中文 in 24 s")
    assert w.sounds.names.count("warning") == 1
    clock.advance(24)
    qtbot.waitUntil(lambda: w.idle.invite_main.text() == "请为本次服务评价", timeout=2000)
    assert not w.countdown.isVisible() and on_screen(w) is w.idle and rows(store) == []


def test_thanks_and_staff_panel_return_to_idle(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], clock: Clock
) -> None:
    w = make_kiosk()
    tap(qtbot, face(w, 4))
    clock.advance(3.9)
    ticks(w)
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
    tap(qtbot, face(w, 5))
    clock.advance(5)
    ticks(w)
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
        tap(qtbot, face(w, 5))
        wait_idle(qtbot, w, clock)
    clock.now = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)  # 20:30 local: closed
    tap(qtbot, face(w, 4))
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
    tap(qtbot, face(w, 5))
    wait_idle(qtbot, w, clock)
    open_staff_panel(qtbot, w)
    tap(qtbot, w.staff.sign_out)
    tap(qtbot, w.staff.done)
    tap(qtbot, face(w, 4))
    got = [(r["unit"], r["staff"]) for r in rows(store)]
    assert got == [("TJJ", "TL0048"), ("YJJ", None)]


def test_short_tap_in_the_corner_rates_nothing_and_hides_no_control(
    qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], store: LocalStore
) -> None:
    w = make_kiosk()
    tap(qtbot, w.hotspot)
    assert on_screen(w) is w.idle and rows(store) == []
    corner = w.hotspot.geometry()
    for b in w.idle.findChildren(QAbstractButton):
        where = b.geometry().translated(b.parentWidget().mapTo(w, QPoint(0, 0)))
        assert not corner.intersects(where), b


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
    tap(qtbot, face(w, 1))
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
    very = face(w, 5)
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
    tap(qtbot, face(w, 5))
    assert on_screen(w) is w.out_of_service
    assert w.out_of_service.title.text() == "终端暂停服务"
    assert w.out_of_service.hint.text() == "请告知工作人员"
    assert broken.calls == 1 and w.sounds.played == 0  # the tap is not acknowledged
    assert "磁盘" not in texts(w.out_of_service)  # the technical reason is for staff
    tap(qtbot, w.out_of_service)
    assert on_screen(w) is w.out_of_service  # taps do nothing
    open_staff_panel(qtbot, w)
    assert "磁盘已满" in w.staff.store.text() and w.staff.retry.isVisible()
    tap(qtbot, w.staff.retry)
    tap(qtbot, w.staff.done)
    assert on_screen(w) is w.idle
    tap(qtbot, face(w, 5))
    assert on_screen(w) is w.thanks and len(rows(store)) == 1


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
