"""The real ``hall-server`` process and the ``hall-admin`` command line against it."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from board.admin import main as hall_admin
from sync.client import AdminClient, ApiError, BoardClient, enroll
from sync.schema import RatingRecord
from tests.helpers.records import Chain
from tests.helpers.server import start_server


@pytest.fixture
def admin_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for var in ("HALL_SERVER_URL", "HALL_ADMIN_TOKEN", "HALL_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def test_server_process_admin_cli_and_restart_after_sigkill(
    tmp_path: Path,
    demo_roster_path: Path,
    admin_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    srv = start_server(tmp_path)
    try:
        token_file = srv.data_dir / "admin-token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert httpx.get(f"{srv.url}/api/v1/health").json()["status"] == "ok"

        # hall-admin finds the server's token file through HALL_DATA_DIR.
        admin_env.setenv("HALL_SERVER_URL", srv.url)
        admin_env.setenv("HALL_DATA_DIR", str(srv.data_dir))
        assert hall_admin(["roster", "import", str(demo_roster_path)]) == 0
        out = capsys.readouterr().out
        assert "hall TL" in out and "units" in out and "31" in out

        bad = tmp_path / "bad.csv"
        bad.write_text(
            demo_roster_path.read_text(encoding="utf-8-sig").replace(
                "unit,YJJ,区应急管理局,WZB", "unit,YJJ,区应急管理局,NOPE"
            ),
            encoding="utf-8",
        )
        assert hall_admin(["roster", "import", str(bad)]) == 1
        out = capsys.readouterr().out
        assert "nothing was applied" in out
        assert "column parent" in out and "NOPE" in out

        qr_svg = tmp_path / "code.svg"
        assert hall_admin(["kiosk", "enroll", "--window", "A01", "--png", str(qr_svg)]) == 0
        out = capsys.readouterr().out
        code = next(line.strip() for line in out.splitlines() if line.startswith("    "))
        assert qr_svg.read_text().lstrip().startswith("<?xml")
        assert hall_admin(["kiosk", "enroll", "--window", "A02"]) == 0
        assert "█" in capsys.readouterr().out  # the QR code, drawn in the terminal

        e = enroll(srv.url, code, terminal="kiosk-a01")
        assert (e.terminal, e.window, e.hall) == ("kiosk-a01", "A01", "TL")
        chain = Chain(terminal=e.terminal, window="A01", unit="YJJ")
        batch = {"records": [r.to_dict() for r in chain.many(25)]}
        auth = {"Authorization": f"Bearer {e.token}"}
        r = httpx.post(f"{srv.url}/api/v1/ratings/batch", json=batch, headers=auth)
        assert r.status_code == 200 and r.json()["highest_contiguous_seq"] == 25

        assert hall_admin(["kiosk", "list"]) == 0
        out = capsys.readouterr().out
        assert "kiosk-a01" in out and "active" in out
        assert hall_admin(["board", "credential", "--hall", "TL", "--label", "lobby"]) == 0
        board_token = capsys.readouterr().out.strip().splitlines()[-1]

        # SIGKILL mid-life; the restarted server has every acknowledged rating.
        srv.kill()
        srv.restart()
        with BoardClient(srv.url, board_token) as board:
            data = board.aggregates("TL").data
        assert data is not None
        assert sum(c["n"] for c in data["counts"]) == 25
        r = httpx.post(f"{srv.url}/api/v1/ratings/batch", json=batch, headers=auth)
        assert {x["status"] for x in r.json()["results"]} == {"duplicate"}

        assert hall_admin(["kiosk", "revoke", "kiosk-a01"]) == 0
        assert "revoked" in capsys.readouterr().out
        r = httpx.post(f"{srv.url}/api/v1/ratings/batch", json=batch, headers=auth)
        assert r.status_code == 401
        assert hall_admin(["anomalies"]) == 0
        assert "no anomalies open" in capsys.readouterr().out

        # Board credentials: creation says what a token reads; listed; revoked.
        assert hall_admin(["board", "credential", "--label", "district"]) == 0
        assert "reads every hall" in capsys.readouterr().out
        assert hall_admin(["board", "list"]) == 0
        listed = capsys.readouterr().out
        lobby = next(line for line in listed.splitlines() if "lobby" in line)
        assert "hall TL" in lobby and "active" in lobby
        assert "every hall" in next(x for x in listed.splitlines() if "district" in x)
        assert board_token not in listed
        assert hall_admin(["board", "revoke", lobby.split()[0]]) == 0
        assert "revoked" in capsys.readouterr().out
        with BoardClient(srv.url, board_token) as board, pytest.raises(ApiError) as refused:
            board.halls()
        assert refused.value.status == 401
        assert hall_admin(["board", "list"]) == 0
        assert "lobby" not in capsys.readouterr().out

        with AdminClient(srv.url, srv.admin_token) as admin:
            assert [t.revoked_at is not None for t in admin.list_terminals()] == [True]
    finally:
        srv.stop()

    log = srv.log_text()
    assert "admin-token" in log  # the path of the token file is logged …
    assert "kiosk-a01" in log  # … and terminals by id …
    for secret in (srv.admin_token, e.token, board_token, code, code.replace("-", "")):
        assert secret not in log  # … never a token or code


def test_hall_admin_without_a_token_says_how_to_get_one(
    tmp_path: Path, admin_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    admin_env.setenv("HALL_DATA_DIR", str(tmp_path / "nowhere"))
    assert hall_admin(["kiosk", "list"]) == 2
    assert "HALL_ADMIN_TOKEN" in capsys.readouterr().err


def test_hall_admin_reports_an_unreachable_server(
    admin_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["kiosk", "list", "--server", "http://127.0.0.1:9", "--token", "t"]
    assert hall_admin(args) == 1
    assert "cannot reach the server" in capsys.readouterr().err


def test_hall_server_migrate_creates_the_schema(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    cmd = [sys.executable, "-m", "sync.server.cli", "--database-url", f"sqlite:///{db}", "migrate"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
    assert {"rating", "terminal", "rollup_level", "alembic_version"} <= tables


def test_hall_server_reports_a_bad_database_url(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:9/none"
    cmd = [sys.executable, "-m", "sync.server.cli", "--database-url", url, "migrate"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "cannot open the database" in done.stderr


def test_a_batch_racing_itself_stores_each_rating_once(
    tmp_path: Path, database_url: str, demo_roster_path: Path
) -> None:
    """The same batch sent 8 times at once (a pusher retrying over a slow link), both databases."""
    srv = start_server(tmp_path, database_url=database_url)
    try:
        with AdminClient(srv.url, srv.admin_token) as admin:
            admin.import_roster_file(demo_roster_path)
            code = admin.create_enrolment_code("A01").code
        t = enroll(srv.url, code, terminal="racer")
        batch = {"records": [r.to_dict() for r in Chain("racer", "A01", "YJJ").many(200)]}
        auth = {"Authorization": f"Bearer {t.token}"}
        with httpx.Client(base_url=srv.url, headers=auth, timeout=30) as c:
            with ThreadPoolExecutor(max_workers=8) as pool:
                answers = list(
                    pool.map(lambda _: c.post("/api/v1/ratings/batch", json=batch), range(8))
                )
        assert {a.status_code for a in answers} == {200}
        stored = sum(r["status"] == "stored" for a in answers for r in a.json()["results"])
        assert stored == 200
        assert all(a.json()["highest_contiguous_seq"] == 200 for a in answers)
        # A record with a reused id loses to the stored one, with a reason, not a 500.
        first, last = batch["records"][0], batch["records"][-1]
        clash = RatingRecord.from_dict(first | {"seq": 201}).with_chain(str(last["hash"]))
        r = httpx.post(
            f"{srv.url}/api/v1/ratings/batch",
            json={"records": [clash.to_dict()]},
            headers=auth,
        )
        assert r.json()["results"][0]["status"] == "rejected"
    finally:
        srv.stop()
