"""The console's plumbing without a server: the worker, the table model, the words, the CLI."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QObject

from board._qt.console.qt_models import RECORD_ROLE, Column, RecordTableModel
from board._qt.console.qt_worker import ApiWorker
from board._qt.console.texts import TEXTS, Tr
from board.admin._console import opens_console
from sync.client import ApiError


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    n: int


COLUMNS = [
    Column("col_code", lambda r: str(r.id), sort=lambda r: r.id, numeric=True),
    Column("col_name", lambda r: r.name),
    Column("col_backlog", lambda r: str(r.n), warn=lambda r: r.n > 0),
]


def _model(rows: list[Row]) -> RecordTableModel:
    m = RecordTableModel(COLUMNS, Tr("zh"), key=lambda r: r.id)
    m.set_rows(rows)
    return m


def test_every_text_has_both_languages() -> None:
    missing = [k for k, (zh, en) in TEXTS.items() if not zh or not en]
    assert missing == []
    assert Tr("en")("page_terminals") == "Terminals"
    assert Tr("zh")("page_terminals") == "终端"
    assert Tr("en")("no such key") == "no such key"


def test_record_model_passes_the_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = _model([Row(1, "区应急管理局", 0), Row(2, "区市场监督管理局", 3)])
    qtmodeltester.check(model)
    model.set_rows([Row(2, "区市场监督管理局", 4), Row(3, "区公安局", 0)])
    qtmodeltester.check(model)
    model.set_rows([])
    qtmodeltester.check(model)


def test_refresh_updates_rows_in_place_and_inserts_and_removes_without_reset(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = _model([Row(1, "a", 0), Row(2, "b", 0), Row(3, "c", 0)])
    events: list[str] = []
    model.modelReset.connect(lambda: events.append("reset"))
    model.dataChanged.connect(lambda a, b: events.append(f"changed {a.row()}-{b.row()}"))
    model.rowsRemoved.connect(lambda _p, a, b: events.append(f"removed {a}"))
    model.rowsInserted.connect(lambda _p, a, b: events.append(f"inserted {a}"))
    model.set_rows([Row(1, "a", 0), Row(3, "c", 5), Row(4, "d", 0)])
    assert events == ["removed 1", "changed 1-1", "inserted 2"]
    assert [model.index(r, 1).data() for r in range(3)] == ["a", "c", "d"]
    assert model.index(1, 0).data(RECORD_ROLE) == Row(3, "c", 5)
    events.clear()
    model.set_rows([Row(4, "d", 0), Row(1, "a", 0)])  # order changed: nothing to keep
    assert "reset" in events
    with pytest.raises(ValueError):
        model.set_rows([Row(1, "a", 0), Row(1, "b", 0)])


def test_headers_follow_the_language() -> None:
    model = _model([Row(1, "a", 0)])
    from PySide6.QtCore import Qt

    assert model.headerData(1, Qt.Orientation.Horizontal) == "名称"
    model.set_language(Tr("en"))
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Name"


class _FakeClient:
    def close(self) -> None:
        pass


def test_worker_runs_jobs_off_the_gui_thread_in_order_and_reports_back(qtbot) -> None:  # type: ignore[no-untyped-def]
    worker = ApiWorker(_FakeClient())  # type: ignore[arg-type]
    gui = threading.get_ident()
    threads: list[int] = []
    results: list[object] = []
    errors: list[ApiError] = []
    failed: list[ApiError] = []
    worker.failed.connect(failed.append)

    def job(n: int):  # type: ignore[no-untyped-def]
        def run(_client: object) -> int:
            threads.append(threading.get_ident())
            return n

        return run

    def refuse(_client: object) -> None:
        raise ApiError(409, "rating r1 is not flagged")

    try:
        for n in range(5):
            worker.run(job(n), results.append)
        worker.run(refuse, results.append, errors.append)
        worker.run(refuse)  # no handler of its own: the window's error bar gets it
        qtbot.waitUntil(lambda: len(failed) == 1, timeout=5000)
        assert results == [0, 1, 2, 3, 4]
        assert [e.detail for e in errors] == ["rating r1 is not flagged"]
        assert failed[0].status == 409
        assert gui not in threads and len(set(threads)) == 1
        assert not worker.busy
    finally:
        worker.stop()
    assert worker._thread is None  # no thread outlives the console


def test_worker_does_not_call_back_a_deleted_page(qtbot) -> None:  # type: ignore[no-untyped-def]
    worker = ApiWorker(_FakeClient())  # type: ignore[arg-type]
    release = threading.Event()
    called: list[object] = []
    owner = QObject()
    try:
        worker.run(lambda _c: release.wait(5), called.append, owner=owner)
        owner.deleteLater()
        qtbot.waitUntil(lambda: not _alive(owner), timeout=2000)
        release.set()
        qtbot.waitUntil(lambda: not worker.busy, timeout=5000)
        assert called == []
    finally:
        worker.stop()


def _alive(obj: QObject) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


def test_a_transport_failure_is_an_api_error_with_status_0(qtbot) -> None:  # type: ignore[no-untyped-def]
    from sync.client import AdminClient

    worker = ApiWorker(AdminClient("http://127.0.0.1:9", "t", timeout=2))
    errors: list[ApiError] = []
    try:
        worker.run(lambda c: c.halls(), None, errors.append)
        qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    finally:
        worker.stop()
    assert errors[0].status == 0 and "cannot reach" in errors[0].detail


@pytest.mark.parametrize(
    ("argv", "console"),
    [
        ([], True),
        (["--server", "http://x:8600"], True),
        (["--screenshots", "out", "--server=http://x"], True),
        (["kiosk", "list"], False),
        (["--server", "http://x", "roster", "import", "f.csv"], False),
        (["--help"], False),
    ],
)
def test_hall_admin_without_a_command_opens_the_console(argv: list[str], console: bool) -> None:
    assert opens_console(argv) is console
