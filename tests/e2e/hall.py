"""The pieces of a hall for end-to-end tests and benchmarks: an admin at the API, kiosks, and a
look at what the central store holds.

* ``HallAdmin`` talks to a running ``hall-server`` with the admin token (roster, codes, revoke,
  board credentials, terminals, anomalies, aggregates) and remembers every secret it saw, so a
  test can check that none of them reached the server's log.
* ``Kiosk`` is one counter as ``hall-kiosk`` runs it, minus Qt: the rating flow over a real
  ``LocalStore`` with an injectable clock, and a ``SyncLink`` (its pusher thread on its own
  connection) syncing to a URL.
* ``server_ratings`` reads the central store's rating table straight from its database (the API
  has no per-rating listing): SQLite file or PostgreSQL, while the server runs or after.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from kiosk.flow import Flow, Recorded, State
from kiosk.store import LocalStore
from kiosk.sync_link import SyncLink
from sync.quarter import Quarter
from sync.roster import Roster, parse_roster
from tests.helpers.clock import Clock
from tests.helpers.server import ServerProcess
from tests.helpers.wait import wait_until

__all__ = [
    "API",
    "FAST_PUSHER",
    "ROSTER_PATH",
    "UNIT_OF",
    "FastFillStore",
    "HallAdmin",
    "Kiosk",
    "LocalRow",
    "StoredRating",
    "assert_no_secret_logged",
    "demo_roster",
    "fill_store",
    "local_rows",
    "server_ratings",
    "wait_until",
]

API = "/api/v1"
ROSTER_PATH = Path(__file__).resolve().parents[2] / "assets" / "roster" / "demo-hall.csv"
UNIT_OF = {"A01": "YJJ", "A02": "ZJW", "A14": "GHZ"}
# A pusher tuned for tests: short backoff so faults cost little wall time, a timeout the fault
# proxy's stalls exceed, and small batches so that one run crosses many faults.
FAST_PUSHER: dict[str, Any] = {
    "backoff_base": 0.05,
    "backoff_cap": 0.5,
    "poll_interval": 0.2,
    "timeout": 1.0,
    "batch_size": 25,
}


def demo_roster() -> Roster:
    return parse_roster(ROSTER_PATH)


class HallAdmin:
    """The administrator at the server's API; ``secrets`` collects every credential seen."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.client = httpx.Client(base_url=server.url + API, timeout=30.0)
        self.secrets: list[str] = [server.admin_token]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.server.admin_token}"}

    def close(self) -> None:
        self.client.close()

    def import_roster(self, path: Path = ROSTER_PATH) -> dict[str, Any]:
        r = self.client.post(
            "/admin/roster",
            params={"filename": path.name},
            content=path.read_bytes(),
            headers=self.headers | {"Content-Type": "text/csv"},
        )
        assert r.status_code == 200, r.text
        out: dict[str, Any] = r.json()
        return out

    def code(self, window: str) -> str:
        """A one-time enrolment code for ``window``."""
        r = self.client.post(
            "/admin/enrolment-codes", json={"window": window}, headers=self.headers
        )
        assert r.status_code == 201, r.text
        code: str = r.json()["code"]
        self.secrets.append(code)
        return code

    def enroll(self, window: str, terminal: str | None = None) -> dict[str, str]:
        """Enrol a terminal straight through the API: ``{terminal, token, window, hall}``."""
        body = {"code": self.code(window), "terminal": terminal or uuid.uuid4().hex}
        r = self.client.post("/enroll", json=body)
        assert r.status_code == 200, r.text
        out: dict[str, str] = r.json()
        self.secrets.append(out["token"])
        return out

    def revoke(self, terminal: str) -> None:
        r = self.client.post(f"/admin/terminals/{terminal}/revoke", headers=self.headers)
        assert r.status_code == 200, r.text

    def board_token(self, hall: str | None = "TL") -> str:
        r = self.client.post("/admin/board-credentials", json={"hall": hall}, headers=self.headers)
        assert r.status_code == 201, r.text
        token: str = r.json()["token"]
        self.secrets.append(token)
        return token

    def terminals(self) -> dict[str, dict[str, Any]]:
        r = self.client.get("/admin/terminals", headers=self.headers)
        assert r.status_code == 200, r.text
        return {t["id"]: t for t in r.json()}

    def anomalies(self, terminal: str) -> list[dict[str, Any]]:
        r = self.client.get(
            "/admin/anomalies",
            params={"terminal": terminal, "include_resolved": False},
            headers=self.headers,
        )
        assert r.status_code == 200, r.text
        out: list[dict[str, Any]] = r.json()
        return out

    def unit_totals(self, quarters: Iterable[str], hall: str = "TL") -> dict[str, int]:
        """Ratings per unit over ``quarters`` as the board sees them (scored plus flagged)."""
        totals: dict[str, int] = {}
        for q in sorted(set(quarters)):
            r = self.client.get(
                f"/halls/{hall}/aggregates", params={"quarter": q}, headers=self.headers
            )
            assert r.status_code == 200, r.text
            for c in r.json()["counts"]:
                totals[c["unit"]] = totals.get(c["unit"], 0) + c["n"] + c["flagged"]
        return totals


def assert_no_secret_logged(text: str, secrets: Iterable[str], where: str) -> None:
    leaked = [s[:4] + "…" for s in secrets if s and s in text]
    assert not leaked, f"{len(leaked)} credential(s) appear in {where}: {leaked}"


