"""The console's pages against a real ``hall-server`` process (SQLite in a temp dir).

One server per module, with the demo hall's roster and one terminal at window A01 that pushed
40 ratings (two flagged as a burst, two 差评) and then seq 43 (a gap of two: an anomaly).
Tests that change things change their own: a terminal they enrol, a rating of their own, a
second hall.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from board._qt.console.qt_common import Identity
from board._qt.console.qt_window import ConsoleWindow
from board._qt.console.qt_worker import ApiWorker, Client
from tests.helpers.server import ServerProcess, start_server
from tests.helpers.store import Enrolled, StoreDriver

PHONE = "13912345678"
ROSTER = Path(__file__).resolve().parents[3] / "assets" / "roster" / "demo-hall.csv"


@dataclass
class ConsoleHall:
    server: ServerProcess
    store: StoreDriver
    kiosk: Enrolled
    flagged_ids: list[str]

    @property
    def url(self) -> str:
        return self.server.url

    def client(self) -> Client:
        return Client(self.server.url, self.server.admin_token)


@pytest.fixture(scope="module")
def console_hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleHall]:
    srv = start_server(tmp_path_factory.mktemp("console-store"))
    http = httpx.Client(base_url=srv.url, timeout=30)
    try:
        store = StoreDriver(http, srv.admin_token)
        r = store.import_roster(ROSTER)
        assert r.status_code == 200, r.text
        kiosk = store.enrol("A01", unit="YJJ")
        records = [kiosk.chain.next(5) for _ in range(30)]
        records += [kiosk.chain.next(1, ("tui",), phone=PHONE), kiosk.chain.next(2, ("leng",))]
        burst = [kiosk.chain.next(3, flags=("burst",)) for _ in range(2)]
        records += burst + [kiosk.chain.next(4) for _ in range(6)]
        assert store.push(kiosk, records).status_code == 200
        kiosk.chain.seq += 2  # seq 41 and 42 never arrive
        assert store.push(kiosk, [kiosk.chain.next(5)]).status_code == 200
        yield ConsoleHall(srv, store, kiosk, [r.id for r in burst])
    finally:
        http.close()
        srv.stop()


@pytest.fixture
def api(console_hall: ConsoleHall) -> Iterator[ApiWorker]:
    worker = ApiWorker(console_hall.client())
    yield worker
    worker.stop()


@pytest.fixture
def window(qtbot, api: ApiWorker, console_hall: ConsoleHall) -> Iterator[ConsoleWindow]:  # type: ignore[no-untyped-def]
    w = ConsoleWindow(
        api,
        Identity(console_hall.url, "admin", "admin"),
        hall="TL",
        client_factory=console_hall.client,
    )
    qtbot.addWidget(w)
    w.show()
    w.settle()
    yield w
    w.close()
