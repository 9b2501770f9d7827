"""The hall office's records through the API and ``sync.client.OfficeClient``: 差评 cases on
working-day deadlines, inspections, misconduct, appeals, flagged ratings, publishing a quarter.

Due dates are written out by hand (2026: 中秋 25–27 Sep and 国庆 1–7 Oct off, make-up working
days Sun 20 Sep and Sat 10 Oct). Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from board.published import standings_of, standings_to_dict
from board.standings import compute_standings
from sync.client import ApiError, OfficeClient
from sync.publish import aggregates_digest
from sync.server.core.db import Database, alembic_config, run_migrations
from sync.server.main import create_app
from tests.helpers.store import Enrolled, StoreDriver
from tests.sync.conftest import admin_token_of, make_settings

SH = ZoneInfo("Asia/Shanghai")
PHONE = "13912345678"


class Clock:
    """The server's clock, set by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    # Wednesday 30 September 2026, 10:00 in the hall: the day before the National Day week.
    c = Clock(datetime(2026, 9, 30, 10, 0, tzinfo=SH))
    app.state.clock = c
    return c


@pytest.fixture
def office(client: TestClient, hall: StoreDriver, clock: Clock) -> Iterator[OfficeClient]:
    """The office's client, over the app in process (the admin token passes every role)."""
    with OfficeClient("http://testserver", hall.admin_token, transport=client._transport) as c:
        yield c


@pytest.fixture
def a01(hall: StoreDriver, clock: Clock) -> Enrolled:
    k = hall.enrol("A01", unit="YJJ")
    k.chain.clock = clock.now - timedelta(minutes=10)
    return k


def rate(
    hall: StoreDriver, k: Enrolled, clock: Clock, *records_args: dict[str, object]
) -> list[str]:
    """Push ratings made now (device time = server time); their ids."""
    records = [k.chain.next(at=clock.now, **args) for args in records_args]  # type: ignore[arg-type]
    r = hall.push(k, records)
    assert r.status_code == 200, r.text
    assert all(x["status"] == "stored" for x in r.json()["results"]), r.text
    return [rec.id for rec in records]


def counts_of(aggregates: dict[str, object], unit: str) -> tuple[int, int]:
    rows = [c for c in aggregates["counts"] if c["unit"] == unit]  # type: ignore[attr-defined, index]
    return sum(c["n"] for c in rows), sum(c["flagged"] for c in rows)


# ------------------------------------------------------------------ 差评 cases


def test_every_scored_bad_rating_opens_a_case_due_in_working_days(
    hall: StoreDriver, a01: Enrolled, clock: Clock, office: OfficeClient
) -> None:
    with_phone, without, _good, _flagged = rate(
        hall,
        a01,
        clock,
        {"level": 1, "reasons": ("tui",), "phone": PHONE},
        {"level": 2, "reasons": ("leng",)},
        {"level": 5},
        {"level": 1, "flags": ("burst",)},  # flagged: no case until released
    )
    cases = {c["rating"]: c for c in office.cases()}
    assert set(cases) == {with_phone, without}
    c = cases[with_phone]
    assert (c["status"], c["quarter"], c["day"], c["unit"]) == (
        "new",
        "2026Q3",
        "2026-09-30",
        "YJJ",
    )
    # Call back within 1 working day: 1-7 October are holidays -> Thursday 8 October.
    assert c["callback_due"] == "2026-10-08"
    # Rectify within 15: Oct 8, 9, 10 (make-up Saturday), 12-16, 19-23, 26, 27.
    assert c["rectify_due"] == "2026-10-27"
    assert (c["next_step"], c["next_due"], c["overdue"]) == ("called_back", "2026-10-08", [])
    # Nobody to call back without a phone number: no call-back deadline, rectify next.
    d = cases[without]
    assert (d["callback_due"], d["rectify_due"], d["next_step"]) == (
        None,
        "2026-10-27",
        "rectified",
    )
    assert d["has_phone"] is False and c["has_phone"] is True
    # The office sees the number, on the case.
    assert office.case(c["id"])["phone"] == PHONE


