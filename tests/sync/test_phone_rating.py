"""Ratings from a citizen's phone (扫码评价): the page behind the kiosk's QR code and its API.

A phone rating must count on the board like a tap at the counter (the window's default unit),
must refuse bad input with a message (never a 500), must hold off a phone that rates the same
window again at once (429, in Chinese), and must never keep the rater's address.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from sync.schema import GENESIS_HASH, RatingRecord
from sync.server.core.config import Settings
from sync.server.core.db import Database, alembic_config, run_migrations
from sync.server.main import create_app
from sync.server.phone_ratings import (
    PhoneLimits,
    find_spot,
    qr_terminal_id,
    rating_id_for,
    store_phone_rating,
)
from tests.helpers.store import StoreDriver
from tests.sync.conftest import admin_token_of, make_settings

API = "/api/v1/public/ratings"


def rate(client: TestClient, **body: Any) -> Any:
    return client.post(API, json=body)


def admin_ratings(store: StoreDriver, **params: Any) -> list[dict[str, Any]]:
    r = store.client.get("/api/v1/admin/ratings", params=params, headers=store.admin)
    assert r.status_code == 200, r.text
    out: list[dict[str, Any]] = r.json()
    return out


def counts(hall: StoreDriver) -> dict[tuple[str, int], tuple[int, int]]:
    agg = hall.aggregates("TL").json()
    out: dict[tuple[str, int], tuple[int, int]] = {}
    for c in agg["counts"]:
        n, f = out.get((c["unit"], c["level"]), (0, 0))
        out[(c["unit"], c["level"])] = (n + c["n"], f + c["flagged"])
    return out


class Ticks:
    """A monotonic clock the test moves by hand (for the in-memory limits)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


# ---------------------------------------------------------------- stored and counted


def test_a_phone_rating_counts_for_the_windows_unit(hall: StoreDriver, client: TestClient) -> None:
    r = rate(client, window="A01", level=4)
    assert r.status_code == 201, r.text
    assert r.json()["follow_up"] is False
    assert counts(hall) == {("YJJ", 4): (1, 0)}

    [stored] = admin_ratings(hall, hall="TL")
    assert stored["id"] == r.json()["id"]
    assert stored["terminal"] == "qr-TL-A01"
    assert (stored["window"], stored["unit"], stored["staff"]) == ("A01", "YJJ", None)
    assert stored["flags"] == [] and stored["server_flags"] == [] and not stored["flagged"]
    # The phone cannot be trusted with the time: the server's own clock is the device time.
    device = datetime.fromisoformat(stored["device_time"])
    received = datetime.fromisoformat(stored["received_at"].replace("Z", "+00:00"))
    assert abs(device - received) < timedelta(seconds=1)


def test_a_complaint_needs_no_reason_but_keeps_the_reasons_given(
    hall: StoreDriver, client: TestClient
) -> None:
    bare = rate(client, window="A01", level=2)
    assert bare.status_code == 201, bare.text
    full = rate(client, window="A02", level=1, reasons=["leng", "H01", "leng"], phone="13800138000")
    assert full.status_code == 201, full.text
    assert full.json()["follow_up"] is True

    by_id = {r["id"]: r for r in admin_ratings(hall, hall="TL")}
    assert by_id[bare.json()["id"]]["reasons"] == []
    assert sorted(by_id[full.json()["id"]]["reasons"]) == ["H01", "leng"]
    assert by_id[full.json()["id"]]["phone"] == "13800138000"
    agg = hall.aggregates("TL").json()
    assert {(c["unit"], c["reason"]): c["n"] for c in agg["reason_counts"]} == {
        ("ZJW", "H01"): 1,
        ("ZJW", "leng"): 1,
    }
    assert counts(hall) == {("YJJ", 2): (1, 0), ("ZJW", 1): (1, 0)}


