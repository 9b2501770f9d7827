"""``hall-demo``: a whole service hall on one machine, started the way a hall starts it.

    hall-demo                      # server + 3 kiosk windows + the wall board, with a trickle of taps
    hall-demo --screenshots DIR    # the same, headless: writes every kiosk and board page, exits
    hall-demo --dir DIR            # keep the hall's files in DIR (default: a fresh temp dir)

What it does, in order: starts ``hall-server`` on a free loopback port with a SQLite file in a
fresh directory; imports the demo roster (``assets/roster/demo-hall.csv``, 31 units after the
Tongliang hall) through the admin API; enrols one terminal per window and pushes a plausible
history (the previous quarter and the current one up to now: one unit clearly worse, a few
with too few ratings, some flagged bursts) through the same batch endpoint the kiosks use;
runs the public review of sections for both quarters (letters answered by phone through the
public API, a few typed in from paper by the office); records the office's quarter through
its API (``board.demo_office``: inspections, a verified misconduct, 差评 cases in every state,
an accepted appeal, decisions on flagged ratings, the previous quarter published); enrols three kiosks (windows A01, A02,
A14) and starts them; starts the board; and keeps a trickle of simulated taps going so the board
moves.

The history is dated weeks before its terminals were enrolled, which the store would flag as an
implausible clock; the demo server is therefore started with a before-enrolment margin of 200
days (``HALL_CLOCK_BEFORE_ENROLMENT_S``), as a hall importing its old terminals' ratings would.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from assets import DEMO_ROSTER
from board.demo_office import fill_office
from sync.client import (
    BATCH_PATH,
    HEALTH_PATH,
    PUBLIC_REVIEW_ANSWERS_PATH,
    AdminClient,
    bearer,
    enroll,
)
from sync.defaults import DEMO_PIN
from sync.quarter import Quarter
from sync.roster import Roster, parse_roster
from sync.schema import GENESIS_HASH, RatingRecord

__all__ = ["main"]

log = logging.getLogger("hall-demo")

KIOSK_WINDOWS = ("A01", "A02", "A14")
WORSE_UNIT = "CGJ"  # 区城市管理局: the citizens are clearly less happy with it this quarter
RARE_UNITS = {"LYJ": 0.03, "CLH": 0.04, "GZC": 0.05}  # seldom on duty: too few ratings to rank
BATCH = 500


@dataclass
class Terminal:
    """A terminal the demo drives itself: its credential and its chain head."""

    window: str
    id: str
    token: str
    seq: int = 0
    head: str = GENESIS_HASH
    lock: threading.Lock = field(default_factory=threading.Lock)

    def make(
        self,
        roster: Roster,
        when: datetime,
        rng: random.Random,
        flags: tuple[str, ...] = (),
    ) -> RatingRecord:
        # Staff of the rare units seldom sit at the combined windows: too few ratings to rank.
        on_duty = roster.staff_at(self.window)
        weights = [RARE_UNITS.get(s.unit, 1.0) for s in on_duty]
        staff = rng.choices(on_duty, weights=weights)[0] if on_duty else None
        unit = staff.unit if staff else roster.windows[self.window].unit
        level = _level(rng, unit)
        reasons: tuple[str, ...] = ()
        if level <= 2:
            reasons = _reasons(rng, unit, list(roster.reasons))
        self.seq += 1
        rec = RatingRecord(
            id=str(uuid.uuid4()),
            seq=self.seq,
            terminal=self.id,
            window=self.window,
            unit=unit,
            staff=staff.code if staff else None,
            level=level,
            reasons=reasons,
            # Some unhappy citizens leave a number for the call back (made-up 139 0000 …).
            phone=f"1390000{rng.randrange(10000):04d}"
            if level <= 2 and rng.random() < 0.4
            else None,
            device_time=when.astimezone(UTC).isoformat(),
            tz=roster.hall.tz,
            flags=flags,
            section=roster.section_for(self.window, staff.code if staff else None),
        ).with_chain(self.head)
        self.head = rec.hash
        return rec


def _level(rng: random.Random, unit: str) -> int:
    # Most citizens are very satisfied (Guangdong: 差评 about 0.01 %); a demo hall shows more.
    if unit == WORSE_UNIT:
        weights = (0.14, 0.16, 0.25, 0.2, 0.25)  # levels 1..5
    else:
        tilt = (sum(map(ord, unit)) % 7) / 100  # units differ a little, deterministically
        weights = (0.006, 0.014 + tilt / 3, 0.05 + tilt, 0.2, 0.73 - tilt)
    return rng.choices((1, 2, 3, 4, 5), weights=weights)[0]


def _reasons(rng: random.Random, unit: str, own: list[str]) -> tuple[str, ...]:
    common = ["tui", "leng", "lan", "luan"] + own
    weights = [5, 4, 2, 1] + [2] * len(own) if unit == WORSE_UNIT else [1] * len(common)
    picked = {rng.choices(common, weights=weights)[0] for _ in range(rng.choice((1, 1, 2)))}
    return tuple(sorted(picked))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _opening_times(roster: Roster, start: date, end: datetime, rng: random.Random, per_day: int):  # type: ignore[no-untyped-def]
    """Plausible rating times within opening hours, from ``start`` (local) until ``end``."""
    zone = roster.zone
    day = start
    while day <= end.astimezone(zone).date():
        span = roster.hours.get(day.weekday())
        if span:
            o = datetime.combine(day, span[0], zone)
            c = datetime.combine(day, span[1], zone)
            secs = (c - o).total_seconds()
            for s in sorted(
                rng.uniform(0, secs) for _ in range(rng.randint(per_day // 2, per_day))
            ):
                t = o + timedelta(seconds=s)
                if t < end:
                    yield t
        day += timedelta(days=1)


class Hall:
    """The processes of the demo hall; ``stop()`` ends them all."""

    def __init__(self, where: Path) -> None:
        self.dir = where
        self.procs: list[subprocess.Popen[bytes]] = []
        self.url = ""
        self.admin_token = secrets.token_urlsafe(24)
        self.stopping = threading.Event()

    def start_server(self) -> None:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = os.environ | {
            "HALL_DATA_DIR": str(self.dir / "server"),
            "HALL_ADMIN_TOKEN": self.admin_token,
            "HALL_CLOCK_BEFORE_ENROLMENT_S": str(200 * 24 * 3600),
            # One process pushes the whole history: let it.
            "HALL_RATE_PER_S": "500",
            "HALL_RATE_BURST": "1000",
        }
        log_file = open(self.dir / "server.log", "ab")  # noqa: SIM115 - lives as long as the server
        cmd = [sys.executable, "-m", "sync.server.cli", "--host", "127.0.0.1", "--port", str(port)]
        self.procs.append(subprocess.Popen(cmd, env=env, stdout=log_file, stderr=log_file))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.procs[0].poll() is not None:
                raise SystemExit(f"hall-demo: the server exited; see {self.dir / 'server.log'}")
            try:
                if httpx.get(f"{self.url}{HEALTH_PATH}", timeout=1).status_code == 200:
                    log.info("central store up at %s (log: %s)", self.url, self.dir / "server.log")
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)  # polling a starting process: nothing to wait on but its port
        raise SystemExit("hall-demo: the server did not answer within 60 s")

    def admin(self) -> AdminClient:
        return AdminClient(self.url, self.admin_token)

    def enrol(self, window: str) -> Terminal:
        with self.admin() as a:
            code = a.create_enrolment_code(window).code
        install_id = uuid.uuid4().hex
        e = enroll(self.url, code, install_id)
        return Terminal(window=window, id=e.terminal, token=e.token)

    def push(self, term: Terminal, records: list[RatingRecord]) -> None:
        with httpx.Client(base_url=self.url, headers=bearer(term.token), timeout=60) as c:
            for i in range(0, len(records), BATCH):
                body = {"records": [r.to_dict() for r in records[i : i + BATCH]]}
                r = c.post(BATCH_PATH, json=body)
                r.raise_for_status()
                bad = [x for x in r.json()["results"] if x["status"] == "rejected"]
                if bad:
                    log.warning("demo history: %d rejected, e.g. %s", len(bad), bad[0])

    def spawn(self, cmd: list[str], name: str) -> subprocess.Popen[bytes]:
        log_file = open(self.dir / f"{name}.log", "ab")  # noqa: SIM115
        p = subprocess.Popen(cmd, stdout=log_file, stderr=log_file)
        self.procs.append(p)
        return p

    def stop(self) -> None:
        self.stopping.set()
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def fill_history(hall: Hall, roster: Roster, now: datetime, rng: random.Random) -> int:
    """Push the previous quarter and this one so far, one terminal per window."""
    start = Quarter.at(now, roster.zone).previous().first_day
    total = 0
    for window in roster.windows:
        term = hall.enrol(window)
        records: list[RatingRecord] = []
        burst_day = rng.randrange(10, 40)
        for n, t in enumerate(_opening_times(roster, start, now - timedelta(hours=1), rng, 18)):
            records.append(term.make(roster, t, rng))
            if n == burst_day * 12:  # somebody pressing away: the kiosk flags a burst
                for k in range(10):
                    rec = term.make(roster, t + timedelta(seconds=2 * (k + 1)), rng, ("burst",))
                    records.append(rec)
        hall.push(term, records)
        total += len(records)
    return total


def run_reviews(hall: Hall, roster: Roster, now: datetime, rng: random.Random) -> int:
    """The previous and the current quarter's public review of sections: blank letters, about
    45 % answered (most by phone, some on paper), the hard sections of ``board.sample`` named
    more often. Answers the demo's hardest-sections page ranks."""
    from board.sample import HARD_SECTIONS

    codes = list(roster.sections)
    hard = [c for c in HARD_SECTIONS if c in roster.sections]
    answered = 0
    quarter = Quarter.at(now, roster.zone)
    for q, letters in ((quarter.previous(), 220), (quarter, 160)):
        with hall.admin() as a:
            review = a.start_review(roster.hall.code, str(q))
            made = a.invite_blank(review["id"], letters)["invitations"]
            for inv in made:
                if rng.random() > 0.45:
                    continue
                picked = {rng.choice(codes) for _ in range(rng.randint(1, 2))}
                if rng.random() < 0.6:
                    picked.add(rng.choice(hard))
                answers = []
                for code in sorted(picked):
                    share, usual = HARD_SECTIONS.get(code, (0.06, ("tui", "lan", "leng")))
                    problems = sorted({rng.choice(usual)}) if rng.random() < share else []
                    answers.append({"section": code, "problems": problems})
                if rng.random() < 0.15:
                    a.enter_paper_form(review["id"], inv["code"], answers)
                else:
                    body = {"code": inv["code"], "answers": answers, "review": review["id"]}
                    httpx.post(f"{hall.url}{PUBLIC_REVIEW_ANSWERS_PATH}", json=body, timeout=30)
                answered += 1
    return answered