def test_steps_go_in_order_with_notes_and_overdue_cases_come_first(
    hall: StoreDriver, a01: Enrolled, clock: Clock, office: OfficeClient
) -> None:
    (early,) = rate(hall, a01, clock, {"level": 1, "reasons": ("tui",), "phone": PHONE})
    clock.now = datetime(2026, 10, 9, 9, 0, tzinfo=SH)  # Friday after the holiday week
    a01.chain.clock = clock.now - timedelta(minutes=5)
    (late,) = rate(hall, a01, clock, {"level": 2, "reasons": ("lan",), "phone": "02345678901"})
    first, second = office.cases(status="open")
    # The older case is past its call-back date (8 Oct) and due first; the new one is due on
    # the make-up Saturday 10 October.
    assert (first["rating"], first["overdue"]) == (early, ["called_back"])
    assert (second["rating"], second["callback_due"], second["overdue"]) == (late, "2026-10-10", [])
    assert [c["rating"] for c in office.cases(overdue=True)] == [early]

    cid = first["id"]
    with pytest.raises(ApiError) as e:
        office.case_step(cid, "rectified", "增开窗口")  # it has a phone: call back first
    assert e.value.status == 409 and "called_back" in e.value.detail
    with pytest.raises(ApiError) as e:
        office.case_step(cid, "called_back", "   ")
    assert e.value.status == 422
    called = office.case_step(
        cid, "called_back", "已致电，群众反映被要求重复提交材料", at=clock.now - timedelta(hours=1)
    )
    assert called["status"] == "called_back"
    assert called["steps"][0]["late"] is True  # done on 9 Oct, due 8 Oct
    assert called["steps"][0]["by"] == "admin"
    assert called["overdue"] == []
    office.case_step(cid, "rectified", "一次性告知清单已更新，窗口人员已培训")
    closed = office.case_step(cid, "closed", "已电话告知整改结果，群众表示满意")
    assert [s["step"] for s in closed["steps"]] == ["called_back", "rectified", "closed"]
    assert closed["next_step"] is None
    with pytest.raises(ApiError) as e:
        office.case_step(cid, "closed", "again")
    assert e.value.status == 409
    with pytest.raises(ApiError) as e:
        office.case_step(cid + 100, "called_back", "x")
    assert e.value.status == 404
    assert [c["id"] for c in office.cases(status="closed")] == [cid]
    assert [c["id"] for c in office.cases(unit="YJJ", status="new")] == [second["id"]]


def test_deadlines_count_from_the_day_the_citizen_rated_not_the_day_it_arrived(
    hall: StoreDriver, a01: Enrolled, clock: Clock, office: OfficeClient
) -> None:
    # Rated on Wednesday 30 September; the kiosk was offline over the holiday and synced on
    # Friday 9 October: the call back was due on Thursday 8 October, so it is overdue at once.
    rated = clock.now
    clock.now = datetime(2026, 10, 9, 8, 30, tzinfo=SH)
    r = hall.push(a01, [a01.chain.next(level=1, reasons=("tui",), phone=PHONE, at=rated)])
    assert r.status_code == 200
    (c,) = office.cases()
    assert (c["day"], c["callback_due"], c["overdue"]) == (
        "2026-09-30",
        "2026-10-08",
        ["called_back"],
    )
    assert c["received_at"].startswith("2026-10-09")


def test_a_closure_day_moves_the_deadline_and_an_unknown_year_is_shown_not_guessed(
    hall: StoreDriver, a01: Enrolled, clock: Clock, office: OfficeClient, demo_roster_path: Path
) -> None:
    # The demo roster closes the hall on Monday 28 December 2026 (year-end maintenance).
    clock.now = datetime(2026, 12, 25, 15, 0, tzinfo=SH)  # a Friday
    a01.chain.clock = clock.now - timedelta(minutes=5)
    rate(hall, a01, clock, {"level": 1, "reasons": ("tui",), "phone": PHONE})
    (c,) = office.cases()
    assert c["callback_due"] == "2026-12-29"  # not Mon 28 (closed): Tuesday 29
    # 15 working days run into 2027, which the installed chinesecalendar does not know yet.
    assert c["rectify_due"] is None
    assert "2027" in c["deadline_problem"] and "chinesecalendar" in c["deadline_problem"]


