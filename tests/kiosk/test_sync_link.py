"""The kiosk's sync glue with the real LocalStore and a central store behind httpx.MockTransport."""

from __future__ import annotations

import json
import logging
import stat
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from kiosk.flow import Flow, State
from kiosk.store import LocalStore
from kiosk.sync_link import EnrollError, SyncLink
from sync.client import BATCH_PATH, ENROLL_PATH, TERMINAL_ROSTER_PATH
from sync.pusher import Pusher
from sync.roster import parse_roster
from tests.helpers.wait import wait_until

TOKEN = "tok-kiosk-SECRET-77c1"
URL = "http://central.test"
T0 = datetime(2026, 7, 1, 1, 20, tzinfo=UTC)


class Central:
    """Enrolment, batch ingest and the roster, as an httpx handler."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stored: dict[str, dict[str, Any]] = {}
        self.inserts = 0
        self.enrolled: dict[str, str] = {}  # terminal -> token
        self.enroll_bodies: list[dict[str, Any]] = []
        self.reject_levels: set[int] = set()  # records at these levels are rejected
        self.faults: list[str] = []
        self.roster = {"hall": {"code": "H1", "name": "示范大厅"}, "windows": {"A01": {}}}
        self.date: str | None = None  # the Date header of every answer, as a web server sends

    def __call__(self, request: httpx.Request) -> httpx.Response:
        response = self._answer(request)
        if self.date is not None:
            response.headers["Date"] = self.date
        return response

    def _answer(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            path = request.url.path
            if path == ENROLL_PATH:
                body = json.loads(request.content)
                self.enroll_bodies.append(body)
                if body["code"] != "ENROL-1":
                    return httpx.Response(400, json={"detail": "unknown or expired code"})
                self.enrolled[body["terminal"]] = TOKEN
                return httpx.Response(
                    200,
                    json={
                        "terminal": body["terminal"],
                        "token": TOKEN,
                        "window": "A01",
                        "hall": "H1",
                    },
                )
            if request.headers.get("Authorization") != f"Bearer {TOKEN}":
                return httpx.Response(401, json={"detail": "unknown terminal"})
            if path == TERMINAL_ROSTER_PATH:
                if request.headers.get("If-None-Match") == '"v1"':
                    return httpx.Response(304)
                return httpx.Response(200, json=self.roster, headers={"ETag": '"v1"'})
            assert path == BATCH_PATH
            fault = self.faults.pop(0) if self.faults else None
            if fault == "500":
                return httpx.Response(500, json={"detail": "boom"})
            results = []
            for r in json.loads(request.content)["records"]:
                if r["level"] in self.reject_levels:
                    status, reason = "rejected", "not this window"
                elif r["id"] in self.stored:
                    status, reason = "duplicate", None
                else:
                    self.stored[r["id"]] = r
                    self.inserts += 1
                    status, reason = "stored", None
                results.append({"id": r["id"], "seq": r["seq"], "status": status, "reason": reason})
            if fault == "drop":
                raise httpx.ReadTimeout("answer lost after commit", request=request)
            return httpx.Response(
                200, json={"results": results, "highest_contiguous_seq": 0, "server_time": "x"}
            )


def record(store: LocalStore, n: int, level: int = 5, start: int = 0) -> list[str]:
    ids = []
    for i in range(n):
        rid = str(uuid.uuid4())
        store.record(
            id=rid,
            window="A01",
            unit="U01",
            staff="1001",
            level=level,
            reasons=["leng"] if level <= 2 else [],
            phone=None,
            device_time=T0 + timedelta(seconds=start + i),
            flags=[],
        )
        ids.append(rid)
    return ids


FAST: dict[str, Any] = {"backoff_base": 0.001, "backoff_cap": 0.01, "poll_interval": 0.05}


@pytest.fixture
def central() -> Central:
    return Central()


@pytest.fixture
def links(central: Central, data_dir: Path) -> Iterator[Callable[..., SyncLink]]:
    """Make SyncLinks on data_dir; each is stopped and its thread joined at teardown."""
    made: list[SyncLink] = []

    def make(server_url: str = URL, **kw: Any) -> SyncLink:
        kw.setdefault("transport", httpx.MockTransport(central))
        kw.setdefault("pusher_options", FAST)
        link = SyncLink(
            server_url=server_url,
            data_dir=data_dir,
            store_path=data_dir / "kiosk.sqlite3",
            tz="Asia/Shanghai",
            **kw,
        )
        made.append(link)
        return link

    yield make
    for link in made:
        assert link.stop(timeout=5)
    assert not [t for t in threading.enumerate() if t.name == "hall-pusher" and t.is_alive()]


def test_local_only_keeps_ratings_and_counts_the_backlog(
    links: Callable[..., SyncLink], store: LocalStore
) -> None:
    record(store, 3)
    link = links(server_url="")
    link.start()
    assert link.local_only
    assert link.status.state == "not_enrolled" and link.status.backlog == 3
    record(store, 1, start=10)
    link.notify()
    assert link.status.backlog == 4
    assert not [t for t in threading.enumerate() if t.name == "hall-pusher"]
    with pytest.raises(EnrollError, match="no server"):
        link.enroll("ENROL-1")


def test_enrol_then_everything_recorded_reaches_the_central_store(
    links: Callable[..., SyncLink],
    store: LocalStore,
    central: Central,
    data_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    before = record(store, 40)  # taps while not yet enrolled are kept
    link = links()
    link.start()
    assert link.status.state == "not_enrolled" and link.status.backlog == 40
    with pytest.raises(EnrollError, match="expired"):
        link.enroll("WRONG")
    creds = link.enroll("ENROL-1")
    assert central.enroll_bodies[-1]["terminal"] == store.terminal_id
    assert creds.terminal == store.terminal_id and creds.window == "A01"

    saved = link.credentials_path
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert json.loads(saved.read_text())["token"] == TOKEN

    # Taps keep coming on this (the GUI) thread while the pusher drains on its own.
    after = []
    for i in range(20):
        after += record(store, 1, start=100 + i)
        link.notify()
    wait_until(lambda: store.backlog() == 0, what="outbox drained")
    assert set(central.stored) == set(before + after)
    assert central.inserts == 60
    assert {r["terminal"] for r in central.stored.values()} == {store.terminal_id}
    wait_until(lambda: link.status.state == "online" and link.status.backlog == 0)
    wait_until(lambda: link.cached_roster() == central.roster, what="roster cached")
    assert TOKEN not in caplog.text


def test_a_restarted_kiosk_resumes_with_saved_credentials(
    links: Callable[..., SyncLink], store: LocalStore, central: Central, data_dir: Path
) -> None:
    first = links()
    first.start()
    first.enroll("ENROL-1")
    wait_until(lambda: first.cached_roster() is not None)
    assert first.stop()

    # Offline while the kiosk was down: the next start sends it all, no new tap needed.
    ids = record(store, 700)
    got: list[dict[str, Any]] = []
    second = links(on_roster=got.append)
    assert second.credentials is not None and second.credentials.terminal == store.terminal_id
    assert second.cached_roster() == central.roster  # usable before any network
    second.start()
    wait_until(lambda: store.backlog() == 0, what="backlog drained after restart")
    assert set(ids) <= set(central.stored)
    assert got == []  # the cached roster was current: the server answered 304


def test_real_store_faults_rejections_and_no_doubles(
    links: Callable[..., SyncLink], store: LocalStore, central: Central
) -> None:
    good = record(store, 600)
    bad = record(store, 2, level=1, start=600)
    central.reject_levels = {1}
    central.faults = ["500", "drop", "500", "drop"]
    link = links()
    link.start()
    link.enroll("ENROL-1")
    wait_until(lambda: store.backlog() == 0, what="outbox drained")
    assert set(central.stored) == set(good)
    assert central.inserts == 600
    assert sorted(r.id for r, _ in store.rejected()) == sorted(bad)
    assert all(reason == "not this window" for _, reason in store.rejected())
    wait_until(lambda: link.status.rejected == 2 and link.status.state == "online")
    assert store.verify_chain() == []


def test_pusher_reports_set_aside_records_from_earlier_runs(
    store: LocalStore, central: Central
) -> None:
    ids = record(store, 3)
    store.mark_rejected(ids[0], "seq reused")
    central.enrolled[store.terminal_id] = TOKEN
    path = store.path
    p = Pusher(
        lambda: LocalStore(path, tz="Asia/Shanghai"),
        URL,
        TOKEN,
        transport=httpx.MockTransport(central),
        **FAST,
    )
    p.start()
    try:
        wait_until(lambda: store.backlog() == 0)
        wait_until(lambda: p.status.rejected == 1 and p.status.backlog == 0)
    finally:
        assert p.stop()


def test_unreadable_credentials_mean_not_enrolled(
    links: Callable[..., SyncLink], data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (data_dir / "credentials.json").write_text('{"terminal": "T", "token": "' + TOKEN + '"')
    link = links()
    assert link.credentials is None
    link.start()
    assert link.status.state == "not_enrolled"
    assert TOKEN not in caplog.text


def test_a_code_for_another_window_is_refused_and_nothing_is_saved(
    central: Central, store: LocalStore, data_dir: Path
) -> None:
    config = SimpleNamespace(
        server_url=URL, data_dir=data_dir, store_path=data_dir / "kiosk.sqlite3", window="A02"
    )
    link = SyncLink(config, transport=httpx.MockTransport(central), pusher_options=FAST)
    with pytest.raises(EnrollError, match="window A01.*this kiosk is window A02"):
        link.enroll("ENROL-1")  # the central hands out A01 credentials
    assert not link.credentials_path.exists()


def test_a_kiosk_configured_for_another_window_keeps_its_ratings_and_says_so(
    links: Callable[..., SyncLink], central: Central, store: LocalStore, data_dir: Path
) -> None:
    links().enroll("ENROL-1")  # enrolled for A01 …
    ids = record(store, 5)
    config = SimpleNamespace(  # … then someone edits the config to window A02
        server_url=URL, data_dir=data_dir, store_path=data_dir / "kiosk.sqlite3", window="A02"
    )
    link = SyncLink(config, transport=httpx.MockTransport(central), pusher_options=FAST)
    link.start()
    assert link.status.state == "wrong_window" and link.status.backlog == 5
    assert "A01" in (link.status.last_error or "")
    assert not [t for t in threading.enumerate() if t.name == "hall-pusher" and t.is_alive()]
    assert store.backlog() == 5 and store.rejected() == [] and not set(ids) & set(central.stored)


def test_the_server_time_the_pusher_sees_judges_the_kiosk_clock_after_a_restart(
    links: Callable[..., SyncLink],
    store: LocalStore,
    central: Central,
    data_dir: Path,
    demo_roster_path: Path,
) -> None:
    central.date = "Wed, 05 Mar 2031 01:55:00 GMT"
    link = links()
    link.start()
    link.enroll("ENROL-1")
    wait_until(lambda: store.last_server_time() is not None, what="server time kept")
    assert store.last_server_time() == datetime(2031, 3, 5, 1, 55, tzinfo=UTC)
    assert link.stop()
    store.close()

    # The kiosk restarts with no network: its clock and the server's last word agree on 2031.
    roster = parse_roster(demo_roster_path).for_window("A01")
    now = datetime(2031, 3, 5, 2, 0, tzinfo=UTC)  # a Wednesday, 10:00 in the hall
    with LocalStore(data_dir / "kiosk.sqlite3") as again:
        flow = Flow(roster=roster, window="A01", store=again, clock=lambda: now)
        flow.rate(5)
        assert flow.state is State.THANKS
        now = datetime(2034, 3, 8, 2, 0, tzinfo=UTC)  # then the clock jumps three years
        flow.tick()
        flow.rate(5)
        flags = [r.flags for r in again.unsent()]
    assert flags == [(), ("clock",)]