def test_phone_ratings_of_a_window_form_one_unbroken_chain(
    tmp_path: Path, database_url: str, demo_roster_path: Path
) -> None:
    app = create_app(make_settings(tmp_path, database_url, qr_min_interval_s=0))
    with TestClient(app) as client:
        hall = StoreDriver(client, admin_token_of(app.state.settings))
        assert hall.import_roster(demo_roster_path).status_code == 200
        for level in (5, 4, 3, 2, 1):
            assert rate(client, window="A01", level=level).status_code == 201
        stored = sorted(admin_ratings(hall, terminal="qr-TL-A01"), key=lambda r: r["seq"])
        assert [r["seq"] for r in stored] == [1, 2, 3, 4, 5]
        with app.state.db.session() as s:
            rows = s.execute(text("SELECT seq, prev_hash, hash FROM rating ORDER BY seq")).all()
        assert rows[0].prev_hash == GENESIS_HASH
        assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
        assert hall.anomalies() == []
        [qr] = [
            t
            for t in client.get("/api/v1/admin/terminals", headers=hall.admin).json()
            if t["id"] == "qr-TL-A01"
        ]
        assert qr["highest_contiguous_seq"] == 5 and qr["max_seq"] == 5


def test_a_burst_at_one_window_is_kept_and_flagged(tmp_path: Path, demo_roster_path: Path) -> None:
    # The demo hall: a burst is more than 8 ratings within 60 s (the kiosk's rule).
    app = create_app(make_settings(tmp_path, "", qr_min_interval_s=0))
    with TestClient(app) as client:
        hall = StoreDriver(client, admin_token_of(app.state.settings))
        assert hall.import_roster(demo_roster_path).status_code == 200
        for _ in range(10):
            assert rate(client, window="A01", level=5).status_code == 201
        assert counts(hall) == {("YJJ", 5): (8, 2)}
        flagged = admin_ratings(hall, flagged=True)
        assert len(flagged) == 2 and all(r["flags"] == ["burst"] for r in flagged)


