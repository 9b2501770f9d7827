"""Roster import (CSV, XLSX, refused files) and a terminal's window roster with its ETag."""

from __future__ import annotations

import io
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import Workbook

from tests.helpers.store import Enrolled, StoreDriver

API = "/api/v1"


def demo_text(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig")


def test_demo_roster_imports_with_a_summary(store: StoreDriver, demo_roster_path: Path) -> None:
    r = store.import_roster(demo_roster_path)
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["hall"], s["tz"], s["hall_created"]) == ("TL", "Asia/Shanghai", True)
    assert s["units"] == {"total": 31, "added": 31, "updated": 0, "removed": 0}
    assert s["items"]["total"] == 12 and s["closures"] == 1
    again = store.import_roster(demo_roster_path).json()
    assert again["hall_created"] is False
    assert again["units"] == {"total": 31, "added": 0, "updated": 0, "removed": 0}
    assert s["sections"] == {"total": 101, "added": 101, "updated": 0, "removed": 0}


def test_sections_are_checked_against_their_units(
    hall: StoreDriver, demo_roster_path: Path
) -> None:
    lines = demo_text(demo_roster_path).splitlines()
    n = len(lines)
    text = "\n".join(lines) + (
        "\nsection,ZZ01,某科,NOSUCHUNIT,,,"  # n + 1: unknown unit
        "\nwindow,B01,B1号窗口,YJJ,WZB,,SJJ01"  # n + 2: a section of another unit
        "\nstaff,TL9001,新同事,SJJ,A13,,NOPE"  # n + 3: no such section
        "\nunit,U2,某单位,WZB,,,YJJ01\n"  # n + 4: units name no section
    )
    r = hall.import_roster(text.encode(), "sections.csv")
    assert r.status_code == 422
    got = {(p["line"], p["column"]): p["message"] for p in r.json()["problems"]}
    assert set(got) == {
        (n + 1, "parent"),
        (n + 2, "section"),
        (n + 3, "section"),
        (n + 4, "section"),
    }
    assert "belongs to unit 'SJJ'" in got[(n + 2, "section")]


def test_a_roster_without_the_section_column_still_imports(
    store: StoreDriver, demo_roster_path: Path, client: TestClient
) -> None:
    rows = [ln.rsplit(",", 1)[0] for ln in demo_text(demo_roster_path).splitlines()]
    rows = [r for r in rows if not r.startswith("section,")]
    r = store.import_roster("\n".join(rows).encode(), "old.csv")
    assert r.status_code == 200, r.text
    assert r.json()["sections"]["total"] == 0
    agg = client.get(f"{API}/halls/TL/aggregates", headers=store.admin).json()
    assert agg["sections"] == [] and len(agg["units"]) == 31


def test_bad_roster_names_every_problem_and_applies_nothing(
    hall: StoreDriver, kiosk: Enrolled, client: TestClient, demo_roster_path: Path
) -> None:
    before = client.get(f"{API}/terminal/roster", headers=kiosk.headers)
    lines = demo_text(demo_roster_path).splitlines()
    # A renamed staff member (would be an update) plus two broken rows.
    text = "\n".join(lines).replace("王小琴", "王小琴改")
    text += "\nunit,NEW,新单位,NOSUCHCAT,,\nhours,xyz,,,08:00-17:00,\n"
    r = hall.import_roster(text.encode(), "edited.csv")
    assert r.status_code == 422
    body = r.json()
    assert "nothing applied" in body["detail"]
    problems = {(p["line"], p["column"]) for p in body["problems"]}
    n = len(lines)
    assert problems == {(n + 1, "parent"), (n + 2, "code")}
    assert any("NOSUCHCAT" in p["message"] for p in body["problems"])
    after = client.get(f"{API}/terminal/roster", headers=kiosk.headers)
    assert after.json() == before.json()
    assert "王小琴" in {s["name"] for s in after.json()["staff"]}


