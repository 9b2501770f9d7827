"""The pusher against an in-memory central store (httpx.MockTransport): no sockets, no sleeps."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync.client import (
    BATCH_PATH,
    ENROLL_PATH,
    TERMINAL_ROSTER_PATH,
    Credentials,
    EnrollError,
    enroll,
)
from sync.pusher import Pusher, SyncStatus, read_roster_cache, write_json_atomic
from sync.schema import GENESIS_HASH, RatingRecord
from tests.helpers.wait import wait_until

TOKEN = "tok-SECRET-3f9a1c"
BASE = "http://central.test"


def make_records(n: int, start: int = 1, terminal: str = "T1") -> list[RatingRecord]:
    prev = GENESIS_HASH
    out = []
    for seq in range(start, start + n):
        rec = RatingRecord(
            id=str(uuid.uuid4()),
            seq=seq,
            terminal=terminal,
            window="A01",
            unit="U01",
            staff="1001",
            level=5 if seq % 7 else 1,
            reasons=() if seq % 7 else ("leng",),
            phone=None,
            device_time=f"2026-07-01T01:{seq // 60 % 60:02d}:{seq % 60:02d}+00:00",
            tz="Asia/Shanghai",
        ).with_chain(prev)
        prev = rec.hash
        out.append(rec)
    return out


class MemoryOutbox:
    """The Outbox protocol in memory, thread-safe like a real store's own connection would be."""

    def __init__(self, records: Iterable[RatingRecord] = ()) -> None:
        self._lock = threading.Lock()
        self.records: dict[str, RatingRecord] = {}
        self.sent: set[str] = set()
        self.set_aside: dict[str, str] = {}
        self.closed = False
        self.server_time: datetime | None = None
        for r in records:
            self.add(r)

    def add(self, rec: RatingRecord) -> None:
        with self._lock:
            self.records[rec.id] = rec

    def unsent(self, limit: int = 500) -> list[RatingRecord]:
        with self._lock:
            rows = [
                r
                for r in self.records.values()
                if r.id not in self.sent and r.id not in self.set_aside
            ]
        return sorted(rows, key=lambda r: r.seq)[:limit]

    def mark_sent(self, ids: Iterable[str]) -> None:
        with self._lock:
            for i in ids:
                assert i in self.records and i not in self.sent, f"{i} marked sent twice"
                self.sent.add(i)

    def mark_rejected(self, id: str, reason: str) -> None:
        with self._lock:
            self.set_aside[id] = reason

    def backlog(self) -> int:
        with self._lock:
            return len(self.records) - len(self.sent) - len(self.set_aside)

    def rejected(self) -> list[tuple[RatingRecord, str]]:
        with self._lock:
            return [(self.records[i], why) for i, why in self.set_aside.items()]

    def note_server_time(self, at: datetime) -> None:
        self.server_time = at

    def close(self) -> None:
        self.closed = True


