"""The Audit page: who did what, filtered; the chain checked. And an operator's session."""

from __future__ import annotations

import pytest

from board._qt.console.qt_audit import AuditPage, change_summary
from board._qt.console.qt_common import Identity
from board._qt.console.qt_window import ConsoleWindow
from board._qt.console.qt_worker import ApiWorker, Client
from sync.client import sign_in
from tests.board.console.conftest import ConsoleHall


def test_change_summary_names_what_changed() -> None:
    assert change_summary({"before": {"a": 1, "b": 2}, "after": {"a": 1, "b": 3}}) == "b: 2 → 3"
    assert change_summary({"before": None, "after": {"name": "li.na"}}).startswith("+ ")
    assert change_summary({"before": {"name": "li.na"}, "after": None}).startswith("− ")


@pytest.fixture(scope="module")
def office_operator(console_hall: ConsoleHall) -> str:
    r = console_hall.store.client.post(
        "/api/v1/admin/operators",
        json={
            "name": "audit.li",
            "role": "office",
            "halls": ["TL"],
            "password": "Audit-Office-2026!",
        },
        headers=console_hall.store.admin,
    )
    assert r.status_code == 201, r.text
    return "audit.li"


def test_an_office_operator_signs_in_and_reads_the_audit_log_filtered(
    qtbot, console_hall: ConsoleHall, office_operator: str
) -> None:  # type: ignore[no-untyped-def]
    session = sign_in(console_hall.url, office_operator, "Audit-Office-2026!")
    api = ApiWorker(Client(console_hall.url, session.token))
    identity = Identity(console_hall.url, session.name, session.role, session.halls, session.unit)
    w = ConsoleWindow(api, identity, hall="TL")
    qtbot.addWidget(w)
    w.show()
    try:
        w.settle()
        assert "audit" in w.pages and "roster" in w.pages
        page = w.show_page("audit")
        assert isinstance(page, AuditPage)
        w.settle()
        rows = page.table.model.rows
        actions = {(e["actor"], e["action"]) for e in rows}
        assert ("admin", "roster.import") in actions
        assert ("admin", "operator.create") in actions
        assert (office_operator, "session.sign_in") in actions
        page.action.setText("operator.*")
        page.refresh()
        w.settle()
        assert {e["action"] for e in page.table.model.rows} <= {
            "operator.create",
            "operator.disable",
            "operator.enable",
            "operator.lock",
            "operator.reset_password",
            "operator.change_password",
        }
        assert page.table.model.rows
        page.verify()
        w.settle()
        assert page.verdict.text().startswith("✔")
        # The roster, terminals and enrolment answer an office operator as they do the admin.
        roster = w.show_page("roster")
        w.settle()
        assert roster.tables["units"].model.rowCount() == 31  # type: ignore[attr-defined]
        assert not w.errors.isVisible(), w.errors.label.text()
    finally:
        w.close()
        api.stop()


def test_sign_in_then_sign_out_ends_the_session_on_the_server(
    qtbot, console_hall: ConsoleHall, office_operator: str
) -> None:  # type: ignore[no-untyped-def]
    import httpx
    from PySide6.QtCore import Qt

    from board._qt.console.app import ConsolePrefs
    from board._qt.console.qt_session import ConsoleShell

    shell = ConsoleShell(ConsolePrefs(name=office_operator), server=console_hall.url)
    try:
        shell.start()
        form = shell.form
        form.password.setText("Audit-Office-2026!")
        qtbot.keyClick(form.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: shell.window is not None, timeout=15_000)
        window = shell.window
        assert window is not None and window.identity.role == "office"
        token = window.ctx.client_factory()._http.headers["Authorization"]
        who = httpx.get(f"{console_hall.url}/api/v1/auth/session", headers={"Authorization": token})
        assert who.status_code == 200 and who.json()["name"] == office_operator
        window.settle()
        qtbot.mouseClick(window.sign_out_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: (
                httpx.get(
                    f"{console_hall.url}/api/v1/auth/session", headers={"Authorization": token}
                ).status_code
                == 401
            ),
            timeout=10_000,
        )
        assert shell.window is None and shell.form.isVisible()
        assert shell.form.name.text() == office_operator and shell.form.password.text() == ""
    finally:
        shell.stop()
