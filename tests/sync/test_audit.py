"""The audit log: who changed what, filtered; an edited, deleted or cut entry is detected."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import select

from sync.server import models as m
from sync.server.audit import SYSTEM, Actor, entry_hash, record_audit, verify_audit
from sync.server.core.db import Database, alembic_config, run_migrations
from sync.server.core.security import hash_secret
from sync.server.main import create_app
from tests.helpers.store import Enrolled, StoreDriver
from tests.sync.conftest import make_settings

API = "/api/v1"


def verify(client: TestClient, headers: dict[str, str]) -> dict[str, object]:
    r = client.get(f"{API}/admin/audit/verify", headers=headers)
    assert r.status_code == 200, r.text
    out: dict[str, object] = r.json()
    return out


def test_changes_are_recorded_with_who_what_before_and_after(
    hall: StoreDriver, kiosk: Enrolled, client: TestClient
) -> None:
    office = hall.operator("wang.fang", "office")
    r = client.post(f"{API}/admin/terminals/{kiosk.terminal}/revoke", headers=office.headers)
    assert r.status_code == 200
    entries = hall.audit()
    assert [e["action"] for e in reversed(entries)] == [
        "roster.import",
        "enrolment_code.create",
        "terminal.enrol",
        "operator.create",
        "session.sign_in",
        "terminal.revoke",
    ]
    revoke = entries[0]
    assert revoke["actor"] == "wang.fang" and revoke["actor_kind"] == "operator"
    assert revoke["target"] == f"terminal:{kiosk.terminal}" and revoke["hall"] == "TL"
    assert revoke["before"]["revoked_at"] is None and revoke["after"]["revoked_at"]
    roster = entries[-1]
    assert roster["actor"] == "admin" and roster["before"] is None
    assert len(roster["after"]["units"]) == 31
    # The office operator sees its hall's entries; filters narrow them.
    mine = client.get(f"{API}/admin/audit", params={"actor": "wang.fang"}, headers=office.headers)
    assert [e["action"] for e in mine.json()] == ["terminal.revoke", "session.sign_in"]
    by_prefix = hall.audit(action="terminal.*")
    assert [e["action"] for e in by_prefix] == ["terminal.revoke", "terminal.enrol"]
    assert [e["action"] for e in hall.audit(target=f"terminal:{kiosk.terminal}")] == [
        "terminal.revoke",
        "terminal.enrol",
    ]
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert hall.audit(since=later) == []
    assert len(hall.audit(until=later, limit=2)) == 2
    r = client.get(
        f"{API}/admin/audit", params={"since": later, "until": later}, headers=hall.admin
    )
    assert r.status_code == 422
    assert verify(client, office.headers) == {
        "ok": True,
        "entries": 6,
        "problem": None,
        "seq": None,
    }


def _db(app: FastAPI) -> Database:
    db: Database = app.state.db
    return db


def test_an_edited_entry_is_detected(hall: StoreDriver, client: TestClient, app: FastAPI) -> None:
    hall.add_operator("wang.fang", "office")
    hall.add_operator("zhao.lei", "inspector")
    with _db(app).engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET actor = 'someone.else' WHERE seq = 2"))
    check = verify(client, hall.admin)
    assert check["ok"] is False and check["seq"] == 2
    assert check["problem"] == "entry 2 was changed after it was written"


def test_a_rewritten_entry_breaks_the_chain(
    hall: StoreDriver, client: TestClient, app: FastAPI
) -> None:
    """Even with its hash recomputed, a changed entry no longer links to the next one."""
    hall.add_operator("wang.fang", "office")
    hall.add_operator("zhao.lei", "inspector")
    with _db(app).write() as session:
        e = session.get(m.AuditEntry, 2)
        assert e is not None
        e.after = dict(e.after) | {"role": "inspector"}
        e.hash = entry_hash(e.prev_hash, e)
        session.add(e)
    check = verify(client, hall.admin)
    assert check["ok"] is False and check["seq"] == 3
    assert check["problem"] == "entry 3 does not follow entry 2 (chain broken)"


def test_a_deleted_entry_and_a_cut_tail_are_detected(
    hall: StoreDriver, client: TestClient, app: FastAPI
) -> None:
    for name in ("a.one", "b.two", "c.three"):
        hall.add_operator(name, "inspector")
    with _db(app).engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq = 2"))
    check = verify(client, hall.admin)
    assert check["problem"] == "entry 2 is missing (deleted)" and check["entries"] == 1
    with _db(app).engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq >= 2"))
    check = verify(client, hall.admin)
    assert check["problem"] == "entries 2-4 are missing at the end (deleted)"
    hall.add_operator("d.four", "inspector")  # the log goes on; the gap stays visible
    assert verify(client, hall.admin)["problem"] == "entries 2-4 are missing (deleted)"


def test_no_phone_number_password_or_token_enters_the_log(app: FastAPI) -> None:
    with _db(app).write() as session:
        record_audit(
            session,
            Actor("operator", "wang.fang"),
            "case.call_back",
            "case:7",
            {"phone": "13800138000", "status": "new"},
            {"phone": "13800138000", "status": "called", "notes": [{"phone": "13900139000"}]},
            hall="TL",
        )
        record_audit(session, SYSTEM, "x.y", "x:1", None, {"password": "p", "token": "t"})
    with _db(app).session() as session:
        assert verify_audit(session).ok
    with _db(app).engine.connect() as conn:
        dump = " ".join(str(r) for r in conn.execute(text("SELECT * FROM audit_entry")))
    assert "138001" not in dump and "139001" not in dump and "'p'" not in dump
    assert "(withheld)" in dump


def test_a_store_from_before_operators_upgrades_in_place(database_url: str, tmp_path: Path) -> None:
    """Today's schema (0005) with an admin credential: upgraded, the token still works, the log starts at 1."""
    db = Database(database_url)
    try:
        cfg = alembic_config(db.engine.url.render_as_string(hide_password=False))
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0005")
            conn.execute(
                text(
                    "INSERT INTO credential (kind, token_hash, label, created_at) "
                    "VALUES ('admin', :h, 'first start', '2026-11-01 00:00:00')"
                ),
                {"h": hash_secret("old-admin-token")},
            )
        run_migrations(db.engine)
    finally:
        db.dispose()
    settings = make_settings(tmp_path, database_url)
    with TestClient(create_app(settings)) as client:
        headers = {"Authorization": "Bearer old-admin-token"}
        assert client.get(f"{API}/admin/operators", headers=headers).json() == []
        assert verify(client, headers)["ok"] is True
        r = client.post(
            f"{API}/admin/roster",
            content=(Path(__file__).parents[2] / "assets/roster/demo-hall.csv").read_bytes(),
            headers=headers | {"Content-Type": "text/csv"},
        )
        assert r.status_code == 200
        entries = client.get(f"{API}/admin/audit", headers=headers).json()
        assert [(e["seq"], e["action"]) for e in entries] == [(1, "roster.import")]


def test_concurrent_changes_chain_without_gaps_or_forks(database_url: str, tmp_path: Path) -> None:
    """Sixteen transactions appending at once: seq 1..16, each linked to the one before."""
    db = Database(database_url)
    try:
        run_migrations(db.engine)
        barrier = threading.Barrier(8)

        def change(i: int) -> None:
            if i < 8:  # the first eight start together
                barrier.wait()
            with db.write() as session:
                record_audit(
                    session, Actor("operator", f"op{i}"), "x.change", f"x:{i}", None, {"i": i}
                )

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(change, range(16)))
        with db.session() as session:
            check = verify_audit(session)
            seqs = [e.seq for e in session.exec(select(m.AuditEntry).order_by(m.AuditEntry.seq))]
        assert check.ok and check.entries == 16, check
        assert seqs == list(range(1, 17))
    finally:
        db.dispose()