def test_the_phone_number_never_reaches_the_log(
    hall: StoreDriver,
    a01: Enrolled,
    clock: Clock,
    office: OfficeClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    rate(hall, a01, clock, {"level": 1, "reasons": ("tui",), "phone": PHONE})
    (c,) = office.cases()
    office.case_step(c["id"], "called_back", "已回访")
    office.case(c["id"])
    assert PHONE not in caplog.text
    # The flagged-ratings list says whether there is a number, never the number.
    rate(hall, a01, clock, {"level": 2, "phone": PHONE, "flags": ("burst",)})
    (f,) = office.flagged()
    assert f["has_phone"] is True and PHONE not in str(f)


# ------------------------------------------------------------------ inspections, misconduct


def test_inspections_fill_in_from_the_roster_items_and_move_the_standings(
    hall: StoreDriver, clock: Clock, office: OfficeClient
) -> None:
    late = office.record_inspection("TL", "CGJ", date(2026, 9, 14), item="late", note="8:35 到岗")
    assert (late["dimension"], late["points"], late["what"], late["quarter"]) == (
        "discipline",
        -1.0,
        "迟到",
        "2026Q3",
    )
    assert late["recorded_by"] == "admin"
    praise = office.record_inspection(
        "TL",
        "SWJ",
        date(2026, 9, 15),
        dimension="服务行为",
        points=2,
        what="群众送锦旗",
        staff="TL0011",
    )
    assert praise["dimension"] == "behaviour"
    agg = hall.aggregates("TL", "2026Q3").json()
    assert {(i["unit"], i["dimension"], i["points"]) for i in agg["inspections"]} == {
        ("CGJ", "discipline", -1.0),
        ("SWJ", "behaviour", 2.0),
    }
    cgj = compute_standings(agg).unit("CGJ")
    assert (cgj.discipline, cgj.deductions("discipline")) == (99, -1)
    assert any("迟到（8:35 到岗） −1" in line for line in cgj.explanation)

    voided = office.void_inspection(late["id"], "记错单位")
    assert voided["void_reason"] == "记错单位" and voided["voided_at"]
    agg = hall.aggregates("TL", "2026Q3").json()
    assert [i["unit"] for i in agg["inspections"]] == ["SWJ"]
    assert [i["id"] for i in office.inspections(quarter="2026Q3", include_voided=True)] == [
        praise["id"],
        late["id"],
    ]
    assert [i["id"] for i in office.inspections(quarter="2026Q3")] == [praise["id"]]
    with pytest.raises(ApiError) as e:
        office.void_inspection(late["id"], "again")
    assert e.value.status == 409

    for kwargs, words in [
        ({"unit": "NOPE", "item": "late"}, "no unit NOPE"),
        ({"unit": "CGJ", "item": "nap"}, "no inspection item nap"),
        ({"unit": "CGJ", "item": "late", "staff": "TL0011"}, "belongs to unit SWJ"),
        ({"unit": "CGJ", "dimension": "image", "points": 0, "what": "x"}, "non-zero"),
        ({"unit": "CGJ", "what": "x", "points": -1}, "dimension"),
    ]:
        with pytest.raises(ApiError) as e:
            office.record_inspection("TL", day=date(2026, 9, 14), **kwargs)  # type: ignore[arg-type]
        assert e.value.status == 422 and words in e.value.detail, (kwargs, e.value.detail)
    with pytest.raises(ApiError) as e:
        office.record_inspection("TL", "CGJ", date(2026, 10, 1), item="late")  # tomorrow
    assert e.value.status == 422 and "future" in e.value.detail


def test_verified_misconduct_puts_a_unit_on_the_black_list_and_says_why(
    hall: StoreDriver, clock: Clock, office: OfficeClient
) -> None:
    row = office.record_misconduct(
        "TL",
        "SWJ",
        date(2026, 9, 3),
        "窗口人员收受办事群众财物",
        "区纪委监委驻厅纪检组",
        "投诉 0903-01",
    )
    agg = hall.aggregates("TL", "2026Q3").json()
    assert agg["misconduct"] == ["SWJ"]
    st = compute_standings(agg)
    swj = st.unit("SWJ")
    assert swj.status == "black" and [e.unit_code for e in st.black_list] == ["SWJ"]
    assert any(
        "窗口人员收受办事群众财物（投诉 0903-01；区纪委监委驻厅纪检组）" in x
        for x in swj.explanation
    )
    office.void_misconduct(row["id"], "同名单位录入错误")
    assert hall.aggregates("TL", "2026Q3").json()["misconduct"] == []


# ------------------------------------------------------------------ appeals, flagged ratings


def test_an_accepted_appeal_takes_the_rating_out_of_the_scores_and_closes_the_case(
    hall: StoreDriver, a01: Enrolled, clock: Clock, office: OfficeClient
) -> None:
    kept, appealed, rejected = rate(
        hall,
        a01,
        clock,
        {"level": 5},
        {"level": 1, "reasons": ("tui",), "phone": PHONE},
        {"level": 2, "reasons": ("leng",)},
    )
    assert counts_of(hall.aggregates("TL", "2026Q3").json(), "YJJ") == (3, 0)
    with pytest.raises(ApiError) as e:
        office.file_appeal(kept, "好评也想申诉")
    assert e.value.status == 409 and "not a 差评" in e.value.detail

    a = office.file_appeal(appealed, "系统故障导致无法办理，非工作人员原因")
    b = office.file_appeal(rejected, "群众误操作")
    assert a["status"] == "pending" and a["unit"] == "YJJ"
    with pytest.raises(ApiError) as e:
        office.file_appeal(appealed, "again")
    assert e.value.status == 409
    assert [x["id"] for x in office.appeals(status="pending")] == [a["id"], b["id"]]

    done = office.decide_appeal(a["id"], True, "核实系统故障记录属实")
    assert (done["status"], done["decided_by"], done["decision_note"]) == (
        "accepted",
        "admin",
        "核实系统故障记录属实",
    )
    office.decide_appeal(b["id"], False, "录像显示工作人员态度生硬")
    with pytest.raises(ApiError) as e:
        office.decide_appeal(b["id"], True, "改判")
    assert e.value.status == 409

    agg = hall.aggregates("TL", "2026Q3").json()
    assert counts_of(agg, "YJJ") == (2, 1)  # the appealed 差评 is kept, not scored
    assert agg["appealed"] == [{"unit": "YJJ", "n": 1}]
    yjj = compute_standings(agg).unit("YJJ")
    assert (
        yjj.negative == 1 and "另有 1 条差评经申诉复核核销，保留备查，未计分。" in yjj.explanation
    )
    cases = {c["rating"]: c for c in office.cases()}
    assert cases[appealed]["status"] == "closed"
    assert cases[appealed]["appeal"]["status"] == "accepted"
    assert cases[appealed]["steps"][-1]["note"].startswith("申诉复核通过")
    assert cases[rejected]["status"] == "new"


def test_an_appeal_after_the_window_is_refused(
    hall: StoreDriver, a01: Enrolled, clock: Clock, office: OfficeClient
) -> None:
    (rid,) = rate(hall, a01, clock, {"level": 1, "reasons": ("tui",)})
    # 5 working days after Wed 30 Sep: Oct 8, 9, 10, 12, 13 -> the last day is Tuesday 13 Oct.
    clock.now = datetime(2026, 10, 13, 17, 0, tzinfo=SH)
    a = office.file_appeal(rid, "理由")
    assert a["status"] == "pending"
    (rid2,) = rate(hall, a01, datetime_clock(clock, 2026, 9, 30), {"level": 2})
    clock.now = datetime(2026, 10, 14, 9, 0, tzinfo=SH)
    with pytest.raises(ApiError) as e:
        office.file_appeal(rid2, "理由")
    assert e.value.status == 409 and "2026-10-13" in e.value.detail


def datetime_clock(clock: Clock, y: int, m: int, d: int) -> Clock:
    """Set the clock back to a day (10:00) and return it."""
    clock.now = datetime(y, m, d, 10, 30, tzinfo=SH)
    return clock


def test_flagged_ratings_are_released_or_confirmed_excluded_with_a_note(
    hall: StoreDriver, a01: Enrolled, clock: Clock, office: OfficeClient
) -> None:
    burst, clock_bad = rate(
        hall,
        a01,
        clock,
        {"level": 5, "flags": ("burst",)},
        {"level": 1, "reasons": ("tui",), "flags": ("clock",)},
    )
    assert {f["id"]: f["state"] for f in office.flagged()} == {
        burst: "pending",
        clock_bad: "pending",
    }
    assert office.cases() == []
    excluded = office.decide_flagged(burst, "exclude", "同一人连按")
    assert (excluded["state"], excluded["note"]) == ("excluded", "同一人连按")
    released = office.decide_flagged(clock_bad, "release", "终端时钟错误，评价真实")
    assert released["state"] == "released"
    with pytest.raises(ApiError) as e:
        office.decide_flagged(clock_bad, "exclude", "x")
    assert e.value.status == 409
    assert [f["id"] for f in office.flagged(state="pending")] == []
    assert counts_of(hall.aggregates("TL", "2026Q3").json(), "YJJ") == (1, 1)
    # A released 差评 is followed up like any other.
    assert [c["rating"] for c in office.cases()] == [clock_bad]
    entries = {(e["action"], e["target"]) for e in hall.audit()}
    assert ("flagged.exclude", f"rating:{burst}") in entries
    assert ("flagged.release", f"rating:{clock_bad}") in entries


# ------------------------------------------------------------------ publishing a quarter


def test_a_closed_quarter_answers_what_was_published_until_it_is_reopened(
    hall: StoreDriver, a01: Enrolled, clock: Clock, office: OfficeClient
) -> None:
    rate(hall, a01, clock, {"level": 5}, {"level": 1, "reasons": ("tui",)})
    office.record_inspection("TL", "YJJ", date(2026, 9, 29), item="no_uniform")
    with pytest.raises(ApiError) as e:  # still running
        office.close_quarter("TL", "2026Q3", "0" * 64, {"quarter": "2026Q3", "units": []})
    assert e.value.status == 409 and "2026-09-30" in e.value.detail

    clock.now = datetime(2026, 10, 8, 9, 0, tzinfo=SH)
    agg = hall.aggregates("TL", "2026Q3").json()
    standings = compute_standings(agg)
    payload = standings_to_dict(standings)
    with pytest.raises(ApiError) as e:
        office.close_quarter("TL", "2026Q3", "0" * 64, payload)
    assert e.value.status == 409 and "digest" in e.value.detail
    closed = office.close_quarter("TL", "2026Q3", aggregates_digest(agg), payload)
    assert (closed["state"], closed["closed_by"]) == ("closed", "admin")
    assert office.quarter("TL", "2026Q3")["state"] == "closed"

    # A late rating of the quarter is stored, but the published standings stay.
    a01.chain.clock = datetime(2026, 9, 30, 16, 0, tzinfo=SH)
    r = hall.push(a01, [a01.chain.next(level=1, reasons=("leng",), at=a01.chain.clock)])
    assert r.json()["results"][0]["status"] == "stored"
    published = hall.aggregates("TL", "2026Q3").json()
    assert published["published"]["state"] == "closed"
    assert standings_of(published) == standings
    # Changing its records needs a reopen.
    with pytest.raises(ApiError) as e:
        office.record_inspection("TL", "YJJ", date(2026, 9, 29), item="late")
    assert e.value.status == 409 and "reopen" in e.value.detail
    with pytest.raises(ApiError) as e:
        office.reopen_quarter("TL", "2026Q3", " ")
    assert e.value.status == 422
    reopened = office.reopen_quarter("TL", "2026Q3", "申诉复核改判，需重新发布")
    assert (reopened["state"], reopened["reopen_reason"]) == (
        "reopened",
        "申诉复核改判，需重新发布",
    )
    office.record_inspection("TL", "YJJ", date(2026, 9, 29), item="late")
    live = hall.aggregates("TL", "2026Q3").json()
    assert "published" not in live or live["published"] is None
    assert compute_standings(live).unit("YJJ").discipline == 99


# ------------------------------------------------------------------ migration

BEFORE_OFFICE_RECORDS = "0006"  # the schema before the office's records (today's stores)


def test_a_store_from_before_the_office_records_upgrades_in_place(
    database_url: str, tmp_path: Path, demo_roster_path: Path
) -> None:
    db = Database(database_url)
    try:
        cfg = alembic_config(db.engine.url.render_as_string(hide_password=False))
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, BEFORE_OFFICE_RECORDS)
            conn.execute(
                text(
                    "INSERT INTO hall (code, name, tz, hours, settings, data_version, updated_at) "
                    "VALUES ('TL', 'x', 'Asia/Shanghai', '{}', '{}', 0, '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    'INSERT INTO terminal (id, hall, "window", enrolled_at, contiguous_seq, '
                    "max_seq, channel) VALUES ('k1', 'TL', 'A01', '2026-01-01', 1, 1, 'kiosk')"
                )
            )
            conn.execute(
                text(
                    'INSERT INTO rating (id, terminal, seq, hall, "window", unit, level, reasons, '
                    "device_time, tz, flags, prev_hash, hash, received_at, server_flags, quarter, "
                    "week, flagged, released) VALUES ('r1', 'k1', 1, 'TL', 'A01', 'YJJ', 1, "
                    "'[\"tui\"]', '2026-09-30T02:00:00+00:00', 'Asia/Shanghai', '[]', :h, :h, "
                    "'2026-09-30 02:00:00', '[]', '2026Q3', '2026-09-28', false, false)"
                ),
                {"h": "0" * 64},
            )
        run_migrations(db.engine)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT appealed FROM rating")).scalar_one() in (False, 0)
            closures = conn.execute(text("SELECT closures FROM hall")).scalar_one()
            assert closures in ({}, "{}")
    finally:
        db.dispose()
    # The upgraded store serves the office: the roster brings its closure days and items, and
    # the rating stored before the upgrade can be appealed (it has no case: cases start with
    # the ratings stored after the upgrade).
    settings = make_settings(tmp_path, database_url)
    app = create_app(settings)
    app.state.clock = Clock(datetime(2026, 10, 8, 10, 0, tzinfo=SH))
    with TestClient(app) as client:
        store = StoreDriver(client, admin_token_of(settings))
        assert store.import_roster(demo_roster_path).status_code == 200
        with OfficeClient("http://testserver", store.admin_token, transport=client._transport) as o:
            assert [i["code"] for i in o.inspection_items("TL")][:2] == ["late", "early_leave"]
            assert o.cases() == []
            assert o.file_appeal("r1", "系统故障")["status"] == "pending"


