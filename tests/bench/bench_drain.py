"""Benchmark: drain 100,000 buffered ratings into a fresh central store, beside a raw bulk insert.

Run: ``python -m tests.bench.bench_drain [--ratings 100000] [--backend sqlite|postgres|both]
[--profile]``. Not pass/fail: it prints our figure and the baseline it compares with, measured
in the same run on the same kind of database.

* **drain**: a kiosk's ``LocalStore`` holds the ratings (buffered beforehand, not timed); the
  real ``Pusher`` sends them in its default batches (1,000, the server's limit) to a fresh ``hall-server`` process
  with its default settings (rate limit included) on a loopback port. Timed from the pusher's
  start until the store's backlog is 0, i.e. until every rating was acknowledged after COMMIT.
* **raw**: the same rows, with the server's own columns filled in beforehand, inserted straight
  into the store's own ``rating`` table (same DDL, keys, indexes and pragmas) in a fresh database
  of the same kind: SQLite ``executemany`` in one transaction; PostgreSQL ``COPY`` and, as a
  second baseline, psycopg's ``executemany`` (pipelined) in one transaction.

PostgreSQL comes from ``HALL_TEST_DATABASE_URL`` (or ``--pg-url``); each run creates its
databases ``hall_bench_<random>`` and drops them afterwards. ``--profile`` samples the server
with py-spy during the drain and prints where its time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx  # noqa: E402
import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

from kiosk.store import LocalStore  # noqa: E402
from sync.client import enroll  # noqa: E402
from sync.pusher import Pusher, SyncStatus  # noqa: E402
from sync.quarter import Quarter  # noqa: E402
from sync.schema import RatingRecord  # noqa: E402
from sync.server import models as m  # noqa: E402
from sync.server.core.db import make_engine  # noqa: E402
from tests.e2e.hall import ROSTER_PATH, fill_store  # noqa: E402
from tests.helpers.postgres import fresh_database  # noqa: E402
from tests.helpers.server import ServerProcess, start_server  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
COLUMNS = (
    "id terminal seq hall window unit staff level reasons phone device_time tz flags prev_hash "
    "hash received_at server_flags quarter week flagged released"
).split()


class TimingTransport(httpx.HTTPTransport):
    """Adds up the HTTP round trips (request out, whole answer in): the server's share of a
    drain, loopback included; the rest of the wall time is the kiosk side's."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        t0 = time.perf_counter()
        response = super().handle_request(request)
        response.read()
        self.seconds += time.perf_counter() - t0
        self.requests += 1
        return response


@dataclass
class Result:
    backend: str
    ratings: int
    drain_s: float
    http_s: float
    requests: int
    raw: dict[str, float]  # baseline name -> seconds
    profile: list[tuple[str, float]] | None = None


# ---------------------------------------------------------------- databases


