"""Benchmark: tap to committed, through the real rating flow and the real local store.

Run: ``python -m tests.bench.bench_tap [--taps 2000]``. Not pass/fail: it prints our figure
beside a bare SQLite ``INSERT; COMMIT`` with the same pragmas, measured in the same run.

Each tap is what the view does when a citizen touches a face on the idle screen, timed:
``flow.rate(level)`` — for a 差评 ``rate`` then ``toggle_reason`` and
``confirm`` — which returns once ``LocalStore.record`` has COMMITted and the flow is on the
thank-you screen. The flow's clock is advanced past the thank-you screen between taps so no tap
is flagged as too fast (misuse checks still run: they read the store every tap).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.flow import Flow, State  # noqa: E402
from kiosk.store import LocalStore  # noqa: E402
from sync.roster import parse_roster  # noqa: E402
from tests.bench.bench_store import _pct, bench_raw  # noqa: E402

ROSTER = Path(__file__).resolve().parents[2] / "assets" / "roster" / "demo-hall.csv"


def bench_taps(db: Path, taps: int) -> list[float]:
    now = [datetime(2026, 7, 1, 2, 0, tzinfo=UTC)]  # 10:00 in Shanghai, a Wednesday: open
    roster = parse_roster(ROSTER)
    times: list[float] = []
    with LocalStore(db, tz=roster.hall.tz) as store:
        flow = Flow(roster=roster, window="A01", store=store, clock=lambda: now[0])
        for i in range(taps):
            level = 5 - i % 5
            t = time.perf_counter()
            flow.rate(level)
            if level <= 2:
                flow.toggle_reason("tui")
                flow.confirm()
            times.append(time.perf_counter() - t)
            assert flow.state is State.THANKS, flow.state
            now[0] += timedelta(seconds=20)
            flow.tick()
            # Stay inside opening hours: jump to the next morning after closing time.
            if now[0].hour >= 9:
                now[0] = now[0].replace(hour=1) + timedelta(days=1)
    return times


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--taps", type=int, default=2000)
    ap.add_argument("--dir", type=Path, default=None, help="where to put the files (default: tmp)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="bench-tap-") as d:
        taps = bench_taps(Path(d) / "kiosk.db", args.taps)
        raw = bench_raw(Path(d) / "raw.db", args.taps)
    ms = 1000.0
    print(f"tap to committed through Flow + LocalStore vs bare INSERT+COMMIT, {args.taps} each")
    print(
        f"  python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} cpu"
    )
    print(f"  {'':24}{'p50 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for name, xs in (("tap → committed", taps), ("raw INSERT; COMMIT", raw)):
        print(
            f"  {name:24}{_pct(xs, 50) * ms:10.3f}{_pct(xs, 99) * ms:10.3f}"
            f"{statistics.fmean(xs) * ms:10.3f}"
        )
    print(
        f"  ratio tap/raw           {_pct(taps, 50) / _pct(raw, 50):10.2f}"
        f"{_pct(taps, 99) / _pct(raw, 99):10.2f}"
    )


if __name__ == "__main__":
    main()
