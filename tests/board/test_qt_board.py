"""The wall board's widgets, fed with standings the real engine computed from the demo hall."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from board._qt.qt_board import BoardWindow
from board._qt.qt_lists import ListsPage
from board._qt.qt_table import COLUMNS, UNIT_CODE_ROLE, StandingsTableModel
from board.published import standings_to_dict
from board.sample import WORST_UNIT, sample_aggregates, sample_history
from board.source import BoardData, SourceStatus, compute_board_data
from board.standings import Standings, compute_standings

ROOT = Path(__file__).resolve().parents[2]
QUARTER = "2026Q3"


def _data(**kwargs: object) -> BoardData:
    agg = sample_aggregates(QUARTER, **kwargs)  # type: ignore[arg-type]
    seed = kwargs.get("seed", 7)
    return BoardData(compute_standings(agg, history=sample_history(QUARTER, seed=seed)), agg)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def named() -> BoardData:
    return _data()


@pytest.fixture
def window(qtbot) -> BoardWindow:  # type: ignore[no-untyped-def]
    w = BoardWindow(rotate_s=3600)
    qtbot.addWidget(w)
    w.resize(1920, 1080)
    yield w
    w.stop()


def _best_four(s: Standings) -> list[str]:
    ranked = sorted((u for u in s.units if u.rank is not None), key=lambda u: u.rank or 0)
    return [u.name for u in ranked[:4]]


def test_red_list_names_the_four_best_units_with_score_and_count(qtbot, named) -> None:
    page = ListsPage()
    qtbot.addWidget(page)
    page.set_standings(named.standings)
    assert page.red.labels() == _best_four(named.standings)
    first = named.standings.unit(named.standings.red_list[0].unit_code or "")
    assert f"{first.n} 条评价" in page.red.rows[0].detail_label.text()
    assert f"{first.quarter_score:.1f} 分" in page.red.rows[0].detail_label.text()


def test_black_list_names_the_clearly_worse_unit_and_why(qtbot, named) -> None:
    page = ListsPage()
    qtbot.addWidget(page)
    page.set_standings(named.standings)
    worst = named.standings.unit(WORST_UNIT)
    assert page.black.labels() == [worst.name]
    assert page.black.empty_label.isHidden()
    assert "低于黑榜线" in page.black.rows[0].reason_label.text()


def test_empty_black_list_says_so_with_the_reason(qtbot) -> None:
    data = _data(good_hall=True)
    assert data.standings.black_list == []
    page = ListsPage()
    qtbot.addWidget(page)
    page.set_standings(data.standings)
    assert page.black.labels() == []
    assert not page.black.empty_label.isHidden()
    text = page.black.empty_label.text()
    assert "本季度无单位列入黑榜" in text
    assert "黑榜线 85" in text  # the reason, from the engine


def test_anonymous_mode_shows_the_category_never_the_unit(qtbot) -> None:
    data = _data(anonymous=True)
    worst = data.standings.unit(WORST_UNIT)
    page = ListsPage()
    qtbot.addWidget(page)
    page.set_standings(data.standings)
    assert page.black.labels() == [worst.category_name]
    model = StandingsTableModel()
    model.set_standings(data.standings)
    names = [model.index(r, 1).data() for r in range(model.rowCount())]
    assert worst.name not in names
    assert f"{worst.category_name}（匿名）" in names
    # Nothing clickable leads from the anonymous row to the unit's own explanation.
    row = names.index(f"{worst.category_name}（匿名）")
    assert model.index(row, 0).data(UNIT_CODE_ROLE) is None


def test_connecting_page_before_any_data(window: BoardWindow) -> None:
    assert window.current_page == "connecting"
    assert "正在连接" in window.connecting.label.text()
    window.set_status(SourceStatus(updated_at=None, lost_since=datetime.now(), error="refused"))
    assert window.current_page == "connecting"
    assert "正在自动重试" in window.connecting.detail.text()


def test_offline_keeps_the_last_standings_and_says_since_when(window, named) -> None:
    # The header tells the hall's own time, whatever zone the wall PC is set to.
    t0 = datetime(2026, 9, 28, 10, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    window.set_status(SourceStatus(updated_at=t0))
    window.set_data(named)
    assert window.current_page == "lists"
    assert "数据更新于 10:15:30" in window.header.status_label.text()
    window.set_status(
        SourceStatus(updated_at=t0, lost_since=t0 + timedelta(seconds=5), error="refused")
    )
    status = window.header.status_label.text()
    assert "数据更新于 10:15:30" in status
    assert "与服务器的连接已中断，正在重试" in status
    assert window.current_page == "lists"
    assert window.lists.red.labels() == _best_four(named.standings)
    window.set_status(SourceStatus(updated_at=t0 + timedelta(seconds=9)))
    assert "连接已中断" not in window.header.status_label.text()


def test_table_model_passes_qtmodeltester(qtmodeltester, named) -> None:
    model = StandingsTableModel()
    model.set_standings(named.standings)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == len(named.standings.units) == 31


def test_the_table_shows_deductions_and_bonuses_per_dimension(named) -> None:
    # The demo's inspections: 区城市管理局 −10 in discipline and −4 in image, 税务局 +1 in
    # behaviour, a unit without inspections shows a dash.
    model = StandingsTableModel()
    model.set_standings(named.standings)
    column = [key for _, key in COLUMNS].index("inspections")
    shown = {model.unit_at(r).code: model.index(r, column).data() for r in range(model.rowCount())}
    assert shown[WORST_UNIT] == "形象−4  纪律−10"
    assert shown["SWJ"] == "行为+1"
    assert shown["YJJ"] == "—"
    assert COLUMNS[column][0] == "巡查扣分/加分"


def test_a_published_quarter_says_so_and_shows_what_was_published(window, named) -> None:
    agg = dict(named.aggregates)
    # Published on 8 October (Shanghai) with the standings of that day; later data would rank
    # differently, but the board shows what was published.
    agg["published"] = {
        "state": "closed",
        "closed_at": "2026-10-07T17:30:00+00:00",
        "closed_by": "li.office",
        "standings": standings_to_dict(named.standings),
    }
    agg["counts"] = []  # what the engine would see now: nothing ranks
    window.set_data(compute_board_data(agg))
    assert "2026-10-08 已发布" in window.header.quarter_label.text()
    assert window.lists.red.labels() == _best_four(named.standings)
    window.set_data(named)
    assert "已发布" not in window.header.quarter_label.text()


def test_new_scores_emit_data_changed_not_reset(qtbot, named) -> None:
    model = StandingsTableModel()
    model.set_standings(named.standings)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    newer = _data(seed=8)
    assert {u.code for u in newer.standings.units} == {u.code for u in named.standings.units}
    with qtbot.waitSignal(model.dataChanged, timeout=1000):
        model.set_standings(newer.standings)
    assert resets == []
    row = [model.unit_at(r).code for r in range(model.rowCount())].index(WORST_UNIT)
    assert model.index(row, 2).data() == str(newer.standings.unit(WORST_UNIT).n)


def test_table_is_sorted_by_place_and_a_click_explains_the_unit(qtbot, window, named) -> None:
    window.show()
    window.set_data(named)
    window.show_page("table")
    table = window.table
    first_rows = [table.proxy.index(r, 1).data() for r in range(4)]
    assert first_rows == _best_four(named.standings)
    index = table.proxy.index(0, 1)
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center()
    )
    qtbot.waitUntil(window.explanation.isVisible, timeout=2000)
    u = named.standings.unit(named.standings.red_list[0].unit_code or "")
    assert u.name in window.explanation.title.text()
    assert u.explanation[0] in window.explanation.body.text()


def test_pages_rotate_on_a_timer(qtbot, named) -> None:
    w = BoardWindow(rotate_s=0.05)
    qtbot.addWidget(w)
    w.resize(1920, 1080)
    w.show()
    w.set_data(named)
    seen: set[str] = set()
    w.page_shown.connect(seen.add)
    qtbot.waitUntil(
        lambda: {"table", "hardest", "weekly", "distribution", "lists"} <= seen, timeout=5000
    )
    w.stop()


def test_hardest_page_lists_ten_with_main_problems_and_escalation(qtbot, window, named) -> None:
    window.set_data(named)
    cards = window.hardest.cards
    assert len(cards) == 10
    worst = named.standings.unit(WORST_UNIT)
    assert cards[0].name_label.full_text() == worst.name
    assert "推" in cards[0].problems_label.text()
    # The demo hall's worst unit was also listed the two quarters before: the rule escalates.
    assert "连续 3 个季度" in cards[0].badge_label.text()
    assert worst.escalation and worst.escalation in cards[0].badge_label.text()


EMIT_MANY = """
import sys
from PySide6.QtCore import QObject, Signal

