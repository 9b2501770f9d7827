"""The smaller holes a probe from outside found (issue 7 §4), each with its probe.

Every test runs on SQLite and on PostgreSQL where the database matters (``client`` is
parametrized over both); none of them may see a 500 for bad input, nor a logged traceback.
"""

from __future__ import annotations

import logging
import re
import stat
import threading
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from sync.client import AdminClient
from sync.server.main import create_app
from tests.helpers.store import Enrolled, StoreDriver
from tests.sync.conftest import make_settings

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]
PHONE = "13800138000"


def _no_server_error_logged(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert "Traceback" not in caplog.text


# ---------------------------------------------------------------- the phone channel's ids


def test_enrolment_refuses_an_id_in_the_phone_channel_namespace(
    hall: StoreDriver, client: TestClient
) -> None:
    code = hall.code("A26")
    for reserved in ("qr-TL-A26", "QR-TL-A26", "qr-anything"):
        r = client.post(f"{API}/enroll", json={"code": code, "terminal": reserved})
        assert r.status_code == 422, r.text
        assert "reserved for the phone channel" in r.json()["detail"]
    # The code was not spent, and A26's phone ratings still work.
    r = client.post(f"{API}/enroll", json={"code": code, "terminal": "kiosk-a26"})
    assert r.status_code == 200, r.text
    r = client.post(f"{API}/public/ratings", json={"window": "A26", "level": 5})
    assert r.status_code == 201, r.text


# ---------------------------------------------------------------- text at the edge


@pytest.mark.parametrize(
    "url",
    [
        "/rate?window=%00",
        "/rate?window=A01%00&hall=TL",
        "/rate?window=A01&hall=%01",
        f"{API}/halls/TL%00/aggregates",
        f"{API}/admin/ratings?hall=%00",
        f"{API}/admin/terminals?hall=T%0AL",
    ],
)
def test_a_control_character_in_the_address_is_a_422(
    hall: StoreDriver, client: TestClient, caplog: pytest.LogCaptureFixture, url: str
) -> None:
    r = client.get(url, headers=hall.admin)
    assert r.status_code == 422, r.text
    assert "control character" in r.json()["detail"]
    _no_server_error_logged(caplog)


def _roster_with(demo_roster_path: Path, old: str, new: str) -> bytes:
    source = demo_roster_path.read_text(encoding="utf-8-sig")
    assert old in source
    return source.replace(old, new, 1).encode()


@pytest.mark.parametrize(
    ("old", "new", "column", "words"),
    [
        ("unit,GAJ,区公安局,", "unit,GAJ,区公安\x00局,", "name", "control character"),
        ("unit,GAJ,区公安局,", "unit,GAJ," + "局" * 300 + ",", "name", "at most 200"),
        ("unit,GAJ,", "unit," + "G" * 100 + ",", "code", "at most 64"),
        ("window,A13,", "window,J/3,", "code", "'/'"),
        ("window,A13,", "window,A 1,", "code", "spaces"),
        ("reason,", "reason,wait\ttoo,", "code", "control character"),
    ],
)
def test_a_roster_the_store_could_not_keep_is_refused_by_line_and_column(
    hall: StoreDriver,
    demo_roster_path: Path,
    caplog: pytest.LogCaptureFixture,
    old: str,
    new: str,
    column: str,
    words: str,
) -> None:
    data = _roster_with(demo_roster_path, old, new)
    line = next(n for n, row in enumerate(data.decode().splitlines(), 1) if row.startswith(new))
    r = hall.import_roster(data)
    assert r.status_code == 422, r.text
    problems = r.json()["problems"]
    assert [(p["line"], p["column"]) for p in problems][:1] == [(line, column)]
    assert words in problems[0]["message"]
    _no_server_error_logged(caplog)


def test_text_in_bodies_is_checked_before_the_database(
    hall: StoreDriver, kiosk: Enrolled, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    r = client.post(
        f"{API}/admin/board-credentials", json={"label": "lobby\x00wall"}, headers=hall.admin
    )
    assert r.status_code == 422 and "label" in r.json()["detail"]
    r = client.post(
        f"{API}/public/ratings", json={"window": "A01", "level": 1, "reasons": ["le\x00ng"]}
    )
    assert r.status_code == 422
    bad = [kiosk.chain.next(5, unit="Y\x01JJ"), kiosk.chain.next(5, staff="TL\x000001")]
    results = hall.push(kiosk, bad).json()["results"]
    assert [x["status"] for x in results] == ["rejected", "rejected"]
    assert "control character" in results[0]["reason"] and "NUL" in results[1]["reason"]
    _no_server_error_logged(caplog)


# ---------------------------------------------------------------- parameters never logged


def _break_phone_inserts(app: FastAPI) -> None:
    """Make the next rating insert with a phone number fail inside the database."""
    engine = app.state.db.engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # PostgreSQL's error then quotes the whole failing row in its DETAIL.
            conn.execute(text("ALTER TABLE rating ADD CONSTRAINT no_phones CHECK (phone IS NULL)"))
        else:
            conn.execute(text("ALTER TABLE rating RENAME COLUMN phone TO phone_gone"))


def test_a_failing_statement_never_logs_its_parameters(
    app: FastAPI,
    hall: StoreDriver,
    kiosk: Enrolled,
    client: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _break_phone_inserts(app)
    r = hall.push(kiosk, [kiosk.chain.next(1, ("leng",), phone=PHONE)])
    assert r.status_code in (409, 500), r.text
    assert PHONE not in r.text
    r = client.post(f"{API}/public/ratings", json={"window": "A02", "level": 1, "phone": PHONE})
    assert r.status_code in (409, 500), r.text
    assert PHONE not in r.text
    assert caplog.records, "the failures are logged"
    assert PHONE not in caplog.text
    # The engine itself: a failing statement's exception carries no parameter either.
    with app.state.db.session() as session, pytest.raises(Exception) as failed:
        session.execute(text("INSERT INTO no_such_table (phone) VALUES (:p)"), {"p": PHONE})
    assert PHONE not in str(failed.value)


# ---------------------------------------------------------------- files on disk


def test_the_sqlite_store_and_its_directory_are_private(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "fresh")  # SQLite in a data dir that does not exist
    with TestClient(create_app(settings)) as c:
        assert c.get(f"{API}/health").status_code == 200
    data = settings.data_dir
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    files = [p for p in data.iterdir() if p.name.startswith("hall.db")]
    assert any(p.name == "hall.db" for p in files)
    for p in [*files, settings.admin_token_file]:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p.name


# ---------------------------------------------------------------- strict public input


@pytest.mark.parametrize("level", [True, "5", 5.0])
def test_public_input_has_strict_types(hall: StoreDriver, client: TestClient, level: Any) -> None:
    r = client.post(f"{API}/public/ratings", json={"window": "A01", "level": level})
    assert r.status_code == 422, r.text
    assert "level" in r.json()["detail"]
    listed = client.get(f"{API}/admin/ratings", headers=hall.admin).json()
    assert listed == []  # nothing stored as 非常不满意
    r = client.post(f"{API}/enroll", json={"code": 123456})
    assert r.status_code == 422


def test_a_json_body_without_a_json_content_type_is_refused(
    hall: StoreDriver, client: TestClient
) -> None:
    body = b'{"window": "A01", "level": 5}'
    for headers in ({"Content-Type": "text/plain"}, {}):
        r = client.post(f"{API}/public/ratings", content=body, headers=headers)
        assert r.status_code == 422, (headers, r.text)
    code = hall.code("A03")
    r = client.post(
        f"{API}/enroll", content=f'{{"code": "{code}"}}', headers={"Content-Type": "text/plain"}
    )
    assert r.status_code == 422
    assert client.get(f"{API}/admin/ratings", headers=hall.admin).json() == []
    # The floor pyproject.toml allows is a FastAPI that refuses such a body.
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    floor = next(re.fullmatch(r"fastapi>=([\d.]+)", d) for d in deps if d.startswith("fastapi"))
    assert floor is not None
    assert tuple(int(x) for x in floor.group(1).split(".")) >= (0, 132)


# ---------------------------------------------------------------- failed enrolments


def test_failed_enrolments_are_limited_per_address(app: FastAPI, hall: StoreDriver) -> None:
    good = hall.code("A04")
    with TestClient(app, client=("203.0.113.7", 40000)) as guesser:
        for _ in range(10):
            r = guesser.post(f"{API}/enroll", json={"code": "WRONG-CODE-1234"})
            assert r.status_code == 401
        r = guesser.post(f"{API}/enroll", json={"code": "WRONG-CODE-1234"})
        assert r.status_code == 429, r.text
        assert "too many failed enrolment attempts" in r.json()["detail"]
        assert int(r.headers["Retry-After"]) > 0
        # Locked out for a while, even with a good code.
        assert guesser.post(f"{API}/enroll", json={"code": good}).status_code == 429
    with TestClient(app, client=("198.51.100.20", 40000)) as counter_pc:
        assert counter_pc.post(f"{API}/enroll", json={"code": good}).status_code == 200


def test_a_wrong_code_never_waits_for_the_store_s_writer(app: FastAPI, hall: StoreDriver) -> None:
    lock = app.state.db._write_lock
    if lock is None:  # PostgreSQL takes no process-wide writer lock
        return
    holding, release = threading.Event(), threading.Event()

    def a_long_write() -> None:  # a kiosk's batch being written, for up to 5 s
        with lock:
            holding.set()
            release.wait(5)

    writer = threading.Thread(target=a_long_write)
    writer.start()
    try:
        assert holding.wait(5)
        with TestClient(app, client=("192.0.2.1", 1)) as c:
            start = time.monotonic()
            r = c.post(f"{API}/enroll", json={"code": "NOPE-NOPE-NOPE"})
            took = time.monotonic() - start
    finally:
        release.set()
        writer.join()
    assert r.status_code == 401
    assert took < 2.5, f"a wrong enrolment code waited {took:.1f} s for the writer"


# ---------------------------------------------------------------- board credentials


def test_board_credentials_state_their_scope_and_can_be_listed_and_revoked(
    hall: StoreDriver, client: TestClient
) -> None:
    admin = AdminClient("http://testserver", hall.admin_token, transport=client._transport)
    everywhere = admin.create_board_credential(label="district office")
    one = admin.create_board_credential("TL", "lobby wall")
    assert (everywhere.scope, everywhere.hall) == ("every hall", None)
    assert (one.scope, one.hall) == ("hall TL", "TL")
    assert everywhere.token and one.token
    listed = admin.board_credentials()
    assert [(c.id, c.scope, c.label) for c in listed] == [
        (everywhere.id, "every hall", "district office"),
        (one.id, "hall TL", "lobby wall"),
    ]
    assert all(c.token == "" for c in listed)
    board = {"Authorization": f"Bearer {one.token}"}
    assert client.get(f"{API}/halls", headers=board).status_code == 200
    revoked = admin.revoke_board_credential(one.id)
    assert revoked.revoked_at is not None
    assert client.get(f"{API}/halls", headers=board).status_code == 401
    assert [c.id for c in admin.board_credentials()] == [everywhere.id]
    assert [c.id for c in admin.board_credentials(include_revoked=True)] == [everywhere.id, one.id]
    r = client.post(f"{API}/admin/board-credentials/999/revoke", headers=hall.admin)
    assert r.status_code == 404
    # A terminal's credential is no board credential to revoke here.
    assert (
        client.post(f"{API}/admin/board-credentials/1/revoke", headers=hall.admin).status_code
        == 404
    )
