"""Production behaviour on PostgreSQL: a real ``hall-server`` process, terminals pushing at once.

Needs ``HALL_TEST_DATABASE_URL`` (fails without it); each test gets a database of its own.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from sync.client import AdminClient, enroll
from tests.helpers.records import Chain
from tests.helpers.server import start_server

pytestmark = pytest.mark.postgres

WINDOWS = {"A01": "YJJ", "A02": "ZJW", "A03": "JTJ"}


def test_terminals_pushing_at_once_into_a_real_server_on_postgres(
    tmp_path: Path, pg_database_url: str, demo_roster_path: Path
) -> None:
    srv = start_server(tmp_path, database_url=pg_database_url)
    try:
        with AdminClient(srv.url, srv.admin_token) as admin:
            admin.import_roster_file(demo_roster_path)
            codes = {w: admin.create_enrolment_code(w).code for w in WINDOWS}
        terminals = {w: enroll(srv.url, codes[w], terminal=f"kiosk-{w}") for w in WINDOWS}
        chains = {w: Chain(f"kiosk-{w}", w, unit) for w, unit in WINDOWS.items()}
        records = {w: [r.to_dict() for r in chains[w].iter(600)] for w in WINDOWS}

        def push(window: str, batch: list[dict[str, object]]) -> httpx.Response:
            auth = {"Authorization": f"Bearer {terminals[window].token}"}
            return httpx.post(
                f"{srv.url}/api/v1/ratings/batch", json={"records": batch}, headers=auth, timeout=30
            )

        # Every batch twice, from different threads at once: exactly-once must hold anyway.
        jobs = [
            (w, records[w][i : i + 50]) for w in WINDOWS for i in range(0, 600, 50) for _ in (1, 2)
        ]
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(lambda job: push(*job), jobs))
        assert {a.status_code for a in answers} == {200}
        statuses = [r["status"] for a in answers for r in a.json()["results"]]
        assert statuses.count("stored") == 1800
        assert statuses.count("duplicate") == 1800

        srv.kill()  # SIGKILL, then the same database
        srv.restart()
        with AdminClient(srv.url, srv.admin_token) as admin:
            data = admin.aggregates("TL").data
            listed = {t.id: t for t in admin.list_terminals()}
        assert data is not None
        assert sum(c["n"] + c["flagged"] for c in data["counts"]) == 1800
        assert {t.highest_contiguous_seq for t in listed.values()} == {600}
        assert all(t.open_anomalies == 0 for t in listed.values())
    finally:
        srv.stop()
    for secret in [srv.admin_token, *(t.token for t in terminals.values())]:
        assert secret not in srv.log_text()
