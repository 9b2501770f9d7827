"""A week offline: a kiosk buffers 30,000 ratings while the central store is down; when it comes
back, everything drains without a single new tap, each rating once.

Runs on SQLite and PostgreSQL like the rest of the end-to-end suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.sync_link import SyncLink
from tests.e2e.conftest import GENEROUS_LIMITS
from tests.e2e.hall import (
    FAST_PUSHER,
    UNIT_OF,
    HallAdmin,
    expected_quarter,
    fill_store,
    local_rows,
    server_ratings,
    wait_until,
)
from tests.helpers.server import ServerProcess

RATINGS = 30_000
WEEK = timedelta(days=7)


@pytest.fixture
def server_env() -> dict[str, str]:
    # The kiosk was enrolled before its week offline, but the API can only enrol it now: allow
    # device times up to eight days before enrolment, so that the week's ratings are unflagged.
    return GENEROUS_LIMITS | {"HALL_CLOCK_BEFORE_ENROLMENT_S": str(8 * 24 * 3600)}


@pytest.fixture
def link(tmp_path: Path, server: ServerProcess) -> Iterator[SyncLink]:
    kiosk = tmp_path / "kiosk"
    options = FAST_PUSHER | {"batch_size": 500, "backoff_cap": 2.0, "timeout": 15.0}
    link = SyncLink(
        server_url=server.url,
        data_dir=kiosk,
        store_path=kiosk / "ratings.db",
        tz="Asia/Shanghai",
        pusher_options=options,
    )
    yield link
    link.stop()


def test_a_week_offline_drains_completely_when_the_server_returns(
    server: ServerProcess, hall: HallAdmin, link: SyncLink
) -> None:
    link.enroll(hall.code("A01"))
    server.stop()  # the hall's network is down for a week

    now = datetime.now(UTC)
    terminal = fill_store(
        link.store_path, "A01", RATINGS, start=now - WEEK, end=now - timedelta(minutes=1)
    )
    link.start()
    # Staff see it: offline since its first failed push, with the whole week waiting.
    wait_until(lambda: link.status.offline_since is not None, 30, "the kiosk shows 'offline'")
    offline = link.status
    assert (offline.state, offline.backlog) == ("offline", RATINGS)

    server.restart()  # same port, same database; nobody taps
    took = wait_until(lambda: link.status.backlog == 0, 60, "the week's backlog drained")
    print(f"\n{RATINGS} ratings drained in {took:.1f} s ({RATINGS / took:,.0f}/s)")
    assert link.status.state == "online"

    local = local_rows(link.store_path)
    assert len(local) == RATINGS and all(r.sync_status == "sent" for r in local)
    stored = [r for r in server_ratings(server) if r.terminal == terminal]
    assert len(stored) == RATINGS
    assert {r.id for r in stored} == {r.id for r in local}
    assert sorted(r.seq for r in stored) == list(range(1, RATINGS + 1))
    assert not any(r.server_flags for r in stored)

    t = hall.terminals()[terminal]
    assert t["highest_contiguous_seq"] == t["max_seq"] == RATINGS
    assert hall.anomalies(terminal) == []
    quarters = {expected_quarter(r.device_time, "Asia/Shanghai", False) for r in local}
    assert hall.unit_totals(quarters).get(UNIT_OF["A01"]) == RATINGS
