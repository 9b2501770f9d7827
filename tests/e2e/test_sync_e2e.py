"""End to end, real processes: ``hall-server`` on a loopback port, kiosks syncing to it.

The server is its own process (``tests.helpers.server``), killed with SIGKILL and restarted on
the same port and database; a fault proxy (``tests.e2e.faults``) sits between the pushers and
the server. Each kiosk is what ``hall-kiosk`` runs minus Qt: the rating flow over a real local
store, and the sync link's pusher thread on its own connection. Nothing is mocked across a
process boundary. Every test runs on SQLite and on PostgreSQL (see ``conftest.py``).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.faults import FaultProxy, Faults
from tests.e2e.hall import (
    API,
    UNIT_OF,
    HallAdmin,
    Kiosk,
    assert_no_secret_logged,
    demo_roster,
    expected_quarter,
    local_rows,
    server_ratings,
    wait_until,
)
from tests.helpers.records import Chain
from tests.helpers.server import ServerProcess

CLOCK_FLAGS = {"clock_future", "clock_before_enrolment", "clock_backwards"}
YEARS_AHEAD = timedelta(days=4 * 365)  # the A14 kiosk's clock: four years fast


@pytest.fixture
def make_kiosk(tmp_path: Path) -> Iterator[Callable[..., Kiosk]]:
    """Kiosks under tmp_path; their pusher threads are stopped before the server is."""
    made: list[Kiosk] = []

    def make(window: str, url: str, **kwargs: Any) -> Kiosk:
        k = Kiosk(tmp_path / f"kiosk-{len(made)}-{window}", window, url, **kwargs)
        made.append(k)
        return k

    yield make
    for k in made:
        k.stop()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _assert_store_holds_exactly(
    server: ServerProcess, hall: HallAdmin, kiosks: list[Kiosk], set_aside: int = 0
) -> None:
    """None lost, none doubled: the server's ratings of these kiosks are exactly what their
    stores acknowledged and sent, each once, seqs 1..n, contents unchanged."""
    rows = server_ratings(server)
    terminals = {k.terminal for k in kiosks}
    mine = [r for r in rows if r.terminal in terminals]
    per_id = Counter(r.id for r in mine)
    assert [i for i, n in per_id.items() if n > 1] == [], "ratings stored more than once"
    seen_aside = 0
    for k in kiosks:
        local = local_rows(k.store_path)
        acknowledged = {r.id for r in k.acknowledged}
        # The kiosk's store holds every tap the citizen was thanked for, and nothing else.
        assert {r.id for r in local} == acknowledged
        sent = {r.id: r for r in local if r.sync_status == "sent"}
        seen_aside += sum(r.sync_status == "rejected" for r in local)
        assert all(r.sync_status in ("sent", "rejected") for r in local)
        stored = sorted((r for r in mine if r.terminal == k.terminal), key=lambda r: r.seq)
        assert {r.id for r in stored} == set(sent), f"kiosk {k.window}: lost or extra ratings"
        assert {r.id: r.hash for r in stored} == {i: r.hash for i, r in sent.items()}
        if not set_aside:
            assert [r.seq for r in stored] == list(range(1, len(local) + 1))
            t = hall.terminals()[k.terminal]
            assert t["highest_contiguous_seq"] == t["max_seq"] == len(local)
            assert hall.anomalies(k.terminal) == []
    assert seen_aside == set_aside


def test_every_acknowledged_rating_reaches_the_store_once_through_faults(
    server: ServerProcess, hall: HallAdmin, make_kiosk: Callable[..., Kiosk]
) -> None:
    with FaultProxy(server.port) as proxy:
        kiosks = [
            make_kiosk(w, proxy.url, clock_offset=YEARS_AHEAD if w == "A14" else timedelta(0))
            for w in ("A01", "A02", "A14")
        ]
        for k in kiosks:
            k.enroll(hall.code(k.window))
            k.start()

        # 1. Answers dropped after the server committed, 500s, answers stalled past the
        #    pusher's timeout, while citizens keep rating at all three counters.
        proxy.faults = Faults(drop_every=3, error_every=5, stall_every=7, stall_s=1.5)
        # Citizens keep coming until the pushers have crossed each fault a few times (how many
        # taps a batch carries depends on the machine's speed, so count batches, not taps).
        start = time.monotonic()
        while proxy.stats["batches"] < 21 or min(k.taps for k in kiosks) < 40:
            assert time.monotonic() - start < 60, f"too few batches: {proxy.stats}"
            for k in kiosks:
                k.tap()
            time.sleep(0.02)

        # 2. SIGKILL with a batch in the server's hands, at a few moments of its work; the
        #    kiosks go on rating while it is down; then it restarts on the same port and data.
        for delay in (0.0, 0.01, 0.05):

            def kill(delay: float = delay) -> None:
                time.sleep(delay)
                server.kill()

            killed = proxy.on_next_batch(kill)
            for _ in range(15):
                for k in kiosks:
                    k.tap()
            assert killed.wait(30), "no batch reached the server to be killed under"
            down = proxy.stats["upstream_down"]
            for _ in range(5):
                for k in kiosks:
                    k.tap()
            assert server.proc.poll() is not None

            def tried_while_down(down: int = down) -> bool:
                return proxy.stats["upstream_down"] > down

            wait_until(tried_while_down, 30, "a kiosk pushing while the server is down")
            server.restart()

        # 3. Quiescence: every kiosk's outbox empties, with the proxy's faults still on.
        wait_until(lambda: all(k.backlog() == 0 for k in kiosks), 90, "every backlog drained")
        stats = Counter(proxy.stats)
        dropped_200 = proxy.dropped_statuses[200]

    # Each fault really happened (not just planned).
    assert dropped_200 >= 1, stats  # the server had committed, the kiosk never heard
    assert stats["error_500"] >= 1, stats
    assert stats["stalled"] >= 1, stats
    assert stats["upstream_failed"] >= 1, stats  # a kill landed with a batch in flight
    assert stats["upstream_down"] >= 1, stats

    assert all(len(k.acknowledged) == k.taps >= 100 for k in kiosks)
    _assert_store_holds_exactly(server, hall, kiosks)

    # The kiosk whose clock is years off: its ratings stored as sent, flagged, not rewritten.
    rows = {r.id: r for r in server_ratings(server)}
    fast = kiosks[2]
    fast_rows = sorted(local_rows(fast.store_path), key=lambda r: r.seq)
    # The kiosk judges its clock against the server's time as it last heard it: the taps before
    # its first answer are not flagged by the kiosk (the store flags them on arrival), every tap
    # after it is.
    kiosk_flagged = ["clock" in local.flags for local in fast_rows]
    assert kiosk_flagged == sorted(kiosk_flagged) and kiosk_flagged[-1], kiosk_flagged
    for local in fast_rows:
        stored = rows[local.id]
        assert "clock_future" in stored.server_flags
        assert stored.device_time == local.device_time
        assert datetime.fromisoformat(stored.device_time).year >= datetime.now(UTC).year + 3
    for k in kiosks[:2]:
        assert all(not CLOCK_FLAGS & set(rows[r.id].server_flags) for r in k.acknowledged)

    # What the board reads agrees: every rating counted once, under the right quarter.
    quarters = {
        expected_quarter(r.device_time, "Asia/Shanghai", k is fast)
        for k in kiosks
        for r in local_rows(k.store_path)
    }
    totals = hall.unit_totals(quarters)
    for k in kiosks:
        assert totals.get(UNIT_OF[k.window], 0) == len(k.acknowledged), k.window

    assert_no_secret_logged(
        server.log_text(), [*hall.secrets, *(k.token for k in kiosks)], "the server's log"
    )


# A record broken in one way each, and the word its rejection reason must contain.
MALFORMED: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    ("level out of range", lambda d: d | {"level": 9}, "level"),
    ("device time not a time", lambda d: d | {"device_time": "yesterday"}, "device_time"),
    ("seq not a number", lambda d: d | {"seq": "three"}, "seq"),
    ("hash missing", lambda d: {k: v for k, v in d.items() if k != "hash"}, "hash"),
    ("content altered after hashing", lambda d: d | {"level": 1}, "hash"),
]


def test_a_malformed_record_is_refused_alone_and_the_rest_stored(
    server: ServerProcess, hall: HallAdmin
) -> None:
    t = hall.enroll("A01")
    chain = Chain(terminal=t["terminal"], window="A01", unit=UNIT_OF["A01"])
    good_ids: list[str] = []
    with httpx.Client(base_url=server.url + API, headers=_bearer(t["token"])) as c:
        for what, breaks, word in MALFORMED:
            good = chain.many(3)
            spare = Chain(terminal=t["terminal"], window="A01", unit="YJJ", seq=10_000).next(5)
            bad = breaks(spare.to_dict())
            records = [good[0].to_dict(), good[1].to_dict(), bad, good[2].to_dict()]
            for attempt in ("first", "retried"):
                r = c.post("/ratings/batch", json={"records": records})
                assert r.status_code == 200, (what, r.text)
                res = r.json()["results"]
                assert [x["status"] for x in res] == (
                    ["stored", "stored", "rejected", "stored"]
                    if attempt == "first"
                    else ["duplicate", "duplicate", "rejected", "duplicate"]
                ), (what, res)
                assert word in res[2]["reason"], (what, res[2])
                assert r.json()["highest_contiguous_seq"] == chain.seq
            good_ids += [g.id for g in good]

        # Malformed as a whole: a 4xx with a message, never a 500, nothing stored. (A record
        # that is not even a JSON object fails the batch schema: the pusher halves such a batch
        # until the record stands alone and sets it aside.)
        not_an_object = [chain.next().to_dict(), "a rating"]
        for body, ctype in [
            (json.dumps({"records": not_an_object}).encode(), "application/json"),
            (b'{"records": "none"}', "application/json"),
            (b'{"records": [', "application/json"),
            (b"records=1", "application/x-www-form-urlencoded"),
            (b"[]", "application/json"),
            (b'{"records": [' + b",".join([b"{}"] * 1001) + b"]}", "application/json"),
        ]:
            r = c.post("/ratings/batch", content=body, headers={"Content-Type": ctype})
            assert 400 <= r.status_code < 500, (body[:40], r.status_code, r.text)
            assert r.json()["detail"], r.text

    rows = [r for r in server_ratings(server) if r.terminal == t["terminal"]]
    assert sorted(r.id for r in rows) == sorted(good_ids)
    assert sorted(r.seq for r in rows) == list(range(1, len(good_ids) + 1))
    assert hall.anomalies(t["terminal"]) == []
    assert "Traceback" not in server.log_text()


def test_a_record_the_server_refuses_is_set_aside_and_the_rest_flow(
    server: ServerProcess, hall: HallAdmin, make_kiosk: Callable[..., Kiosk]
) -> None:
    k = make_kiosk("A02", server.url)
    k.enroll(hall.code("A02"))
    for _ in range(30):
        k.tap()
    # Rating seq 10 changes on the kiosk's disk after it was hashed (a failing disk, an edit):
    # the server must refuse it, and the 29 others must still arrive.
    with sqlite3.connect(k.store_path) as conn:
        conn.execute("UPDATE ratings SET level = 6 - level WHERE seq = 10")
    conn.close()
    k.start()
    wait_until(lambda: k.backlog() == 0, 30, "the backlog drained past the refused record")

    aside = k.store.rejected()
    assert [(rec.seq, "hash" in why) for rec, why in aside] == [(10, True)]
    wait_until(lambda: k.link.status.rejected == 1, 10, "staff see one set-aside rating")
    _assert_store_holds_exactly(server, hall, [k], set_aside=1)
    stored = sorted(r.seq for r in server_ratings(server) if r.terminal == k.terminal)
    assert stored == [s for s in range(1, 31) if s != 10]
    # The admin sees the hole the refused rating left.
    gaps = [a for a in hall.anomalies(k.terminal) if a["kind"] == "seq_gap"]
    assert [(g["seq_from"], g["seq_to"]) for g in gaps] == [(10, 10)]


def test_credentials_stay_in_their_lane(
    server: ServerProcess,
    hall: HallAdmin,
    make_kiosk: Callable[..., Kiosk],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # everything the kiosk side logs, httpx included
    kiosk = make_kiosk("A01", server.url)
    kiosk.enroll(hall.code("A01"))
    kiosk.start()
    for _ in range(5):
        kiosk.tap()
    wait_until(lambda: kiosk.backlog() == 0, 30, "the A01 kiosk synced")
    other = hall.enroll("A02")
    board = hall.board_token()

    def stored() -> int:
        return len(server_ratings(server))

    before = stored()
    with httpx.Client(base_url=server.url + API, timeout=30) as c:
        # A terminal's credential used for another window: 403, every time, nothing stored.
        own = Chain(terminal=kiosk.terminal, window="A01", unit="YJJ", seq=100)
        as_a02 = Chain(terminal=kiosk.terminal, window="A02", unit="ZJW", seq=200)
        as_other = Chain(terminal=other["terminal"], window="A02", unit="ZJW")
        for batch in (
            [as_a02.next()],
            [own.next(), as_a02.next()],
            [as_other.next()],
            [as_a02.next(), as_a02.next()],
            [as_other.next(), own.next()],
        ):
            r = c.post(
                "/ratings/batch",
                json={"records": [x.to_dict() for x in batch]},
                headers=_bearer(kiosk.token),
            )
            assert r.status_code == 403, r.text
            assert r.json()["detail"]
        assert stored() == before
        # It reads its own window's roster only.
        r = c.get("/terminal/roster", headers=_bearer(kiosk.token))
        assert r.status_code == 200, r.text
        assert [w["code"] for w in r.json()["windows"]] == ["A01"]

        # The board's credential reads standings data and writes nothing.
        assert c.get("/halls/TL/aggregates", headers=_bearer(board)).status_code == 200
        board_tries: list[tuple[str, str, dict[str, Any]]] = [
            ("POST", "/ratings/batch", {"json": {"records": [own.next().to_dict()]}}),
            ("POST", "/admin/enrolment-codes", {"json": {"window": "A03"}}),
            ("POST", "/admin/board-credentials", {"json": {"hall": "TL"}}),
            ("POST", f"/admin/terminals/{other['terminal']}/revoke", {}),
            ("POST", "/admin/roster", {"content": b"kind,code\n"}),
            ("GET", "/admin/terminals", {}),
            ("GET", "/terminal/roster", {}),
        ]
        for method, path, kwargs in board_tries:
            r = c.request(method, path, headers=_bearer(board), **kwargs)
            assert r.status_code == 403, (method, path, r.status_code, r.text)
            assert r.json()["detail"]
        assert stored() == before

        # A revoked terminal: 401 for everything, while the other terminal carries on.
        hall.revoke(kiosk.terminal)
        for _ in range(3):
            r = c.post(
                "/ratings/batch",
                json={"records": [own.next().to_dict()]},
                headers=_bearer(kiosk.token),
            )
            assert r.status_code == 401, r.text
            assert c.get("/terminal/roster", headers=_bearer(kiosk.token)).status_code == 401
        fine = Chain(terminal=other["terminal"], window="A02", unit="ZJW").next()
        r = c.post(
            "/ratings/batch", json={"records": [fine.to_dict()]}, headers=_bearer(other["token"])
        )
        assert r.status_code == 200 and r.json()["results"][0]["status"] == "stored", r.text

        # The revoked kiosk keeps its citizens' ratings and tells staff it was revoked.
        kiosk.tap()
        wait_until(lambda: kiosk.link.status.state == "revoked", 30, "the kiosk shows 'revoked'")
        assert kiosk.backlog() == 1
        # A made-up or missing credential is 401 too.
        for headers in ({}, _bearer("x" * 43), _bearer(uuid.uuid4().hex)):
            assert c.get("/terminal/roster", headers=headers).status_code == 401

    secrets = [*hall.secrets, kiosk.token, other["token"], board]
    assert_no_secret_logged(server.log_text(), secrets, "the server's log")
    assert_no_secret_logged(caplog.text, secrets, "the kiosk side's log")


def test_fifty_terminals_pushing_at_once_are_all_answered(
    server: ServerProcess, hall: HallAdmin
) -> None:
    """A hall's worth of kiosks pushing in the same instant: every batch stored, no 500."""
    windows = sorted(demo_roster().windows.values(), key=lambda w: w.code)
    terminals = [(hall.enroll(w.code), w) for w in (windows[i % len(windows)] for i in range(50))]
    start = threading.Barrier(len(terminals))

    def push(enrolled: dict[str, str], window: Any) -> list[int | str]:
        chain = Chain(terminal=enrolled["terminal"], window=window.code, unit=window.unit)
        batches = [[chain.next().to_dict(), chain.next().to_dict()] for _ in range(3)]
        codes: list[int | str] = []
        # 150 small batches take a few seconds here; 20 s means the server is stuck.
        with httpx.Client(base_url=server.url + API, timeout=20) as c:
            start.wait(30)
            for batch in batches:
                try:
                    r = c.post(
                        "/ratings/batch",
                        json={"records": batch},
                        headers=_bearer(enrolled["token"]),
                    )
                except httpx.TransportError as e:
                    codes.append(type(e).__name__)
                    break
                codes.append(r.status_code)
        return codes

    t0 = time.monotonic()
    with ThreadPoolExecutor(len(terminals)) as pool:
        answers = list(pool.map(lambda tw: push(*tw), terminals))
    codes = Counter(code for codes in answers for code in codes)
    assert codes == {200: 150}, f"answers: {dict(codes)}"
    stored = Counter(r.terminal for r in server_ratings(server))
    assert all(stored[t["terminal"]] == 6 for t, _ in terminals)
    assert "Traceback" not in server.log_text()
    print(f"50 terminals × 3 batches answered in {time.monotonic() - t0:.1f} s")
