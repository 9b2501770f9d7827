"""Benchmark: the quarter's export (CSV, XLSX) of 100,000 and 1,000,000 ratings on PostgreSQL.

Run: ``python -m tests.bench.bench_export [--ratings 100000,1000000] [--rounds 1]``.
Not pass/fail: it prints our figures beside a baseline measured in the same run. The aims
(issue 10): the CSV within 2x of a plain ``csv.writer`` dump of the same rows read from the
same database; peak memory the same (±20 %) at 100,000 and at 1,000,000 ratings.

What runs: a fresh PostgreSQL database behind a real ``hall-server`` process, the demo roster,
one terminal per window, and each size loaded into a quarter of its own in SQL (the loader of
``bench_board``: seqs gap-free, device times inside opening hours, 1 % flagged, 差评 with
reasons; indexes rebuilt and ``VACUUM ANALYZE`` after). Each figure runs in a fresh child
process, so its peak resident memory (``ru_maxrss``) is its own:

* ``dump`` (baseline): psycopg, a server-side cursor of 5,000 rows over the same columns in
  the same order (``ORDER BY received_at, terminal, seq``), each row straight to
  ``csv.writer`` — what someone with the database password would write in ten lines.
* ``csv``: our CSV alone: the quarter through the API (``load_quarter``, then pages of 5,000
  through ``stream_ratings``, the next page fetched while this one is written, as
  ``export_quarter`` does), every row made the export's row (names, words, local time),
  formula-safe, UTF-8 with BOM.
* ``xlsx``: the workbook alone from the same stream (xlsxwriter ``constant_memory``).
* ``all``: ``export_quarter``: CSV, workbook and PDF report from one pass, as
  ``hall-admin export`` does.
* ``python``: a child that imports what the exporters import and stops: the floor under every
  peak-memory figure.

The ``csv`` child also times its page requests: the median of the first five pages beside the
median of the last five shows whether a late page costs what an early one does (keyset paging).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import psycopg  # noqa: E402

from sync.client import AdminClient  # noqa: E402

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
KINDS = ("python", "dump", "csv", "xlsx", "all")
COLUMNS = (
    'id, terminal, seq, "window", unit, staff, level, reasons, phone, device_time, received_at,'
    " flags, server_flags, flagged, released"
)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- the children


def child_dump(url: str, hall: str, quarter: str, out: Path) -> dict[str, Any]:
    n = 0
    with psycopg.connect(url) as conn, open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        with conn.cursor(name="dump") as cur:
            cur.itersize = 5000
            cur.execute(
                f"SELECT {COLUMNS} FROM rating WHERE hall = %s AND quarter = %s "
                "ORDER BY received_at, terminal, seq",
                (hall, quarter),
            )
            for row in cur:
                w.writerow(row)
                n += 1
    return {"rows": n}


class _TimedClient(AdminClient):
    page_s: list[float]

    def rating_page(self, *a: Any, **k: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return super().rating_page(*a, **k)
        finally:
            self.page_s.append(time.perf_counter() - t0)


def child_export(
    kind: str, server: str, token: str, hall: str, quarter: str, out: Path
) -> dict[str, Any]:
    from board.export import export_quarter, load_quarter
    from board.export.csv_file import CsvRatings
    from board.export.data import RatingRows
    from board.export.run import stream_ratings
    from board.export.workbook import QuarterWorkbook

    with _TimedClient(server, token, timeout=120) as client:
        client.page_s = []
        if kind == "all":
            result = export_quarter(client, hall, quarter, out, force=True)
            return {"rows": result.ratings}
        data = load_quarter(client, hall, quarter)
        rows = RatingRows(data)
        if kind == "csv":
            sink: Any = CsvRatings(out / "ratings.csv", rows.columns)
            add = sink.add
        else:
            sink = QuarterWorkbook(out / "quarter.xlsx", data, rows.columns)
            add = sink.add_rating
        n = stream_ratings(client, data, rows, [add])  # as export_quarter streams them
        sink.close()
        pages = client.page_s
    return {
        "rows": n,
        "pages": len(pages),
        "first_pages_ms": 1000 * statistics.median(pages[:5]),
        "last_pages_ms": 1000 * statistics.median(pages[-5:]),
    }


def child_main(args: argparse.Namespace) -> None:
    out = Path(args.out)
    t0 = time.perf_counter()
    if args.child == "python":
        import board.export  # noqa: F401  (what every export child imports)

        figures: dict[str, Any] = {"rows": 0}
    elif args.child == "dump":
        figures = child_dump(args.url, args.hall, args.quarter, out / "dump.csv")
    else:
        figures = child_export(args.child, args.server, args.token, args.hall, args.quarter, out)
    figures["seconds"] = time.perf_counter() - t0
    figures["peak_mb"] = _peak_mb()
    print(json.dumps(figures))


def run_child(kind: str, ctx: dict[str, str], quarter: str, out: Path) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "tests.bench.bench_export", "--child", kind,
        "--url", ctx["url"], "--server", ctx["server"], "--token", ctx["token"],
        "--hall", ctx["hall"], "--quarter", quarter, "--out", str(out),
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).parents[2])
    if done.returncode != 0:
        raise SystemExit(f"{kind} child failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


# ---------------------------------------------------------------- the parent


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--ratings", default="100000,1000000", help="quarter sizes, ascending")
    ap.add_argument("--rounds", type=int, default=1, help="measurements per figure (median)")
    ap.add_argument("--pg", default=os.environ.get("HALL_TEST_DATABASE_URL", DEFAULT_PG))
    ap.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    for name in ("url", "server", "token", "hall", "quarter", "out"):
        ap.add_argument(f"--{name}", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child_main(args)
        return

    from sync.quarter import Quarter
    from sync.roster import parse_roster
    from tests.bench.bench_board import (
        ROSTER,
        _quarter_back,
        enrol_all,
        fresh_database,
        load_ratings,
        quarter_weekdays,
    )
    from tests.helpers.server import start_server

    sizes = sorted(int(x.replace("_", "")) for x in args.ratings.split(","))
    roster = parse_roster(ROSTER)
    hall = roster.hall.code
    last = str(Quarter.at(datetime.now(UTC), roster.zone).previous())
    quarters = [_quarter_back(last, 2 * i) for i in range(len(sizes))][::-1]
    results: dict[int, dict[str, dict[str, Any]]] = {}
    with fresh_database(args.pg) as (sa_url, url), tempfile.TemporaryDirectory() as tmp:
        env = {"HALL_CLOCK_BEFORE_ENROLMENT_S": str(400 * 86400)}
        with start_server(Path(tmp) / "srv", database_url=sa_url, env=env) as srv:
            with psycopg.connect(url, autocommit=True) as conn:
                ver = conn.execute("SHOW server_version").fetchone()
            print(
                f"quarter export on PostgreSQL {ver[0] if ver else '?'}, hall {hall} "
                f"({len(roster.units)} units, {len(roster.windows)} windows), "
                f"{os.cpu_count()} cpu, load {os.getloadavg()[0]:.1f}"
            )
            with AdminClient(srv.url, srv.admin_token) as admin:
                admin.import_roster_file(ROSTER)
            for n, q in zip(sizes, quarters, strict=True):
                t0 = time.perf_counter()
                terms = enrol_all(srv, sorted(roster.windows))
                load_ratings(url, roster, terms, n, q, quarter_weekdays(q))
                print(f"  loaded {n:,} ratings into {q} in {time.perf_counter() - t0:.0f} s")
            ctx = {"url": url, "server": srv.url, "token": srv.admin_token, "hall": hall}
            for n, q in zip(sizes, quarters, strict=True):
                results[n] = {}
                for kind in KINDS:
                    runs = [
                        run_child(kind, ctx, q, Path(tmp) / f"{n}-{kind}-{i}")
                        for i in range(args.rounds)
                    ]
                    best = min(runs, key=lambda r: r["seconds"])
                    best["seconds"] = statistics.median(r["seconds"] for r in runs)
                    results[n][kind] = best
                    if kind != "python" and best["rows"] != n:
                        raise SystemExit(f"{kind} wrote {best['rows']:,} rows of {n:,}")
                    print(
                        f"  {n:>9,} {kind:<6} {best['seconds']:7.1f} s  "
                        f"peak {best['peak_mb']:6.1f} MB"
                        + (
                            f"  pages {best['pages']}: first {best['first_pages_ms']:.0f} ms, "
                            f"last {best['last_pages_ms']:.0f} ms"
                            if "pages" in best
                            else ""
                        )
                    )
    print()
    print(f"  {'':28}" + "".join(f"{n:>14,}" for n in sizes))
    for kind in KINDS[1:]:
        print(
            f"  {kind + ' time s':<28}"
            + "".join(f"{results[n][kind]['seconds']:>14.1f}" for n in sizes)
        )
    for kind in ("csv", "xlsx", "all"):
        print(
            f"  {kind + ' / dump time':<28}"
            + "".join(
                f"{results[n][kind]['seconds'] / results[n]['dump']['seconds']:>14.2f}"
                for n in sizes
            )
        )
    for kind in KINDS:
        print(
            f"  {kind + ' peak MB':<28}"
            + "".join(f"{results[n][kind]['peak_mb']:>14.1f}" for n in sizes)
        )
    a, b = sizes[0], sizes[-1]
    for kind in ("dump", "csv", "xlsx", "all"):
        ratio = results[b][kind]["peak_mb"] / results[a][kind]["peak_mb"]
        print(f"  {kind} peak memory {b:,} / {a:,}: {ratio:.2f}")


if __name__ == "__main__":
    main()