# ---------------------------------------------------------------- refused with a message


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"window": "A01", "level": 0}, 422, "level"),
        ({"window": "A01", "level": 6}, 422, "level"),
        ({"window": "A01", "level": "good"}, 422, "level"),
        ({"window": "A01"}, 422, "level"),
        ({"level": 3}, 422, "window"),
        ({"window": "Z99", "level": 3}, 404, "Z99"),
        ({"window": "A01", "level": 1, "reasons": ["bribe"]}, 422, "bribe"),
        ({"window": "A01", "level": 5, "reasons": ["leng"]}, 422, "不满意"),
        ({"window": "A01", "level": 1, "phone": "12345"}, 422, "phone"),
        ({"window": "A01", "level": 1, "phone": "138-0013-8000"}, 422, "phone"),
        ({"window": "A01", "level": 1, "client_id": "x"}, 422, "client_id"),
        ({"window": "A01", "level": 1, "reasons": "leng"}, 422, "reasons"),
    ],
)
def test_bad_input_is_refused_with_a_message(
    hall: StoreDriver, client: TestClient, body: dict[str, Any], status: int, says: str
) -> None:
    r = client.post(API, json=body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert says in r.json()["detail"]
    assert "12345" not in r.text  # a phone number is never echoed
    assert admin_ratings(hall) == []


def test_a_body_that_is_not_json_is_refused(hall: StoreDriver, client: TestClient) -> None:
    r = client.post(API, content=b"level=5", headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422) and r.json()["detail"]


def test_a_window_code_shared_by_two_halls_needs_the_hall(
    hall: StoreDriver, client: TestClient, demo_roster_path: Path
) -> None:
    other = demo_roster_path.read_text(encoding="utf-8-sig").replace(
        "hall,TL,铜梁区市民服务和营商环境促进中心", "hall,NC,南川区政务服务中心"
    )
    assert hall.import_roster(other.encode(), "nc.csv").status_code == 200
    r = rate(client, window="A01", level=5)
    assert r.status_code == 422 and "hall" in r.json()["detail"]
    assert rate(client, window="A01", hall="NC", level=5).status_code == 201
    assert rate(client, window="A01", hall="TL", level=5).status_code == 201
    page = client.get("/rate", params={"window": "A01", "hall": "NC"})
    assert page.status_code == 200 and "南川区政务服务中心" in page.text


# ---------------------------------------------------------------- abuse and privacy


def test_the_same_phone_cannot_rate_a_window_twice_at_once(
    hall: StoreDriver, client: TestClient, app: FastAPI
) -> None:
    ticks = Ticks()
    app.state.phone_limits = PhoneLimits(300, 20, 120, clock=ticks)
    assert rate(client, window="A01", level=5).status_code == 201
    again = rate(client, window="A01", level=1)
    assert again.status_code == 429
    assert "您刚刚已评价过本窗口" in again.json()["detail"] and "5分钟" in again.json()["detail"]
    assert again.headers["Retry-After"] == "300"
    assert rate(client, window="A02", level=4).status_code == 201  # another window is fine
    ticks.t += 301
    assert rate(client, window="A01", level=1).status_code == 201
    assert counts(hall) == {("YJJ", 5): (1, 0), ("ZJW", 4): (1, 0), ("YJJ", 1): (1, 0)}


def test_a_refused_rating_does_not_use_up_the_phones_turn(
    hall: StoreDriver, client: TestClient
) -> None:
    assert rate(client, window="A01", level=1, reasons=["nope"]).status_code == 422
    assert rate(client, window="A01", level=1, reasons=["tui"]).status_code == 201


def test_one_address_many_windows_and_one_window_many_addresses_are_capped(
    tmp_path: Path, demo_roster_path: Path
) -> None:
    settings = make_settings(tmp_path, "", qr_ip_per_hour=3, qr_window_per_hour=4)
    app = create_app(settings)
    with TestClient(app, client=("198.51.100.1", 40000)) as phone:
        hall = StoreDriver(phone, admin_token_of(settings))
        assert hall.import_roster(demo_roster_path).status_code == 200
        for window in ("A01", "A02", "A03"):
            assert rate(phone, window=window, level=5).status_code == 201
        capped = rate(phone, window="A04", level=5)
        assert capped.status_code == 429 and "评价次数过多" in capped.json()["detail"]
    for i in range(2, 6):
        with TestClient(app, client=(f"198.51.100.{i}", 40000)) as other:
            r = rate(other, window="A01", level=4)
            assert r.status_code == (201 if i <= 4 else 429), r.text
    assert "本窗口此刻收到的评价过多" in r.json()["detail"]


def test_limits_forget_addresses_once_they_no_longer_matter() -> None:
    ticks = Ticks()
    limits = PhoneLimits(300, 2, 100, clock=ticks)
    assert limits.take("203.0.113.9", "TL", "A01") is None
    assert limits.take("203.0.113.9", "TL", "A02") is None
    refusal = limits.take("203.0.113.9", "TL", "A03")
    assert refusal is not None and refusal.retry_after_s == pytest.approx(3600)
    limits.give_back("203.0.113.9", "TL", "A02")  # that rating was not stored after all
    assert limits.take("203.0.113.9", "TL", "A03") is None
    assert limits.tracked_clients() == 1
    ticks.t += 3601
    assert limits.take("198.51.100.7", "TL", "A01") is None
    assert limits.tracked_clients() == 1  # the first address is gone from memory


def test_the_raters_address_and_phone_are_never_kept_or_logged(
    tmp_path: Path, demo_roster_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'store.db'}")
    app = create_app(settings)
    caplog.set_level(logging.DEBUG)
    with TestClient(app, client=("203.0.113.77", 51234)) as phone:
        hall = StoreDriver(phone, admin_token_of(settings))
        assert hall.import_roster(demo_roster_path).status_code == 200
        r = rate(phone, window="A01", level=1, reasons=["lan"], phone="13912345678")
        assert r.status_code == 201
        stored = admin_ratings(hall)
    assert stored[0]["phone"] == "13912345678"  # kept for the call back, with the rating
    assert "203.0.113.77" not in json.dumps(stored)
    app.state.db.dispose()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("store.db*"))
    assert b"203.0.113.77" not in raw
    assert "13912345678" not in caplog.text and "203.0.113.77" not in caplog.text