class FakeCentral:
    """A central store as an httpx handler, with faults queued per batch request.

    Faults: "500", "timeout", "connect", "drop" (store, then lose the answer), "429", "401";
    anything else (e.g. "ok") answers normally.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.stored: dict[str, dict[str, Any]] = {}
        self.inserts = 0
        self.duplicates = 0
        self.faults: list[str] = []
        self.batch_sizes: list[int] = []
        self.reject_ids: dict[str, str] = {}
        # One of these in a batch refuses the whole batch with the given status (as the real
        # server does: 422 for a malformed record, 403 for a record of another window).
        self.refuse_whole_batch: dict[str, int] = {}
        self.max_batch: int | None = None
        self.valid_tokens = {TOKEN}
        self.roster: dict[str, Any] = {"hall": {"code": "H1"}, "windows": [{"code": "A01"}]}
        self.roster_etag = '"r1"'
        self.roster_offline = False
        self.roster_error: int | None = None
        self.roster_requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            if request.headers.get("Authorization") not in {
                f"Bearer {t}" for t in self.valid_tokens
            }:
                return httpx.Response(401, json={"detail": "unknown or revoked terminal"})
            if request.url.path == TERMINAL_ROSTER_PATH:
                return self._roster(request)
            assert request.url.path == BATCH_PATH
            recs = json.loads(request.content)["records"]
            self.batch_sizes.append(len(recs))
            fault = self.faults.pop(0) if self.faults else None
            if fault == "500":
                return httpx.Response(500, json={"detail": "internal error"})
            if fault == "timeout":
                raise httpx.ReadTimeout("timed out", request=request)
            if fault == "connect":
                raise httpx.ConnectError("connection refused", request=request)
            if fault == "429":
                return httpx.Response(429, headers={"Retry-After": "7"}, json={"detail": "slow"})
            if fault == "401":
                return httpx.Response(401, json={"detail": "revoked"})
            if self.max_batch is not None and len(recs) > self.max_batch:
                return httpx.Response(413, json={"detail": "body too large"})
            refused = [
                self.refuse_whole_batch[r["id"]] for r in recs if r["id"] in self.refuse_whole_batch
            ]
            if refused:
                detail = "level out of range" if refused[0] == 422 else "record of window A02"
                return httpx.Response(refused[0], json={"detail": [{"msg": detail}]})
            results = [self._ingest(r) for r in recs]
            if fault == "drop":
                raise httpx.ReadTimeout("answer lost after commit", request=request)
            return httpx.Response(
                200,
                json={"results": results, "highest_contiguous_seq": 0, "server_time": "now"},
            )

    def _ingest(self, r: dict[str, Any]) -> dict[str, Any]:
        if r["id"] in self.reject_ids:
            return {
                "id": r["id"],
                "seq": r["seq"],
                "status": "rejected",
                "reason": self.reject_ids[r["id"]],
            }
        if r["id"] in self.stored:
            self.duplicates += 1
            return {"id": r["id"], "seq": r["seq"], "status": "duplicate", "reason": None}
        self.stored[r["id"]] = r
        self.inserts += 1
        return {"id": r["id"], "seq": r["seq"], "status": "stored", "reason": None}

    def _roster(self, request: httpx.Request) -> httpx.Response:
        self.roster_requests.append(request)
        if self.roster_offline:
            raise httpx.ConnectError("network down", request=request)
        if self.roster_error is not None:
            return httpx.Response(self.roster_error, json={"detail": "roster broken"})
        if request.headers.get("If-None-Match") == self.roster_etag:
            return httpx.Response(304, headers={"ETag": self.roster_etag})
        return httpx.Response(200, json=self.roster, headers={"ETag": self.roster_etag})


@pytest.fixture
def central() -> FakeCentral:
    return FakeCentral()


@pytest.fixture
def make_pusher(central: FakeCentral) -> Iterator[Callable[..., Pusher]]:
    """Build pushers on the fake central; every one is stopped and joined at teardown."""
    made: list[Pusher] = []

    def make(outbox: MemoryOutbox | Callable[[], MemoryOutbox], **kw: Any) -> Pusher:
        kw.setdefault("transport", httpx.MockTransport(central))
        kw.setdefault("backoff_base", 0.001)
        kw.setdefault("backoff_cap", 0.01)
        kw.setdefault("poll_interval", 0.05)
        opener = (lambda: outbox) if isinstance(outbox, MemoryOutbox) else outbox
        p = Pusher(opener, BASE, kw.pop("token", TOKEN), **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        assert p.stop(timeout=5), "pusher thread did not end"
        assert p.thread is None or not p.thread.is_alive()
    assert not [t for t in threading.enumerate() if t.name == "hall-pusher" and t.is_alive()]


def test_stored_and_duplicate_records_are_marked_sent(
    central: FakeCentral, make_pusher: Callable[..., Pusher]
) -> None:
    recs = make_records(30)
    for r in recs[:10]:  # the server already has these (an earlier run's lost answer)
        central.stored[r.id] = r.to_dict()
    outbox = MemoryOutbox(recs)
    statuses: list[SyncStatus] = []
    p = make_pusher(outbox, on_status=statuses.append)
    p.start()
    wait_until(lambda: outbox.backlog() == 0, what="backlog drained")
    assert outbox.sent == {r.id for r in recs}
    assert set(central.stored) == {r.id for r in recs}
    assert central.duplicates == 10 and central.inserts == 20
    wait_until(lambda: p.status.state == "online" and p.status.backlog == 0)
    assert p.status.last_success is not None and p.status.offline_since is None
    assert statuses[-1] == p.status


def test_rejected_records_are_set_aside_and_never_stall_the_rest(
    central: FakeCentral, make_pusher: Callable[..., Pusher]
) -> None:
    recs = make_records(1200)
    # The very oldest record is rejected, plus one in a later batch.
    central.reject_ids = {recs[0].id: "not this window", recs[700].id: "seq reused"}
    outbox = MemoryOutbox(recs)
    p = make_pusher(outbox)
    p.start()
    wait_until(lambda: outbox.backlog() == 0, what="backlog drained")
    assert outbox.set_aside == {recs[0].id: "not this window", recs[700].id: "seq reused"}
    assert len(central.stored) == 1198
    assert outbox.sent == {r.id for r in recs} - set(central.reject_ids)
    wait_until(lambda: p.status.rejected == 2)


def test_transient_faults_are_retried_until_nothing_is_lost_or_doubled(
    central: FakeCentral, make_pusher: Callable[..., Pusher]
) -> None:
    recs = make_records(1000)
    # Including "drop": the server committed the batch but the kiosk never heard.
    central.faults = ["500", "timeout", "connect", "drop", "500", "ok", "drop"]
    outbox = MemoryOutbox(recs)
    delays: list[float] = []
    statuses: list[SyncStatus] = []
    p = make_pusher(
        outbox, batch_size=300, backoff_base=1.0, backoff_cap=60.0, sleep=delays.append,
        on_status=statuses.append,
    )  # fmt: skip
    p.start()
    wait_until(lambda: outbox.backlog() == 0, what="backlog drained")
    assert set(central.stored) == {r.id for r in recs}
    assert central.inserts == 1000  # each rating stored exactly once
    assert central.duplicates >= 300  # the dropped answers came back as duplicates
    assert outbox.sent == {r.id for r in recs}
    # One pause per fault, each within its capped exponential window (full jitter).
    assert len(delays) == 6
    failures_in_a_row = [1, 2, 3, 4, 5, 1]  # the 2nd drop follows a success
    for d, k in zip(delays, failures_in_a_row, strict=True):
        assert 0 <= d <= min(60.0, 1.0 * 2 ** (k - 1))
    # (Before its first contact the pusher is "offline" with no error and no since.)
    offline = [s for s in statuses if s.state == "offline" and s.last_error]
    assert len(offline) >= 5 and all(s.offline_since is not None for s in offline)
    # The offline spell keeps its start time across repeated failures.
    assert len({s.offline_since for s in offline[:5]}) == 1
    wait_until(lambda: p.status.state == "online" and p.status.offline_since is None)


def test_backoff_is_capped(central: FakeCentral, make_pusher: Callable[..., Pusher]) -> None:
    outbox = MemoryOutbox(make_records(5))
    central.faults = ["500"] * 12
    delays: list[float] = []
    p = make_pusher(outbox, backoff_base=1.0, backoff_cap=4.0, sleep=delays.append)
    p.start()
    wait_until(lambda: outbox.backlog() == 0)
    assert len(delays) == 12 and max(delays) <= 4.0
    assert max(delays[4:]) > 1.0  # it did grow beyond the base (random, but p(fail) ~ 1e-6)


def test_429_waits_as_long_as_retry_after_says(
    central: FakeCentral, make_pusher: Callable[..., Pusher]
) -> None:
    outbox = MemoryOutbox(make_records(10))
    central.faults = ["429"]
    delays: list[float] = []
    p = make_pusher(outbox, sleep=delays.append)
    p.start()
    wait_until(lambda: outbox.backlog() == 0)
    assert delays == [7.0]
    assert len(central.stored) == 10


def test_401_means_revoked_data_kept_and_re_enrolment_resumes(
    central: FakeCentral, make_pusher: Callable[..., Pusher]
) -> None:
    recs = make_records(50)
    outbox = MemoryOutbox(recs)
    central.valid_tokens = set()  # revoked
    p = make_pusher(outbox, revoked_retry=3600)
    p.start()
    wait_until(lambda: p.status.state == "revoked", what="revoked state")
    assert outbox.backlog() == 50 and not outbox.sent and not outbox.set_aside
    assert p.status.backlog == 50
    # Re-enrolled: the new token cuts the slow retry short.
    central.valid_tokens = {"tok-new"}
    p.set_token("tok-new")
    wait_until(lambda: outbox.backlog() == 0, what="drain after re-enrolment")
    assert len(central.stored) == 50
    wait_until(lambda: p.status.state == "online")


def test_413_halves_the_batch_until_it_fits(
    central: FakeCentral, make_pusher: Callable[..., Pusher]
) -> None:
    recs = make_records(1000)
    central.max_batch = 100
    outbox = MemoryOutbox(recs)
    p = make_pusher(outbox, batch_size=500)
    p.start()
    wait_until(lambda: outbox.backlog() == 0)
    assert central.batch_sizes[:4] == [500, 250, 125, 62]
    assert max(central.batch_sizes[4:]) <= 62
    assert central.inserts == 1000 and not outbox.set_aside
    assert p.batch_limit == 62


@pytest.mark.parametrize(
    ("code", "detail"), [(422, "level out of range"), (403, "record of window A02")]
)
def test_a_record_refused_with_the_whole_batch_is_isolated_and_set_aside(
    central: FakeCentral, make_pusher: Callable[..., Pusher], code: int, detail: str
) -> None:
    recs = make_records(300)
    bad = recs[37]
    central.refuse_whole_batch = {bad.id: code}
    outbox = MemoryOutbox(recs)
    p = make_pusher(outbox, batch_size=100)
    p.start()
    wait_until(lambda: outbox.backlog() == 0)
    assert list(outbox.set_aside) == [bad.id]
    assert str(code) in outbox.set_aside[bad.id] and detail in outbox.set_aside[bad.id]
    assert set(central.stored) == {r.id for r in recs} - {bad.id}
    assert p.batch_limit == 100  # back to full batches once the culprit is set aside
    assert central.batch_sizes.count(100) >= 2  # the refused first one, and full ones after


def test_a_run_of_refused_records_costs_one_request_each(
    central: FakeCentral, make_pusher: Callable[..., Pusher]
) -> None:
    recs = make_records(1000)
    # 200 records from before the kiosk changed window, in the middle of the backlog.
    central.refuse_whole_batch = {r.id: 403 for r in recs[300:500]}
    outbox = MemoryOutbox(recs)
    p = make_pusher(outbox)
    p.start()
    wait_until(lambda: outbox.backlog() == 0)
    assert set(outbox.set_aside) == {r.id for r in recs[300:500]}
    assert central.inserts == 800
    assert len(central.batch_sizes) < 400


def test_drains_a_5000_backlog_without_a_new_tap(
    central: FakeCentral, make_pusher: Callable[..., Pusher]
) -> None:
    outbox = MemoryOutbox(make_records(5000))
    # A poll interval of an hour: only the pusher's own drain loop can empty this in time.
    p = make_pusher(outbox, poll_interval=3600)
    p.start()
    wait_until(lambda: outbox.backlog() == 0, timeout=20, what="5000 drained")
    assert central.inserts == 5000
    assert central.batch_sizes == [1000] * 5


def test_a_new_tap_is_sent_on_notify(
    central: FakeCentral, make_pusher: Callable[..., Pusher]
) -> None:
    recs = make_records(3)
    outbox = MemoryOutbox(recs[:2])
    p = make_pusher(outbox, poll_interval=3600)
    p.start()
    wait_until(lambda: outbox.backlog() == 0)
    outbox.add(recs[2])
    p.notify()
    wait_until(lambda: recs[2].id in central.stored, what="new tap sent", timeout=2)


def test_factory_outbox_is_opened_and_closed_on_the_pusher_thread(
    central: FakeCentral, make_pusher: Callable[..., Pusher]
) -> None:
    opened_on: list[str] = []
    boxes: list[MemoryOutbox] = []

    def factory() -> MemoryOutbox:
        opened_on.append(threading.current_thread().name)
        boxes.append(MemoryOutbox(make_records(5)))
        return boxes[-1]

    p = make_pusher(factory)
    p.start()
    wait_until(lambda: bool(boxes) and boxes[0].backlog() == 0)
    assert opened_on == ["hall-pusher"]
    assert p.stop(timeout=5)
    assert boxes[0].closed


def test_stop_is_prompt_during_a_long_backoff(
    central: FakeCentral, make_pusher: Callable[..., Pusher]
) -> None:
    outbox = MemoryOutbox(make_records(5))
    central.faults = ["500"] * 1000
    p = make_pusher(outbox, backoff_base=3600, backoff_cap=3600, rng=_MaxRandom())
    p.start()
    wait_until(lambda: p.status.state == "offline" and p.status.last_error is not None)
    t0 = time.monotonic()
    assert p.stop(timeout=5)
    assert time.monotonic() - t0 < 1.0
    assert outbox.backlog() == 5


class _MaxRandom:
    """A jitter source that always picks the longest pause."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_roster_is_cached_and_304_changes_nothing(
    central: FakeCentral, make_pusher: Callable[..., Pusher], tmp_path: Path
) -> None:
    cache = tmp_path / "roster-cache.json"
    got: list[dict[str, Any]] = []
    p = make_pusher(MemoryOutbox(), roster_cache=cache, on_roster=got.append, roster_interval=0.01)
    p.start()
    wait_until(lambda: len(central.roster_requests) >= 3, what="three roster pulls")
    assert p.stop()
    assert got == [central.roster]  # only the first answer (200) carried a roster
    assert "If-None-Match" not in central.roster_requests[0].headers
    assert all(r.headers["If-None-Match"] == '"r1"' for r in central.roster_requests[1:])
    cached = read_roster_cache(cache)
    assert cached is not None and cached["roster"] == central.roster and cached["etag"] == '"r1"'
    assert [f.name for f in tmp_path.iterdir()] == ["roster-cache.json"]  # no temp files left

    # A restart asks with the cached ETag straight away; a changed roster replaces the cache.
    central.roster_requests.clear()
    central.roster = {"hall": {"code": "H1"}, "windows": [{"code": "A01"}, {"code": "A02"}]}
    central.roster_etag = '"r2"'
    got2: list[dict[str, Any]] = []
    p2 = make_pusher(MemoryOutbox(), roster_cache=cache, on_roster=got2.append)
    p2.start()
    wait_until(lambda: bool(got2))
    assert central.roster_requests[0].headers["If-None-Match"] == '"r1"'
    assert got2 == [central.roster]
    cached = read_roster_cache(cache)
    assert cached is not None and cached["etag"] == '"r2"'


