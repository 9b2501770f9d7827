"""The Export page runs the same ``board.export`` as ``hall-admin export``, off the GUI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from board._qt.console.qt_export import ExportPage
from board._qt.console.qt_window import ConsoleWindow
from board.export import target_paths
from sync.quarter import Quarter


def _page(window: ConsoleWindow, folder: Path) -> ExportPage:
    page = window.show_page("export")
    assert isinstance(page, ExportPage)
    window.settle()
    page.folder.setText(str(folder))
    return page


def test_export_writes_the_three_files_with_progress_and_offers_the_folder(
    qtbot, window: ConsoleWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    page = _page(window, tmp_path / "out")
    quarter = window.ctx.quarter
    assert quarter == str(Quarter.of(window.ctx.now().date()))
    names = [p.name for p in target_paths(tmp_path / "out", "TL", quarter)]
    assert page.files.text().split("\n") == names
    steps: list[str] = []
    page._progressed.connect(lambda step, _d, _t: steps.append(step))
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert not page.start_button.isEnabled() and page.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not page.running, timeout=60_000)
    assert page.result is not None, page.state.text()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(names)
    assert page.result.ratings == 41  # every rating of the quarter, flagged ones too
    assert "导出完成：41 条评价，3 个文件" in page.state.text()
    assert {"quarter", "report", "ratings", "workbook"} <= set(steps)
    assert page.open_button.isEnabled() and page.start_button.isEnabled()

    # Again without "overwrite": refused with the exporter's own message; the files stay.
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out").iterdir()}
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.running, timeout=60_000)
    assert page.result is None and "already exist" in page.state.text()
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out").iterdir()} == before


def test_cancel_leaves_no_file_behind(qtbot, window: ConsoleWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "cancelled"
    page = _page(window, out)
    # Cancel at the moment the ratings start: the report and both temporary files exist then.
    page._progressed.connect(
        lambda step, _d, _t: page._cancel.set() if step == "ratings" else None,
        Qt.ConnectionType.DirectConnection,
    )
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.running, timeout=60_000)
    assert page.result is None
    assert "已取消，没有留下任何文件" in page.state.text()
    assert list(out.iterdir()) == []  # not a CSV, not a workbook, not a .part
    assert not page.open_button.isEnabled()


def test_the_office_picks_which_files_to_write(
    qtbot, window: ConsoleWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "picked"
    page = _page(window, out)
    quarter = window.ctx.quarter
    page.kinds["xlsx"].setChecked(False)
    page.kinds["pdf"].setChecked(False)
    assert page.files.text() == f"ratings-TL-{quarter}.csv"
    page.kinds["csv"].setChecked(False)
    assert not page.start_button.isEnabled()  # nothing chosen: nothing to start
    page.kinds["pdf"].setChecked(True)
    assert page.start_button.isEnabled()
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.running, timeout=60_000)
    assert page.result is not None, page.state.text()
    assert [p.name for p in out.iterdir()] == [f"report-TL-{quarter}.pdf"]
