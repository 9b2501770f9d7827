"""Benchmark: the wall board's aggregates request plus the standings engine, on PostgreSQL.

Run: ``python -m tests.bench.bench_board [--ratings 1000000,10000000] [--requests 20]``.
Not pass/fail: it prints our figures beside baselines measured in the same run. The aim
(issue 4): the 10M figure within 1.5x of the 1M figure, and under 200 ms.

What runs: a fresh PostgreSQL database (created here, dropped at the end) behind a real
``hall-server`` process; the demo roster (31 units, 26 windows) imported and terminals enrolled
through the admin API; then each size in ``--ratings`` loaded into a quarter of its own (the
largest into the last full quarter, the others 2, 4 … quarters before it, so no size's previous
quarter, read for the prior mean, holds another's ratings). Loading millions of ratings through
the batch endpoint would take hours, so they are written in SQL (``INSERT … SELECT
generate_series``, one fresh terminal per window for each size, seqs gap-free, device times
rising with seq inside opening hours, 1 % flagged as bursts, 差评 with one or two reasons)
with the rating table's indexes dropped during the load and rebuilt after; the rollups are then
rebuilt from the ratings with the rules of ``sync.server.ingest`` (flagged and unreleased
ratings apart, reasons of scored 差评 counted once per rating). That rebuild is first checked
against what the real ingest left for a few hundred ratings pushed through ``POST
/ratings/batch``. ``VACUUM ANALYZE`` ends a load.

Figures per size, median of ``--requests`` after warm-up; the sizes take turns request by
request (ABBA), so load from other processes on the machine falls on them alike. One
keep-alive connection, as the board's poller keeps:

* ``GET aggregates`` without ETag (a real query) through ``sync.client.BoardClient``, the JSON
  parsed; the standings engine (``board.standings.compute_standings``) on that answer; both
  together, which is one board poll that finds new data; and the 304 answer to the ETag.
* Baselines: ``GET /health`` on the same connection (the HTTP stack; the route reads no
  table), ``SELECT 1`` and the endpoint's rollup read done directly in SQL, and the ``GROUP BY`` over the raw
  ratings table that the rollups save the board from (with its plan: in a table holding
  several quarters PostgreSQL may scan the whole table even for the smaller quarter).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from board.demo import Terminal as DemoTerminal  # noqa: E402
from board.standings import compute_standings  # noqa: E402
from sync.client import AdminClient, BoardClient, enroll  # noqa: E402
from sync.quarter import Quarter  # noqa: E402
from sync.roster import Roster, parse_roster  # noqa: E402
from sync.schema import BUILTIN_REASONS, GENESIS_HASH  # noqa: E402
from tests.helpers.postgres import fresh_database as pg_fresh_database  # noqa: E402
from tests.helpers.server import ServerProcess, start_server  # noqa: E402

ROSTER = Path(__file__).resolve().parents[2] / "assets" / "roster" / "demo-hall.csv"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
WORSE_UNIT = "CGJ"  # as in the demo: the unit the citizens are clearly less happy with
FLAG_SHARE = 0.01  # share of ratings a kiosk flags (bursts): kept, counted apart
OPEN_S = 33000  # 08:20-17:30, the demo hall's weekday hours
CHECK_WINDOWS = ("A01", "A10", "A11")  # pushed through the API to check the rollup rebuild
CHECK_PER_WINDOW = 200
MS = 1000.0


def _pct(xs: Sequence[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def _med(xs: Sequence[float]) -> float:
    return statistics.median(xs)


# ---------------------------------------------------------------- the database


def _conninfo(url: str, database: str) -> str:
    """A libpq URL for ``database`` on the server of ``url`` (SQLAlchemy or libpq form)."""
    u = make_url(url).set(drivername="postgresql", database=database)
    return u.render_as_string(hide_password=False)


@contextlib.contextmanager
def fresh_database(admin_url: str) -> Iterator[tuple[str, str]]:
    """Create an empty database; yield (SQLAlchemy URL for the server, libpq URL); drop it."""
    with pg_fresh_database(admin_url, "hall_bench") as sa_url:
        yield sa_url, _conninfo(sa_url, str(make_url(sa_url).database))


# ---------------------------------------------------------------- the hall through the API


@dataclass(frozen=True)
class Enrolled:
    terminal: str
    token: str
    window: str


def enrol_all(srv: ServerProcess, windows: Sequence[str]) -> list[Enrolled]:
    """One freshly enrolled terminal per window, through the admin API and ``POST /enroll``."""
    out = []
    with AdminClient(srv.url, srv.admin_token) as admin:
        for w in windows:
            code = admin.create_enrolment_code(w).code
            e = enroll(srv.url, code, uuid.uuid4().hex)
            out.append(Enrolled(e.terminal, e.token, e.window))
    return out


def push_check_sample(
    srv: ServerProcess, roster: Roster, terminals: list[Enrolled], days: list[date]
) -> int:
    """A few hundred demo-like ratings through the real batch endpoint (some flagged)."""
    rng = random.Random(4)
    total = 0
    for t in terminals:
        term = DemoTerminal(window=t.window, id=t.terminal, token=t.token)
        records = []
        for i in range(CHECK_PER_WINDOW):
            day = days[i * len(days) // CHECK_PER_WINDOW]
            local = datetime.combine(day, datetime.min.time(), roster.zone) + timedelta(
                hours=8, minutes=20, seconds=rng.uniform(0, OPEN_S)
            )
            flags = ("burst",) if i % 37 == 5 else ()
            records.append(term.make(roster, local, rng, flags))
        records.sort(key=lambda r: r.seq)
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            r = c.post(
                "/api/v1/ratings/batch",
                json={"records": [x.to_dict() for x in records]},
                headers={"Authorization": f"Bearer {t.token}"},
            )
            r.raise_for_status()
            stored = sum(x["status"] == "stored" for x in r.json()["results"])
            if stored != len(records):
                raise RuntimeError(f"check sample: {stored} of {len(records)} stored")
        total += len(records)
    return total


# ---------------------------------------------------------------- loading in SQL

_INSERT = """
INSERT INTO rating (id, terminal, seq, hall, "window", unit, staff, level, reasons, phone,
                    device_time, tz, flags, prev_hash, hash, received_at, server_flags,
                    quarter, week, flagged, released)