def test_offline_roster_pull_keeps_the_cache(
    central: FakeCentral, make_pusher: Callable[..., Pusher], tmp_path: Path
) -> None:
    cache = tmp_path / "roster-cache.json"
    write_json_atomic(cache, {"etag": '"old"', "fetched_at": "x", "roster": {"hall": "cached"}})
    before = cache.read_bytes()
    central.roster_offline = True
    p = make_pusher(MemoryOutbox(), roster_cache=cache, on_roster=lambda r: None)
    p.start()
    wait_until(lambda: p.status.state == "offline" and p.status.last_error is not None)
    assert cache.read_bytes() == before
    assert central.roster_requests[0].headers["If-None-Match"] == '"old"'


@pytest.mark.parametrize("roster_error", [500, 403])
def test_a_failing_roster_endpoint_never_holds_up_ratings(
    central: FakeCentral, make_pusher: Callable[..., Pusher], tmp_path: Path, roster_error: int
) -> None:
    central.roster_error = roster_error
    outbox = MemoryOutbox(make_records(1200))
    p = make_pusher(outbox, roster_cache=tmp_path / "roster.json", revoked_retry=3600)
    p.start()
    wait_until(lambda: outbox.backlog() == 0, what="ratings drained despite the roster")
    assert central.inserts == 1200
    if roster_error >= 500:  # a transient fault: asked again on the backoff schedule
        wait_until(lambda: len(central.roster_requests) >= 2, what="roster asked again")
    assert not (tmp_path / "roster.json").exists()