def test_inspection_items_and_closed_days_are_checked(
    hall: StoreDriver, demo_roster_path: Path
) -> None:
    lines = demo_text(demo_roster_path).splitlines()
    n = len(lines)
    text = "\n".join(lines) + (
        "\nitem,nap,睡岗,sleep,-2,"  # no such dimension
        "\nitem,gift,收礼,纪律,-x,"  # neither a dimension nor points
        "\nitem,hat,帽子,服务形象,-1,"  # fine: the Chinese dimension name
        "\nclosed,2026-13-01,搬迁,,,"  # no such date
        "\nclosed,2027-01-04,搬迁,,,\n"  # fine
    )
    r = hall.import_roster(text.encode(), "items.csv")
    assert r.status_code == 422
    problems = {(p["line"], p["column"]) for p in r.json()["problems"]}
    assert problems == {(n + 1, "parent"), (n + 2, "parent"), (n + 4, "code")}
    ok = "\n".join(lines) + "\nitem,hat,帽子,服务形象,-1,\nclosed,2027-01-04,搬迁,,,\n"
    s = hall.import_roster(ok.encode(), "items.csv").json()
    assert s["items"] == {"total": 13, "added": 1, "updated": 0, "removed": 0}
    assert s["closures"] == 2


def test_holiday_and_workday_rows_are_checked_and_read_back(
    hall: StoreDriver, demo_roster_path: Path
) -> None:
    lines = demo_text(demo_roster_path).splitlines()
    n = len(lines)
    bad = "\n".join(lines) + (
        "\nholiday,2027-02-30,春节,,,"  # no such date
        "\nholiday,2027-02-06,春节,,,"
        "\nworkday,2027-02-06,春节调休,,,\n"  # the same day both ways
    )
    r = hall.import_roster(bad.encode(), "days.csv")
    assert r.status_code == 422
    problems = {(p["line"], p["column"]) for p in r.json()["problems"]}
    assert problems == {(n + 1, "code"), (n + 3, "code")}
    ok = "\n".join(lines) + "\nholiday,2027-01-01,元旦,,,\nworkday,2027-01-03,元旦调休,,,\n"
    s = hall.import_roster(ok.encode(), "days.csv").json()
    assert (s["holidays"], s["workdays"]) == (1, 1)
    back = hall.client.get(f"{API}/admin/halls/TL/roster", headers=hall.admin).json()
    assert back["holidays"] == {"2027-01-01": "元旦"}
    assert back["workdays"] == {"2027-01-03": "元旦调休"}


def test_garbage_files_are_422_never_500(hall: StoreDriver) -> None:
    for data, name in [
        (b"", "empty.csv"),
        (b"\xff\xfe\x00garbage", "x.csv"),
        (b"PK\x03\x04 not really a zip", "x.xlsx"),
        (b"kind,code\nhall,\x00,,\n", "nul.csv"),
        (b"just,some,columns\n1,2,3\n", "cols.csv"),
    ]:
        r = hall.import_roster(data, name)
        assert r.status_code == 422, (name, r.text)
        assert r.json()["problems"], name


def test_xlsx_roster_imports(store: StoreDriver, demo_roster_path: Path) -> None:
    import csv

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in csv.reader(io.StringIO(demo_text(demo_roster_path))):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    r = store.import_roster(buf.getvalue(), "demo.xlsx")
    assert r.status_code == 200, r.text
    assert r.json()["windows"]["total"] > 0


def test_reimport_updates_and_removes(hall: StoreDriver, demo_roster_path: Path) -> None:
    lines = demo_text(demo_roster_path).splitlines()
    kept = [ln for ln in lines if not ln.startswith("staff,TL0002,")]
    text = "\n".join(kept).replace("王小琴", "王晓琴")
    s = hall.import_roster(text.encode(), "v2.csv").json()
    assert s["staff"]["removed"] == 1
    assert s["staff"]["updated"] == 1


