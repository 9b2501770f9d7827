"""Enrolment and ingest through the HTTP API, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from sync.schema import RatingRecord
from tests.helpers.records import Chain
from tests.helpers.store import Enrolled, StoreDriver


def statuses(response_json: dict[str, Any]) -> list[str]:
    return [r["status"] for r in response_json["results"]]


def test_enrolled_terminal_stores_a_batch_and_a_retry_adds_nothing(
    hall: StoreDriver, kiosk: Enrolled
) -> None:
    records = kiosk.chain.many(10)
    r = hall.push(kiosk, records)
    assert r.status_code == 200, r.text
    body = r.json()
    assert statuses(body) == ["stored"] * 10
    assert body["highest_contiguous_seq"] == 10
    assert [x["id"] for x in body["results"]] == [rec.id for rec in records]
    server_time = datetime.fromisoformat(body["server_time"])
    assert abs(server_time - datetime.now(UTC)) < timedelta(minutes=1)

    again = hall.push(kiosk, records)
    assert statuses(again.json()) == ["duplicate"] * 10
    agg = hall.aggregates("TL").json()
    assert sum(c["n"] for c in agg["counts"]) == 10  # not 20


def test_a_malformed_record_is_rejected_and_the_others_are_stored(
    hall: StoreDriver, kiosk: Enrolled
) -> None:
    good1, bad, good2 = kiosk.chain.many(3)
    broken = bad.to_dict() | {"level": 9}
    junk: list[Any] = [good1.to_dict(), broken, good2.to_dict(), {"id": "x", "seq": "four"}]
    r = hall.push(kiosk, [*junk, "not an object"])
    assert r.status_code == 422  # a non-object record is outside the documented shape
    r = hall.push(kiosk, junk)
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert [x["status"] for x in res] == ["stored", "rejected", "stored", "rejected"]
    assert "level" in res[1]["reason"]
    assert res[3]["reason"].startswith("malformed")
    # seq 2 never arrived intact: contiguous stops at 1, and the gap is shown to the admin.
    assert r.json()["highest_contiguous_seq"] == 1
    gaps = [a for a in hall.anomalies(kiosk.terminal) if a["kind"] == "seq_gap"]
    assert [(g["seq_from"], g["seq_to"]) for g in gaps] == [(2, 2)]


def test_tampered_hash_is_rejected(hall: StoreDriver, kiosk: Enrolled) -> None:
    rec = kiosk.chain.next(level=5).to_dict()
    rec["level"] = 1  # edited after hashing
    r = hall.push(kiosk, [rec])
    assert r.json()["results"][0] == {
        "id": rec["id"],
        "seq": 1,
        "status": "rejected",
        "reason": "hash does not match content",
    }


def test_same_id_or_seq_with_other_content_is_a_conflict(
    hall: StoreDriver, kiosk: Enrolled
) -> None:
    (first,) = kiosk.chain.many(1)
    assert statuses(hall.push(kiosk, [first]).json()) == ["stored"]

    # Same id, other content (re-hashed so the hash itself is valid).
    other = Chain(terminal=kiosk.terminal, window=kiosk.window, unit="YJJ").next(level=1)
    same_id = RatingRecord.from_dict(other.to_dict() | {"id": first.id, "hash": ""})
    same_id = same_id.with_chain(same_id.prev_hash)
    # Same seq 1, another id.
    same_seq = Chain(terminal=kiosk.terminal, window=kiosk.window, unit="YJJ").next(level=2)
    res = hall.push(kiosk, [same_id, same_seq]).json()["results"]
    assert [x["status"] for x in res] == ["rejected", "rejected"]
    assert all(x["reason"].startswith("conflict") for x in res)
    assert sum(c["n"] for c in hall.aggregates("TL").json()["counts"]) == 1


def test_record_for_another_window_is_refused_every_time(
    hall: StoreDriver, kiosk: Enrolled
) -> None:
    good = kiosk.chain.next()
    other = Chain(terminal=kiosk.terminal, window="A02", unit="ZJW").next()
    for _ in range(3):
        r = hall.push(kiosk, [good, other])
        assert r.status_code == 403
        assert "A02" in r.json()["detail"]
    # Nothing of those batches was stored, not even the good record.
    assert hall.aggregates("TL").json()["counts"] == []
    foreign = Chain(terminal="somebody-else", window="A01", unit="YJJ").next()
    assert hall.push(kiosk, [foreign]).status_code == 403


def test_revoked_terminal_gets_401(hall: StoreDriver, kiosk: Enrolled, client: TestClient) -> None:
    assert hall.push(kiosk, kiosk.chain.many(1)).status_code == 200
    r = client.post(f"/api/v1/admin/terminals/{kiosk.terminal}/revoke", headers=hall.admin)
    assert r.status_code == 200 and r.json()["revoked_at"]
    for _ in range(2):
        r = hall.push(kiosk, kiosk.chain.many(1))
        assert r.status_code == 401
        assert "revoked" in r.json()["detail"]
    assert client.get("/api/v1/terminal/roster", headers=kiosk.headers).status_code == 401
    # The kiosk cannot come back under its old id, but a new install can enrol.
    code = hall.code("A01")
    r = client.post("/api/v1/enroll", json={"code": code, "terminal": kiosk.terminal})
    assert r.status_code == 403
    fresh = hall.enrol("A01", unit="YJJ")
    assert fresh.terminal != kiosk.terminal
    assert hall.push(fresh, fresh.chain.many(1)).status_code == 200


def test_enrolment_code_works_once_and_expires(hall: StoreDriver, client: TestClient) -> None:
    code = hall.code("A03")
    r = client.post(
        "/api/v1/enroll", json={"code": code.lower().replace("-", ""), "terminal": "k-1"}
    )
    assert r.status_code == 200, r.text
    assert r.json() | {"token": "?"} == {
        "terminal": "k-1",
        "token": "?",
        "window": "A03",
        "hall": "TL",
    }
    again = client.post("/api/v1/enroll", json={"code": code, "terminal": "k-2"})
    assert again.status_code == 401
    assert "used" in again.json()["detail"]
    assert client.post("/api/v1/enroll", json={"code": "NOPE-NOPE-NOPE"}).status_code == 401
    r = client.post("/api/v1/admin/enrolment-codes", json={"window": "NOSUCH"}, headers=hall.admin)
    assert r.status_code == 404


def test_board_credential_reads_but_cannot_write(
    hall: StoreDriver, kiosk: Enrolled, client: TestClient
) -> None:
    r = client.post("/api/v1/admin/board-credentials", json={"label": "wall"}, headers=hall.admin)
    assert r.status_code == 201
    board = {"Authorization": f"Bearer {r.json()['token']}"}
    assert client.get("/api/v1/halls/TL/aggregates", headers=board).status_code == 200
    rec = kiosk.chain.next().to_dict()
    r = client.post("/api/v1/ratings/batch", json={"records": [rec]}, headers=board)
    assert r.status_code == 403
    assert (
        client.post(
            "/api/v1/admin/enrolment-codes", json={"window": "A01"}, headers=board
        ).status_code
        == 403
    )
    # And a terminal cannot read the board's data or act as admin.
    assert client.get("/api/v1/halls/TL/aggregates", headers=kiosk.headers).status_code == 403
    assert client.get("/api/v1/admin/terminals", headers=kiosk.headers).status_code == 403
    assert client.get("/api/v1/halls/TL/aggregates").status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.get("/api/v1/halls/TL/aggregates", headers=bad).status_code == 401


def test_a_stored_rating_reads_back_exactly(
    hall: StoreDriver, app: FastAPI, client: TestClient
) -> None:
    received = datetime(2026, 8, 4, 3, 4, 5, 678901, tzinfo=UTC)
    app.state.clock = lambda: received
    kiosk = hall.enrol("A01", unit="YJJ")
    kiosk.chain.staff = "TL0001"
    rec = kiosk.chain.next(
        2,
        ("leng", "H01"),
        at=received - timedelta(minutes=3),
        flags=("burst",),
        phone="13800000000",
    )
    assert statuses(hall.push(kiosk, [rec]).json()) == ["stored"]
    (row,) = client.get("/api/v1/admin/ratings", headers=hall.admin).json()
    sent = rec.to_dict()
    for key in ("id", "seq", "terminal", "window", "unit", "staff", "level", "reasons", "phone"):
        assert row[key] == sent[key], key
    assert row["device_time"] == rec.device_time
    assert row["flags"] == ["burst"] and row["server_flags"] == []
    assert datetime.fromisoformat(row["received_at"]) == received
    assert (row["quarter"], row["week"]) == ("2026Q3", "2026-08-03")
    assert (row["flagged"], row["released"]) == (True, False)


def test_an_id_stored_under_another_seq_or_terminal_is_a_conflict(
    hall: StoreDriver, kiosk: Enrolled
) -> None:
    first, second = kiosk.chain.many(2)
    assert statuses(hall.push(kiosk, [first]).json()) == ["stored"]
    # seq 2 carrying seq 1's id (re-hashed: only the id clashes).
    reused = RatingRecord.from_dict(second.to_dict() | {"id": first.id}).with_chain(first.hash)
    third = kiosk.chain.next()
    res = hall.push(kiosk, [reused, third]).json()["results"]
    assert [r["status"] for r in res] == ["rejected", "stored"]
    assert res[0]["reason"].startswith("conflict")

    other = hall.enrol("A02", unit="ZJW")
    stolen = other.chain.next()
    stolen = RatingRecord.from_dict(stolen.to_dict() | {"id": third.id}).with_chain(
        stolen.prev_hash
    )
    res = hall.push(other, [stolen]).json()["results"]
    assert [r["status"] for r in res] == ["rejected"]
    assert sum(c["n"] for c in hall.aggregates("TL").json()["counts"]) == 2


def test_a_kiosk_that_lost_its_token_enrols_again_under_its_id(
    hall: StoreDriver, client: TestClient
) -> None:
    first = hall.enrol("A01", unit="YJJ", terminal="kiosk-9")
    assert hall.push(first, first.chain.many(2)).status_code == 200
    second = hall.enrol("A01", unit="YJJ", terminal="kiosk-9")
    second.chain = first.chain  # the same kiosk, the same chain
    assert second.token != first.token
    third = first.chain.many(1)
    assert hall.push(first, third).status_code == 401  # the old token is over
    r = hall.push(second, third + second.chain.many(1))
    assert r.json()["highest_contiguous_seq"] == 4
    # Moving a kiosk to another window needs a new install id.
    r = client.post("/api/v1/enroll", json={"code": hall.code("A02"), "terminal": "kiosk-9"})
    assert r.status_code == 409
    assert "new install id" in r.json()["detail"]


def test_ratings_naming_a_section_are_counted_for_it_and_older_records_still_sync(
    hall: StoreDriver, kiosk: Enrolled
) -> None:
    old = [kiosk.chain.next(level=5), kiosk.chain.next(level=1, reasons=("tui",))]  # no section
    assert all("section" not in r.to_dict() for r in old)
    new = [
        kiosk.chain.next(level=2, reasons=("leng", "tui"), section="YJJ01"),
        kiosk.chain.next(level=5, section="YJJ01"),
        kiosk.chain.next(level=1, reasons=("lan",), section="YJJ02", flags=("burst",)),
    ]
    r = hall.push(kiosk, [*old, *new])
    assert statuses(r.json()) == ["stored"] * 5, r.text
    agg = hall.aggregates("TL").json()
    assert len(agg["sections"]) == 101
    assert {"code": "YJJ01", "name": "行政审批科", "unit": "YJJ"} in agg["sections"]
    assert agg["section_counts"] == [
        {"section": "YJJ01", "level": 2, "n": 1, "flagged": 0},
        {"section": "YJJ01", "level": 5, "n": 1, "flagged": 0},
        {"section": "YJJ02", "level": 1, "n": 0, "flagged": 1},
    ]
    assert agg["section_reason_counts"] == [
        {"section": "YJJ01", "reason": "leng", "n": 1},
        {"section": "YJJ01", "reason": "tui", "n": 1},
    ]
    # The unit still counts all five (the flagged one apart), sections or not.
    assert sum(c["n"] for c in agg["counts"]) == 4
    r = hall.client.get("/api/v1/admin/ratings", headers=hall.admin)
    assert sorted((x["section"] or "-") for x in r.json()) == ["-", "-", "YJJ01", "YJJ01", "YJJ02"]
    # Released, the flagged one counts for its section too, with its reason.
    r = hall.client.post(f"/api/v1/admin/ratings/{new[2].id}/release", headers=hall.admin)
    assert r.status_code == 200, r.text
    agg = hall.aggregates("TL").json()
    assert {"section": "YJJ02", "level": 1, "n": 1, "flagged": 0} in agg["section_counts"]
    assert {"section": "YJJ02", "reason": "lan", "n": 1} in agg["section_reason_counts"]
