"""A hall with a quarter of ratings on a real store, for the export's tests and benchmarks.

``fill_quarter`` imports the demo roster (one staff name made to look like a formula), enrols a
terminal per window and pushes ratings whose device times spread over the quarter: mostly
非常满意, some 差评 with reasons (some with a phone number), a few flagged as bursts (one of them
released). The server must accept device times before enrolment
(``HALL_CLOCK_BEFORE_ENROLMENT_S``): the quarter lies in the past.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from assets import DEMO_ROSTER
from sync.roster import parse_roster_bytes
from tests.helpers.store import StoreDriver

__all__ = ["FORMULA_NAME", "PAST_OK", "Filled", "fill_quarter", "roster_with_formula_name"]

FORMULA_NAME = '=HYPERLINK("http://example.invalid/x","点我")'
FORMULA_STAFF = "TL0001"  # window A01
# Server settings that let a test push a past quarter (a year of "before enrolment").
PAST_OK = {"HALL_CLOCK_BEFORE_ENROLMENT_S": str(400 * 24 * 3600)}


def roster_with_formula_name(source: Path = DEMO_ROSTER) -> bytes:
    """The demo roster, with staff TL0001's name typed as a spreadsheet formula."""
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig"))))
    for row in rows:
        if len(row) > 2 and row[0] == "staff" and row[1] == FORMULA_STAFF:
            row[2] = FORMULA_NAME
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


@dataclass
class Filled:
    """What was pushed: per unit and level the scored count, and the flagged ones."""

    total: int = 0
    scored: dict[tuple[str, int], int] = field(default_factory=dict)
    flagged: int = 0
    released: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    terminals: list[str] = field(default_factory=list)


UNITS = {
    "A01": ("YJJ", FORMULA_STAFF),
    "A02": ("ZJW", "TL0015"),
    "A03": ("JTJ", "TL0017"),
    "A04": ("WJW", "TL0019"),
    "A05": ("MZJ", "TL0021"),
    "A06": ("SFJ", "TL0023"),
}


def fill_quarter(
    client: httpx.Client,
    admin_token: str,
    *,
    start: datetime = datetime(2026, 7, 1, 1, 0, tzinfo=UTC),
    days: int = 90,
    per_window: int = 60,
    windows: dict[str, tuple[str, str]] | None = None,
    seed: int = 7,
) -> Filled:
    """Push ``per_window`` ratings for each window, spread over ``days`` from ``start``."""
    store = StoreDriver(client, admin_token)
    roster_bytes = roster_with_formula_name()
    r = store.import_roster(roster_bytes)
    assert r.status_code == 200, r.text
    roster = parse_roster_bytes(roster_bytes)
    rng = random.Random(seed)
    filled = Filled()
    # Each window's units get a different mix, so the ranking has a top and a bottom.
    for k, (window, (unit, staff)) in enumerate((windows or UNITS).items()):
        who = store.enrol(window, unit=unit)
        who.chain.staff = staff
        section = roster.section_for(window, staff)  # as a kiosk stamps it
        filled.terminals.append(who.terminal)
        step = timedelta(days=days) / per_window
        who.chain.clock = start + timedelta(minutes=7 * k)
        who.chain.step = step
        records = []
        for i in range(per_window):
            roll = rng.random() + 0.04 * k
            level = (
                5 if roll < 0.6 else 4 if roll < 0.8 else 3 if roll < 0.9 else rng.choice((1, 2))
            )
            reasons: tuple[str, ...] = ()
            phone = None
            if level <= 2:
                reasons = tuple(rng.sample(["leng", "lan", "tui", "H01"], rng.choice((1, 2))))
                if i % 3 == 0:
                    phone = f"1380013{len(filled.phones):04d}"
                    filled.phones.append(phone)
            flags: tuple[str, ...] = ("burst",) if i % 25 == 24 else ()
            rec = who.chain.next(level, reasons, flags=flags, phone=phone, section=section)
            records.append(rec)
            if flags:
                filled.flagged += 1
            else:
                key = (unit, level)
                filled.scored[key] = filled.scored.get(key, 0) + 1
        r = store.push(who, records)
        assert r.status_code == 200, r.text
        assert all(x["status"] == "stored" for x in r.json()["results"]), r.text
        filled.total += len(records)
        if k == 0:  # one burst released by the office: it counts after all
            rid = next(rec.id for rec in records if rec.flags)
            rr = client.post(f"/api/v1/admin/ratings/{rid}/release", headers=store.admin)
            assert rr.status_code == 200, rr.text
            rel = next(rec for rec in records if rec.id == rid)
            filled.released.append(rid)
            filled.flagged -= 1
            filled.scored[(unit, rel.level)] = filled.scored.get((unit, rel.level), 0) + 1
    return filled


@dataclass
class Office:
    """The office records ``add_office_records`` made, to look for in the export."""

    on_time_case: int
    late_case: int
    appealed_rating: str
    excluded_rating: str
    inspected_unit: str = "MZJ"
    misconduct_unit: str = "SFJ"


def add_office_records(url: str, token: str, filled: Filled) -> Office:
    """Through the office API: one case followed up on time (at the rating's own day), one
    called back today (late), an accepted appeal, an inspection deduction, a verified
    misconduct and a flagged rating confirmed excluded."""
    from datetime import date as _date
    from zoneinfo import ZoneInfo

    from sync.client import OfficeClient

    zone = ZoneInfo("Asia/Shanghai")
    with OfficeClient(url, token, timeout=30) as office:
        cases = [c for c in office.cases("TL", quarter="2026Q3", limit=10000) if c["callback_due"]]
        on_time, late = cases[0], cases[1]
        day = _date.fromisoformat(on_time["day"])
        at = datetime(day.year, day.month, day.day, 16, 0, tzinfo=zone)
        office.case_step(on_time["id"], "called_back", "回访：群众认可解释", at=at)
        office.case_step(
            on_time["id"], "rectified", "整改：窗口增设引导", at=at + timedelta(hours=1)
        )
        office.case_step(on_time["id"], "closed", "已告知群众整改结果", at=at + timedelta(hours=2))
        office.case_step(late["id"], "called_back", "回访：群众未接，短信告知")
        appealed = next(
            c for c in office.cases("TL", quarter="2026Q3", limit=10000)
            if c["id"] not in (on_time["id"], late["id"]) and c["unit"] == "ZJW"
        )  # fmt: skip
        appeal = office.file_appeal(appealed["rating"], "群众误按：当场已更正为满意")
        office.decide_appeal(appeal["id"], True, "核实为误按，申诉成立")
        office.record_inspection(
            "TL", "MZJ", _date(2026, 8, 3), dimension="discipline", points=-2, what="迟到"
        )
        office.record_misconduct(
            "TL", "SFJ", _date(2026, 9, 1), "索要好处费", "纪检组", reference="TS-2026-0901"
        )
        flagged = office.flagged("TL", quarter="2026Q3", state="pending", limit=10000)
        excluded = flagged[0]["id"]
        office.decide_flagged(excluded, "exclude", "同一人连续按键，确认不计分")
    return Office(on_time["id"], late["id"], appealed["rating"], excluded)