# ---------------------------------------------------------------- kiosks


class Kiosk:
    """One counter: the rating flow over its own ``LocalStore``, and a ``SyncLink`` to ``url``."""

    def __init__(
        self,
        root: Path,
        window: str,
        url: str,
        *,
        roster: Roster | None = None,
        clock_offset: timedelta = timedelta(0),
        pusher_options: dict[str, Any] | None = None,
    ) -> None:
        self.window = window
        self.roster = roster or demo_roster()
        self.store_path = root / "ratings.db"
        self.clock = Clock(datetime.now(UTC) + clock_offset)
        # The GUI side's connection; the pusher opens its own on its thread.
        self.store = LocalStore(self.store_path, tz=self.roster.hall.tz)
        self.flow = Flow(roster=self.roster, window=window, store=self.store, clock=self.clock)
        self.acknowledged: list[Recorded] = []
        self.flow.rating_recorded.connect(self.acknowledged.append)
        self.link = SyncLink(
            server_url=url,
            data_dir=root,
            store_path=self.store_path,
            tz=self.roster.hall.tz,
            pusher_options=pusher_options if pusher_options is not None else FAST_PUSHER,
        )
        self.taps = 0

    @property
    def terminal(self) -> str:
        return self.store.terminal_id

    @property
    def token(self) -> str:
        creds = self.link.credentials
        assert creds is not None, "not enrolled"
        return creds.token

    def enroll(self, code: str) -> None:
        self.link.enroll(code)

    def start(self) -> None:
        self.link.start()

    def tap(self, level: int | None = None) -> None:
        """A citizen rates: a face; after a 差评 a reason (and every other time a phone)."""
        level = level if level is not None else 5 - self.taps % 5
        f = self.flow
        f.rate(level)
        if level <= 2:
            f.toggle_reason("leng" if self.taps % 2 else "tui")
            if self.taps % 4 == 0:
                f.open_phone_pad()
                assert f.submit_phone("138 0013 8000") is None
            f.confirm()
        assert f.state is State.THANKS, f.state
        self.taps += 1
        self.clock.advance(20)  # past the thank-you screen and the minimum interval
        f.tick()
        self.link.notify()

    def backlog(self) -> int:
        return self.store.backlog()

    def stop(self) -> None:
        self.link.stop()
        self.store.close()


# ---------------------------------------------------------------- what each side holds


@dataclass(frozen=True)
class LocalRow:
    id: str
    seq: int
    hash: str
    device_time: str
    flags: tuple[str, ...]
    sync_status: str
    sync_reason: str | None


def local_rows(store_path: Path) -> list[LocalRow]:
    """Every rating in a kiosk's store with its sync state, read-only, oldest first."""
    conn = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT id, seq, hash, device_time, flags, sync_status, sync_reason "
            "FROM ratings ORDER BY seq"
        ).fetchall()
    finally:
        conn.close()
    return [LocalRow(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5], r[6]) for r in rows]


@dataclass(frozen=True)
class StoredRating:
    id: str
    terminal: str
    seq: int
    hash: str
    device_time: str
    server_flags: tuple[str, ...]
    quarter: str


def server_ratings(server: ServerProcess) -> list[StoredRating]:
    """Every row of the central store's rating table (a list: duplicates would show)."""
    url = server.database_url or f"sqlite:///{server.data_dir / 'hall.db'}"
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT id, terminal, seq, hash, device_time, server_flags, quarter FROM rating"
                )
            ).all()
    finally:
        engine.dispose()
    out = []
    for r in rows:
        flags = json.loads(r[5]) if isinstance(r[5], str) else (r[5] or [])
        out.append(StoredRating(r[0], r[1], int(r[2]), r[3], r[4], tuple(flags), r[6]))
    return out


def expected_quarter(device_time: str, tz: str, clock_flagged: bool) -> str:
    """The quarter the server should file a rating under: the device's, unless its clock is
    implausible (then the quarter it arrived in, which is now)."""
    when = datetime.now(UTC) if clock_flagged else datetime.fromisoformat(device_time)
    return str(Quarter.at(when, tz))


# ---------------------------------------------------------------- bulk buffering


class FastFillStore(LocalStore):
    """A ``LocalStore`` that skips the fsync per commit, to buffer a week of ratings quickly.

    Only for filling a store before a test or benchmark; the code path (``record``: seq, hash
    chain, one transaction per rating) is the kiosk's own. Reopen with ``LocalStore`` to sync.
    """

    def _connect(self) -> sqlite3.Connection:
        conn = super()._connect()
        conn.execute("PRAGMA synchronous = OFF")
        return conn


def fill_store(
    path: Path,
    window: str,
    n: int,
    *,
    start: datetime,
    end: datetime,
    tz: str = "Asia/Shanghai",
) -> str:
    """Record ``n`` ratings for ``window`` with device times spread over [start, end).

    Levels cycle 5..1; a 差评 carries a reason. Returns the store's terminal id.
    """
    unit = UNIT_OF[window]
    step = (end - start) / n
    with FastFillStore(path, tz=tz) as store:
        for i in range(n):
            level = 5 - i % 5
            store.record(
                id=str(uuid.uuid4()),
                window=window,
                unit=unit,
                staff=None,
                level=level,
                reasons=("lan",) if level <= 2 else (),
                phone=None,
                device_time=start + step * i,
                flags=(),
            )
        return store.terminal_id
