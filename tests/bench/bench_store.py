"""Benchmark: how long a tap waits for ``LocalStore.record`` beside a bare SQLite commit.

Run: ``python -m tests.bench.bench_store`` or ``python tests/bench/bench_store.py``
(``--calls N``, ``--dir DIR`` to measure on another disk, ``--open-rows N`` for the start-up
check on a bigger file). Not pass/fail: it prints figures and the baseline they compare with.

The baseline is one ``INSERT`` and ``COMMIT`` on a plain connection with the same pragmas (WAL,
synchronous=FULL), so the ratio is what the store adds on top of the fsync every durable commit
pays: hashing, JSON, the chain head, the indexes and the lock.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.store import LocalStore  # noqa: E402


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def bench_record(db: Path, calls: int) -> list[float]:
    times: list[float] = []
    with LocalStore(db) as store:
        for i in range(calls):
            rid = uuid.uuid4().hex
            now = datetime.now(UTC)
            t = time.perf_counter()
            store.record(
                id=rid,
                window="A01",
                unit="SCJ",
                staff="TL1001",
                level=1 + i % 5,
                reasons=["leng", "tui"] if i % 5 < 2 else [],
                phone=None,
                device_time=now,
                flags=[],
            )
            times.append(time.perf_counter() - t)
    return times


def bench_raw(db: Path, calls: int) -> list[float]:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("CREATE TABLE r (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, body TEXT NOT NULL)")
    body = '{"window":"A01","unit":"SCJ","staff":"TL1001","level":5}'
    times: list[float] = []
    for i in range(calls):
        rid = uuid.uuid4().hex
        t = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO r VALUES (?, ?, ?)", (i + 1, rid, body))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - t)
    conn.close()
    return times


def bench_open(db: Path, rows: int) -> float:
    """Seconds to open a store of ``rows`` ratings (integrity_check, migration, write probe)."""
    LocalStore(db).close()
    conn = sqlite3.connect(db, isolation_level=None)
    # Filler rows straight in SQL: integrity_check reads every page but checks no hashes.
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "INSERT INTO ratings (seq, id, terminal, window, unit, staff, level, reasons, phone, "
        "device_time, device_us, tz, flags, prev_hash, hash) "
        "SELECT i, lower(hex(randomblob(16))), 'bench', 'A01', 'SCJ', 'TL1001', 1 + i % 5, "
        "'[]', NULL, '2026-07-01T01:30:00+00:00', 1782869400000000 + i, 'Asia/Shanghai', '[]', "
        "lower(hex(randomblob(32))), lower(hex(randomblob(32))) FROM n",
        (rows,),
    )
    conn.close()
    t = time.perf_counter()
    LocalStore(db).close()
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--dir", type=Path, default=None, help="where to put the files (default: tmp)")
    ap.add_argument("--open-rows", type=int, default=100_000)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="bench-store-") as d:
        where = Path(d)
        rec = bench_record(where / "store.db", args.calls)
        raw = bench_raw(where / "raw.db", args.calls)
        open_s = bench_open(where / "big.db", args.open_rows)

    ms = 1000.0
    rec50, rec99 = _pct(rec, 50) * ms, _pct(rec, 99) * ms
    raw50, raw99 = _pct(raw, 50) * ms, _pct(raw, 99) * ms
    print(f"LocalStore.record vs bare INSERT+COMMIT, {args.calls} calls each, in {where.parent}")
    print(
        f"  python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} cpu"
    )
    print(f"  {'':24}{'p50 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for name, xs, p50, p99 in (
        ("LocalStore.record", rec, rec50, rec99),
        ("raw INSERT; COMMIT", raw, raw50, raw99),
    ):
        print(f"  {name:24}{p50:10.3f}{p99:10.3f}{statistics.fmean(xs) * ms:10.3f}")
    print(f"  ratio record/raw        {rec50 / raw50:10.2f}{rec99 / raw99:10.2f}")
    print(
        f"open a store of {args.open_rows} ratings (integrity_check + write probe): {open_s:.3f} s"
    )


if __name__ == "__main__":
    main()