def test_the_access_log_does_not_name_the_rater() -> None:
    from sync.server.api.routes import public

    [masker] = [
        f
        for f in logging.getLogger("uvicorn.access").filters
        if isinstance(f, public.MaskRaterAddress)
    ]
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.5:5000", "POST", public.API_PATH, "1.1", 201),
        None,
    )
    assert masker.filter(record) and "203.0.113.5" not in record.getMessage()
    kiosk = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("10.0.0.8:5000", "POST", "/api/v1/ratings/batch", "1.1", 200),
        None,
    )
    assert masker.filter(kiosk) and "10.0.0.8" in kiosk.getMessage()


def test_a_retry_of_the_same_rating_is_stored_once(hall: StoreDriver, client: TestClient) -> None:
    body = {"window": "A01", "level": 2, "reasons": ["tui"], "client_id": "k3J9-retry-0001"}
    first = rate(client, **body)
    assert first.status_code == 201
    again = rate(client, **body)  # the answer was lost; the page sends it again
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = rate(client, **(body | {"level": 5, "reasons": []}))
    assert other.status_code == 409 and other.json()["detail"]
    assert counts(hall) == {("YJJ", 2): (1, 0)}
    assert first.json()["id"] == rating_id_for("TL", "A01", "k3J9-retry-0001")


def test_an_admin_can_switch_a_windows_phone_ratings_off(
    hall: StoreDriver, client: TestClient
) -> None:
    assert rate(client, window="A03", level=5).status_code == 201
    r = client.post("/api/v1/admin/terminals/qr-TL-A03/revoke", headers=hall.admin)
    assert r.status_code == 200, r.text
    off = rate(client, window="A04", level=5)
    assert off.status_code == 201  # other windows still rate
    refused = rate(client, window="A03", level=4)
    assert refused.status_code == 403 and "暂停扫码评价" in refused.json()["detail"]
    page = client.get("/rate", params={"window": "A03"})
    assert page.status_code == 403 and "暂停扫码评价" in page.text


# ---------------------------------------------------------------- the page


