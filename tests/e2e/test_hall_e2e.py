"""A whole hall in one test: taps on a real kiosk reach the wall board through a real server.

The server is a real ``hall-server`` process on a loopback port; the kiosk is the real Qt
window over the real flow, local store and pusher (offscreen); the board is the real board
window polling the store with its own credential. Nothing is mocked across the process boundary.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from board._qt.qt_board import BoardWindow
from board._qt.qt_table import COLUMNS
from board._qt.source import BoardSource
from board.source import AggregatesPoller
from kiosk._qt.qt_kiosk import KioskWindow
from kiosk.config import Misuse, Timings
from kiosk.flow import Flow
from kiosk.store import LocalStore
from kiosk.sync_link import SyncLink
from sync.client import AdminClient
from sync.quarter import Quarter
from sync.roster import Roster, parse_roster
from tests.helpers.clock import Clock
from tests.helpers.server import ServerProcess, start_server

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    with start_server(tmp_path) as s:
        yield s


@pytest.fixture
def always_open_roster(tmp_path: Path, demo_roster_path: Path) -> Path:
    """The demo roster, open every day, so a test on a Sunday night is not 'after hours'."""
    text = demo_roster_path.read_text(encoding="utf-8-sig")
    text = re.sub(r"(?m)^hours,.*\r?\n", "", text)
    days = "".join(
        f"hours,{d},,,00:00-23:59,\n" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    )
    path = tmp_path / "always-open.csv"
    path.write_text(text.replace("setting,", days + "setting,", 1), encoding="utf-8")
    return path


def open_now(roster: Roster) -> datetime:
    """Real time, held inside the always-open roster's hours (it closes at 23:59)."""
    local = datetime.now(roster.zone)
    if local.hour == 23 and local.minute >= 58:
        local = local.replace(minute=50)
    return local.astimezone(UTC)


def test_taps_on_a_kiosk_reach_the_board(
    qtbot: QtBot, tmp_path: Path, server: ServerProcess, always_open_roster: Path
) -> None:
    roster = parse_roster(always_open_roster)
    with AdminClient(server.url, server.admin_token) as admin:
        admin.import_roster_file(always_open_roster)
        code = admin.create_enrolment_code("A01").code
        board_token = admin.create_board_credential("TL", "e2e board").token

    # The counter: enrol with the one-time code, then the real window over flow, store, pusher.
    data = tmp_path / "kiosk"
    data.mkdir()
    store_path = data / "kiosk.db"
    link = SyncLink(server_url=server.url, data_dir=data, store_path=store_path, tz=roster.hall.tz)
    link.enroll(code)
    store = LocalStore(store_path, tz=roster.hall.tz)
    clock = Clock(open_now(roster))
    flow = Flow(
        roster=roster,
        window="A01",
        store=store,
        timings=Timings(thanks_s=4),
        misuse=Misuse(min_interval_s=3, burst_count=50, burst_window_s=60),
        staff_pin="1234",
        clock=clock,
    )
    kiosk = KioskWindow(flow, sync_link=link, tick_ms=10)
    qtbot.addWidget(kiosk)
    kiosk.resize(1280, 800)
    kiosk.show()
    link.start()
    flow.rating_recorded.connect(lambda _r: link.notify())

    # The wall: the real board window polling with its own credential.
    quarter = str(Quarter.of(clock().astimezone(roster.zone)))
    source = BoardSource(AggregatesPoller(server.url, board_token, "TL", quarter), interval_s=0.5)
    board = BoardWindow(rotate_s=600)
    qtbot.addWidget(board)
    board.attach(source)
    source.start()

    try:
        flow.sign_in("TL0002")  # 李磊 of the emergency bureau is on duty
        taps = [5, 5, 4, 1]
        for level in taps:
            assert kiosk.stack.currentWidget() is kiosk.idle
            qtbot.mouseClick(kiosk.idle.faces[level], LEFT)  # one tap rates
            if level <= 2:
                qtbot.mouseClick(kiosk.why.reasons["tui"], LEFT)
                qtbot.mouseClick(kiosk.why.submit, LEFT)
            assert kiosk.stack.currentWidget() is kiosk.thanks
            clock.now += timedelta(seconds=10)
            qtbot.waitUntil(lambda: kiosk.stack.currentWidget() is kiosk.idle, timeout=3000)

        # The pusher empties the outbox; the board shows the unit's four ratings, by level.
        qtbot.waitUntil(lambda: store.backlog() == 0, timeout=15_000)

        def board_row() -> dict[str, str] | None:
            """What the standings table on the wall shows for 区应急管理局."""
            model = board.table.model()
            for row in range(model.rowCount()):
                cells = {key: model.index(row, col).data() for col, (_h, key) in enumerate(COLUMNS)}
                if cells["name"] == "区应急管理局":
                    return cells
            return None

        qtbot.waitUntil(lambda: (r := board_row()) is not None and r["n"] == "4", timeout=10_000)
        row = board_row()
        assert row is not None
        assert (row["l5"], row["l4"], row["l3"], row["l2"], row["l1"]) == ("2", "1", "0", "0", "1")
        assert "26" in row["status"]  # "评价不足，还差 26 条": not ranked with 4 of 30 ratings
        (unit,) = [u for u in board.data.standings.units if u.code == "YJJ"]
        assert [code for code, _name, _n in unit.top_reasons] == ["tui"]
    finally:
        source.stop()
        link.stop()
        store.close()