SELECT gen_random_uuid()::text, %(terminal)s::text, s, %(hall)s::text, %(window)s::text, unit, staff, level,
       CASE WHEN level > 2 THEN '[]'::json
            WHEN r2 < 0.7 THEN json_build_array(rs[i1])
            ELSE json_build_array(rs[i1], rs[1 + mod(i1 + j, 9)]) END,
       NULL,
       to_char((local_t AT TIME ZONE %(tz)s::text) AT TIME ZONE 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00',
       %(tz)s::text,
       CASE WHEN flagged THEN '["burst"]'::json ELSE '[]'::json END,
       CASE WHEN s = 1 THEN %(genesis)s::text
            ELSE encode(sha256(convert_to(%(terminal)s::text || ':' || (s - 1), 'UTF8')), 'hex') END,
       encode(sha256(convert_to(%(terminal)s::text || ':' || s, 'UTF8')), 'hex'),
       now(), '[]'::json, %(quarter)s::text,
       day - (extract(isodow FROM day)::int - 1), flagged, false
FROM (
    SELECT b.*, %(reasons)s::text[] AS rs,
           b.day + time '08:20' + make_interval(secs => b.frac * %(open_s)s::float8) AS local_t,
           CASE WHEN b.unit = %(worse)s::text THEN
                CASE WHEN r < 0.14 THEN 1 WHEN r < 0.30 THEN 2 WHEN r < 0.55 THEN 3
                     WHEN r < 0.75 THEN 4 ELSE 5 END
           ELSE CASE WHEN r < 0.006 THEN 1 WHEN r < 0.02 THEN 2 WHEN r < 0.07 THEN 3
                     WHEN r < 0.27 THEN 4 ELSE 5 END
           END AS level
    FROM (
        SELECT s,
               (%(staff)s::text[])[1 + mod(s, %(k)s::int)] AS staff,
               (%(units)s::text[])[1 + mod(s, %(k)s::int)] AS unit,
               random() AS r, random() AS r2, random() < %(flag_share)s::float8 AS flagged,
               1 + floor(random() * 9)::int AS i1,
               floor(random() * 8)::int AS j,
               (%(days)s::date[])[1 + floor((s - 1)::float8 * %(nd)s::float8 / %(n)s::float8)::int] AS day,
               (s - 1)::float8 * %(nd)s::float8 / %(n)s::float8
                   - floor((s - 1)::float8 * %(nd)s::float8 / %(n)s::float8) AS frac
        FROM generate_series(1, %(n)s::int) AS s
    ) b
) c
"""

# The rollups as ingest leaves them (sync/server/ingest.py, _roll_up and move_to_scored):
# counts per hall × quarter × unit × week × level, flagged (and not released) apart; reasons
# of scored 差评 (level <= 2), each reason once per rating.
_ROLLUP_LEVEL = """
INSERT INTO rollup_level (hall, quarter, unit, week, level, flagged, n)
SELECT hall, quarter, unit, week, level, flagged AND NOT released, count(*)
FROM rating WHERE hall = %(hall)s AND quarter = %(quarter)s
GROUP BY 1, 2, 3, 4, 5, 6
"""
_ROLLUP_REASON = """
INSERT INTO rollup_reason (hall, quarter, unit, week, reason, n)
SELECT r.hall, r.quarter, r.unit, r.week, x.reason, count(*)
FROM rating r
CROSS JOIN LATERAL (SELECT DISTINCT value AS reason FROM json_array_elements_text(r.reasons)) x
WHERE r.hall = %(hall)s AND r.quarter = %(quarter)s AND r.level <= 2
  AND NOT (r.flagged AND NOT r.released)
GROUP BY 1, 2, 3, 4, 5
"""


def rebuild_rollups(conn: psycopg.Connection[Any], hall: str, quarter: str) -> None:
    p = {"hall": hall, "quarter": quarter}
    with conn.transaction():
        conn.execute("DELETE FROM rollup_level WHERE hall = %(hall)s AND quarter = %(quarter)s", p)
        conn.execute("DELETE FROM rollup_reason WHERE hall = %(hall)s AND quarter = %(quarter)s", p)
        conn.execute(_ROLLUP_LEVEL, p)
        conn.execute(_ROLLUP_REASON, p)
        # Everything the board can see changed: ingest bumps the hall's ETag the same way.
        conn.execute("UPDATE hall SET data_version = data_version + 1 WHERE code = %s", (hall,))


def rollup_snapshot(conn: psycopg.Connection[Any]) -> tuple[list[Any], list[Any]]:
    lv = conn.execute("SELECT * FROM rollup_level WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5, 6")
    rs = conn.execute("SELECT * FROM rollup_reason WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5")
    return lv.fetchall(), rs.fetchall()


@dataclass
class RatingIndexes:
    """The rating table's indexes and constraints, dropped for a bulk load and put back."""

    indexes: list[tuple[str, str]]  # (name, CREATE INDEX …)
    constraints: list[tuple[str, str, str]]  # (name, contype, definition)
    # Other tables' foreign keys to a rating (an office record's): (table, name, definition).
    referencing: list[tuple[str, str, str]] = field(default_factory=list)

    @classmethod
    def read(cls, conn: psycopg.Connection[Any]) -> RatingIndexes:
        idx = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'rating' ORDER BY 1"
        ).fetchall()
        cons = conn.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'rating'::regclass ORDER BY 1"
        ).fetchall()
        refs = conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE confrelid = 'rating'::regclass AND conrelid <> 'rating'::regclass ORDER BY 1, 2"
        ).fetchall()
        return cls(
            [(a, b) for a, b in idx],
            [(a, str(b), c) for a, b, c in cons],
            [(t, n, d) for t, n, d in refs],
        )

    def drop(self, conn: psycopg.Connection[Any]) -> None:
        with conn.transaction():
            for table, name, _ in self.referencing:
                conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _kind, _ in sorted(self.constraints, key=lambda c: c[1] != "f"):
                conn.execute(f'ALTER TABLE rating DROP CONSTRAINT "{name}"')
            backing = {n for n, k, _ in self.constraints if k in ("p", "u")}
            for name, _ in self.indexes:
                if name not in backing:
                    conn.execute(f'DROP INDEX "{name}"')

    def restore(self, url: str) -> None:
        """Build the indexes two at a time (two cores), then attach the constraints."""
        jobs = [sql for _, sql in self.indexes]
        _parallel(
            url,
            [[s for s in jobs[i::2]] for i in range(2)],
            "SET max_parallel_maintenance_workers = 0",
        )
        with psycopg.connect(url, autocommit=True) as conn:
            for name, kind, _def in self.constraints:
                if kind == "p":
                    conn.execute(
                        f'ALTER TABLE rating ADD CONSTRAINT "{name}" PRIMARY KEY USING INDEX "{name}"'
                    )
                elif kind == "u":
                    conn.execute(
                        f'ALTER TABLE rating ADD CONSTRAINT "{name}" UNIQUE USING INDEX "{name}"'
                    )
            for name, kind, definition in self.constraints:
                if kind not in ("p", "u"):
                    conn.execute(f'ALTER TABLE rating ADD CONSTRAINT "{name}" {definition}')
            for table, name, definition in self.referencing:
                conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _parallel(url: str, groups: list[list[Any]], setup: str = "") -> None:
    """Run each group of statements (str, or (sql, params)) on its own connection, at once."""
    errors: list[BaseException] = []

    def work(stmts: list[Any]) -> None:
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("SET maintenance_work_mem = '512MB'")
                conn.execute("SET synchronous_commit = off")
                if setup:
                    conn.execute(setup)
                for st in stmts:
                    sql, params = (st, None) if isinstance(st, str) else st
                    conn.execute(sql, params)
        except BaseException as e:  # reported in the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(g,)) for g in groups if g]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def quarter_weekdays(quarter: str) -> list[date]:
    q = Quarter.parse(quarter)
    d, last = q.first_day, q.last_day
    days = []
    while d <= last:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