def test_the_page_names_the_window_and_offers_faces_and_reasons(
    hall: StoreDriver, client: TestClient
) -> None:
    r = client.get("/rate", params={"window": "A01"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    for shown in ("铜梁区市民服务和营商环境促进中心", "1号窗口", "区应急管理局"):
        assert shown in page
    for word in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert f">{word}</span>" in page
    assert page.count("<svg") == 5
    for reason in ("冷", "态度冷淡，不耐烦", "贪", "等候时间太长", "排队等了很久"):
        assert reason in page
    assert 'data-en="Very satisfied"' in page
    # Self-contained: nothing loaded from elsewhere, and the script allowed by its nonce only.
    for loads in ("<link", " src=", "url(", "@import", "<iframe", "<img"):
        assert loads not in page
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'nonce-" in csp
    assert r.headers["Cache-Control"] == "no-store"
    assert "/rate" not in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    "query", ["window=Z99", "", "window=", "window=%3Cscript%3Ealert(1)%3C/script%3E", "hall=TL"]
)
def test_an_unknown_window_gets_a_friendly_page(
    hall: StoreDriver, client: TestClient, query: str
) -> None:
    r = client.get(f"/rate?{query}")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "没有找到这个窗口" in r.text and "Window not found" in r.text
    assert "<script>alert" not in r.text


def test_roster_text_cannot_break_out_of_the_page(
    hall: StoreDriver, client: TestClient, demo_roster_path: Path
) -> None:
    hostile = demo_roster_path.read_text(encoding="utf-8-sig").replace(
        "window,A01,1号窗口,", 'window,A01,"</script><script>alert(1)</script>",'
    )
    assert hall.import_roster(hostile.encode(), "x.csv").status_code == 200
    page = client.get("/rate", params={"window": "A01"}).text
    assert "<script>alert(1)" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in page


# ---------------------------------------------------------------- store and schema


def test_concurrent_phone_ratings_of_one_window_get_distinct_seqs(
    database_url: str, tmp_path: Path, demo_roster_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url)
    app = create_app(settings)
    with TestClient(app) as client:
        assert (
            StoreDriver(client, admin_token_of(settings))
            .import_roster(demo_roster_path)
            .status_code
            == 200
        )
    db: Database = app.state.db
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            with db.session() as s:
                spot = find_spot(s, "A05")
            with db.write() as s:
                store_phone_rating(
                    s,
                    spot,
                    rating_id=rating_id_for("TL", "A05", f"client-{i:04d}"),
                    level=1 + i % 5,
                    reasons=[],
                    phone=None,
                    now=datetime.now(UTC),
                    settings=settings,
                )
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with db.session() as s:
        seqs = (
            s.execute(
                text("SELECT seq FROM rating WHERE terminal = :t ORDER BY seq"),
                {"t": qr_terminal_id("TL", "A05")},
            )
            .scalars()
            .all()
        )
        gaps = s.execute(text("SELECT count(*) FROM anomaly")).scalar_one()
    assert list(seqs) == list(range(1, 13)) and gaps == 0
    db.dispose()


def test_the_virtual_terminal_id_fits_the_terminal_pattern() -> None:
    assert qr_terminal_id("TL", "A01") == "qr-TL-A01"
    odd = qr_terminal_id("铜梁", "综合窗口 1")
    assert odd.startswith("qr-") and len(odd) <= 64 and odd.isascii()
    assert odd == qr_terminal_id("铜梁", "综合窗口 1") != qr_terminal_id("铜梁", "综合窗口 2")


def test_a_store_from_before_phone_ratings_upgrades_in_place(
    database_url: str, tmp_path: Path
) -> None:
    db = Database(database_url)
    try:
        cfg = alembic_config(db.engine.url.render_as_string(hide_password=False))
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
            conn.execute(
                text(
                    "INSERT INTO hall (code, name, tz, hours, settings, data_version, updated_at) VALUES ('TL', 'x', 'Asia/Shanghai', '{}', '{}', 0, '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO terminal (id, hall, \"window\", enrolled_at, contiguous_seq, max_seq) VALUES ('k1', 'TL', 'A01', '2026-01-01', 0, 0)"
                )
            )
        run_migrations(db.engine)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT channel FROM terminal")).scalar_one() == "kiosk"
    finally:
        db.dispose()


@pytest.fixture
def app_without_roster(tmp_path: Path) -> Iterator[TestClient]:
    settings: Settings = make_settings(tmp_path, "")
    with TestClient(create_app(settings)) as c:
        yield c


def test_an_empty_store_answers_404_not_500(app_without_roster: TestClient) -> None:
    r = rate(app_without_roster, window="A01", level=5)
    assert r.status_code == 404 and r.json()["detail"]
    assert app_without_roster.get("/rate?window=A01").status_code == 404


def test_record_shape_matches_the_kiosks(
    hall: StoreDriver, client: TestClient, app: FastAPI
) -> None:
    """A phone rating passes the same record checks as a kiosk's (it is one, server-made)."""
    assert rate(client, window="A01", level=3).status_code == 201
    with app.state.db.session() as s:
        row = s.execute(text("SELECT * FROM rating")).mappings().one()
    rec = RatingRecord.from_dict(
        dict(row)
        | {
            "reasons": json.loads(row["reasons"])
            if isinstance(row["reasons"], str)
            else row["reasons"],
            "flags": json.loads(row["flags"]) if isinstance(row["flags"], str) else row["flags"],
        }
    )
    assert rec.chain_ok()


def test_no_kiosk_can_take_over_a_windows_phone_channel(
    hall: StoreDriver, client: TestClient, app: FastAPI
) -> None:
    ticks = Ticks()
    app.state.phone_limits = PhoneLimits(300, 20, 120, clock=ticks)
    assert rate(client, window="A01", level=5).status_code == 201  # the channel exists now
    r = client.post("/api/v1/enroll", json={"code": hall.code("A01"), "terminal": "qr-TL-A01"})
    assert r.status_code == 422 and "reserved for the phone channel" in r.json()["detail"]
    ticks.t += 301
    assert rate(client, window="A01", level=4).status_code == 201  # phones still rate A01
    assert counts(hall) == {("YJJ", 5): (1, 0), ("YJJ", 4): (1, 0)}
