"""``hall-admin operator`` and ``hall-admin audit`` against a real ``hall-server`` process."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from board.admin import main as hall_admin
from sync.client import AdminClient
from tests.helpers.server import ServerProcess, start_server

PASSWORD = "correct horse battery"


@pytest.fixture
def server(
    tmp_path: Path, demo_roster_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ServerProcess]:
    for var in ("HALL_SERVER_URL", "HALL_ADMIN_TOKEN", "HALL_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    srv = start_server(tmp_path)
    with AdminClient(srv.url, srv.admin_token) as admin:
        admin.import_roster_file(demo_roster_path)
    yield srv
    srv.stop()


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = hall_admin(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_office_manages_operators_from_the_command_line(
    server: ServerProcess, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = ["--server", server.url]
    # --data-dir finds the admin token where the server wrote it; --json prints only JSON.
    code, out, err = run(
        capsys, monkeypatch, "operator", "add", "wang.fang", "--role", "office", "--hall", "TL",
        "--full-name", "王芳", "--json", "--data-dir", str(server.data_dir), *at,
    )  # fmt: skip
    assert code == 0, err
    made = json.loads(out)
    assert (made["name"], made["full_name"], made["role"], made["halls"]) == (
        "wang.fang", "王芳", "office", ["TL"],
    )  # fmt: skip
    first_password = made["password"]
    assert len(first_password) >= 10

    code, out, err = run(
        capsys, monkeypatch, "operator", "sign-in", "wang.fang", "--password-stdin", "--json", *at,
        stdin=first_password + "\n",
    )  # fmt: skip
    assert code == 0, err
    session = json.loads(out)
    assert session["role"] == "office" and session["expires_at"]
    office = ["--token", session["token"], *at]

    # The office operator, with its own session, adds a unit operator with a chosen password.
    code, out, err = run(
        capsys, monkeypatch, "operator", "add", "yjj.liu", "--role", "unit", "--hall", "TL",
        "--unit", "YJJ", "--password-stdin", *office, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0, err
    assert "operator yjj.liu: unit, unit YJJ of hall TL created" in out
    assert PASSWORD not in out

    code, out, err = run(
        capsys, monkeypatch, "operator", "change-password", "--password-stdin", *office,
        stdin=f"{first_password}\nwang fang's own one\n",
    )  # fmt: skip
    assert code == 0 and "password changed" in out, err
    code, out, _ = run(capsys, monkeypatch, "operator", "list", "--json", *office)
    assert [(o["name"], o["role"]) for o in json.loads(out)] == [
        ("wang.fang", "office"),
        ("yjj.liu", "unit"),
    ]
    code, out, _ = run(capsys, monkeypatch, "operator", "list", *office)
    assert "yjj.liu" in out and "TL/YJJ" in out and "active" in out

    code, out, _ = run(
        capsys, monkeypatch, "operator", "reset-password", "yjj.liu", "--json", *office
    )
    reset = json.loads(out)
    assert code == 0 and reset["name"] == "yjj.liu" and reset["password"]

    code, out, _ = run(capsys, monkeypatch, "operator", "disable", "yjj.liu", *office)
    assert code == 0 and "disabled" in out
    code, out, err = run(
        capsys, monkeypatch, "operator", "sign-in", "yjj.liu", "--password-stdin", *at,
        stdin=reset["password"] + "\n",
    )  # fmt: skip
    assert code == 1 and out == "" and "disabled" in err and "(HTTP 403)" in err

    # Refusals: a message on stderr, exit 1 (the server said no) or 2 (fix it here).
    code, out, err = run(
        capsys, monkeypatch, "operator", "add", "x.y", "--role", "unit", "--hall", "TL", *office
    )
    assert (code, out) == (1, "") and "exactly one hall and its unit" in err
    code, out, err = run(
        capsys, monkeypatch, "operator", "add", "nc.boss", "--role", "office", "--hall", "NC",
        "--json", *office,
    )  # fmt: skip
    assert (code, out) == (1, "") and "may not act in hall NC" in err
    code, _, err = run(capsys, monkeypatch, "audit", "--since", "last week", *office)
    assert code == 2 and "--since" in err

    # The audit log names who did what; the office reads its hall's entries.
    code, out, _ = run(capsys, monkeypatch, "audit", "--actor", "wang.fang", "--json", *office)
    assert code == 0
    assert [e["action"] for e in json.loads(out)] == [
        "operator.disable",
        "operator.reset_password",
        "operator.change_password",
        "operator.create",
        "session.sign_in",
    ]
    code, out, _ = run(capsys, monkeypatch, "audit", "--action", "operator.*", *office)
    assert "wang.fang" in out and "operator:yjj.liu" in out and "admin" in out
    assert "disabled_at: None →" in out
    code, out, _ = run(capsys, monkeypatch, "audit", "--verify", *office)
    assert code == 0 and "audit log intact" in out

    # Someone edits an entry in the database: the check says so and fails.
    with sqlite3.connect(server.data_dir / "hall.db") as db:
        db.execute("UPDATE audit_entry SET actor = 'nobody' WHERE action = 'operator.disable'")
    code, out, _ = run(capsys, monkeypatch, "audit", "--verify", "--json", *office)
    check = json.loads(out)
    assert code == 1 and check["ok"] is False and "was changed" in check["problem"]

    for secret in (
        "wang fang's own one",
        first_password,
        PASSWORD,
        reset["password"],
        session["token"],
    ):
        assert secret not in server.log_text()