def trickle(hall: Hall, roster: Roster, terms: list[Terminal], rng: random.Random) -> None:
    """A tap every few seconds somewhere in the hall, so the board moves."""
    while not hall.stopping.wait(rng.uniform(2.0, 5.0)):
        term = rng.choice(terms)
        try:
            hall.push(term, [term.make(roster, datetime.now(UTC), rng)])
        except httpx.HTTPError as e:
            log.warning("trickle: %s", e)


def write_kiosk_config(hall: Hall, window: str) -> Path:
    d = hall.dir / f"kiosk-{window}"
    d.mkdir(parents=True, exist_ok=True)
    cfg = d / "kiosk.toml"
    cfg.write_text(
        "[kiosk]\n"
        f'window = "{window}"\n'
        f'data_dir = "{d / "data"}"\n'
        f'server_url = "{hall.url}"\n'
        f'roster = "{DEMO_ROSTER}"\n'
        f'staff_pin = "{DEMO_PIN}"\n',
        encoding="utf-8",
    )
    return cfg


def _bin(name: str) -> list[str]:
    exe = Path(sys.executable).with_name(name)
    return [str(exe)] if exe.exists() else [name]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="hall-demo", description="a whole service hall on one machine")
    p.add_argument(
        "--dir", type=Path, help="where the hall keeps its files (default: a fresh temp dir)"
    )
    p.add_argument("--screenshots", type=Path, metavar="DIR", help="render every screen, then exit")
    p.add_argument("--seed", type=int, default=20261122)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)

    if not args.screenshots and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        raise SystemExit(
            "hall-demo: no display to open the kiosks and the board on (DISPLAY is not set).\n"
            "Run it on a desktop, or headless: hall-demo --screenshots DIR"
        )
    where = args.dir or Path(tempfile.mkdtemp(prefix="hall-demo-"))
    where.mkdir(parents=True, exist_ok=True)
    if any(where.iterdir()):
        raise SystemExit(f"hall-demo: {where} is not empty; give a fresh --dir")
    hall = Hall(where)
    rng = random.Random(args.seed)
    roster = parse_roster(DEMO_ROSTER)
    try:
        hall.start_server()
        with hall.admin() as a:
            summary = a.import_roster_file(DEMO_ROSTER)
            board_token = a.create_board_credential(roster.hall.code, "demo wall board").token
        log.info("roster imported: %s", summary)
        t0 = time.monotonic()
        n = fill_history(hall, roster, datetime.now(UTC), rng)
        log.info("history: %d ratings pushed in %.1f s", n, time.monotonic() - t0)
        answered = run_reviews(hall, roster, datetime.now(UTC), rng)
        log.info("reviews: %d letters answered (two quarters)", answered)
        t0 = time.monotonic()
        fill_office(hall.url, hall.admin_token, roster, datetime.now(UTC), rng)
        log.info("office records made in %.1f s", time.monotonic() - t0)

        kiosks = []
        for window in KIOSK_WINDOWS:
            cfg = write_kiosk_config(hall, window)
            with hall.admin() as a:
                code = a.create_enrolment_code(window).code
            subprocess.run(
                [*_bin("hall-kiosk"), "--config", str(cfg), "--enroll", code],
                check=True,
                capture_output=True,
            )
            kiosks.append(cfg)
        board_env = ["--server", hall.url, "--hall", roster.hall.code]
        os.environ["HALL_BOARD_TOKEN"] = board_token  # not on the command line: ps shows those

        if args.screenshots:
            return _screenshots(hall, kiosks, board_env, args.screenshots)

        for i, cfg in enumerate(kiosks):
            hall.spawn([*_bin("hall-kiosk"), "--config", str(cfg), "--windowed"], f"kiosk-{i}")
        board = hall.spawn([*_bin("hall-board"), *board_env, "--windowed"], "board")
        trickler = [hall.enrol(w) for w in ("A03", "A05", "A15", "A20")]
        threading.Thread(target=trickle, args=(hall, roster, trickler, rng), daemon=True).start()
        log.info(
            "the demo hall is running in %s; close the board window or press Ctrl+C to end", where
        )
        signal.signal(signal.SIGTERM, lambda *_: hall.stopping.set())
        while board.poll() is None and not hall.stopping.is_set():
            hall.stopping.wait(0.5)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        hall.stop()
        if args.dir is None and not args.screenshots:
            log.info("hall files left in %s", where)


def _screenshots(hall: Hall, kiosks: list[Path], board_env: list[str], out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen"}
    jobs = [
        (
            [
                *_bin("hall-kiosk"),
                "--config",
                str(cfg),
                "--screenshots",
                str(out / f"kiosk-{cfg.parent.name[6:]}"),
            ]
        )
        for cfg in kiosks[:1]
    ]
    jobs.append([*_bin("hall-board"), *board_env, "--screenshots", str(out / "board")])
    code = 0
    for cmd in jobs:
        r = subprocess.run(cmd, env=env, capture_output=True, timeout=300)
        if r.returncode:
            sys.stderr.write(r.stderr.decode(errors="replace")[-2000:])
            code = r.returncode
    log.info("screenshots in %s", out)
    return code


if __name__ == "__main__":
    sys.exit(main())