@contextmanager
def pg_database(base_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database (URL), dropped afterwards."""
    with fresh_database(base_url, "hall_bench") as url:
        yield url


def stored_count(server: ServerProcess) -> int:
    url = server.database_url or f"sqlite:///{server.data_dir / 'hall.db'}"
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM rating")).scalar_one())
    finally:
        engine.dispose()


# ---------------------------------------------------------------- the drain


def drain(
    workdir: Path, database_url: str | None, n: int, profile: bool
) -> tuple[float, TimingTransport, list[tuple[str, float]] | None, list[RatingRecord], str]:
    """Buffer ``n`` ratings, start a fresh server, time the pusher's drain. Returns the time,
    the HTTP share, the profile (if asked), the records and the terminal id."""
    server = start_server(workdir, database_url)
    try:
        headers = {"Authorization": f"Bearer {server.admin_token}"}
        with httpx.Client(base_url=server.url + "/api/v1", headers=headers, timeout=60) as c:
            r = c.post(
                "/admin/roster", content=ROSTER_PATH.read_bytes(), params={"filename": "r.csv"}
            )
            r.raise_for_status()
            r = c.post("/admin/enrolment-codes", json={"window": "A01"})
            r.raise_for_status()
            code = r.json()["code"]
        store_path = workdir / "kiosk" / "ratings.db"
        with LocalStore(store_path) as store:
            terminal = store.terminal_id
        creds = enroll(server.url, code, terminal)
        now = datetime.now(UTC)
        print(f"  buffering {n:,} ratings in the kiosk's store …", flush=True)
        fill_store(store_path, "A01", n, start=now - timedelta(hours=20), end=now)
        with LocalStore(store_path) as store:
            records = store.unsent(limit=n)
        assert len(records) == n

        sampler = start_profiler(server, workdir) if profile else None
        with LocalStore(store_path) as store:
            timing = TimingTransport()
            drained = threading.Event()

            def on_status(status: SyncStatus) -> None:
                # Told on the pusher thread right after it counted the outbox: no polling
                # here to compete with it for the GIL and the disk.
                if status.backlog == 0 and status.last_success is not None:
                    drained.set()

            pusher = Pusher(
                lambda: LocalStore(store_path),
                server.url,
                creds.token,
                transport=timing,
                on_status=on_status,
            )
            t0 = time.perf_counter()
            pusher.start()
            if not drained.wait(600):
                raise SystemExit(f"not drained in 600 s; backlog {store.backlog()}")
            took = time.perf_counter() - t0
            pusher.stop()
            assert store.backlog() == 0
        report = stop_profiler(*sampler) if sampler else None
        assert stored_count(server) == n, "the store does not hold every rating"
        return took, timing, report, records, terminal
    finally:
        server.stop()


# ---------------------------------------------------------------- the raw baseline


def server_rows(records: list[RatingRecord], terminal: str) -> list[dict[str, Any]]:
    """The rows the server would write, its own columns filled in as it does."""
    zone = ZoneInfo("Asia/Shanghai")
    now = datetime.now(UTC)
    rows = []
    for r in records:
        local = datetime.fromisoformat(r.device_time).astimezone(zone)
        rows.append(
            {
                "id": r.id,
                "terminal": terminal,
                "seq": r.seq,
                "hall": "TL",
                "window": r.window,
                "unit": r.unit,
                "staff": r.staff,
                "level": r.level,
                "reasons": list(r.reasons),
                "phone": r.phone,
                "device_time": r.device_time,
                "tz": r.tz,
                "flags": list(r.flags),
                "prev_hash": r.prev_hash,
                "hash": r.hash,
                "received_at": now,
                "server_flags": [],
                "quarter": str(Quarter.of(local)),
                "week": local.date() - timedelta(days=local.weekday()),
                "flagged": False,
                "released": False,
            }
        )
    return rows


def _raw_schema(url: str, terminal: str) -> sa.Engine:
    """The server's own hall, terminal and rating tables in an empty database, one terminal."""
    engine = make_engine(url)  # the server's engine: same pragmas on SQLite
    tables = [SQLModel.metadata.tables[t] for t in ("hall", "terminal", "rating")]
    SQLModel.metadata.create_all(engine, tables=tables)
    with Session(engine) as s:
        s.add(m.Hall(code="TL", name="bench", tz="Asia/Shanghai"))
        s.flush()
        s.add(m.Terminal(id=terminal, hall="TL", window="A01", enrolled_at=datetime.now(UTC)))
        s.commit()
    return engine


def _plain(v: Any, dialect: str) -> Any:
    if isinstance(v, list):
        return json.dumps(v)
    if dialect == "sqlite" and isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if dialect == "sqlite" and isinstance(v, date):
        return v.isoformat()
    return v


def raw_sqlite(path: Path, rows: list[dict[str, Any]], terminal: str) -> float:
    engine = _raw_schema(f"sqlite:///{path}", terminal)
    tuples = [tuple(_plain(r[c], "sqlite") for c in COLUMNS) for r in rows]
    sql = f"INSERT INTO rating ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(sql, tuples)
        conn.execute("COMMIT")
        took = time.perf_counter() - t0
        (count,) = conn.execute("SELECT count(*) FROM rating").fetchone()
    finally:
        raw.close()
        engine.dispose()
    assert count == len(rows)
    return took


def raw_postgres(url: str, rows: list[dict[str, Any]], terminal: str) -> dict[str, float]:
    engine = _raw_schema(url, terminal)
    engine.dispose()
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    tuples = [
        tuple(
            psycopg.types.json.Json(v) if isinstance(v, list) else v
            for v in (r[c] for c in COLUMNS)
        )
        for r in rows
    ]
    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    out: dict[str, float] = {}
    with psycopg.connect(dsn) as conn:
        t0 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY rating ({cols}) FROM STDIN") as copy:
            for t in tuples:
                copy.write_row(t)
        conn.commit()
        out["COPY"] = time.perf_counter() - t0
        conn.execute("TRUNCATE rating")
        conn.commit()
        placeholders = ", ".join(["%s"] * len(COLUMNS))
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO rating ({cols}) VALUES ({placeholders})", tuples)
        conn.commit()
        out["executemany"] = time.perf_counter() - t0
        (count,) = conn.execute("SELECT count(*) FROM rating").fetchone() or (0,)
    assert count == len(rows)
    return out


# ---------------------------------------------------------------- profiling


def start_profiler(server: ServerProcess, workdir: Path) -> tuple[subprocess.Popen[bytes], Path]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        raise SystemExit("--profile needs py-spy: pip install py-spy")
    out = Path(os.environ.get("BENCH_PROFILE_OUT", workdir / "drain.collapsed"))
    proc = subprocess.Popen(
        [spy, "record", "--pid", str(server.proc.pid), "--format", "raw", "--rate", "200",
         "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1.0)  # let it attach
    return proc, out


def stop_profiler(proc: subprocess.Popen[bytes], out: Path) -> list[tuple[str, float]]:
    proc.send_signal(2)  # SIGINT: py-spy writes what it has
    proc.wait(30)
    return summarise(out)


_IDLE_LEAVES = ("select (", "_worker (", "wait (threading.py", "poll (", "run_forever (")


def _frame(f: str) -> str:
    """``func (file.py:123)`` -> ``func (file.py)``: lines of one function count together."""
    name, _, where = f.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else name


def summarise(path: Path, top: int = 8) -> list[tuple[str, float]]:
    """Where the server's busy samples go: the event loop (HTTP, JSON in and out, routing),
    authentication, the endpoint (with its COMMIT apart), and the direct callees of
    ``push_batch`` and ``ingest_batch``. Shares are of all busy samples (idle waits left out)."""
    busy = loop = auth = endpoint = commit = 0
    under: dict[str, Counter[str]] = {"push_batch": Counter(), "ingest_batch": Counter()}
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [_frame(f) for f in stack.split(";")]
        if any(frames[-1].startswith(w) or w in frames[-1] for w in _IDLE_LEAVES):
            continue
        busy += n
        names = [f.split(" (", 1)[0] for f in frames]
        if "push_batch" in names:
            endpoint += n
            if any(f.startswith("Session.commit (") for f in frames):
                commit += n
        elif "get_principal" in names:
            auth += n
        else:
            loop += n
        for parent, counter in under.items():
            if parent in names:
                i = names.index(parent)
                counter[frames[i + 1] if i + 1 < len(frames) else "(self)"] += n
    if not busy:
        return []

    def share(k: int) -> float:
        return 100.0 * k / busy

    out = [
        ("event loop: HTTP, JSON in and out, validation, routing", share(loop)),
        ("authentication (get_principal, rate limiter)", share(auth)),
        ("endpoint push_batch", share(endpoint)),
        ("  of which COMMIT (incl. fsync)", share(commit)),
    ]
    for parent in ("push_batch", "ingest_batch"):
        for frame, k in under[parent].most_common(top):
            out.append((f"  {parent} -> {frame}", share(k)))
    out.append(("(busy samples)", float(busy)))
    return out


# ---------------------------------------------------------------- main


def run(backend: str, n: int, pg_url: str, profile: bool) -> Result:
    with tempfile.TemporaryDirectory(prefix=f"hall-bench-drain-{backend}-") as tmp:
        work = Path(tmp)
        if backend == "sqlite":
            took, timing, report, records, terminal = drain(work, None, n, profile)
            rows = server_rows(records, terminal)
            raw = {"executemany": raw_sqlite(work / "raw.db", rows, terminal)}
        else:
            with pg_database(pg_url) as url:
                took, timing, report, records, terminal = drain(work, url, n, profile)
            rows = server_rows(records, terminal)
            with pg_database(pg_url) as url:
                raw = raw_postgres(url, rows, terminal)
    return Result(backend, n, took, timing.seconds, timing.requests, raw, report)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ratings", type=int, default=100_000)
    p.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--pg-url", default=os.environ.get("HALL_TEST_DATABASE_URL", DEFAULT_PG))
    p.add_argument("--profile", action="store_true", help="sample the server with py-spy")
    args = p.parse_args(argv)

    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results = []
    for b in backends:
        print(f"{b}: draining {args.ratings:,} ratings …", flush=True)
        results.append(run(b, args.ratings, args.pg_url, args.profile))

    print(f"\nDrain of {args.ratings:,} buffered ratings into a fresh central store "
          f"(Pusher, default batches, hall-server on loopback), beside a raw bulk insert "
          f"into the same table:")  # fmt: skip
    print(f"{'database':10} {'drain s':>8} {'ratings/s':>10}   {'raw baseline':24} "
          f"{'raw s':>7} {'raw/s':>9} {'ratio':>6}")  # fmt: skip
    for r in results:
        rate = r.ratings / r.drain_s
        for name, raw_s in r.raw.items():
            raw_rate = r.ratings / raw_s
            print(
                f"{r.backend:10} {r.drain_s:8.1f} {rate:10,.0f}   {name:24} {raw_s:7.2f} "
                f"{raw_rate:9,.0f} {rate / raw_rate:6.2f}"
            )
    print("Aim: 100,000 in < 15 s, and at least 1/3 of the raw rate.")
    for r in results:
        print(
            f"{r.backend}: {r.requests} requests; HTTP round trips (server + loopback) "
            f"{r.http_s:.1f} s = {1e3 * r.http_s / max(1, r.requests):.0f} ms per batch; "
            f"kiosk side (read outbox, encode, mark sent) {r.drain_s - r.http_s:.1f} s"
        )
    for r in results:
        if r.profile:
            print(f"\nWhere the {r.backend} server's busy time goes (py-spy, share of samples):")
            for name, share in r.profile:
                print(f"  {share:7.1f}{'' if name.startswith('(') else ' %'}  {name}")


if __name__ == "__main__":
    main()
