"""Who may do what with the office's records, and the audit entry each change leaves.

Roles (``sync.server.api.deps``): ``office`` everything in its halls, ``inspector``
inspections, ``unit`` its own unit's cases and appeals. A unit operator never sees another
unit's case or any phone number outside its own cases.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from board.published import standings_to_dict
from board.standings import compute_standings
from sync.publish import aggregates_digest
from tests.helpers.store import Enrolled, SignedIn, StoreDriver

API = "/api/v1"
SH = ZoneInfo("Asia/Shanghai")
PHONE = "13912345678"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Roles do not depend on the database: SQLite only (test_office_records runs both)."""
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def people(app: FastAPI, hall: StoreDriver) -> Iterator[dict[str, SignedIn]]:
    app.state.clock = Clock(datetime(2026, 9, 30, 10, 0, tzinfo=SH))
    yield {
        "office": hall.operator("li.office", "office"),
        "inspector": hall.operator("wang.inspector", "inspector"),
        "yjj": hall.operator("zhao.yjj", "unit", unit="YJJ"),
        "swj": hall.operator("sun.swj", "unit", unit="SWJ"),
    }


@pytest.fixture
def bad_case(hall: StoreDriver, people: dict[str, SignedIn], app: FastAPI) -> dict[str, object]:
    """A 差评 at window A01 (unit YJJ) with a phone number, and its case."""
    k: Enrolled = hall.enrol("A01", unit="YJJ")
    now = app.state.clock.now
    k.chain.clock = now - timedelta(minutes=5)
    rec = k.chain.next(1, ("tui",), phone=PHONE, at=now)
    assert hall.push(k, [rec]).status_code == 200
    r = hall.client.get(f"{API}/cases", headers=hall.admin)
    (case,) = r.json()
    return case


def test_cases_are_seen_by_the_office_and_their_own_unit_only(
    client: TestClient, people: dict[str, SignedIn], bad_case: dict[str, object]
) -> None:
    cid = bad_case["id"]
    office = client.get(f"{API}/cases/{cid}", headers=people["office"].headers)
    own = client.get(f"{API}/cases/{cid}", headers=people["yjj"].headers)
    assert office.json()["phone"] == own.json()["phone"] == PHONE
    other = client.get(f"{API}/cases/{cid}", headers=people["swj"].headers)
    assert other.status_code == 403 and PHONE not in other.text
    listed = client.get(f"{API}/cases", headers=people["swj"].headers)
    assert listed.status_code == 200 and listed.json() == []
    # Asking for another unit's cases by name still answers only one's own.
    asked = client.get(f"{API}/cases", params={"unit": "YJJ"}, headers=people["swj"].headers)
    assert asked.json() == []
    assert client.get(f"{API}/cases", headers=people["inspector"].headers).status_code == 403
    step = {"step": "called_back", "note": "已回访"}
    r = client.post(f"{API}/cases/{cid}/steps", json=step, headers=people["swj"].headers)
    assert r.status_code == 403
    r = client.post(f"{API}/cases/{cid}/steps", json=step, headers=people["yjj"].headers)
    assert r.status_code == 200 and r.json()["steps"][0]["by"] == "zhao.yjj"


def test_inspectors_record_inspections_units_do_not(
    client: TestClient, people: dict[str, SignedIn]
) -> None:
    body = {"hall": "TL", "unit": "YJJ", "day": "2026-09-29", "item": "late"}
    r = client.post(f"{API}/inspections", json=body, headers=people["inspector"].headers)
    assert r.status_code == 201 and r.json()["recorded_by"] == "wang.inspector"
    assert (
        client.post(f"{API}/inspections", json=body, headers=people["yjj"].headers).status_code
        == 403
    )
    # A unit reads its own unit's inspections only.
    other = client.post(
        f"{API}/inspections", json=body | {"unit": "SWJ"}, headers=people["office"].headers
    )
    assert other.status_code == 201
    seen = client.get(f"{API}/inspections", headers=people["yjj"].headers).json()
    assert {i["unit"] for i in seen} == {"YJJ"}
    misconduct = {
        "hall": "TL",
        "unit": "YJJ",
        "day": "2026-09-29",
        "summary": "x",
        "verified_by": "纪检组",
    }
    r = client.post(f"{API}/misconduct", json=misconduct, headers=people["inspector"].headers)
    assert r.status_code == 403