class Emitter(QObject):
    ticked = Signal(object)

e = Emitter()
before = sys.getrefcount(True)
for _ in range(20_000):
    e.ticked.emit(None)
# On Python 3.11 a lost reference per emit shows here long before it kills the process; from
# 3.12 on True is immortal and only the process's survival counts.
print("ok" if sys.version_info >= (3, 12) or sys.getrefcount(True) >= before - 5 else "leak")
"""


def test_the_board_survives_thousands_of_signal_emissions() -> None:
    """PySide6 6.12.0 dropped a reference to True on every emit: on Python 3.11 the board died
    ("bool_dealloc") after a few thousand polls. Emitted in a child, so a crash fails the test."""
    run = subprocess.run(
        [sys.executable, "-c", EMIT_MANY], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "ok"


def _distinct_colours(path: Path) -> int:
    img = QImage(str(path))
    seen = set()
    for y in range(0, img.height(), 37):
        for x in range(0, img.width(), 41):
            seen.add(img.pixel(x, y))
    return len(seen)


def test_screenshots_command_writes_every_page(tmp_path: Path) -> None:
    out = tmp_path / "shots"
    exe = Path(sys.executable).with_name("hall-board")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "board.app"]
    run = subprocess.run(
        [*cmd, "--demo-data", "--quarter", QUARTER, "--screenshots", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    names = sorted(p.name for p in out.glob("*.png"))
    for page in ("lists", "table", "hardest", "weekly", "distribution", "offline", "explanation"):
        assert any(page in n for n in names), (page, names)
    for p in out.glob("*.png"):
        img = QImage(str(p))
        assert (img.width(), img.height()) == (1920, 1080), p.name
        assert _distinct_colours(p) > 8, f"{p.name} looks blank"


def test_hardest_page_ranks_sections_when_the_hall_has_them(qtbot, window, tmp_path) -> None:
    from board.source import compute_board_data

    agg = sample_aggregates(QUARTER)
    data = compute_board_data(agg, sample_history(QUARTER))
    assert data.sections is not None
    window.show()
    window.set_data(data)
    window.show_page("hardest")
    cards = window.hardest.cards
    assert len(cards) == 10
    first = data.sections.hardest[0]
    assert cards[0].name_label.full_text() == f"{first.name} · {first.unit_name}"
    assert f"评议 {first.with_problems}/{first.answers}" in cards[0].share_label.text()
    assert "主要问题：" in cards[0].problems_label.text()
    assert "群众评议发出邀请 1000 份" in window.hardest.subtitle.text()
    # The demo's land registry counter was in the top 3 the two quarters before as well.
    bdc = next(c for c in cards if c.entry.code == "BDC01")
    assert "连续 3 次前 3 · 免去分管领导" in bdc.badge_label.text()
    # A click explains the section: its evidence, the arithmetic, the consequences, the rules.
    qtbot.mouseClick(bdc, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(window.explanation.isVisible, timeout=2000)
    shown = window.explanation.body.text()
    assert "难办指数 =" in shown and "免去分管领导职务" in shown and "约谈科室负责人" in shown
    assert window.explanation.title.text() == "区不动产登记中心 登记受理科 · 最难办事第 2 名"
    assert window.grab().save(str(tmp_path / "hardest-explained.png"))
    window.explanation.hide_panel()
    png = tmp_path / "hardest-sections.png"
    assert window.grab().save(str(png))
    image = QImage(str(png))
    assert image.width() == 1920 and image.height() == 1080

    # A hall without sections keeps the unit view.
    plain = {k: v for k, v in agg.items() if k not in ("sections", "review")}
    unit_view = compute_board_data(plain, sample_history(QUARTER))
    assert unit_view.sections is None
    window.set_data(unit_view)
    assert (
        window.hardest.cards[0].name_label.full_text() == unit_view.standings.unit(WORST_UNIT).name
    )
