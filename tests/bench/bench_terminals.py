"""Benchmark: 50 terminals pushing at once into one central store.

Run: ``python -m tests.bench.bench_terminals [--terminals 50] [--requests 40] [--batch 2]
[--backend sqlite|postgres|both] [--pace 2]``. Not pass/fail: it prints latency and throughput.

Each terminal is enrolled through the API (50 terminals over the demo hall's 26 windows) and
pushes its own hash-chained ratings in small batches, as a live kiosk does right after taps:
``--batch`` records per request, ``--requests`` requests, over its own connection, all at once
(asyncio + httpx on loopback, so the client side stays light beside the server). Two loads:

* **saturated** (closed loop): each terminal sends its next batch as soon as the last one was
  answered: the server's capacity, and its latency when 50 terminals queue on it;
* **paced** (``--pace`` requests per second per terminal, 1 by default = 50 requests/s in all,
  far above a real hall's rate of a tap every few seconds per counter).

Latency is the client's round trip per request (loopback, so almost all of it is the server's).
The server runs with its default settings, rate limit included; any 429 is counted and retried
after its ``Retry-After``. At the end the store must hold every rating exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx  # noqa: E402

from sync.roster import parse_roster  # noqa: E402
from tests.bench.bench_drain import (  # noqa: E402
    DEFAULT_PG,
    pg_database,
    start_profiler,
    stop_profiler,
)
from tests.e2e.hall import ROSTER_PATH  # noqa: E402
from tests.helpers.records import Chain  # noqa: E402
from tests.helpers.server import ServerProcess, start_server  # noqa: E402

API = "/api/v1"


@dataclass
class Terminal:
    token: str
    chain: Chain
    batches: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Load:
    name: str
    wall_s: float
    latencies: list[float]
    statuses: Counter[int | str]
    ratings: int
    profile: list[tuple[str, float]] | None = None


def enrol_all(url: str, admin_token: str, n: int) -> list[Terminal]:
    roster = parse_roster(ROSTER_PATH)
    windows = sorted(roster.windows.values(), key=lambda w: w.code)
    headers = {"Authorization": f"Bearer {admin_token}"}
    run_id = uuid.uuid4().hex[:8]  # a reused server gets new terminals each run
    out = []
    with httpx.Client(base_url=url + API, timeout=60) as c:
        r = c.post(
            "/admin/roster",
            content=ROSTER_PATH.read_bytes(),
            params={"filename": "r.csv"},
            headers=headers,
        )
        r.raise_for_status()
        for i in range(n):
            w = windows[i % len(windows)]
            r = c.post("/admin/enrolment-codes", json={"window": w.code}, headers=headers)
            r.raise_for_status()
            r = c.post(
                "/enroll", json={"code": r.json()["code"], "terminal": f"bench-{run_id}-{i:03d}"}
            )
            r.raise_for_status()
            d = r.json()
            out.append(
                Terminal(d["token"], Chain(terminal=d["terminal"], window=w.code, unit=w.unit))
            )
    return out


def prepare(terminals: list[Terminal], requests: int, batch: int) -> int:
    """Build every terminal's next batches ahead of time (hashing is not the server's cost)."""
    for t in terminals:
        t.batches = [
            {"records": [t.chain.next(level=5 - (j % 5)).to_dict() for j in range(batch)]}
            for _ in range(requests)
        ]
    return len(terminals) * requests * batch


async def _push(
    client: httpx.AsyncClient,
    t: Terminal,
    pace: float | None,
    lat: list[float],
    st: Counter[int | str],
) -> None:
    headers = {"Authorization": f"Bearer {t.token}"}
    start = time.perf_counter()
    for i, body in enumerate(t.batches):
        if pace:
            delay = start + i / pace - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        while True:
            t0 = time.perf_counter()
            try:
                r = await client.post(API + "/ratings/batch", json=body, headers=headers)
            except httpx.TransportError as e:
                # As a pusher would: try the same batch again (the server answers duplicate
                # for whatever it had committed). Counted, and shown beside the figures.
                st[type(e).__name__] += 1
                continue
            dt = time.perf_counter() - t0
            st[r.status_code] += 1
            if r.status_code == 429:
                await asyncio.sleep(float(r.headers.get("Retry-After", "1")))
                continue
            r.raise_for_status()
            lat.append(dt)
            break


async def _load(
    url: str, terminals: list[Terminal], pace: float | None
) -> tuple[float, list[float], Counter[int | str]]:
    lat: list[float] = []
    st: Counter[int | str] = Counter()
    limits = httpx.Limits(
        max_connections=len(terminals) + 10, max_keepalive_connections=len(terminals) + 10
    )
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(_push(client, t, pace, lat, st) for t in terminals))
        return time.perf_counter() - t0, lat, st


def run_loads(
    url: str, admin_token: str, args: argparse.Namespace, server: ServerProcess | None = None
) -> list[Load]:
    """Enrol the terminals, run both loads, check every rating is stored exactly once.

    With ``--profile`` (and a server started here) py-spy samples the saturated load."""
    terminals = enrol_all(url, admin_token, args.terminals)
    loads = []
    for name, pace in (("saturated", None), (f"paced {args.pace:g}/s each", args.pace)):
        n = prepare(terminals, args.requests, args.batch)
        spy = (
            start_profiler(server, server.data_dir)
            if args.profile and server and not pace
            else None
        )
        wall, lat, st = asyncio.run(_load(url, terminals, pace))
        profile = stop_profiler(*spy) if spy else None
        loads.append(Load(name, wall, lat, st, n, profile))
    # Every seq 1..n of every terminal is stored (the server refuses a second copy of any).
    with httpx.Client(base_url=url + API, timeout=60) as c:
        r = c.get("/admin/terminals", headers={"Authorization": f"Bearer {admin_token}"})
        r.raise_for_status()
        have = {t["id"]: t["highest_contiguous_seq"] for t in r.json()}
    for t in terminals:
        assert have[t.chain.terminal] == t.chain.seq, f"terminal {t.chain.terminal} incomplete"
    return loads


def run(backend: str, database_url: str | None, args: argparse.Namespace) -> list[Load]:
    with tempfile.TemporaryDirectory(prefix=f"hall-bench-terminals-{backend}-") as tmp:
        server = start_server(Path(tmp), database_url)
        try:
            return run_loads(server.url, server.admin_token, args, server)
        except BaseException:
            print(f"server log (tail):\n{server.log_text()[-3000:]}", file=sys.stderr)
            raise
        finally:
            server.stop()


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--terminals", type=int, default=50)
    p.add_argument("--requests", type=int, default=40, help="batches per terminal per load")
    p.add_argument("--batch", type=int, default=2, help="ratings per batch")
    p.add_argument("--pace", type=float, default=1.0, help="paced load: requests/s per terminal")
    p.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--pg-url", default=os.environ.get("HALL_TEST_DATABASE_URL", DEFAULT_PG))
    p.add_argument("--profile", action="store_true", help="sample the saturated load (py-spy)")
    p.add_argument("--url", help="bench this running server instead of starting one")
    p.add_argument("--admin-token", default=os.environ.get("HALL_ADMIN_TOKEN"))
    args = p.parse_args(argv)

    results: list[tuple[str, Load]] = []
    if args.url:
        if not args.admin_token:
            raise SystemExit("--url needs --admin-token (or HALL_ADMIN_TOKEN)")
        backends: list[str] = []
        results += [("given", load) for load in run_loads(args.url, args.admin_token, args)]
    else:
        backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for b in backends:
        print(f"{b}: {args.terminals} terminals × {args.requests} batches of {args.batch} …")
        if b == "postgres":
            with pg_database(args.pg_url) as url:
                results += [(b, load) for load in run(b, url, args)]
        else:
            results += [(b, load) for load in run(b, None, args)]

    print(f"\n{args.terminals} terminals pushing at once, batches of {args.batch} "
          f"(hall-server on loopback, default settings):")  # fmt: skip
    print(f"{'database':9} {'load':20} {'requests':>8} {'req/s':>7} {'ratings/s':>9} "
          f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'429s':>5} {'resets':>6}")  # fmt: skip
    for b, load in results:
        n = len(load.latencies)
        print(
            f"{b:9} {load.name:20} {n:8} {n / load.wall_s:7.0f} {load.ratings / load.wall_s:9,.0f} "
            f"{statistics.median(load.latencies) * 1e3:7.1f} {_pct(load.latencies, 99) * 1e3:7.1f} "
            f"{max(load.latencies) * 1e3:7.1f} {load.statuses[429]:5} "
            f"{sum(v for k, v in load.statuses.items() if isinstance(k, str)):6}"
        )
    print("Baseline for scale: a busy county hall sees ~325 ratings per working day in all.")
    for b, load in results:
        if load.profile:
            print(f"\nWhere the {b} server's busy time goes, {load.name} (py-spy):")
            for name, share in load.profile:
                print(f"  {share:7.1f}{'' if name.startswith('(') else ' %'}  {name}")


if __name__ == "__main__":
    main()