def test_a_misconduct_found_in_a_section_puts_it_first_among_the_hardest(
    hall: StoreDriver, clock: Clock, office: OfficeClient, client: TestClient
) -> None:
    from board.hardest import compute_hardest_sections

    # The quarter's review says the land registry counter is hard; the tax office is fine.
    review = client.post(
        "/api/v1/admin/reviews", json={"hall": "TL", "quarter": "2026Q3"}, headers=hall.admin
    ).json()
    codes = client.post(
        f"/api/v1/admin/reviews/{review['id']}/blank-invitations",
        json={"count": 3},
        headers=hall.admin,
    ).json()["invitations"]
    for inv in codes:
        answers = [{"section": "BDC01", "problems": ["tui"]}, {"section": "SWJ02", "problems": []}]
        r = client.post(
            "/api/v1/public/review-answers", json={"code": inv["code"], "answers": answers}
        )
        assert r.status_code == 201, r.text
    with pytest.raises(ApiError) as e:  # a section of another unit
        office.record_misconduct(
            "TL", "SWJ", date(2026, 9, 3), "收受财物", "区纪委监委驻厅纪检组", section="BDC01"
        )
    assert e.value.status == 422 and "belongs to unit BDC" in e.value.detail
    row = office.record_misconduct(
        "TL", "SWJ", date(2026, 9, 3), "窗口人员收受办事群众财物", "区纪委监委驻厅纪检组",
        "投诉 0903-01", section="SWJ02",
    )  # fmt: skip
    assert row["section"] == "SWJ02"
    agg = hall.aggregates("TL", "2026Q3").json()
    assert agg["misconduct"] == ["SWJ"] and agg["section_misconduct"] == ["SWJ02"]
    ranking = compute_hardest_sections(agg)
    assert ranking is not None
    assert [(e.rank, e.code) for e in ranking.hardest] == [(1, "SWJ02"), (2, "BDC01")]
    assert ranking.hardest[0].misconduct  # whatever the review said of it
    office.void_misconduct(row["id"], "录入错误")
    agg = hall.aggregates("TL", "2026Q3").json()
    assert agg["section_misconduct"] == []
    ranking = compute_hardest_sections(agg)
    assert ranking is not None and [e.code for e in ranking.hardest] == ["BDC01"]


