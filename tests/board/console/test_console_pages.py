"""Each console page over a real ``hall-server``: what the office sees and what its clicks do."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from board._qt.console import qt_flagged, qt_terminals
from board._qt.console.qt_flagged import FlaggedPage
from board._qt.console.qt_models import RECORD_ROLE
from board._qt.console.qt_roster import RosterPage
from board._qt.console.qt_standings import StandingsPage
from board._qt.console.qt_terminals import TerminalsPage
from board._qt.console.qt_today import TodayPage
from board._qt.console.qt_window import ConsoleWindow
from board._qt.qt_table import UNIT_CODE_ROLE
from sync.client import enroll
from sync.roster import parse_roster, parse_roster_bytes
from tests.board.console.conftest import ROSTER, ConsoleHall


def _rows(table) -> list[object]:  # type: ignore[no-untyped-def]
    proxy = table.proxy
    return [proxy.index(r, 0).data(RECORD_ROLE) for r in range(proxy.rowCount())]


def test_today_lists_flagged_ratings_and_the_anomaly_and_opens_them(
    qtbot, window: ConsoleWindow, console_hall: ConsoleHall
) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("today")
    assert isinstance(page, TodayPage)
    window.settle()
    lines = page.lines()
    assert any("2 条异常评价等待决定" in line for line in lines), lines
    assert any(console_hall.kiosk.terminal in line and "序号缺口" in line for line in lines)
    assert any("序号 40 之后有评价未到达（最高收到 43）" in line for line in lines), lines
    # Enter on the flagged line opens the Flagged page with that rating selected.
    row = next(i for i, line in enumerate(lines) if "异常评价等待决定" in line)
    page.list.setCurrentRow(row)
    page.list.setFocus()
    qtbot.keyClick(page.list, Qt.Key.Key_Return)
    window.settle()
    assert window.current_page is window.pages["flagged"]
    selected = window.pages["flagged"].table.current()  # type: ignore[attr-defined]
    assert selected["id"] == console_hall.flagged_ids[0]


def test_terminals_page_shows_contact_missing_ratings_and_anomalies(
    window: ConsoleWindow, console_hall: ConsoleHall
) -> None:
    page = window.show_page("terminals")
    assert isinstance(page, TerminalsPage)
    window.settle()
    mine = next(t for t in _rows(page.table) if t.id == console_hall.kiosk.terminal)
    assert (mine.highest_contiguous_seq, mine.max_seq, mine.open_anomalies) == (40, 43, 1)
    row = page.table.model.row_of(mine.id)
    highest = page.table.model.index(row, 4)
    assert highest.data() == "43" and page.table.model.index(row, 3).data() == "40"
    assert highest.data(Qt.ItemDataRole.ForegroundRole) is not None  # red, and says why:
    assert "序号 40 之后有评价未到达" in highest.data(Qt.ItemDataRole.ToolTipRole)
    kinds = [
        page.anomalies.model.index(r, 2).data() for r in range(page.anomalies.model.rowCount())
    ]
    assert "序号缺口" in kinds


def test_enrol_shows_a_qr_code_and_digits_that_enrol_a_kiosk_and_revoke_asks_first(
    qtbot, window: ConsoleWindow, console_hall: ConsoleHall, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("terminals")
    assert isinstance(page, TerminalsPage)
    window.settle()
    dialog = page.enrol()
    qtbot.addWidget(dialog)
    index = dialog.window_box.findData("A14")
    dialog.window_box.setCurrentIndex(index)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.code is not None, timeout=10_000)
    assert dialog.code is not None
    code = dialog.digits.text()
    assert code == dialog.code.code and dialog.qr.text == code and dialog.qr.isVisible()
    assert dialog.qr.matrix and len(dialog.qr.matrix) >= 21
    assert dialog.qr.width() >= 220  # large enough to scan from the screen
    enrolment = enroll(console_hall.url, code, "console-test-kiosk")
    assert enrolment.window == "A14"
    dialog.close()

    page.refresh()
    window.settle()
    assert page.table.select_key("console-test-kiosk")
    asked: list[str] = []
    monkeypatch.setattr(qt_terminals, "confirm", lambda _p, _t, _title, text: asked.append(text))
    page.revoke_current()  # the office said no
    window.settle()
    assert asked and "console-test-kiosk" in asked[0]
    assert page.table.current().revoked_at is None
    monkeypatch.setattr(qt_terminals, "confirm", lambda *_a: True)
    page.revoke_current()
    window.settle()
    page.table.select_key("console-test-kiosk")
    assert page.table.current().revoked_at is not None
    assert "已停用" in window.status.text()


def test_flagged_ratings_are_released_or_kept_out_with_a_note(
    window: ConsoleWindow, console_hall: ConsoleHall, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = window.show_page("flagged")
    assert isinstance(page, FlaggedPage)
    window.settle()
    waiting = [r["id"] for r in _rows(page.table)]
    assert set(console_hall.flagged_ids) <= set(waiting)
    released, kept_out = console_hall.flagged_ids
    row = page.table.model.row_of(released)
    assert page.table.model.index(row, 4).data() == "连续快速评价"
    before = _count(console_hall)
    asked: list[str] = []

    def note(_parent, _tr, _title, text, _ok):  # type: ignore[no-untyped-def]
        asked.append(text)
        return "核实为群众本人连续评价"

    monkeypatch.setattr(qt_flagged, "ask_note", note)
    page.table.select_key(released)
    page.decide("release")
    window.settle()
    assert "将计入" in asked[0]
    page.table.select_key(kept_out)
    page.decide("exclude")
    window.settle()
    assert [r["id"] for r in _rows(page.table) if r["id"] in (released, kept_out)] == []
    page.state_box.setCurrentIndex(page.state_box.findData(None))
    page.refresh()
    window.settle()
    states = {r["id"]: (r["state"], r["note"]) for r in _rows(page.table)}
    assert states[released] == ("released", "核实为群众本人连续评价")
    assert states[kept_out][0] == "excluded"
    assert _count(console_hall) == before + 1  # only the released one counts


def _count(hall: ConsoleHall) -> int:
    agg = hall.store.aggregates("TL").json()
    return sum(c["n"] for c in agg["counts"] if c["unit"] == "YJJ")


def test_standings_show_every_unit_and_explain_the_selected_one(
    qtbot, window: ConsoleWindow
) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("standings")
    assert isinstance(page, StandingsPage)
    window.settle()
    assert page.standings is not None
    assert page.proxy.rowCount() == 31
    assert page.select_unit("YJJ")
    text = page.explain.toPlainText()
    # The only unit with ratings (>= the roster's min_ratings of 30): first, on the red list.
    assert "本季度有效评价" in text and "综合排名第 1 名" in text
    yjj = page.standings.unit("YJJ")
    assert all(line in text for line in yjj.explanation)
    headers = [
        page.proxy.headerData(c, Qt.Orientation.Horizontal) for c in range(page.proxy.columnCount())
    ]
    row = page.view.currentIndex().row()
    cells = dict(
        zip(headers, (page.proxy.index(row, c).data() for c in range(len(headers))), strict=True)
    )
    assert cells["状态"] == "★ 红榜" and cells["单位"] == "区应急管理局"
    assert cells["季度得分"] == f"{yjj.quarter_score:.1f}" and cells["评价数"] == str(yjj.n)
    assert "红榜: 区应急管理局" in page.lists_label.text()
    assert page.select_unit("ZJW")
    status = headers.index("状态")
    assert page.proxy.index(page.view.currentIndex().row(), status).data() == "评价不足，还差 30 条"


def test_switching_to_english_keeps_the_page_and_translates_it(
    qtbot, window: ConsoleWindow
) -> None:  # type: ignore[no-untyped-def]
    window.show_page("standings")
    window.settle()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    window.settle()
    page = window.current_page
    assert isinstance(page, StandingsPage)
    assert page.proxy.headerData(1, Qt.Orientation.Horizontal) == "Unit"
    assert page.select_unit("YJJ")
    assert "scored ratings" in page.explain.toPlainText()
    assert window.nav.item(0).text().startswith("Today")


def test_keyboard_alone_reaches_every_page(qtbot, window: ConsoleWindow) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    window.page_shown.connect(seen.append)
    keys = list(window.pages)
    for n in range(min(9, len(keys)), 0, -1):  # Ctrl+9 … Ctrl+1 (the first is already shown)
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + n), Qt.KeyboardModifier.ControlModifier)
    assert seen == keys[:9][::-1]
    # Down in the page list moves on, to the pages past the ninth too.
    window.nav.setFocus()
    for _ in keys[1:]:
        qtbot.keyClick(window.nav, Qt.Key.Key_Down)
    assert seen[-len(keys) + 1 :] == keys[1:]


def test_roster_tables_save_as_xlsx_and_import_with_problems_first(
    qtbot, window: ConsoleWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("roster")
    assert isinstance(page, RosterPage)
    window.settle()
    assert page.tables["units"].model.rowCount() == 31
    assert page.tabs.tabText(0) == "单位 (31)"
    saved = tmp_path / "roster-TL"
    page.save_xlsx(saved)
    window.settle()
    xlsx = saved.with_suffix(".xlsx")
    assert (
        parse_roster_bytes(xlsx.read_bytes(), xlsx.name).to_dict() == parse_roster(ROSTER).to_dict()
    )

    # A second hall's file with two problems: listed by line and column, nothing applied.
    bad = tmp_path / "t2.csv"
    bad.write_text(
        "kind,code,name,parent,detail,note\nhall,T2,第二大厅,,Asia/Shanghai,\n"
        "category,C,综合,,,\nunit,U1,一局,NOPE,,\nwindow,W1,1号窗口,U1,C,\nstaff,,张三,U1,W1,\n",
        encoding="utf-8",
    )
    page.import_file(bad)
    window.settle()
    dialog = page.dialog
    assert dialog is not None and dialog.apply_button is None
    problems = [(p.line, p.column) for p in _rows(dialog.problems)]
    assert problems == [(4, "parent"), (6, "code")]
    dialog.close()

    good = tmp_path / "t2-fixed.csv"
    good.write_text(
        bad.read_text(encoding="utf-8").replace("NOPE", "C").replace("staff,,", "staff,S1,"),
        encoding="utf-8",
    )
    page.import_file(good)
    window.settle()
    dialog = page.dialog
    assert dialog is not None and dialog.apply_button is not None
    assert "T2" in dialog.summary.text()
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    window.settle()
    assert "T2" in window.status.text()
    assert "T2" in [window.hall_box.itemData(i) for i in range(window.hall_box.count())]


def test_a_unit_operator_sees_only_its_pages_and_its_own_line(
    qtbot, api, console_hall: ConsoleHall
) -> None:  # type: ignore[no-untyped-def]
    from board._qt.console.qt_common import Identity

    unit = Identity(console_hall.url, "yjj.liu", "unit", ("TL",), "YJJ")
    w = ConsoleWindow(api, unit, hall="TL")
    qtbot.addWidget(w)
    w.show()
    w.settle()
    assert set(w.pages) <= {"today", "cases", "appeals", "standings"}
    assert "roster" not in w.pages and "terminals" not in w.pages and "flagged" not in w.pages
    page = w.show_page("standings")
    assert isinstance(page, StandingsPage)
    w.settle()
    codes = [page.proxy.index(r, 0).data(UNIT_CODE_ROLE) for r in range(page.proxy.rowCount())]
    assert codes == ["YJJ"]
    assert "yjj.liu" in w.who.text() and "YJJ" in w.who.text()
    w.close()


def test_hall_admin_screenshots_every_page_at_both_sizes_and_languages(
    console_hall: ConsoleHall, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    from PySide6.QtGui import QImage

    out = tmp_path / "shots"
    env = os.environ | {
        "QT_QPA_PLATFORM": "offscreen",
        "HALL_ADMIN_TOKEN": console_hall.server.admin_token,
    }
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "board.admin",
            "--screenshots",
            str(out),
            "--server",
            console_hall.url,
        ],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-2000:]
    names = sorted(p.name for p in out.glob("*.png"))
    for size in ("1366x768", "1920x1080"):
        for lang in ("zh", "en"):
            for page in (
                "sign-in",
                "today",
                "flagged",
                "standings",
                "roster",
                "terminals",
                "enrol-qr",
            ):
                assert any(
                    n.startswith(f"{size}-{lang}-") and n.endswith(f"-{page}.png") for n in names
                ), (size, lang, page, names)
    shot = QImage(str(next(out.glob("1366x768-zh-*-standings.png"))))
    assert (shot.width(), shot.height()) == (1366, 768)


def test_cases_show_deadlines_and_the_phone_and_take_steps_with_a_note(
    qtbot, window: ConsoleWindow, console_hall: ConsoleHall, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from board._qt.console import qt_cases
    from board._qt.console.qt_cases import CasesPage
    from tests.board.console.conftest import PHONE

    page = window.show_page("cases")
    assert isinstance(page, CasesPage)
    window.settle()
    cases = _rows(page.table)
    assert {(c["unit"], c["level"]) for c in cases} == {("YJJ", 1), ("YJJ", 2)}
    with_phone = next(c for c in cases if c["has_phone"])
    page.table.select_key(with_phone["id"])
    text = page.detail.toPlainText()
    assert PHONE in text and "回访期限" in text and "工作日" in text
    assert "推" in text  # the reason in words
    assert page.step_buttons["called_back"].isEnabled()
    assert not page.step_buttons["closed"].isEnabled()
    monkeypatch.setattr(qt_cases, "ask_note", lambda *_a: "已电话回访，群众表示理解")
    window.activateWindow()  # shortcuts go to the active window
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(page.table.view, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)

    def called_back() -> bool:  # a button's shortcut clicks it a moment later (animateClick)
        page.table.select_key(with_phone["id"])
        return bool(page.table.current()["status"] == "called_back")

    qtbot.waitUntil(called_back, timeout=10_000)
    assert "已电话回访，群众表示理解" in page.detail.toPlainText()
    assert "已记录" in window.status.text()


def test_a_unit_operator_of_another_unit_sees_neither_case_nor_phone(
    qtbot, console_hall: ConsoleHall
) -> None:  # type: ignore[no-untyped-def]
    from board._qt.console.qt_common import Identity
    from board._qt.console.qt_worker import ApiWorker, Client
    from tests.board.console.conftest import PHONE

    other = console_hall.store.operator("zjw.wang", "unit", unit="ZJW")
    api = ApiWorker(Client(console_hall.url, other.token))
    identity = Identity(console_hall.url, "zjw.wang", "unit", ("TL",), "ZJW")
    w = ConsoleWindow(api, identity, hall="TL")
    qtbot.addWidget(w)
    w.show()
    try:
        w.settle()
        page = w.show_page("cases")
        w.settle()
        assert _rows(page.table) == []  # type: ignore[attr-defined]
        assert PHONE not in page.detail.toPlainText()  # type: ignore[attr-defined]
        assert not w.errors.isVisible()
    finally:
        w.close()
        api.stop()


def test_inspection_quick_entry_fills_in_from_the_item_and_a_void_needs_a_reason(
    qtbot, window: ConsoleWindow, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from board._qt.console import qt_inspections
    from board._qt.console.qt_inspections import InspectionsPage

    page = window.show_page("inspections")
    assert isinstance(page, InspectionsPage)
    window.settle()
    page.select_unit("GHZ")
    staff = [page.staff_box.itemData(i) for i in range(page.staff_box.count())]
    assert staff[0] is None and len(staff) > 1  # the whole unit, or one of its staff
    page.staff_box.setCurrentIndex(1)
    page.select_item("no_uniform")
    assert (page.dimension_box.currentData(), page.points.value()) == ("image", -1.0)
    assert not page.what.isVisible()
    page.note.setText("未佩戴工牌")
    qtbot.mouseClick(page.record_button, Qt.MouseButton.LeftButton)
    window.settle()
    mine = [r for r in _rows(page.table) if r["unit"] == "GHZ"]
    assert [(r["item"], r["dimension"], r["points"], r["staff"]) for r in mine] == [
        ("no_uniform", "image", -1.0, staff[1])
    ]
    # "Other": a description is required before anything is sent.
    page.select_item(None)
    assert page.what.isVisibleTo(page)
    qtbot.mouseClick(page.record_button, Qt.MouseButton.LeftButton)
    assert "请选择事项或填写情况" in page.problem.text()

    monkeypatch.setattr(qt_inspections, "ask_note", lambda *_a: None)  # cancelled
    page.table.select_key(mine[0]["id"])
    page.void_current()
    window.settle()
    assert page.table.current()["voided_at"] is None
    monkeypatch.setattr(qt_inspections, "ask_note", lambda *_a: "记错单位")
    page.void_current()
    window.settle()
    assert mine[0]["id"] not in [r["id"] for r in _rows(page.table)]
    page.show_voided.setChecked(True)
    window.settle()
    voided = next(r for r in _rows(page.table) if r["id"] == mine[0]["id"])
    assert voided["void_reason"] == "记错单位"


def test_appeal_filed_from_a_case_is_decided_with_a_note(
    qtbot, window: ConsoleWindow, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from board._qt.console import qt_appeals, qt_cases
    from board._qt.console.qt_appeals import AppealsPage

    cases = window.show_page("cases")
    window.settle()
    target = next(c for c in _rows(cases.table) if not c["has_phone"])  # type: ignore[attr-defined]
    cases.table.select_key(target["id"])  # type: ignore[attr-defined]
    monkeypatch.setattr(qt_cases, "ask_note", lambda *_a: "群众误按")
    cases.file_appeal()  # type: ignore[attr-defined]
    window.settle()
    page = window.show_page("appeals")
    assert isinstance(page, AppealsPage)
    window.settle()
    pending = [a for a in _rows(page.table) if a["rating"] == target["rating"]]
    assert [(a["status"], a["reason"]) for a in pending] == [("pending", "群众误按")]
    page.table.select_key(pending[0]["id"])
    assert page.reject_button.isEnabled()
    monkeypatch.setattr(qt_appeals, "ask_note", lambda *_a: "监控显示为本人评价，维持")
    qtbot.mouseClick(page.reject_button, Qt.MouseButton.LeftButton)
    window.settle()
    assert all(a["rating"] != target["rating"] for a in _rows(page.table))  # no longer pending
    page.status_box.setCurrentIndex(page.status_box.findData(None))
    page.refresh()
    window.settle()
    decided = next(a for a in _rows(page.table) if a["rating"] == target["rating"])
    assert (decided["status"], decided["decision_note"]) == ("rejected", "监控显示为本人评价，维持")
