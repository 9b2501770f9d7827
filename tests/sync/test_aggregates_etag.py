"""The aggregates' ETag changes with everything a quarter's board shows, and only then.

Ingest takes no per-hall lock for it: the ETag follows the rollups' sums (every stored rating
raises one) and the hall's ``data_version`` (roster imports, released ratings).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.helpers.clock import Clock
from tests.helpers.store import StoreDriver


def _etag(hall: StoreDriver, quarter: str, previous: str | None = None) -> tuple[int, str]:
    headers = {"If-None-Match": previous} if previous else {}
    r = hall.aggregates("TL", quarter, **headers)
    return r.status_code, r.headers["ETag"]


def test_late_rating_of_last_quarter_changes_this_quarter_prior_mean(
    hall: StoreDriver, app: FastAPI
) -> None:
    clock = Clock(datetime(2026, 9, 1, tzinfo=UTC))
    app.state.clock = clock
    k = hall.enrol("A01", unit="YJJ")
    # seq 1 is a rating of September (Q3) that the kiosk, offline then, sends only after seq 2.
    late = k.chain.next(1, ("leng",), at=datetime(2026, 9, 20, 2, tzinfo=UTC))
    first = k.chain.next(5, at=datetime(2026, 10, 1, 2, tzinfo=UTC))
    clock.now = datetime(2026, 10, 2, tzinfo=UTC)
    assert hall.push(k, [first]).status_code == 200
    _, q4 = _etag(hall, "2026Q4")
    _, q2 = _etag(hall, "2026Q2")
    assert hall.push(k, [late]).json()["results"][0]["status"] == "stored"
    status, changed = _etag(hall, "2026Q4", q4)
    assert status == 200 and changed != q4
    assert hall.aggregates("TL", "2026Q4").json()["prior_mean"] == 20.0
    # A quarter whose data (and prior mean) it does not touch keeps its ETag: a cheap 304.
    assert _etag(hall, "2026Q2", q2) == (304, q2)


def test_release_and_retry(hall: StoreDriver, client: TestClient) -> None:
    k = hall.enrol("A01", unit="YJJ")
    flagged = k.chain.next(5, flags=("interval",))
    batch = [k.chain.next(4), flagged]
    assert hall.push(k, batch).status_code == 200
    quarter = hall.aggregates("TL").json()["quarter"]
    _, etag = _etag(hall, quarter)
    # A retried batch (all duplicates) changes nothing: still a 304.
    res = hall.push(k, batch).json()["results"]
    assert [r["status"] for r in res] == ["duplicate", "duplicate"]
    assert _etag(hall, quarter, etag) == (304, etag)
    # Releasing moves a count from flagged to scored (the total stays): the ETag changes.
    r = client.post(f"/api/v1/admin/ratings/{flagged.id}/release", headers=hall.admin)
    assert r.status_code == 200
    status, after = _etag(hall, quarter, etag)
    assert status == 200 and after != etag
    counts = hall.aggregates("TL").json()["counts"]
    assert sum(c["n"] for c in counts) == 2 and sum(c["flagged"] for c in counts) == 0
    # Every further stored rating changes it again.
    assert hall.push(k, [k.chain.next(3)]).status_code == 200
    assert _etag(hall, quarter, after)[0] == 200
