"""The quarterly public review of sections through the API: invitations, phone and paper, once."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import text

from sync.review import code_hash, format_code, is_valid_code, new_code
from sync.server.core.db import Database
from sync.server.main import create_app
from sync.server.reviews import Answer, ReviewError, submit
from tests.helpers.store import StoreDriver
from tests.sync.conftest import admin_token_of, make_settings

API = "/api/v1"
PUBLIC = f"{API}/public/review-answers"
Q = "2026Q4"


def start(hall: StoreDriver, quarter: str = Q, **body: Any) -> dict[str, Any]:
    r = hall.client.post(
        f"{API}/admin/reviews", json={"hall": "TL", "quarter": quarter} | body, headers=hall.admin
    )
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def blank(hall: StoreDriver, review: int, count: int) -> list[dict[str, Any]]:
    r = hall.client.post(
        f"{API}/admin/reviews/{review}/blank-invitations", json={"count": count}, headers=hall.admin
    )
    assert r.status_code == 201, r.text
    out: list[dict[str, Any]] = r.json()["invitations"]
    return out


def by_phone(client: TestClient, code: str, answers: list[dict[str, Any]], **extra: Any) -> Any:
    return client.post(PUBLIC, json={"code": code, "answers": answers} | extra)


def on_paper(hall: StoreDriver, review: int, code: str, answers: list[dict[str, Any]]) -> Any:
    return hall.client.post(
        f"{API}/admin/reviews/{review}/paper",
        json={"code": code, "answers": answers},
        headers=hall.admin,
    )


TWO = [
    {"section": "BDC01", "problems": ["tui", "lan"], "comment": "让我跑了三趟"},
    {"section": "SJJ01", "problems": []},
]


def answers_stored(hall: StoreDriver, review: int) -> int:
    r = hall.client.get(f"{API}/admin/reviews/{review}/results", headers=hall.admin)
    return sum(s["answers"] for s in r.json()["sections"])


@pytest.fixture
def review(hall: StoreDriver) -> dict[str, Any]:
    return start(hall)


# ---------------------------------------------------------------- starting a review


def test_a_review_takes_every_section_by_default_and_one_per_quarter(
    hall: StoreDriver, review: dict[str, Any]
) -> None:
    assert len(review["sections"]) == 101
    assert review["sections"][0] == {
        "code": "YJJ01",
        "name": "行政审批科",
        "unit": "YJJ",
        "unit_name": "区应急管理局",
    }
    assert review["title"] == "2026年第四季度最难办事科室群众评"
    assert "冷" in review["letter"] and "铜梁区" in review["letter"]
    assert review["invitations"] == {"sent": 0, "listed": 0, "blank": 0}
    assert review["response_rate"] is None
    again = hall.client.post(
        f"{API}/admin/reviews", json={"hall": "TL", "quarter": Q}, headers=hall.admin
    )
    assert again.status_code == 409 and "already has a review" in again.json()["detail"]
    some = start(hall, "2027Q1", sections=["BDC01", "MZJ03"], letter="请评价。")
    assert [s["code"] for s in some["sections"]] == ["BDC01", "MZJ03"]
    assert some["letter"] == "请评价。"
    bad = hall.client.post(
        f"{API}/admin/reviews",
        json={"hall": "TL", "quarter": "2027Q2", "sections": ["NOPE"]},
        headers=hall.admin,
    )
    assert bad.status_code == 422 and "NOPE" in bad.json()["detail"]


def test_the_office_of_the_hall_runs_its_review_and_every_change_is_audited(
    hall: StoreDriver, client: TestClient, demo_roster_path: Path
) -> None:
    assert hall.import_roster(demo_roster_path.read_bytes().replace(b"hall,TL,", b"hall,NC,", 1))
    office = hall.operator("tl.office", "office")
    unit = hall.operator("bdc.clerk", "unit", unit="BDC")
    nc = hall.operator("nc.office", "office", halls=("NC",))
    r = client.post(f"{API}/admin/reviews", json={"hall": "TL", "quarter": Q})
    assert r.status_code == 401
    for who in (unit, nc):
        r = client.post(
            f"{API}/admin/reviews", json={"hall": "TL", "quarter": Q}, headers=who.headers
        )
        assert r.status_code == 403, r.text
    r = client.post(
        f"{API}/admin/reviews", json={"hall": "TL", "quarter": Q}, headers=office.headers
    )
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert client.get(f"{API}/admin/reviews/{rid}", headers=nc.headers).status_code == 403
    assert client.get(f"{API}/admin/reviews", headers=nc.headers).json() == []
    assert client.get(f"{API}/admin/reviews/{rid}/results", headers=unit.headers).status_code == 403
    made = client.post(
        f"{API}/admin/reviews/{rid}/blank-invitations", json={"count": 2}, headers=office.headers
    ).json()["invitations"]
    r = client.post(
        f"{API}/admin/reviews/{rid}/paper",
        json={"code": made[0]["code"], "answers": TWO, "phone": "13912345678"},
        headers=office.headers,
    )
    assert r.status_code == 201
    assert (
        client.post(f"{API}/admin/reviews/{rid}/close", headers=office.headers).status_code == 200
    )
    entries = sorted(
        (e for e in hall.audit() if e["action"].startswith("review.")), key=lambda e: e["seq"]
    )
    got = [(e["action"], e["actor"], e["hall"], e["target"]) for e in entries]
    target = f"review:{rid}"
    assert got == [
        ("review.start", "tl.office", "TL", target),
        ("review.invite", "tl.office", "TL", target),
        ("review.paper", "tl.office", "TL", target),
        ("review.close", "tl.office", "TL", target),
    ]
    assert entries[1]["after"] == {"kind": "blank", "count": 2}
    assert entries[2]["after"]["sections"] == ["BDC01", "SJJ01"]
    logged = str(entries)
    assert made[0]["code"] not in logged and made[1]["code"] not in logged  # codes stay secret
    assert "13912345678" not in logged


# ---------------------------------------------------------------- invitations


def test_blank_invitations_are_unguessable_single_codes_kept_as_hashes(
    hall: StoreDriver, review: dict[str, Any], app: FastAPI
) -> None:
    made = blank(hall, review["id"], 50)
    codes = [i["code"] for i in made]
    assert len(set(codes)) == 50
    assert all(len(c) == 16 and c.isdigit() and is_valid_code(c) for c in codes)
    assert made[0]["url"] == f"http://testserver/rate?code={codes[0]}"
    with app.state.db.session() as s:
        stored = s.execute(text("SELECT code_hash FROM review_invitation")).scalars().all()
    assert sorted(stored) == sorted(code_hash(c) for c in codes)  # the codes themselves: nowhere
    assert hall.client.get(f"{API}/admin/reviews/{review['id']}", headers=hall.admin).json()[
        "invitations"
    ] == {"sent": 50, "listed": 0, "blank": 50}


def test_a_recipient_list_makes_one_invitation_each_and_names_its_sections(
    hall: StoreDriver, review: dict[str, Any]
) -> None:
    text_ = (
        "姓名,地址,电话,科室\n"
        "王芳,铜梁区巴川街道龙城大道1号,,BDC01；企业注册科\n"
        "李强,,13800138000,区自来水公司/营业所\n"
        "赵敏,铜梁区东城街道2号,,\n"
    )
    r = hall.client.post(
        f"{API}/admin/reviews/{review['id']}/invitations",
        params={"filename": "名单.csv"},
        content=text_.encode(),
        headers=hall.admin | {"Content-Type": "text/csv"},
    )
    assert r.status_code == 201, r.text
    inv = r.json()["invitations"]
    assert [(i["name"], i["sections"]) for i in inv] == [
        ("王芳", ["BDC01", "SJJ01"]),
        ("李强", ["ZLS01"]),
        ("赵敏", []),
    ]
    assert inv[0]["address"] == "铜梁区巴川街道龙城大道1号" and inv[1]["phone"] == "13800138000"


def test_a_bad_list_is_refused_whole_with_every_problem_by_line_and_column(
    hall: StoreDriver, review: dict[str, Any]
) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in [
        ["name", "address", "phone", "sections"],
        ["甲", "某地址", "", "BDC01"],
        ["乙", "", "", "BDC01"],  # line 3: no address, no phone
        ["丙", "某地址", "", "营业所"],  # line 4: two sections have that name
        ["丁", "某地址", "", "殡葬科"],  # line 5: no such section
    ]:
        ws.append(row)
    data = io.BytesIO()
    wb.save(data)
    r = hall.client.post(
        f"{API}/admin/reviews/{review['id']}/invitations",
        params={"filename": "list.xlsx"},
        content=data.getvalue(),
        headers=hall.admin | {"Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 422
    body = r.json()
    assert "no invitation made" in body["detail"]
    got = {(p["line"], p["column"]): p["message"] for p in body["problems"]}
    assert set(got) == {(3, "address"), (4, "sections"), (5, "sections")}
    assert "ZLS01" in got[(4, "sections")] and "RQG01" in got[(4, "sections")]
    summary = hall.client.get(f"{API}/admin/reviews/{review['id']}", headers=hall.admin).json()
    assert summary["invitations"]["sent"] == 0


# ---------------------------------------------------------------- answers: once per code


def test_the_phone_page_opens_for_a_code_and_stores_nothing_until_sent(
    hall: StoreDriver, review: dict[str, Any], client: TestClient
) -> None:
    (inv,) = blank(hall, review["id"], 1)
    page = client.get("/rate", params={"code": format_code(inv["code"])})
    assert page.status_code == 200
    assert "您办事时接触过哪些科室" in page.text and "不动产登记中心" in page.text
    assert answers_stored(hall, review["id"]) == 0
    again = client.get("/rate", params={"code": inv["code"]})
    assert again.status_code == 200  # looking twice does not use the code


def test_phone_then_paper_counts_once(
    hall: StoreDriver, review: dict[str, Any], client: TestClient
) -> None:
    (inv,) = blank(hall, review["id"], 1)
    r = by_phone(client, inv["code"], TWO, client_id="retry-me-01")
    assert r.status_code == 201, r.text
    assert r.json()["sections"] == 2
    retry = by_phone(client, inv["code"], TWO, client_id="retry-me-01")
    assert retry.status_code == 200 and retry.json()["response"] == r.json()["response"]
    paper = on_paper(hall, review["id"], inv["code"], [{"section": "MZJ03", "problems": ["leng"]}])
    assert paper.status_code == 409 and "已经用过" in paper.json()["detail"]
    other = by_phone(client, inv["code"], [{"section": "MZJ03", "problems": []}], client_id="x" * 8)
    assert other.status_code == 409
    page = client.get("/rate", params={"code": inv["code"]})
    assert page.status_code == 409 and "这个邀请码已经用过了" in page.text
    assert answers_stored(hall, review["id"]) == 2
    s = hall.client.get(f"{API}/admin/reviews/{review['id']}", headers=hall.admin).json()
    assert s["responses"] == {"phone": 1, "paper": 0, "total": 1} and s["response_rate"] == 1.0


def test_paper_then_phone_counts_once(
    hall: StoreDriver, review: dict[str, Any], client: TestClient
) -> None:
    invs = blank(hall, review["id"], 4)
    code = invs[0]["code"]
    typed = format_code(code).replace(" ", "-")  # as an office might type it
    assert on_paper(hall, review["id"], typed, TWO).status_code == 201
    assert on_paper(hall, review["id"], code, TWO).status_code == 200  # the same form again
    r = by_phone(client, code, TWO, client_id="phone-after-paper")
    assert r.status_code == 409
    assert answers_stored(hall, review["id"]) == 2
    s = hall.client.get(f"{API}/admin/reviews/{review['id']}", headers=hall.admin).json()
    assert s["responses"] == {"phone": 0, "paper": 1, "total": 1}
    assert s["response_rate"] == 0.25  # 1 of 4 sent


def test_unknown_mistyped_and_foreign_codes_are_refused_and_store_nothing(
    hall: StoreDriver, review: dict[str, Any], client: TestClient
) -> None:
    other = start(hall, "2027Q1")
    (theirs,) = blank(hall, other["id"], 1)
    (ours,) = blank(hall, review["id"], 1)
    unknown = new_code()
    assert by_phone(client, unknown, TWO).status_code == 404
    page = client.get("/rate", params={"code": unknown})
    assert page.status_code == 404 and "没有这个邀请码" in page.text
    typo = ours["code"][:-1] + str((int(ours["code"][-1]) + 1) % 10)
    r = by_phone(client, typo, TWO)
    assert r.status_code == 422 and "有误" in r.json()["detail"]
    foreign = on_paper(hall, review["id"], theirs["code"], TWO)
    assert foreign.status_code == 422 and "另一次评议" in foreign.json()["detail"]
    r = by_phone(client, theirs["code"], TWO, review=review["id"])
    assert r.status_code == 422
    r = by_phone(client, ours["code"], [{"section": "NOPE", "problems": []}])
    assert r.status_code == 422 and "不在本次评议" in r.json()["detail"]
    r = by_phone(client, ours["code"], [{"section": "BDC01", "problems": ["bad"]}])
    assert r.status_code == 422
    assert answers_stored(hall, review["id"]) == 0 and answers_stored(hall, other["id"]) == 0
    # None of those used a code: both still work.
    assert by_phone(client, ours["code"], TWO).status_code == 201
    assert on_paper(hall, other["id"], theirs["code"], TWO).status_code == 201


def test_guessing_codes_is_limited(
    tmp_path: Path, database_url: str, demo_roster_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url, review_bad_codes_per_hour=3)
    with TestClient(create_app(settings)) as c:
        hall = StoreDriver(c, admin_token_of(settings))
        assert hall.import_roster(demo_roster_path).status_code == 200
        start(hall)
        got = [by_phone(c, new_code(), TWO).status_code for _ in range(5)]
        assert got == [404, 404, 404, 429, 429]


def test_a_closed_review_refuses_its_codes(
    hall: StoreDriver, review: dict[str, Any], client: TestClient
) -> None:
    a, b = blank(hall, review["id"], 2)
    assert by_phone(client, a["code"], TWO).status_code == 201
    r = hall.client.post(f"{API}/admin/reviews/{review['id']}/close", headers=hall.admin)
    assert r.status_code == 200 and r.json()["closed_at"]
    assert by_phone(client, b["code"], TWO).status_code == 403
    assert client.get("/rate", params={"code": b["code"]}).status_code == 403
    assert answers_stored(hall, review["id"]) == 2  # the answers stay


def test_results_and_the_boards_aggregates_carry_the_answers(
    hall: StoreDriver, review: dict[str, Any], client: TestClient
) -> None:
    a, b, c = blank(hall, review["id"], 3)
    assert by_phone(client, a["code"], TWO, phone="13912345678").status_code == 201
    assert (
        by_phone(client, b["code"], [{"section": "BDC01", "problems": ["tui"]}]).status_code == 201
    )
    assert (
        on_paper(hall, review["id"], c["code"], [{"section": "BDC01", "problems": []}]).status_code
        == 201
    )
    res = hall.client.get(f"{API}/admin/reviews/{review['id']}/results", headers=hall.admin).json()
    bdc = next(s for s in res["sections"] if s["code"] == "BDC01")
    assert (bdc["answers"], bdc["with_problems"]) == (3, 2)
    assert bdc["problems"] == {"leng": 0, "lan": 1, "tui": 2, "luan": 0, "tan": 0}
    assert bdc["comments"] == ["让我跑了三趟"]
    (call,) = res["callbacks"]
    assert call["phone"] == "13912345678" and len(call["sections"]) == 2
    agg = hall.aggregates("TL", Q).json()["review"]
    assert agg["id"] == review["id"] and agg["invitations"] == 3 and agg["responses"] == 3
    assert {"section": "BDC01", "n": 3, "with_problems": 2} in agg["answers"]
    assert {"section": "SJJ01", "n": 1, "with_problems": 0} in agg["answers"]
    assert {"section": "BDC01", "problem": "tui", "n": 2} in agg["problem_counts"]
    assert hall.aggregates("TL", "2026Q3").json()["review"] is None


# ---------------------------------------------------------------- at once (PostgreSQL: for real)


def test_two_submissions_of_one_code_at_once_count_once(
    database_url: str, tmp_path: Path, demo_roster_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url)
    app = create_app(settings)
    with TestClient(app) as client:
        hall = StoreDriver(client, admin_token_of(settings))
        assert hall.import_roster(demo_roster_path).status_code == 200
        review = start(hall)
        codes = [i["code"] for i in blank(hall, review["id"], 10)]
    db: Database = app.state.db
    outcomes: list[str] = []
    lock = threading.Lock()
    gate = threading.Barrier(20)

    def phone(code: str, who: int) -> None:
        gate.wait(10)
        try:
            with db.write() as s:
                submit(
                    s,
                    code=code,
                    answers=[Answer("BDC01", ("tui",)), Answer(f"MZJ0{who}", ())],
                    phone=None,
                    channel="phone",
                    now=datetime.now(UTC),
                    client_id=f"phone-{who}-{code}",
                )
            got = "stored"
        except ReviewError as e:
            got = str(e.status)
        with lock:
            outcomes.append(got)

    threads = [threading.Thread(target=phone, args=(c, w)) for c in codes for w in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["409"] * 10 + ["stored"] * 10
    with db.session() as s:
        answers = s.execute(text("SELECT count(*) FROM review_answer")).scalar_one()
        responses = s.execute(text("SELECT count(*) FROM review_response")).scalar_one()
        used = s.execute(
            text("SELECT count(*) FROM review_invitation WHERE used_at IS NOT NULL")
        ).scalar_one()
    assert (answers, responses, used) == (20, 10, 10)
    db.dispose()
