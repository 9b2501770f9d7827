"""A terminal files ratings only for the units and staff its window serves; the rest are kept,
flagged, left out of the scores, shown to the office and releasable (issue 7 §3)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sync.roster import RosterError, parse_roster, parse_rows
from tests.helpers.store import Enrolled, StoreDriver


def _flags(hall: StoreDriver, client: TestClient, who: Enrolled) -> dict[int, list[str]]:
    listed = client.get(
        "/api/v1/admin/ratings", params={"terminal": who.terminal}, headers=hall.admin
    ).json()
    return {r["seq"]: r["server_flags"] for r in listed}


def _counts(hall: StoreDriver, unit: str) -> tuple[int, int]:
    counts = [c for c in hall.aggregates("TL").json()["counts"] if c["unit"] == unit]
    return sum(c["n"] for c in counts), sum(c["flagged"] for c in counts)


def test_a_terminal_cannot_score_a_unit_or_staff_its_window_does_not_serve(
    hall: StoreDriver, kiosk: Enrolled, client: TestClient
) -> None:
    # The probe: a terminal at A01 (unit YJJ) names GAJ (window A18's unit), and staff TL0003
    # of SJJ (window A13).
    records = [
        kiosk.chain.next(5),
        kiosk.chain.next(1, ("leng",), unit="GAJ"),
        kiosk.chain.next(1, ("tui",), unit="SJJ", staff="TL0003"),
        kiosk.chain.next(2, ("lan",), unit="YJJ", staff="TL0003"),
    ]
    r = hall.push(kiosk, records)
    assert [x["status"] for x in r.json()["results"]] == ["stored"] * 4  # kept
    assert _flags(hall, client, kiosk) == {
        1: [],
        2: ["unit_not_served"],
        3: ["unit_not_served", "staff_not_served"],
        4: ["staff_not_served"],
    }
    # Out of the scores: GAJ and SJJ have no scored rating, no reason counted against them.
    assert _counts(hall, "GAJ") == (0, 1)
    assert _counts(hall, "SJJ") == (0, 1)
    assert _counts(hall, "YJJ") == (1, 1)
    reasons = hall.aggregates("TL").json()["reason_counts"]
    assert reasons == []

    # Shown to the office; a release (the office checked: a real citizen) makes it count.
    flagged = client.get(
        "/api/v1/admin/ratings", params={"flagged": True}, headers=hall.admin
    ).json()
    assert sorted(x["seq"] for x in flagged) == [2, 3, 4]
    gaj = next(x for x in flagged if x["seq"] == 2)
    r = client.post(f"/api/v1/admin/ratings/{gaj['id']}/release", headers=hall.admin)
    assert r.status_code == 200 and r.json()["released"] is True
    assert _counts(hall, "GAJ") == (1, 0)


def test_staff_and_units_the_window_serves_count(
    hall: StoreDriver, kiosk: Enrolled, client: TestClient
) -> None:
    records = [
        kiosk.chain.next(5, staff="TL0001"),  # YJJ staff at A01
        kiosk.chain.next(4, unit="TJJ", staff="TL0048"),  # 退役军人事务局, assigned to A01
        # A01 is a combined window (无差别综合窗口, WZB): any WZB unit, and any staff member of
        # another WZB window, may serve there.
        kiosk.chain.next(5, unit="ZJW"),
        kiosk.chain.next(3, unit="JTJ", staff="TL0017"),
    ]
    assert [x["status"] for x in hall.push(kiosk, records).json()["results"]] == ["stored"] * 4
    assert _flags(hall, client, kiosk) == {1: [], 2: [], 3: [], 4: []}
    assert _counts(hall, "ZJW") == (1, 0)


def test_a_window_that_is_not_combined_serves_only_its_own(
    hall: StoreDriver, client: TestClient
) -> None:
    a13 = hall.enrol("A13", unit="SJJ")  # 企业开办专区: a zone of separate windows, not combined
    records = [
        a13.chain.next(5, staff="TL0003"),
        a13.chain.next(5, unit="SWW"),  # the zone's other unit, at its own window A19
        a13.chain.next(5, unit="YJJ", staff="TL0001"),
    ]
    assert [x["status"] for x in hall.push(a13, records).json()["results"]] == ["stored"] * 3
    assert _flags(hall, client, a13) == {
        1: [],
        2: ["unit_not_served"],
        3: ["unit_not_served", "staff_not_served"],
    }


def test_a_new_roster_changes_whom_the_window_serves_at_once(
    hall: StoreDriver, kiosk: Enrolled, client: TestClient, demo_roster_path: Path
) -> None:
    first = kiosk.chain.next(5, unit="GAJ", staff="TL0013")
    assert hall.push(kiosk, [first]).status_code == 200
    # The office moves a 公安局 clerk to window A01.
    text = demo_roster_path.read_text(encoding="utf-8-sig")
    line = next(x for x in text.splitlines() if x.startswith("staff,TL0013,"))
    assert ",GAJ," in line
    moved = text.replace(line, line.replace(",GAJ,A18,", ",GAJ,A01;A18,"))
    r = hall.import_roster(moved.encode())
    assert r.status_code == 200, r.text
    second = kiosk.chain.next(5, unit="GAJ", staff="TL0013")
    assert hall.push(kiosk, [second]).status_code == 200
    assert _flags(hall, client, kiosk) == {1: ["unit_not_served", "staff_not_served"], 2: []}


def test_phone_ratings_name_the_window_s_own_unit_and_are_served(
    hall: StoreDriver, client: TestClient
) -> None:
    r = client.post("/api/v1/public/ratings", json={"window": "A18", "level": 5})
    assert r.status_code == 201, r.text
    listed: list[dict[str, Any]] = client.get(
        "/api/v1/admin/ratings", params={"hall": "TL"}, headers=hall.admin
    ).json()
    assert [(x["unit"], x["server_flags"]) for x in listed] == [("GAJ", [])]


def test_the_roster_says_whom_each_window_serves(demo_roster_path: Path) -> None:
    roster = parse_roster(demo_roster_path)
    assert roster.combined_categories == {"WZB"}
    wzb = {u.code for u in roster.units.values() if u.category == "WZB"}
    assert roster.served_units("A01") >= wzb | {"TJJ"}
    assert "GAJ" not in roster.served_units("A01")
    assert roster.served_units("A18") == {"GAJ"}
    assert roster.served_staff("A13") == {"TL0003", "TL0004"}
    assert {"TL0001", "TL0048", "TL0017"} <= roster.served_staff("A01")
    assert "TL0003" not in roster.served_staff("A01")


def test_a_combined_category_the_roster_lacks_is_refused_by_line_and_column(
    demo_roster_path: Path,
) -> None:
    text = demo_roster_path.read_text(encoding="utf-8-sig")
    bad = text.replace(
        "setting,combined_categories,,,WZB,", "setting,combined_categories,,,WZB;ZZ,"
    )
    with pytest.raises(RosterError) as e:
        parse_rows(enumerate(csv.reader(io.StringIO(bad)), start=1))
    assert [(p.line, p.column) for p in e.value.problems] == [(11, "detail")]
    assert "ZZ" in e.value.problems[0].message
