"""Benchmark: tap to board, in a demo-like hall — from a tap's COMMIT to the wall's standings.

Run: ``python -m tests.bench.bench_tap_to_board [--taps 40] [--no-history]``. Not pass/fail:
it prints p50/p95 beside the floor the board's polling sets, measured in the same run. The aim
(issue 4): a new rating shows on the board within 10 s.

The hall is built as ``hall-demo`` builds it, with its own code (``board.demo``): a real
``hall-server`` process on SQLite in a fresh directory, the demo roster imported through the
admin API, a quarter of history pushed through the batch endpoint (``fill_history``, tens of
thousands of ratings, unless ``--no-history``) and the demo's trickle of taps from four other
windows running throughout. Then:

* the counter: window A01 enrolled with a one-time code; the real ``kiosk.flow.Flow`` over a
  real ``kiosk.store.LocalStore``, and a real ``sync.pusher.Pusher`` with the options the kiosk
  app uses, woken by ``rating_recorded`` as the app wakes it. The pusher's own store is a
  ``LocalStore`` that also notes when each rating was acknowledged (``mark_sent``).
* the wall: the real ``board.source.BoardSource`` with its ``AggregatesPoller`` at the board's
  interval (``POLL_INTERVAL_S``), ranking on its thread; the standings arrive on this (GUI)
  thread by the queued Qt signal, as on the wall.

A tap is timed from ``rating_recorded`` (``LocalStore.record`` has returned: the rating is on
disk) to the moment standings with the unit's new count reach the GUI thread. Between taps a
random pause (uniform over one poll interval) puts the taps at random phases of the poll.
The flow's clock is moved on 10 s per tap so no tap is flagged as too fast; the kiosk's roster
is the demo roster open every day, so a run on a Sunday night is not "after hours".
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QTimer, Slot  # noqa: E402

from board import demo  # noqa: E402
from board._qt.source import BoardSource  # noqa: E402
from board.source import POLL_INTERVAL_S, AggregatesPoller, BoardData  # noqa: E402
from kiosk.flow import Flow, Recorded, State  # noqa: E402
from kiosk.store import LocalStore  # noqa: E402
from sync.client import (
    AdminClient,  # noqa: E402
    enroll,  # noqa: E402
)
from sync.pusher import Pusher  # noqa: E402
from sync.quarter import Quarter  # noqa: E402
from sync.roster import parse_roster, parse_roster_bytes  # noqa: E402
from tests.helpers.server import start_server  # noqa: E402

WINDOW, STAFF, UNIT = "A01", "TL0002", "YJJ"  # 李磊 of the emergency bureau at window A01
MS = 1000.0


def _pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def always_open(csv_text: str) -> bytes:
    """The demo roster with every day open 00:00-23:59."""
    text = re.sub(r"(?m)^hours,.*\r?\n", "", csv_text.lstrip("\ufeff"))
    days = "".join(
        f"hours,{d},,,00:00-23:59,\n" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    )
    return text.replace("setting,", days + "setting,", 1).encode()


class AckedStore(LocalStore):
    """The pusher's ``LocalStore``, noting when the server acknowledged each rating."""

    def __init__(self, path: Path, *, tz: str, acked: dict[str, float]) -> None:
        super().__init__(path, tz=tz)
        self._acked = acked

    def mark_sent(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        super().mark_sent(ids)
        now = time.perf_counter()
        for i in ids:
            self._acked.setdefault(i, now)


class Wall(QObject):
    """Receives the board's standings on the GUI thread; ends a wait when the count is reached."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit
        self.count: int | None = None
        self.flagged = 0
        self.seen_at = 0.0
        self.polls: list[float] = []
        self.target: int | None = None
        self._loop: QEventLoop | None = None

    @Slot(object)
    def on_standings(self, data: BoardData) -> None:
        u = data.standings.unit(self.unit)
        count = u.n + u.flagged
        if count != self.count:
            self.count, self.flagged, self.seen_at = count, u.flagged, time.perf_counter()
        if self._loop is not None and self.done():
            self._loop.quit()

    @Slot(object)
    def on_status(self, _status: object) -> None:
        self.polls.append(time.perf_counter())

    def done(self) -> bool:
        return self.target is not None and self.count is not None and self.count >= self.target

    def run_events(self, seconds: float, *, until_done: bool) -> None:
        """Run the GUI thread's event loop for ``seconds``, or until the target count shows."""
        if until_done and self.done():
            return
        loop = QEventLoop()
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        timer.start(int(seconds * 1000))
        self._loop = loop if until_done else None
        loop.exec()
        self._loop = None
        timer.stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--taps", type=int, default=40)
    ap.add_argument("--no-history", action="store_true", help="skip the quarter of history")
    ap.add_argument("--seed", type=int, default=20261122)
    args = ap.parse_args(argv)
    app = QCoreApplication.instance() or QCoreApplication([])
    rng = random.Random(args.seed)
    demo_roster = parse_roster(demo.DEMO_ROSTER)
    kiosk_roster = parse_roster_bytes(
        always_open(demo.DEMO_ROSTER.read_text(encoding="utf-8-sig")), "always-open.csv"
    )
    zone = demo_roster.zone

    with tempfile.TemporaryDirectory(prefix="bench-tap-board-") as tmp:
        where = Path(tmp)
        env = {  # as hall-demo starts its server
            "HALL_CLOCK_BEFORE_ENROLMENT_S": str(200 * 24 * 3600),
            "HALL_RATE_PER_S": "500",
            "HALL_RATE_BURST": "1000",
        }
        hall = demo.Hall(where)
        with start_server(where, env=env) as srv:
            hall.url, hall.admin_token = srv.url, srv.admin_token
            with AdminClient(srv.url, srv.admin_token) as admin:
                admin.import_roster_file(demo.DEMO_ROSTER)
                board_token = admin.create_board_credential("TL", "bench wall").token
                code = admin.create_enrolment_code(WINDOW).code
            history, t0 = 0, time.perf_counter()
            if not args.no_history:
                history = demo.fill_history(hall, demo_roster, datetime.now(UTC), rng)
            fill_s = time.perf_counter() - t0
            trickler = [hall.enrol(w) for w in ("A03", "A05", "A15", "A20")]
            trickle = threading.Thread(
                target=demo.trickle, args=(hall, demo_roster, trickler, rng), daemon=True
            )
            trickle.start()

            # The counter: enrol, the flow over its store, the pusher with its own store.
            kiosk_dir = where / "kiosk"
            kiosk_dir.mkdir()
            store_path = kiosk_dir / "kiosk.db"
            tz = kiosk_roster.hall.tz
            store = LocalStore(store_path, tz=tz)
            creds = enroll(srv.url, code, store.terminal_id)
            acked: dict[str, float] = {}
            pusher = Pusher(
                lambda: AckedStore(store_path, tz=tz, acked=acked),
                srv.url,
                creds.token,
                roster_cache=kiosk_dir / "roster-cache.json",
            )
            now = [datetime.now(UTC)]

            def clock() -> datetime:
                now[0] = max(now[0], datetime.now(UTC))
                return now[0]

            flow = Flow(roster=kiosk_roster, window=WINDOW, store=store, clock=clock)
            recorded: list[tuple[str, float]] = []

            def on_recorded(r: Recorded) -> None:
                recorded.append((r.id, time.perf_counter()))
                pusher.notify()

            flow.rating_recorded.connect(on_recorded)
            flow.sign_in(STAFF)
            pusher.start()

            # The wall.
            quarter = str(Quarter.at(clock(), zone))
            poller = AggregatesPoller(srv.url, board_token, "TL", quarter)
            source = BoardSource(poller)
            wall = Wall(UNIT)
            source.standings_changed.connect(wall.on_standings)
            source.status_changed.connect(wall.on_status)
            source.start()
            try:
                wall.target = 0
                wall.run_events(30, until_done=True)
                if wall.count is None:
                    raise SystemExit("the board showed no standings within 30 s")
                start_count, start_flagged = wall.count, wall.flagged
                to_board: list[float] = []
                to_ack: list[float] = []
                for i in range(args.taps):
                    level = 1 if i % 10 == 9 else (4 if i % 4 == 3 else 5)
                    flow.rate(level)
                    if level <= 2:
                        flow.toggle_reason("tui")
                        flow.confirm()
                    if flow.state is not State.THANKS:
                        raise SystemExit(f"tap {i}: the flow is in {flow.state}, not thanks")
                    rid, tapped = recorded[-1]
                    wall.target = start_count + i + 1
                    wall.run_events(15, until_done=True)
                    if not wall.done():
                        raise SystemExit(f"tap {i}: not on the board within 15 s")
                    to_board.append(wall.seen_at - tapped)
                    if rid in acked:
                        to_ack.append(acked[rid] - tapped)
                    now[0] += timedelta(seconds=10)  # past the thank-you screen
                    flow.tick()
                    wall.run_events(rng.uniform(0, POLL_INTERVAL_S), until_done=False)
                flagged = wall.flagged - start_flagged
            finally:
                source.stop()
                pusher.stop()
                hall.stopping.set()
                store.close()
                app.processEvents()
        report(args.taps, history, fill_s, to_board, to_ack, wall.polls, flagged)


def report(
    taps: int,
    history: int,
    fill_s: float,
    to_board: list[float],
    to_ack: list[float],
    polls: list[float],
    flagged: int,
) -> None:
    gaps = [b - a for a, b in zip(polls, polls[1:], strict=False)]
    period = statistics.median(gaps) if gaps else POLL_INTERVAL_S
    # A rating that arrives at a random moment waits for the next poll: uniform over a period.
    floor = [period * (k + 0.5) / 1000 for k in range(1000)]
    print(
        f"tap to board: {taps} taps at window {WINDOW} of the demo hall (SQLite store, "
        f"{history:,} ratings of history pushed in {fill_s:.0f} s, trickle on), "
        f"{os.cpu_count()} cpu"
    )
    print(
        f"  board poll interval POLL_INTERVAL_S = {POLL_INTERVAL_S:.1f} s; measured period "
        f"between polls p50 {period * MS:.0f} ms over {len(gaps)} polls"
    )
    print(f"  {'':44}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'n':>5}")
    rows: list[tuple[str, list[float], str]] = [
        ("tap → on the board (standings on GUI thread)", to_board, str(len(to_board))),
        ("  tap → acknowledged by the store (pusher)", to_ack, str(len(to_ack))),
        ("baseline: wait for the next poll alone", floor, "-"),
    ]
    for name, xs, n in rows:
        if xs:
            print(
                f"  {name:44}{_pct(xs, 50) * MS:9.0f}{_pct(xs, 95) * MS:9.0f}"
                f"{max(xs) * MS:9.0f}{n:>5}"
            )
    if flagged:
        print(f"  note: {flagged} of the taps were flagged by the kiosk (counted all the same)")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  load average at the end {load}")


if __name__ == "__main__":
    main()