def test_holiday_rows_in_the_roster_give_deadlines_in_a_year_the_package_lacks(
    hall: StoreDriver, a01: Enrolled, clock: Clock, office: OfficeClient, demo_roster_path: Path
) -> None:
    # The office enters the next year's arrangement as roster rows (a test hall's rows: New
    # Year's Day Fri 1 January 2027 off, Sunday 3 January worked in exchange).
    extra = "holiday,2027-01-01,元旦,,,\nworkday,2027-01-03,元旦调休,,,\n"
    text = demo_roster_path.read_text(encoding="utf-8-sig").rstrip("\n") + "\n" + extra
    r = hall.import_roster(text.encode())
    assert r.status_code == 200, r.text
    assert (r.json()["holidays"], r.json()["workdays"]) == (1, 1)
    clock.now = datetime(2026, 12, 25, 15, 0, tzinfo=SH)  # a Friday
    a01.chain.clock = clock.now - timedelta(minutes=5)
    rate(hall, a01, clock, {"level": 1, "reasons": ("tui",), "phone": PHONE})
    (c,) = office.cases()
    assert c["callback_due"] == "2026-12-29"  # Mon 28 is the demo hall's closure day
    # 15 working days: Dec 29, 30, 31, Jan 3 (make-up Sunday), 4-8, 11-15, 18 (Jan 1 off).
    assert c["rectify_due"] == "2027-01-18"
    assert c["deadline_problem"] is None