def test_terminal_gets_its_window_roster_with_etag(
    hall: StoreDriver, kiosk: Enrolled, client: TestClient, demo_roster_path: Path
) -> None:
    r = client.get(f"{API}/terminal/roster", headers=kiosk.headers)
    assert r.status_code == 200
    roster = r.json()
    assert [w["code"] for w in roster["windows"]] == ["A01"]
    assert {s["code"] for s in roster["staff"]} == {"TL0001", "TL0002", "TL0048"}
    assert {u["code"] for u in roster["units"]} == {"YJJ", "TJJ"}  # a combined window
    assert roster["hall"]["tz"] == "Asia/Shanghai"
    assert roster["hours"]["mon"] == "08:20-17:30"
    assert roster["settings"]["min_interval_s"] == "3"
    assert "H01" in {x["code"] for x in roster["reasons"]}
    etag = r.headers["ETag"]

    same = client.get(f"{API}/terminal/roster", headers=kiosk.headers | {"If-None-Match": etag})
    assert same.status_code == 304
    assert same.content == b""

    # Another window's change leaves this window's roster (and ETag) alone …
    text = demo_text(demo_roster_path).replace("张国栋", "张国梁")
    assert hall.import_roster(text.encode(), "v2.csv").status_code == 200
    r = client.get(f"{API}/terminal/roster", headers=kiosk.headers | {"If-None-Match": etag})
    assert r.status_code == 304
    # … a change at this window gives a new one.
    text = text.replace("王小琴", "王晓琴")
    assert hall.import_roster(text.encode(), "v3.csv").status_code == 200
    r = client.get(f"{API}/terminal/roster", headers=kiosk.headers | {"If-None-Match": etag})
    assert r.status_code == 200
    assert r.headers["ETag"] != etag
    assert "王晓琴" in {s["name"] for s in r.json()["staff"]}


def test_admin_and_board_cannot_read_a_terminal_roster(
    hall: StoreDriver, client: TestClient
) -> None:
    r = client.get(f"{API}/terminal/roster", headers=hall.admin)
    assert r.status_code == 403
    assert r.json() == {"detail": "this needs a terminal credential"}


def test_admin_reads_the_whole_roster_back_and_it_round_trips_as_xlsx(
    hall: StoreDriver, client: TestClient, kiosk: Enrolled, demo_roster_path: Path
) -> None:
    from sync.roster import Roster, parse_roster, parse_roster_bytes

    r = client.get(f"{API}/admin/halls/TL/roster", headers=hall.admin)
    assert r.status_code == 200, r.text
    roster = Roster.from_dict(r.json())
    assert roster.to_dict() == parse_roster(demo_roster_path).to_dict()
    assert len(roster.units) == 31
    # What the console saves as XLSX is a file the import accepts unchanged.
    again = parse_roster_bytes(roster.to_xlsx(), "saved.xlsx")
    assert again.to_dict() == roster.to_dict()
    r = hall.import_roster(roster.to_xlsx(), "saved.xlsx")
    assert r.status_code == 200, r.text
    assert r.json()["units"] == {"total": 31, "added": 0, "updated": 0, "removed": 0}

    def status(hall_code: str, headers: dict[str, str]) -> int:
        return client.get(f"{API}/admin/halls/{hall_code}/roster", headers=headers).status_code

    assert status("XX", hall.admin) == 404
    assert status("TL", kiosk.headers) == 403
    # Every operator of the hall reads it (an inspector picks units and staff from it) …
    for name, role, unit in (
        ("o1", "office", None),
        ("i1", "inspector", None),
        ("u1", "unit", "YJJ"),
    ):
        assert status("TL", hall.operator(name, role, unit=unit).headers) == 200
    # … an operator of another hall does not.
    other = demo_text(demo_roster_path).replace("hall,TL,", "hall,T2,", 1).encode()
    assert hall.import_roster(other, "t2.csv").status_code == 200
    assert status("TL", hall.operator("o2", "office", halls=("T2",)).headers) == 403
    assert status("T%20L", hall.admin) == 422
