"""``hall-admin`` for the office's records against a real ``hall-server`` process: every command
prints only JSON with ``--json``, and exits 0 done, 1 refused (the server's words on stderr),
2 a usage problem."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from board.admin import main as hall_admin
from sync.client import AdminClient, bearer, enroll
from tests.helpers.records import Chain
from tests.helpers.server import ServerProcess, start_server

PHONE = "13912345678"


@pytest.fixture
def server(
    tmp_path: Path, demo_roster_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ServerProcess]:
    srv = start_server(tmp_path)
    try:
        for var in ("HALL_ADMIN_TOKEN", "HALL_HALL"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("HALL_SERVER_URL", srv.url)
        monkeypatch.setenv("HALL_DATA_DIR", str(srv.data_dir))
        with AdminClient(srv.url, srv.admin_token) as admin:
            admin.import_roster_file(demo_roster_path)
            code = admin.create_enrolment_code("A01").code
        cred = enroll(srv.url, code, "kiosk-a01")
        chain = Chain(terminal=cred.terminal, window="A01", unit="YJJ")
        records = [
            chain.next(5),
            chain.next(1, ("tui",), phone=PHONE),
            chain.next(2, ("leng",)),
            chain.next(5, flags=("burst",)),
        ]
        r = httpx.post(
            f"{srv.url}/api/v1/ratings/batch",
            json={"records": [x.to_dict() for x in records]},
            headers=bearer(cred.token),
        )
        assert r.status_code == 200
        yield srv
    finally:
        srv.stop()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    """Run hall-admin; (exit status, stdout parsed as JSON when --json, stderr)."""
    code = hall_admin(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if "--json" in argv and code == 0 else out), err


def test_the_office_runs_its_records_from_the_command_line(
    server: ServerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    code, items, _ = run(capsys, "inspection", "items", "--json")
    assert (
        code == 0
        and {"code": "late", "name": "迟到", "dimension": "discipline", "points": -1.0} in items
    )

    code, row, _ = run(
        capsys, "inspection", "add", "--unit", "CGJ", "--item", "late", "--note", "8:40", "--json"
    )
    assert code == 0 and (row["unit"], row["points"], row["what"]) == ("CGJ", -1.0, "迟到")
    code, rows, _ = run(capsys, "inspection", "list", "--json")
    assert [r["id"] for r in rows] == [row["id"]]
    code, out, _ = run(capsys, "inspection", "list")
    assert code == 0 and "CGJ" in out and "工作纪律 -1" in out and "迟到" in out

    code, cases, _ = run(capsys, "case", "list", "--json")
    assert code == 0 and [c["level"] for c in cases] == [1, 2]
    first = cases[0]
    code, out, _ = run(capsys, "case", "show", str(first["id"]))
    assert code == 0 and PHONE in out and "待回访" in out
    code, called, _ = run(
        capsys, "case", "callback", str(first["id"]), "--note", "已致电致歉", "--json"
    )
    assert code == 0 and called["status"] == "called_back"
    # Out of order: the server refuses, the message says why, exit 1.
    code, _, err = run(capsys, "case", "close", str(first["id"]), "--note", "x")
    assert code == 1 and "rectified" in err and "HTTP 409" in err

    code, appeal, _ = run(
        capsys, "appeal", "file", "--rating", cases[1]["rating"], "--reason", "群众误操作", "--json"
    )
    assert code == 0 and appeal["status"] == "pending"
    code, decided, _ = run(
        capsys, "appeal", "accept", str(appeal["id"]), "--note", "核实属实", "--json"
    )
    assert code == 0 and decided["status"] == "accepted"

    code, flagged, _ = run(capsys, "flagged", "list", "--state", "pending", "--json")
    assert code == 0 and len(flagged) == 1 and PHONE not in json.dumps(flagged)
    code, done, _ = run(capsys, "flagged", "exclude", flagged[0]["id"], "--note", "连按", "--json")
    assert code == 0 and done["state"] == "excluded"

    code, m, _ = run(
        capsys,
        "misconduct",
        "add",
        "--unit",
        "GDJ",
        "--summary",
        "收取加急费",
        "--verified-by",
        "纪检组",
        "--json",
    )
    assert code == 0 and m["unit"] == "GDJ"


def test_publishing_a_quarter_from_the_command_line(
    server: ServerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    code, closed, _ = run(capsys, "quarter", "close", "--quarter", "2026Q3", "--json")
    assert code == 0 and closed["state"] == "closed" and closed["closed_by"] == "admin"
    code, out, _ = run(capsys, "quarter", "status")
    assert code == 0 and "2026Q3" in out and "published" in out
    # A record of the closed quarter is refused until it is reopened.
    args = ("inspection", "add", "--unit", "CGJ", "--item", "late", "--day", "2026-09-15")
    code, _, err = run(capsys, *args)
    assert code == 1 and "closed" in err and "reopen" in err
    code, again, _ = run(capsys, "quarter", "close", "--quarter", "2026Q3")
    assert code == 1
    code, reopened, _ = run(
        capsys, "quarter", "reopen", "--quarter", "2026Q3", "--reason", "改判", "--json"
    )
    assert code == 0 and reopened["state"] == "reopened"
    assert run(capsys, *args)[0] == 0


def test_usage_problems_exit_2(server: ServerProcess, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        hall_admin(["inspection", "add", "--item", "late"])  # no --unit
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        hall_admin(["inspection", "add", "--unit", "CGJ", "--day", "yesterday-ish"])
    assert e.value.code == 2
    assert "2026-09-30" in capsys.readouterr().err