def test_a_unit_appeals_its_own_bad_rating_and_only_the_office_decides(
    client: TestClient, people: dict[str, SignedIn], bad_case: dict[str, object]
) -> None:
    body = {"rating": bad_case["rating"], "reason": "系统故障"}
    assert (
        client.post(f"{API}/appeals", json=body, headers=people["swj"].headers).status_code == 403
    )
    r = client.post(f"{API}/appeals", json=body, headers=people["yjj"].headers)
    assert r.status_code == 201 and r.json()["filed_by"] == "zhao.yjj"
    aid = r.json()["id"]
    decision = {"accept": True, "note": "属实"}
    for who in ("yjj", "inspector"):
        r = client.post(f"{API}/appeals/{aid}/decision", json=decision, headers=people[who].headers)
        assert r.status_code == 403, who
    r = client.post(
        f"{API}/appeals/{aid}/decision", json=decision, headers=people["office"].headers
    )
    assert r.status_code == 200 and r.json()["decided_by"] == "li.office"
    assert client.get(f"{API}/appeals", headers=people["swj"].headers).json() == []
    assert client.get(f"{API}/flagged", headers=people["yjj"].headers).status_code == 403


def test_an_office_of_another_hall_cannot_touch_this_one(
    hall: StoreDriver,
    client: TestClient,
    people: dict[str, SignedIn],
    bad_case: dict[str, object],
    demo_roster_path: Path,
) -> None:
    other = demo_roster_path.read_text(encoding="utf-8-sig").replace("hall,TL,", "hall,NC,", 1)
    assert hall.import_roster(other.encode(), "nc.csv").status_code == 200
    outsider = hall.operator("ma.other", "office", halls=("NC",))
    h = outsider.headers
    assert client.get(f"{API}/cases/{bad_case['id']}", headers=h).status_code == 403
    assert client.get(f"{API}/cases", headers=h).json() == []
    body = {"hall": "TL", "unit": "YJJ", "day": "2026-09-29", "item": "late"}
    assert client.post(f"{API}/inspections", json=body, headers=h).status_code == 403
    r = client.post(f"{API}/halls/TL/quarters/2026Q3/reopen", json={"reason": "x"}, headers=h)
    assert r.status_code == 403


def test_every_change_leaves_an_audit_entry_without_the_phone_number(
    hall: StoreDriver,
    client: TestClient,
    app: FastAPI,
    people: dict[str, SignedIn],
    bad_case: dict[str, object],
) -> None:
    office = people["office"].headers
    cid, rating = bad_case["id"], bad_case["rating"]
    insp = client.post(
        f"{API}/inspections",
        json={"hall": "TL", "unit": "YJJ", "day": "2026-09-29", "item": "late"},
        headers=office,
    ).json()
    client.post(f"{API}/inspections/{insp['id']}/void", json={"reason": "记错"}, headers=office)
    mis = client.post(
        f"{API}/misconduct",
        json={
            "hall": "TL",
            "unit": "GDJ",
            "day": "2026-09-29",
            "summary": "收费",
            "verified_by": "纪检组",
        },
        headers=office,
    ).json()
    client.post(f"{API}/misconduct/{mis['id']}/void", json={"reason": "误录"}, headers=office)
    client.post(
        f"{API}/cases/{cid}/steps", json={"step": "called_back", "note": "已回访"}, headers=office
    )
    appeal = client.post(
        f"{API}/appeals", json={"rating": rating, "reason": "误操作"}, headers=people["yjj"].headers
    ).json()
    client.post(
        f"{API}/appeals/{appeal['id']}/decision",
        json={"accept": False, "note": "不属实"},
        headers=office,
    )
    app.state.clock.now = datetime(2026, 10, 9, 9, 0, tzinfo=SH)  # the quarter has ended
    office = hall.sign_in("li.office").headers  # a new working day, a new session
    agg = client.get(f"{API}/halls/TL/aggregates", params={"quarter": "2026Q3"}, headers=office)
    payload = {
        "digest": aggregates_digest(agg.json()),
        "standings": standings_to_dict(compute_standings(agg.json())),
    }
    r = client.post(f"{API}/halls/TL/quarters/2026Q3/close", json=payload, headers=office)
    assert r.status_code == 200, r.text
    r = client.post(
        f"{API}/halls/TL/quarters/2026Q3/reopen", json={"reason": "改判"}, headers=office
    )
    assert r.status_code == 200, r.text
    actions = [(e["action"], e["actor"]) for e in hall.audit()]
    for expected in [
        ("inspection.create", "li.office"),
        ("inspection.void", "li.office"),
        ("misconduct.create", "li.office"),
        ("misconduct.void", "li.office"),
        ("case.called_back", "li.office"),
        ("appeal.create", "zhao.yjj"),
        ("appeal.reject", "li.office"),
        ("quarter.close", "li.office"),
        ("quarter.reopen", "li.office"),
    ]:
        assert expected in actions, expected
    assert PHONE not in json.dumps(hall.audit())
