"""The board's aggregates: counts equal the ratings, quarters in the hall's zone, ETag/304."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from sync.schema import RatingRecord
from tests.helpers.clock import Clock
from tests.helpers.store import Enrolled, StoreDriver


def test_counts_match_the_ratings(hall: StoreDriver, client: TestClient) -> None:
    rng = random.Random(7)
    a01 = hall.enrol("A01", unit="YJJ")
    a02 = hall.enrol("A02", unit="ZJW")
    sent: list[RatingRecord] = []
    for who in (a01, a02):
        records = []
        for _ in range(150):
            level = rng.choice([5, 5, 5, 4, 4, 3, 2, 1])
            reasons = tuple(rng.sample(["leng", "lan", "tui", "H01"], k=2)) if level <= 2 else ()
            flags = ("interval",) if rng.random() < 0.1 else ()
            records.append(who.chain.next(level, reasons, flags=flags))
        for i in range(0, len(records), 40):
            assert hall.push(who, records[i : i + 40]).status_code == 200
        sent += records

    agg = hall.aggregates("TL").json()
    want: Counter[tuple[str, int, bool]] = Counter((r.unit, r.level, bool(r.flags)) for r in sent)
    got: Counter[tuple[str, int, bool]] = Counter()
    for c in agg["counts"]:
        got[(c["unit"], c["level"], False)] += c["n"]
        got[(c["unit"], c["level"], True)] += c["flagged"]
    assert +got == +want

    want_reasons = Counter(
        (r.unit, reason) for r in sent if r.level <= 2 and not r.flags for reason in r.reasons
    )
    got_reasons: Counter[tuple[str, str]] = Counter()
    for c in agg["reason_counts"]:
        got_reasons[(c["unit"], c["reason"])] += c["n"]
    assert got_reasons == want_reasons

    assert {u["code"] for u in agg["units"]} >= {"YJJ", "ZJW"}
    assert len(agg["units"]) == 31
    assert {"WZB", "BDC"} <= {c["code"] for c in agg["categories"]}
    names = {r["code"]: r["name"] for r in agg["reasons"]}
    assert names["leng"] == "冷" and names["H01"] == "等候时间太长"
    assert agg["settings"]["min_ratings"] == "30"
    assert agg["hall"] == {
        "code": "TL",
        "name": "铜梁区市民服务和营商环境促进中心",
        "tz": "Asia/Shanghai",
    }
    assert agg["inspections"] == [] and agg["misconduct"] == []


def test_quarter_and_week_are_local_and_prior_mean_is_last_quarter(
    hall: StoreDriver, app: FastAPI
) -> None:
    clock = Clock(datetime(2026, 9, 1, tzinfo=UTC))
    app.state.clock = clock
    k = hall.enrol("A01", unit="YJJ")
    late_q3 = datetime(2026, 9, 30, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai: still Q3
    early_q4 = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 October: Q4
    records = [
        k.chain.next(5, at=late_q3),
        k.chain.next(3, at=late_q3 + timedelta(minutes=1)),
        k.chain.next(4, at=early_q4),
    ]
    clock.now = datetime(2026, 10, 2, tzinfo=UTC)
    res = hall.push(k, records).json()["results"]
    assert [r["status"] for r in res] == ["stored"] * 3

    q3 = hall.aggregates("TL", "2026Q3").json()
    q4 = hall.aggregates("TL").json()  # the current quarter by the server's clock
    assert q4["quarter"] == "2026Q4"
    assert sorted((c["level"], c["n"]) for c in q3["counts"]) == [(3, 1), (5, 1)]
    assert [(c["level"], c["n"], c["flagged"]) for c in q4["counts"]] == [(4, 1, 0)]
    monday = date(2026, 9, 28).isoformat()  # Wednesday 30 September's Monday
    assert {c["week"] for c in q3["counts"] + q4["counts"]} == {monday}
    assert q4["prior_mean"] == 80.0  # (100 + 60) / 2
    assert q3["prior_mean"] is None


def test_unchanged_quarter_is_a_304(hall: StoreDriver, kiosk: Enrolled, client: TestClient) -> None:
    assert hall.push(kiosk, kiosk.chain.many(3)).status_code == 200
    first = hall.aggregates("TL")
    etag = first.headers["ETag"]
    again = hall.aggregates("TL", **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    assert hall.push(kiosk, kiosk.chain.many(1)).status_code == 200
    changed = hall.aggregates("TL", **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert sum(c["n"] for c in changed.json()["counts"]) == 4
    # A retried batch changes nothing the board sees … but costs no full answer either.
    etag2 = changed.headers["ETag"]
    assert hall.aggregates("TL", **{"If-None-Match": etag2}).status_code == 304


def test_board_limited_to_one_hall(hall: StoreDriver, client: TestClient) -> None:
    r = client.post("/api/v1/admin/board-credentials", json={"hall": "TL"}, headers=hall.admin)
    board = {"Authorization": f"Bearer {r.json()['token']}"}
    assert client.get("/api/v1/halls", headers=board).json() == [
        {"code": "TL", "name": "铜梁区市民服务和营商环境促进中心", "tz": "Asia/Shanghai"}
    ]
    assert client.get("/api/v1/halls/NN/aggregates", headers=board).status_code == 403
    assert client.get("/api/v1/halls/NN/aggregates", headers=hall.admin).status_code == 404
    r = client.get("/api/v1/halls/TL/aggregates?quarter=2026Q5", headers=board)
    assert r.status_code == 422
    assert "quarter" in r.json()["detail"]


def test_clock_flags_and_release(hall: StoreDriver, app: FastAPI, client: TestClient) -> None:
    clock = Clock(datetime(2026, 8, 3, 2, 0, tzinfo=UTC))
    app.state.clock = clock
    k = hall.enrol("A01", unit="YJJ")
    clock.now = datetime(2026, 8, 10, 2, 0, tzinfo=UTC)
    t = datetime(2026, 8, 10, 1, 0, tzinfo=UTC)
    records = [
        k.chain.next(5, at=t),
        k.chain.next(5, at=t - timedelta(hours=2)),  # goes backwards against seq
        k.chain.next(4, at=t + timedelta(days=400)),  # far future
        k.chain.next(4, at=datetime(2023, 5, 1, tzinfo=UTC)),  # long before enrolment
        k.chain.next(1, ("leng",), at=t + timedelta(minutes=5)),
        k.chain.next(5, at=t + timedelta(minutes=6), unit="NOSUCH"),
    ]
    res = hall.push(k, records).json()["results"]
    assert [r["status"] for r in res] == ["stored"] * 6

    listed = client.get(
        "/api/v1/admin/ratings", params={"terminal": k.terminal}, headers=hall.admin
    ).json()
    by_seq: dict[int, Any] = {r["seq"]: r for r in listed}
    assert by_seq[1]["server_flags"] == []
    assert by_seq[2]["server_flags"] == ["clock_backwards"]
    assert by_seq[3]["server_flags"] == ["clock_future"]
    assert by_seq[4]["server_flags"] == ["clock_before_enrolment"]
    assert by_seq[5]["server_flags"] == []
    assert by_seq[6]["server_flags"] == ["unknown_unit"]
    # Device times are kept exactly as sent; quarters of untrusted clocks follow the server's.
    assert [by_seq[s]["device_time"] for s in range(1, 7)] == [r.device_time for r in records]
    assert by_seq[3]["quarter"] == by_seq[4]["quarter"] == "2026Q3"

    agg = hall.aggregates("TL", "2026Q3").json()
    yjj = [c for c in agg["counts"] if c["unit"] == "YJJ"]
    assert sum(c["n"] for c in yjj) == 2 and sum(c["flagged"] for c in yjj) == 3
    assert agg["reason_counts"] == [{"unit": "YJJ", "week": "2026-08-10", "reason": "leng", "n": 1}]

    flagged = client.get(
        "/api/v1/admin/ratings", params={"flagged": True}, headers=hall.admin
    ).json()
    assert sorted(r["seq"] for r in flagged) == [2, 3, 4, 6]
    r = client.post(f"/api/v1/admin/ratings/{by_seq[2]['id']}/release", headers=hall.admin)
    assert r.status_code == 200 and r.json()["released"] is True
    again = client.post(f"/api/v1/admin/ratings/{by_seq[2]['id']}/release", headers=hall.admin)
    assert again.status_code == 200  # idempotent: counted once
    not_flagged = client.post(
        f"/api/v1/admin/ratings/{by_seq[1]['id']}/release", headers=hall.admin
    )
    assert not_flagged.status_code == 409
    yjj = [c for c in hall.aggregates("TL", "2026Q3").json()["counts"] if c["unit"] == "YJJ"]
    assert sum(c["n"] for c in yjj) == 3 and sum(c["flagged"] for c in yjj) == 2


def test_seq_gaps_and_chain_breaks_are_shown_to_the_admin(
    hall: StoreDriver, kiosk: Enrolled
) -> None:
    recs = kiosk.chain.many(8)
    assert hall.push(kiosk, recs[:3] + recs[5:7]).json()["highest_contiguous_seq"] == 3
    gaps = hall.anomalies(kiosk.terminal)
    assert [(a["kind"], a["seq_from"], a["seq_to"]) for a in gaps] == [("seq_gap", 4, 5)]

    # seq 8 re-hashed onto a made-up predecessor: its own hash is fine, its link is not.
    bad8 = RatingRecord.from_dict(recs[7].to_dict()).with_chain("f" * 64)
    r = hall.push(kiosk, [recs[3], bad8]).json()
    assert r["highest_contiguous_seq"] == 4
    kinds = {(a["kind"], a["seq_from"], a["seq_to"]) for a in hall.anomalies(kiosk.terminal)}
    assert kinds == {("seq_gap", 4, 5), ("chain_break", 8, 8)}

    assert hall.push(kiosk, [recs[4]]).json()["highest_contiguous_seq"] == 8
    open_now = {(a["kind"], a["seq_from"]) for a in hall.anomalies(kiosk.terminal)}
    assert open_now == {("chain_break", 8)}
    everything = hall.anomalies(kiosk.terminal, include_resolved=True)
    gap = next(a for a in everything if a["kind"] == "seq_gap")
    assert gap["resolved_at"] is not None