def _quarter_back(quarter: str, k: int) -> str:
    q = Quarter.parse(quarter)
    for _ in range(k):
        q = q.previous()
    return str(q)


def load_ratings(
    url: str,
    roster: Roster,
    terminals: list[Enrolled],
    n: int,
    quarter: str,
    days: list[date],
) -> dict[str, float]:
    """Add ``n`` ratings for ``terminals`` in SQL; rebuild indexes and rollups; VACUUM ANALYZE."""
    steps: dict[str, float] = {}
    reasons = [*BUILTIN_REASONS, *roster.reasons]
    per = [n // len(terminals) + (i < n % len(terminals)) for i in range(len(terminals))]
    stmts = []
    for t, count in zip(terminals, per, strict=True):
        on_duty = roster.staff_at(t.window)
        staff: list[str | None] = [s.code for s in on_duty] or [None]

        units = [s.unit for s in on_duty] or [roster.windows[t.window].unit]
        params = {
            "terminal": t.terminal,
            "window": t.window,
            "hall": roster.hall.code,
            "tz": roster.hall.tz,
            "genesis": GENESIS_HASH,
            "quarter": quarter,
            "reasons": reasons,
            "open_s": OPEN_S,
            "worse": WORSE_UNIT,
            "staff": staff,
            "units": units,
            "k": len(units),
            "flag_share": FLAG_SHARE,
            "days": days,
            "nd": len(days),
            "n": count,
        }
        update = (
            "UPDATE terminal SET contiguous_seq = %(n)s, max_seq = %(n)s, last_seen_at = now()"
            " WHERE id = %(terminal)s::text",
            {"n": count, "terminal": t.terminal},
        )
        stmts.append([(_INSERT, params), update])
    with psycopg.connect(url, autocommit=True) as conn:
        idx = RatingIndexes.read(conn)
        t0 = time.perf_counter()
        idx.drop(conn)
        t1 = time.perf_counter()
        # Two loaders (two cores), each a share of the terminals.
        _parallel(url, [[s for group in stmts[i::2] for s in group] for i in range(2)])
        t2 = time.perf_counter()
        steps["insert"] = t2 - t1
        idx.restore(url)
        t3 = time.perf_counter()
        steps["indexes"] = t3 - t2 + (t1 - t0)
        if RatingIndexes.read(conn) != idx:
            raise RuntimeError("the rating table's indexes did not come back as they were")
        rebuild_rollups(conn, roster.hall.code, quarter)
        t4 = time.perf_counter()
        steps["rollups"] = t4 - t3
        conn.execute("VACUUM ANALYZE rating")
        conn.execute("VACUUM ANALYZE rollup_level")
        conn.execute("VACUUM ANALYZE rollup_reason")
        steps["vacuum analyze"] = time.perf_counter() - t4
    return steps


# ---------------------------------------------------------------- measuring


def timed(fn: Callable[[], Any], runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


@dataclass
class Figures:
    ratings: int
    quarter: str
    etag: str = ""
    health: list[float] = field(default_factory=list)
    request: list[float] = field(default_factory=list)
    engine: list[float] = field(default_factory=list)
    poll: list[float] = field(default_factory=list)
    not_modified: list[float] = field(default_factory=list)
    sql_rollup: list[float] = field(default_factory=list)
    sql_one: list[float] = field(default_factory=list)
    sql_raw: list[float] = field(default_factory=list)
    rollup_rows: int = 0
    payload_kb: float = 0.0
    plan_rollup: str = ""
    plan_raw: str = ""


def _plan(conn: psycopg.Connection[Any], sql: str, params: Any) -> str:
    """The scan nodes of the query's plan, as EXPLAIN names them."""
    rows = conn.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params).fetchall()
    nodes = [r[0].strip().lstrip("-> ").split("  ")[0] for r in rows]
    scans = [x for x in nodes if ("Scan" in x and " on " in x) or "Removed by Filter" in x]
    return "; ".join(scans) or nodes[0]


_RAW_SQL = (
    "SELECT unit, level, count(*) FROM rating WHERE hall = %(hall)s AND quarter = %(quarter)s"
    " GROUP BY unit, level"
)
_ROLLUP_SQL = "SELECT * FROM rollup_level WHERE hall = %(hall)s AND quarter = %(quarter)s"


def _once(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    t = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t


def _fetch(conn: psycopg.Connection[Any], sql: str, params: Any) -> list[Any]:
    return conn.execute(sql, params).fetchall()


def measure_all(
    srv: ServerProcess, token: str, url: str, hall: str, figs: list[Figures], runs: int
) -> None:
    """Fill ``figs``, the sizes taking turns (ABBA) so load from elsewhere hits them alike."""
    with BoardClient(srv.url, token, timeout=120) as board, psycopg.connect(url) as conn:
        for f in figs:
            first = board.aggregates(hall, f.quarter)
            assert first.data is not None and first.etag
            loaded = sum(c["n"] + c["flagged"] for c in first.data["counts"])
            if loaded != f.ratings:
                raise RuntimeError(f"the aggregates count {loaded} ratings, {f.ratings} loaded")
            f.etag = first.etag
            for _ in range(2):  # warm-up
                compute_standings(board.aggregates(hall, f.quarter).data or {})
                board.health()
        for r in range(runs):
            for f in figs if r % 2 == 0 else figs[::-1]:
                p = {"hall": hall, "quarter": f.quarter}
                f.health.append(_once(board.health))
                t0 = time.perf_counter()
                data = board.aggregates(hall, f.quarter).data
                t1 = time.perf_counter()
                compute_standings(data or {})
                t2 = time.perf_counter()
                f.request.append(t1 - t0)
                f.engine.append(t2 - t1)
                f.poll.append(t2 - t0)
                cached = board.aggregates(hall, f.quarter, etag=f.etag)
                assert cached.not_modified
                f.not_modified.append(_once(board.aggregates, hall, f.quarter, etag=f.etag))
                f.sql_rollup.append(_once(_fetch, conn, _ROLLUP_SQL, p))
                f.sql_one.append(_once(_fetch, conn, "SELECT 1", None))
        raw_runs = max(3, min(runs, 30_000_000 // max(f.ratings for f in figs)))
        for f in figs:  # warm-up
            conn.execute(_RAW_SQL, {"hall": hall, "quarter": f.quarter}).fetchall()
        for r in range(raw_runs):
            for f in figs if r % 2 == 0 else figs[::-1]:
                p = {"hall": hall, "quarter": f.quarter}
                f.sql_raw.append(_once(_fetch, conn, _RAW_SQL, p))
        for f in figs:
            p = {"hall": hall, "quarter": f.quarter}
            body = httpx.get(
                f"{srv.url}/api/v1/halls/{hall}/aggregates",
                params={"quarter": f.quarter},
                headers={"Authorization": f"Bearer {token}"},
            ).content
            f.payload_kb = len(body) / 1024
            row = conn.execute(f"SELECT count(*) FROM ({_ROLLUP_SQL}) x", p).fetchone()
            f.rollup_rows = int(row[0]) if row else 0
            f.plan_rollup = _plan(conn, _ROLLUP_SQL, p)
            f.plan_raw = _plan(conn, _RAW_SQL, p)


def print_block(f: Figures) -> None:
    print(
        f"\n  {f.ratings:,} ratings in quarter {f.quarter} ({f.rollup_rows} rollup_level rows, "
        f"answer {f.payload_kb:.0f} KB)"
    )
    print(f"  {'':40}{'p50 ms':>9}{'p90 ms':>9}{'min ms':>9}{'runs':>6}")
    for name, xs in (
        ("board poll: GET aggregates + engine", f.poll),
        ("  GET aggregates 200 (no ETag)", f.request),
        ("  standings engine", f.engine),
        ("GET aggregates 304 (ETag)", f.not_modified),
        ("baseline GET /health (no query)", f.health),
        ("baseline SQL SELECT 1 (direct)", f.sql_one),
        ("baseline SQL rollup read (direct)", f.sql_rollup),
        ("baseline SQL GROUP BY raw ratings", f.sql_raw),
    ):
        print(
            f"  {name:40}{_med(xs) * MS:9.1f}{_pct(xs, 90) * MS:9.1f}{min(xs) * MS:9.1f}"
            f"{len(xs):6d}"
        )
    print(f"  plan, rollup read: {f.plan_rollup}")
    print(f"  plan, raw GROUP BY: {f.plan_raw}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument(
        "--ratings",
        default="1000000,10000000",
        help="quarter sizes, comma-separated, ascending (default 1000000,10000000)",
    )
    ap.add_argument("--requests", type=int, default=20, help="timed requests per figure")
    ap.add_argument(
        "--pg",
        default=os.environ.get("HALL_TEST_DATABASE_URL", DEFAULT_PG),
        help="any URL of the PostgreSQL server (a fresh database is made on it)",
    )
    ap.add_argument(
        "--quarter", help="the quarter of the largest size (default: the last full one)"
    )
    args = ap.parse_args(argv)
    sizes = sorted(int(x.replace("_", "")) for x in args.ratings.split(","))
    roster = parse_roster(ROSTER)
    hall = roster.hall.code
    now = datetime.now(UTC)
    quarter = args.quarter or str(Quarter.at(now, roster.zone).previous())
    # One quarter per size, the largest in the latest; two apart, so that no size's previous
    # quarter (read for the prior mean) holds another's ratings.
    quarters = [_quarter_back(quarter, 2 * i) for i in range(len(sizes))][::-1]
    windows = sorted(roster.windows)

    start = time.perf_counter()
    with (
        fresh_database(args.pg) as (sa_url, url),
        tempfile.TemporaryDirectory(prefix="bench-board-") as tmp,
    ):
        env = {
            "HALL_RATE_PER_S": "100000",  # the bench asks faster than a board would
            "HALL_RATE_BURST": "100000",
            # Loaded ratings are dated in a past quarter, before their terminals were enrolled.
            "HALL_CLOCK_BEFORE_ENROLMENT_S": str(400 * 86400),
        }
        with (
            start_server(Path(tmp), database_url=sa_url, env=env) as srv,
            psycopg.connect(url, autocommit=True) as conn,
        ):
            ver = conn.execute("SHOW server_version").fetchone()
            print(
                "board aggregates request + standings engine on PostgreSQL "
                f"{ver[0] if ver else '?'}, hall {hall} ({len(roster.units)} units, "
                f"{len(windows)} windows), {os.cpu_count()} cpu"
            )
            with AdminClient(srv.url, srv.admin_token) as admin:
                admin.import_roster_file(ROSTER)
                token = admin.create_board_credential(hall, "bench board").token

            # The SQL rollup rebuild must give what the real ingest gave.
            check_terms = enrol_all(srv, CHECK_WINDOWS)
            pushed = push_check_sample(srv, roster, check_terms, quarter_weekdays(quarter))
            by_ingest = rollup_snapshot(conn)
            rebuild_rollups(conn, hall, quarter)
            if rollup_snapshot(conn) != by_ingest:
                raise SystemExit("the SQL rollup rebuild differs from what ingest left")
            print(
                f"  rollups rebuilt in SQL = rollups left by ingest for {pushed} ratings "
                "pushed through POST /ratings/batch: yes"
            )

            figures = [Figures(n, q) for n, q in zip(sizes, quarters, strict=True)]
            for f in figures:
                t0 = time.perf_counter()
                terms = enrol_all(srv, windows)
                extra = pushed if f.quarter == quarter else 0
                if f.ratings <= extra:
                    raise SystemExit(f"--ratings: {f.ratings:,} is too few")
                days = quarter_weekdays(f.quarter)
                steps = load_ratings(url, roster, terms, f.ratings - extra, f.quarter, days)
                print(
                    f"  load {f.ratings:,} ratings into {f.quarter}: "
                    f"{time.perf_counter() - t0:.1f} s ("
                    + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items())
                    + ")"
                )
            measure_all(srv, token, url, hall, figures, args.requests)
            for f in figures:
                print_block(f)

    if len(figures) >= 2:
        a, b = figures[0], figures[-1]
        print(f"\n  {'':40}{a.ratings:>12,}{b.ratings:>12,}{'ratio':>8}")
        for name, xa, xb in (
            ("board poll: GET aggregates + engine", a.poll, b.poll),
            ("GET aggregates 304 (ETag)", a.not_modified, b.not_modified),
            ("baseline GET /health (no query)", a.health, b.health),
            ("baseline SQL GROUP BY raw ratings", a.sql_raw, b.sql_raw),
        ):
            print(
                f"  {name:40}{_med(xa) * MS:10.1f}ms{_med(xb) * MS:10.1f}ms"
                f"{_med(xb) / _med(xa):8.2f}"
            )
        ok = _med(b.poll) <= 1.5 * _med(a.poll) and _med(b.poll) < 0.2
        print(
            f"  aim ({b.ratings:,} within 1.5x of {a.ratings:,}, under 200 ms): {'met' if ok else 'NOT met'}"
        )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  whole run {time.perf_counter() - start:.0f} s; load average at the end {load}")


if __name__ == "__main__":
    main()
