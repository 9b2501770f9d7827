"""Operators: accounts by the office, sign-in and sessions, slow-down and lock, scope by hall."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from sync.server import models as m
from sync.server.core.config import Settings
from sync.server.core.db import Database, run_migrations
from sync.server.main import create_app
from sync.server.operators import SignInRefused, hash_password, sign_in
from tests.helpers.clock import Clock
from tests.helpers.store import StoreDriver
from tests.sync.conftest import admin_token_of, make_settings

API = "/api/v1"
PASSWORD = "correct horse battery"


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    c = Clock(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    app.state.clock = c
    return c


def second_hall(demo_roster_path: Path) -> bytes:
    """The demo roster as another hall, NC (same unit and window codes)."""
    return demo_roster_path.read_bytes().replace(b"hall,TL,", b"hall,NC,", 1)


@pytest.fixture
def two_halls(hall: StoreDriver, demo_roster_path: Path) -> StoreDriver:
    assert hall.import_roster(second_hall(demo_roster_path)).status_code == 200
    return hall


def test_office_creates_an_operator_who_signs_in_and_out(
    hall: StoreDriver, client: TestClient, clock: Clock
) -> None:
    office = hall.operator("wang.fang", "office")
    r = client.post(
        f"{API}/admin/operators",
        json={
            "name": "yjj.liu",
            "full_name": "刘洋",
            "role": "unit",
            "halls": ["TL"],
            "unit": "YJJ",
        },
        headers=office.headers,
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["created_by"] == "wang.fang" and made["unit"] == "YJJ"
    password = made["password"]  # made by the server, shown once
    assert password and len(password) >= 10

    r = client.post(f"{API}/auth/session", json={"name": "yjj.liu", "password": password})
    assert r.status_code == 200, r.text
    session = r.json()
    assert session["operator"]["role"] == "unit"
    expires = datetime.fromisoformat(session["expires_at"])
    assert expires == clock.now + timedelta(hours=10)
    headers = {"Authorization": f"Bearer {session['token']}"}
    me = client.get(f"{API}/auth/session", headers=headers).json()
    assert me == {
        "kind": "operator",
        "name": "yjj.liu",
        "role": "unit",
        "halls": ["TL"],
        "unit": "YJJ",
        "expires_at": session["expires_at"],
    }
    # A unit operator reads the standings but cannot manage anything.
    assert client.get(f"{API}/halls/TL/aggregates", headers=headers).status_code == 200
    r = client.get(f"{API}/admin/terminals", headers=headers)
    assert r.status_code == 403 and "role 'office'" in r.json()["detail"]

    assert client.delete(f"{API}/auth/session", headers=headers).status_code == 204
    r = client.get(f"{API}/auth/session", headers=headers)
    assert r.status_code == 401 and "ended" in r.json()["detail"]


def test_a_session_expires_after_a_working_day(
    hall: StoreDriver, client: TestClient, clock: Clock
) -> None:
    office = hall.operator("wang.fang", "office")
    clock.now += timedelta(hours=9, minutes=59)
    assert client.get(f"{API}/admin/terminals", headers=office.headers).status_code == 200
    clock.now += timedelta(minutes=1)
    r = client.get(f"{API}/admin/terminals", headers=office.headers)
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_wrong_passwords_slow_down_then_lock_until_the_office_resets(
    hall: StoreDriver, client: TestClient, clock: Clock
) -> None:
    hall.add_operator("zhao.lei", "inspector")

    def attempt(password: str = "wrong password!") -> tuple[int, str, str | None]:
        r = client.post(f"{API}/auth/session", json={"name": "zhao.lei", "password": password})
        return r.status_code, r.json().get("detail", ""), r.headers.get("Retry-After")

    # An unknown name and a wrong password get the same answer.
    r = client.post(f"{API}/auth/session", json={"name": "nobody", "password": "x"})
    assert r.status_code == 401 and r.json()["detail"] == "wrong name or password"
    assert [attempt()[0] for _ in range(3)] == [401, 401, 401]
    status, detail, retry = attempt(PASSWORD)  # even the right password must wait now
    assert (status, retry) == (429, "2") and "wait 2 s" in detail
    waits = []
    for _ in range(6):  # failures 4..9: each doubles the wait
        clock.now += timedelta(seconds=int(retry or 0))
        status, _, _ = attempt()
        assert status == 401
        status, _, retry = attempt()
        assert status == 429
        waits.append(int(retry or 0))
    assert waits == [4, 8, 16, 32, 64, 128]
    clock.now += timedelta(seconds=128)
    assert attempt()[0] == 401  # the 10th failure locks the account
    status, detail, retry = attempt(PASSWORD)
    assert status == 429 and "locked" in detail and int(retry or 0) == 15 * 60
    clock.now += timedelta(minutes=14)
    assert attempt(PASSWORD)[0] == 429
    lock = hall.audit(action="operator.lock")
    assert [e["target"] for e in lock] == ["operator:zhao.lei"] and lock[0]["actor"] == "server"

    # The office resets the password: unlocked at once, the old password is gone.
    r = client.post(
        f"{API}/admin/operators/zhao.lei/password",
        json={"password": "new and long"},
        headers=hall.admin,
    )
    assert r.status_code == 200 and r.json()["password"] is None
    assert attempt(PASSWORD)[0] == 401
    assert attempt("new and long")[0] == 200


def test_concurrent_guesses_are_throttled_as_sequential_ones(
    database_url: str, tmp_path: Path
) -> None:
    """Eight wrong guesses at once: exactly the free ones are checked, the rest must wait."""
    settings = make_settings(tmp_path, database_url)
    db = Database(settings.sqlalchemy_url())
    try:
        run_migrations(db.engine)
        with db.write() as session:
            session.add(
                m.Operator(
                    name="guessed",
                    role="office",
                    halls=["TL"],
                    password_hash=hash_password(PASSWORD),
                )
            )
        now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)

        def guess(i: int) -> int:
            try:
                sign_in(db, settings, "guessed", f"wrong guess {i}", now)
            except SignInRefused as e:
                return e.status
            return 200

        with ThreadPoolExecutor(8) as pool:
            answers = sorted(pool.map(guess, range(8)))
        assert answers == [401] * 3 + [429] * 5
        with db.session() as session:
            o = session.exec(select(m.Operator).where(m.Operator.name == "guessed")).one()
            assert o.failed_signins == 3 and o.retry_at == now + timedelta(seconds=2)
    finally:
        db.dispose()


def test_a_disabled_account_ends_its_sessions_and_cannot_sign_in(
    hall: StoreDriver, client: TestClient
) -> None:
    office = hall.operator("wang.fang", "office")
    inspector = hall.operator("zhao.lei", "inspector")
    r = client.post(f"{API}/admin/operators/zhao.lei/disable", headers=office.headers)
    assert r.status_code == 200 and r.json()["disabled_at"]
    r = client.get(f"{API}/halls", headers=inspector.headers)
    assert r.status_code == 401
    r = client.post(f"{API}/auth/session", json={"name": "zhao.lei", "password": PASSWORD})
    assert r.status_code == 403 and "disabled" in r.json()["detail"]
    r = client.post(f"{API}/admin/operators/wang.fang/disable", headers=office.headers)
    assert r.status_code == 409  # not oneself
    assert (
        client.post(f"{API}/admin/operators/zhao.lei/enable", headers=office.headers).status_code
        == 200
    )
    assert hall.sign_in("zhao.lei").token
    listed = client.get(f"{API}/admin/operators", headers=office.headers).json()
    assert [(o["name"], o["role"], o["disabled_at"]) for o in listed] == [
        ("wang.fang", "office", None),
        ("zhao.lei", "inspector", None),
    ]


def test_an_office_acts_only_in_its_own_halls(two_halls: StoreDriver, client: TestClient) -> None:
    tl = two_halls.operator("tl.office", "office", ["TL"])
    two_halls.add_operator("nc.office", "office", ["NC"])
    body = {"name": "nc.unit", "role": "unit", "halls": ["NC"], "unit": "YJJ", "password": PASSWORD}
    r = client.post(f"{API}/admin/operators", json=body, headers=tl.headers)
    assert r.status_code == 403 and "hall NC" in r.json()["detail"]
    r = client.post(f"{API}/admin/operators/nc.office/password", headers=tl.headers)
    assert r.status_code == 403
    names = [o["name"] for o in client.get(f"{API}/admin/operators", headers=tl.headers).json()]
    assert names == ["tl.office"]
    r = client.post(f"{API}/admin/enrolment-codes", json={"window": "A01"}, headers=tl.headers)
    assert r.status_code == 201 and r.json()["hall"] == "TL"  # its hall, though NC has A01 too
    r = client.post(
        f"{API}/admin/enrolment-codes", json={"window": "A01", "hall": "NC"}, headers=tl.headers
    )
    assert r.status_code == 403
    r = client.post(f"{API}/admin/board-credentials", json={}, headers=tl.headers)
    assert r.status_code == 201 and r.json()["hall"] == "TL"
    assert [h["code"] for h in client.get(f"{API}/halls", headers=tl.headers).json()] == ["TL"]
    r = client.get(f"{API}/halls/NC/aggregates", headers=tl.headers)
    assert r.status_code == 403


def test_bad_operator_requests_are_4xx_with_messages(hall: StoreDriver, client: TestClient) -> None:
    def create(**body: object) -> tuple[int, str]:
        r = client.post(f"{API}/admin/operators", json=body, headers=hall.admin)
        return r.status_code, r.json().get("detail", "")

    assert create(name="a", role="unit", halls=["TL"]) == (
        422,
        "a unit operator needs exactly one hall and its unit",
    )
    assert create(name="a", role="office", halls=["TL"], unit="YJJ")[0] == 422
    assert create(name="a", role="unit", halls=["TL"], unit="NOPE") == (
        404,
        "no unit NOPE in hall TL",
    )
    assert create(name="a", role="office", halls=["XX"]) == (404, "no hall XX")
    assert create(name="a", role="office", halls=["TL"], password="short")[1].startswith(
        "the password needs at least 10"
    )
    assert create(name="has space", role="office", halls=["TL"])[0] == 422
    assert create(name="a", role="boss", halls=["TL"])[0] == 422
    assert create(name="a", role="office", halls=["TL"])[0] == 201
    assert create(name="a", role="office", halls=["TL"]) == (409, "an operator a exists already")
    r = client.post(f"{API}/admin/operators/ghost/disable", headers=hall.admin)
    assert r.status_code == 404


def test_an_operator_changes_its_own_password(hall: StoreDriver, client: TestClient) -> None:
    first = hall.operator("wang.fang", "office")
    second = hall.sign_in("wang.fang")
    url = f"{API}/auth/password"
    r = client.post(url, json={"current": "wrong", "new": "a brand new one"}, headers=first.headers)
    assert r.status_code == 403
    r = client.post(url, json={"current": PASSWORD, "new": "short"}, headers=first.headers)
    assert r.status_code == 422
    r = client.post(
        url, json={"current": PASSWORD, "new": "a brand new one"}, headers=first.headers
    )
    assert r.status_code == 204
    assert client.get(f"{API}/auth/session", headers=first.headers).status_code == 200
    assert client.get(f"{API}/auth/session", headers=second.headers).status_code == 401
    assert hall.sign_in("wang.fang", "a brand new one").token
    r = client.post(url, json={"current": "a", "new": "b"}, headers=hall.admin)
    assert r.status_code == 403


def test_no_password_or_session_token_in_any_log_line(
    tmp_path: Path, demo_roster_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings: Settings = make_settings(tmp_path)
    with TestClient(create_app(settings)) as client:
        store = StoreDriver(client, admin_token_of(settings))
        store.import_roster(demo_roster_path)
        made = client.post(
            f"{API}/admin/operators",
            json={"name": "li.na", "role": "office", "halls": ["TL"]},
            headers=store.admin,
        ).json()["password"]
        client.post(f"{API}/auth/session", json={"name": "li.na", "password": "not it at all"})
        signed = store.sign_in("li.na", made)
        reset = client.post(f"{API}/admin/operators/li.na/password", headers=signed.headers)
        assert reset.status_code == 200
        again = reset.json()["password"]
        assert store.sign_in("li.na", again).token
    assert "li.na" in caplog.text
    for secret in (made, again, "not it at all", signed.token):
        assert secret not in caplog.text
