"""The office console against a real ``hall-server``: a quarter run by three operators.

An inspector signs in (the sign-in form, the real ``POST /auth/session``) and records a
deduction with the quick entry; the unit's operator calls back, rectifies and closes one 差评
case and appeals another; the office accepts the appeal and publishes the quarter. The
standings and the audit log, as the console shows them, carry each step.

The ratings are last quarter's (a quarter must have ended to be published): the server is
started with the before-enrolment margin a hall importing old ratings would use.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from PySide6.QtCore import Qt

from board._qt.console import qt_appeals, qt_cases, qt_standings
from board._qt.console.app import ConsolePrefs
from board._qt.console.qt_common import Identity
from board._qt.console.qt_signin import SignInWindow
from board._qt.console.qt_window import ConsoleWindow
from board._qt.console.qt_worker import ApiWorker, Client
from sync.quarter import Quarter
from tests.helpers.server import ServerProcess, start_server
from tests.helpers.store import StoreDriver

ROSTER = Path(__file__).resolve().parents[2] / "assets" / "roster" / "demo-hall.csv"
ZONE = ZoneInfo("Asia/Shanghai")
PASSWORDS = {
    "zhang.jc": "Inspect-2026-TL!",
    "yjj.liu": "Unit-YJJ-2026!",
    "li.na": "Office-TL-2026!",
}
PHONE = "13800138000"


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[tuple[ServerProcess, str]]:
    srv = start_server(tmp_path, env={"HALL_CLOCK_BEFORE_ENROLMENT_S": str(400 * 86400)})
    quarter = Quarter.of(datetime.now(ZONE).date()).previous()
    http = httpx.Client(base_url=srv.url, timeout=30)
    try:
        store = StoreDriver(http, srv.admin_token)
        assert store.import_roster(ROSTER).status_code == 200
        for name, role, unit in (
            ("zhang.jc", "inspector", None),
            ("yjj.liu", "unit", "YJJ"),
            ("li.na", "office", None),
        ):
            body: dict[str, Any] = {"name": name, "role": role, "halls": ["TL"]}
            body |= {"password": PASSWORDS[name]} | ({"unit": unit} if unit else {})
            r = http.post("/api/v1/admin/operators", json=body, headers=store.admin)
            assert r.status_code == 201, r.text
        kiosk = store.enrol("A01", unit="YJJ")
        day = datetime.combine(quarter.first_day + timedelta(days=20), time(10), ZONE)
        records = [kiosk.chain.next(5, at=day + timedelta(minutes=i)) for i in range(36)]
        records.append(kiosk.chain.next(1, ("tui",), at=day + timedelta(hours=2), phone=PHONE))
        records.append(kiosk.chain.next(2, ("leng",), at=day + timedelta(hours=3)))
        r = store.push(kiosk, records)
        assert r.status_code == 200, r.text
        assert all(x["status"] == "stored" for x in r.json()["results"]), r.text
        yield srv, str(quarter)
    finally:
        http.close()
        srv.stop()


def _sign_in(qtbot, srv: ServerProcess, name: str) -> tuple[str, Identity]:  # type: ignore[no-untyped-def]
    form = SignInWindow(ConsolePrefs(name=name), srv.url)
    qtbot.addWidget(form)
    form.show()
    got: list[tuple[str, Identity]] = []
    form.signed_in.connect(lambda token, identity: got.append((token, identity)))
    form.password.setText(PASSWORDS[name])
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(got) or "不" in form.message.text(), timeout=15_000)
    assert got, form.message.text()
    form.close()
    return got[0]


@pytest.fixture
def console(qtbot, hall):  # type: ignore[no-untyped-def]
    srv, quarter = hall
    opened: list[tuple[ConsoleWindow, ApiWorker]] = []

    def open_as(name: str) -> ConsoleWindow:
        token, identity = _sign_in(qtbot, srv, name)
        api = ApiWorker(Client(srv.url, token))
        w = ConsoleWindow(
            api,
            identity,
            hall="TL",
            quarter=quarter,
            client_factory=lambda: Client(srv.url, token),
        )
        qtbot.addWidget(w)
        w.resize(1366, 768)
        w.show()
        w.settle()
        opened.append((w, api))
        return w

    yield open_as
    for w, api in opened:
        w.close()
        api.stop()


def _rows(table: Any) -> list[dict[str, Any]]:
    return list(table.model.rows)


def test_inspector_unit_and_office_run_the_quarter_and_it_shows(
    qtbot, hall, console, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    srv, quarter = hall

    # 1. The inspector: only the inspection pages; a deduction in seconds.
    inspector = console("zhang.jc")
    assert set(inspector.pages) == {"today", "inspections"}
    page = inspector.show_page("inspections")
    inspector.settle()
    page.select_unit("YJJ")
    page.select_item("late")
    assert page.points.value() == -1.0
    day = Quarter.parse(quarter).first_day + timedelta(days=30)
    from PySide6.QtCore import QDate

    page.day.setDate(QDate(day.year, day.month, day.day))
    page.note.setText("08:35 到岗")
    inspector.activateWindow()  # the keyboard shortcut goes to the active window
    qtbot.waitUntil(inspector.isActiveWindow, timeout=5000)
    qtbot.keyClick(page.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.table.model.rowCount() > 0, timeout=10_000)
    recorded = [r for r in _rows(page.table) if r["unit"] == "YJJ"]
    assert [(r["item"], r["points"], r["recorded_by"]) for r in recorded] == [
        ("late", -1.0, "zhang.jc")
    ]

    # 2. The unit's operator: its own cases, the phone number, three steps, and an appeal.
    unit = console("yjj.liu")
    assert "roster" not in unit.pages and "inspections" not in unit.pages
    cases = unit.show_page("cases")
    unit.settle()
    cases.status_box.setCurrentIndex(cases.status_box.findData(None))
    cases.refresh()
    unit.settle()
    mine = _rows(cases.table)
    assert {c["unit"] for c in mine} == {"YJJ"} and len(mine) == 2
    with_phone = next(c for c in mine if c["has_phone"])
    other = next(c for c in mine if not c["has_phone"])
    cases.table.select_key(with_phone["id"])
    assert PHONE in cases.detail.toPlainText()
    notes = iter(["电话联系群众，已致歉", "窗口人员已培训", "已告知群众整改结果"])
    monkeypatch.setattr(qt_cases, "ask_note", lambda *_a: next(notes))
    for step in ("called_back", "rectified", "closed"):
        cases.table.select_key(with_phone["id"])
        assert cases.step_buttons[step].isEnabled(), step
        qtbot.mouseClick(cases.step_buttons[step], Qt.MouseButton.LeftButton)
        unit.settle()
    cases.table.select_key(with_phone["id"])
    done = cases.table.current()
    assert done["status"] == "closed"
    assert [s["step"] for s in done["steps"]] == ["called_back", "rectified", "closed"]
    monkeypatch.setattr(qt_cases, "ask_note", lambda *_a: "群众误按，现场已确认")
    cases.table.select_key(other["id"])
    qtbot.mouseClick(cases.appeal_button, Qt.MouseButton.LeftButton)
    unit.settle()

    # 3. The office: accepts the appeal, then publishes the quarter after seeing what.
    office = console("li.na")
    today = office.show_page("today")
    office.settle()
    assert any("申诉" in line and "yjj.liu" in line for line in today.lines())
    appeals = office.show_page("appeals")
    office.settle()
    pending = _rows(appeals.table)
    assert [(a["rating"], a["status"]) for a in pending] == [(other["rating"], "pending")]
    appeals.table.select_key(pending[0]["id"])
    monkeypatch.setattr(qt_appeals, "ask_note", lambda *_a: "核实为误按，予以核销")
    qtbot.mouseClick(appeals.accept_button, Qt.MouseButton.LeftButton)
    office.settle()

    standings = office.show_page("standings")
    office.settle()
    assert standings.select_unit("YJJ")
    explained = standings.explain.toPlainText()
    assert "工作纪律 = 100 − 1 = 99（迟到（08:35 到岗） −1）" in explained  # the deduction
    assert "1 条差评经申诉复核核销" in explained  # the accepted appeal
    yjj = standings.standings.unit("YJJ")
    assert (yjj.n, yjj.negative) == (37, 1)
    shown: list[str] = []
    monkeypatch.setattr(
        qt_standings, "confirm", lambda _p, _t, _title, text: shown.append(text) or True
    )
    qtbot.mouseClick(standings.publish_button, Qt.MouseButton.LeftButton)
    office.settle()
    assert shown and "红榜: 区应急管理局" in shown[0] and "参与排名 1 个单位" in shown[0]
    assert "已发布" in standings.title_label.text()
    assert not standings.publish_button.isEnabled() and standings.reopen_button.isEnabled()

    # 4. The audit log shows every step, by whom; its chain is intact.
    audit = office.show_page("audit")
    office.settle()
    entries = [(e["actor"], e["action"], e["target"]) for e in _rows(audit.table)]

    actions = {(actor, action) for actor, action, _target in entries}
    assert ("zhang.jc", "inspection.create") in actions
    assert ("yjj.liu", "appeal.create") in actions
    assert ("li.na", "appeal.accept") in actions
    assert ("li.na", "quarter.close") in actions
    steps = [e[1] for e in entries if e[0] == "yjj.liu" and e[2] == f"case:{with_phone['id']}"]
    assert steps == ["case.closed", "case.rectified", "case.called_back"]  # newest first
    audit.verify()
    office.settle()
    assert audit.verdict.text().startswith("✔")
