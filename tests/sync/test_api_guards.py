"""Limits and refusals: 413, 429, malformed bodies as JSON 4xx, and no secret in any log line."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sync.server.main import create_app
from tests.helpers.records import Chain
from tests.helpers.store import Enrolled, StoreDriver
from tests.sync.conftest import admin_token_of, make_settings

API = "/api/v1"


def test_health_needs_no_credential(client: TestClient) -> None:
    body = client.get(f"{API}/health").json()
    assert body["status"] == "ok" and body["version"] and body["server_time"]


def test_oversized_body_is_413(hall: StoreDriver, kiosk: Enrolled, client: TestClient) -> None:
    big = b'{"records": [' + b'{"pad": "' + b"x" * (3 * 1024 * 1024) + b'"}]}'
    r = client.post(
        f"{API}/ratings/batch",
        content=big,
        headers=kiosk.headers | {"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert "larger than" in r.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams in
        yield b'{"records": [{"pad": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}]}'

    r = client.post(
        f"{API}/ratings/batch",
        content=chunks(),
        headers=kiosk.headers | {"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert "larger than" in r.json()["detail"]
    r = client.post(
        f"{API}/admin/roster",
        content=chunks(),
        headers=hall.admin | {"Content-Type": "text/csv"},
    )
    assert r.status_code == 413


def test_malformed_bodies_are_json_4xx(kiosk: Enrolled, client: TestClient) -> None:
    url = f"{API}/ratings/batch"
    for content, ctype in [
        (b"{not json", "application/json"),
        (b"[]", "application/json"),
        (b'{"records": 5}', "application/json"),
        (b'{"records": [1, 2]}', "application/json"),
        (b'{"records": []}', "text/plain"),
    ]:
        r = client.post(url, content=content, headers=kiosk.headers | {"Content-Type": ctype})
        assert 400 <= r.status_code < 500, (content, r.status_code, r.text)
        assert isinstance(r.json()["detail"], str) and r.json()["detail"]
    assert client.get(f"{API}/nowhere").json() == {"detail": "Not Found"}
    r = client.delete(f"{API}/ratings/batch", headers=kiosk.headers)
    assert r.status_code == 405 and "POST" in r.headers["Allow"]


def test_odd_record_fields_are_rejected_per_record(
    hall: StoreDriver, kiosk: Enrolled, client: TestClient
) -> None:
    good = kiosk.chain.next().to_dict()
    odd = [
        good | {"id": "\x00bad"},
        good | {"device_time": "0001-01-01T00:00:00+05:00"},
        good | {"device_time": "yesterday"},
        good | {"unit": "x" * 500},
        good | {"reasons": ["\x00"]},
        good | {"seq": True},
        good | {"hash": "zz"},
        good | {"id": "\ud800"},
    ]
    body = json.dumps({"records": odd}).encode()  # ASCII-escaped: a lone surrogate survives
    r = client.post(
        f"{API}/ratings/batch",
        content=body,
        headers=kiosk.headers | {"Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["results"]] == ["rejected"] * len(odd)
    assert all(x["reason"] for x in r.json()["results"])
    assert r.json()["results"][-1]["id"] is None  # an id that cannot be echoed is not


def test_a_flooding_terminal_gets_429(tmp_path: Path, demo_roster_path: Path) -> None:
    settings = make_settings(tmp_path, rate_per_s=0.5, rate_burst=3)
    with TestClient(create_app(settings)) as client:
        store = StoreDriver(client, admin_token_of(settings))
        assert store.import_roster(demo_roster_path).status_code == 200
        k = store.enrol("A01", unit="YJJ")
        answers = [store.push(k, [k.chain.next()]) for _ in range(5)]
        assert [a.status_code for a in answers[:3]] == [200, 200, 200]
        assert answers[3].status_code == 429
        assert int(answers[3].headers["Retry-After"]) >= 1
        assert "too many requests" in answers[3].json()["detail"]
        # The admin is not throttled by a terminal's flood.
        assert client.get(f"{API}/admin/terminals", headers=store.admin).status_code == 200


def test_no_credential_in_any_log_line(
    tmp_path: Path, demo_roster_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = make_settings(tmp_path)
    with TestClient(create_app(settings)) as client:
        store = StoreDriver(client, admin_token_of(settings))
        store.import_roster(demo_roster_path)
        code = store.code("A01")
        r = client.post(f"{API}/enroll", json={"code": code, "terminal": "kiosk-7"})
        token = r.json()["token"]
        k = Enrolled("kiosk-7", token, "A01", "TL", Chain("kiosk-7", "A01", "YJJ"))
        store.push(k, [k.chain.next()])
        store.push(k, [k.chain.next() for _ in range(2)] + [{"id": "broken"}])
        board = client.post(f"{API}/admin/board-credentials", json={}, headers=store.admin).json()[
            "token"
        ]
        client.get(f"{API}/halls/TL/aggregates", headers={"Authorization": f"Bearer {board}"})
        client.post(f"{API}/admin/terminals/kiosk-7/revoke", headers=store.admin)
        client.get(f"{API}/terminal/roster", headers=k.headers)  # 401 now
    text = caplog.text
    assert "kiosk-7" in text  # terminals are logged by id …
    for secret in (store.admin_token, token, board, code, code.replace("-", "")):
        assert secret not in text  # … their credentials never