def test_cache_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "roster-cache.json"
    write_json_atomic(cache, {"roster": {"v": 1}})

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError):
        write_json_atomic(cache, {"roster": {"v": 2}})
    assert json.loads(cache.read_text()) == {"roster": {"v": 1}}
    assert [f.name for f in tmp_path.iterdir()] == ["roster-cache.json"]


def test_the_token_never_reaches_the_log(
    central: FakeCentral, make_pusher: Callable[..., Pusher], caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    recs = make_records(20)
    central.reject_ids = {recs[3].id: "not this window"}
    central.faults = ["500", "timeout", "429", "401"]
    outbox = MemoryOutbox(recs)
    statuses: list[SyncStatus] = []
    p = make_pusher(
        outbox, sleep=lambda d: None, on_status=statuses.append,
        roster_cache=tmp_path / "roster.json", revoked_retry=0,
    )  # fmt: skip
    p.start()
    wait_until(lambda: outbox.backlog() == 0)
    assert p.stop()
    assert caplog.records, "expected the faults to be logged"
    assert TOKEN not in caplog.text
    assert not any(TOKEN in repr(s) for s in statuses)
    assert TOKEN not in repr(p.__dict__.get("_status"))


def test_enroll_returns_credentials_and_explains_refusals() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == ENROLL_PATH
        body = json.loads(request.content)
        seen.append(body)
        if body["code"] == "GOOD-CODE":
            return httpx.Response(
                200, json={"terminal": "T7", "token": TOKEN, "window": "A01", "hall": "H1"}
            )
        return httpx.Response(400, json={"detail": "enrolment code expired"})

    t = httpx.MockTransport(handler)
    creds = enroll(BASE, "GOOD-CODE", "kiosk-abc", transport=t)
    assert creds == Credentials(terminal="T7", token=TOKEN, window="A01", hall="H1")
    assert TOKEN not in repr(creds)
    assert seen[0] == {"code": "GOOD-CODE", "terminal": "kiosk-abc"}
    with pytest.raises(EnrollError, match="enrolment code expired"):
        enroll(BASE, "OLD", "kiosk-abc", transport=t)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(EnrollError, match="cannot reach"):
        enroll(BASE, "GOOD-CODE", "kiosk-abc", transport=httpx.MockTransport(down))
