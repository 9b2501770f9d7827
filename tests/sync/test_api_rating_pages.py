"""``GET /admin/halls/{hall}/ratings`` (keyset pages), through the one client's
``iter_ratings``, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from sync.client import AdminClient, ApiError
from tests.helpers.store import Enrolled, StoreDriver

API = "/api/v1"


def admin_client(client: TestClient, store: StoreDriver) -> AdminClient:
    return AdminClient("http://testserver", store.admin_token, transport=client._transport)


def push_two_batches(hall: StoreDriver, kiosk: Enrolled) -> list[Any]:
    """23 ratings in two batches (two arrival times), the second with a 差评 and a phone."""
    start = datetime.now(UTC) - timedelta(hours=2)
    kiosk.chain.clock = start
    first = [kiosk.chain.next(5 - i % 3) for i in range(15)]
    second = [kiosk.chain.next(4) for _ in range(7)]
    second.append(kiosk.chain.next(1, ("leng",), phone="13800138000"))
    for batch in (first, second):
        r = hall.push(kiosk, batch)
        assert r.status_code == 200, r.text
    return first + second


def quarter_of_now() -> str:
    now = datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(hours=2)
    return f"{now.year}Q{(now.month - 1) // 3 + 1}"


def test_pages_cover_the_quarter_once_in_arrival_order(
    client: TestClient, hall: StoreDriver, kiosk: Enrolled
) -> None:
    records = push_two_batches(hall, kiosk)
    quarter = quarter_of_now()
    with admin_client(client, hall) as admin:
        pages = []
        after = None
        while True:
            page = admin.rating_page("TL", quarter, after=after, limit=5)
            pages.append(page.ratings)
            if page.next is None:
                break
            after = page.next
        streamed = list(admin.iter_ratings("TL", quarter, page_size=4))
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    ids = [r["id"] for p in pages for r in p]
    assert ids == [r.id for r in records]  # one terminal: arrival order is its seq order
    assert [r["id"] for r in streamed] == ids
    # Each rating's local time is the device's, in the hall's zone.
    zone = ZoneInfo("Asia/Shanghai")
    for rec, got in zip(records, streamed, strict=True):
        want = datetime.fromisoformat(rec.device_time).astimezone(zone)
        assert datetime.fromisoformat(got["time"]) == want.replace(microsecond=0)
        assert got["time"].endswith("+08:00")


def test_phone_numbers_only_when_asked(
    client: TestClient, hall: StoreDriver, kiosk: Enrolled
) -> None:
    push_two_batches(hall, kiosk)
    quarter = quarter_of_now()
    with admin_client(client, hall) as admin:
        plain = list(admin.iter_ratings("TL", quarter))
        contacts = list(admin.iter_ratings("TL", quarter, contacts=True))
    assert [r["phone"] for r in plain if r["phone"]] == []
    assert [r["phone"] for r in contacts if r["phone"]] == ["13800138000"]


def test_refusals_are_messages(client: TestClient, hall: StoreDriver, kiosk: Enrolled) -> None:
    quarter = quarter_of_now()
    url = f"{API}/admin/halls/TL/ratings"
    r = client.get(url, params={"quarter": quarter, "after": "not-a-cursor"}, headers=hall.admin)
    assert r.status_code == 422 and "after: not a cursor" in r.json()["detail"]
    r = client.get(url, params={"quarter": "2026Q9"}, headers=hall.admin)
    assert r.status_code == 422
    r = client.get(url, headers=hall.admin)
    assert r.status_code == 422  # the quarter is required
    r = client.get(f"{API}/admin/halls/XX/ratings", params={"quarter": quarter}, headers=hall.admin)
    assert r.status_code == 404 and r.json()["detail"] == "no hall 'XX'"
    board = client.post(f"{API}/admin/board-credentials", json={}, headers=hall.admin).json()
    r = client.get(
        url, params={"quarter": quarter}, headers={"Authorization": f"Bearer {board['token']}"}
    )
    assert (
        r.status_code == 403
        and "the admin token or an operator with role 'office'" in r.json()["detail"]
    )
    r = client.get(url, params={"quarter": quarter})
    assert r.status_code == 401
    with admin_client(client, hall) as admin, pytest.raises(ApiError) as e:
        admin.rating_page("TL", quarter, limit=10001)
    assert e.value.status == 422


def test_an_empty_quarter_is_one_empty_page(client: TestClient, hall: StoreDriver) -> None:
    with admin_client(client, hall) as admin:
        page = admin.rating_page("TL", "2020Q1")
    assert page.ratings == [] and page.next is None
