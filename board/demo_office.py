"""The demo hall's office: a quarter's worth of inspections, cases in every state, an appeal.

``fill_office`` works through the store's API as the hall office would (``OfficeClient``,
the admin token): inspectors record what they saw a few times a week, the office walks the
差评 cases through their steps (older cases closed, recent ones called back or rectified, the
newest still new, two left overdue), one unit appeals a 差评 and the office accepts it, the
flagged bursts get a decision, a misconduct is verified, and the previous quarter is published.
Deterministic for a seed, except that "today" is today.
"""

from __future__ import annotations

import logging
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta
from typing import Any

from board.published import standings_to_dict
from board.standings import compute_standings
from sync.client import ApiError, OfficeClient
from sync.publish import aggregates_digest
from sync.quarter import Quarter
from sync.roster import Roster
from sync.workdays import CalendarError, WorkCalendar

__all__ = ["fill_office"]

log = logging.getLogger("hall-demo")

# What inspectors find, and where: (item, weight); the worse unit is found out more often.
_FINDINGS = [
    ("late", 6),
    ("early_leave", 2),
    ("absent", 2),
    ("no_uniform", 4),
    ("untidy", 2),
    ("no_training", 2),
    ("poor_explanation", 3),
    ("praised", 4),
    ("last_citizen", 3),
    ("thanks", 2),
]
_NOTES = {
    "late": ["8:31 到岗", "8:40 到岗，未请假", "周一晨会后迟到"],
    "early_leave": ["17:10 离岗", "下午提前半小时离开"],
    "absent": ["上午 10 点离岗 20 分钟", "窗口无人，群众等候"],
    "no_uniform": ["未佩戴工牌", "未穿工作服"],
    "untidy": ["台面堆放私人物品"],
    "no_training": ["周一礼仪培训缺席"],
    "poor_explanation": ["群众反映解释不耐心", "材料要求未一次说清"],
    "praised": ["群众电话表扬", "12345 转来表扬"],
    "last_citizen": ["17:45 仍在为群众办理", "延时服务至最后一位群众"],
    "thanks": ["收到锦旗一面", "收到感谢信"],
}
CALLBACK_NOTES = [
    "已致电群众，了解到等候时间过长，已致歉",
    "已回访，群众反映材料要求没有一次说清",
    "已回访，群众对工作人员态度不满意，已致歉并说明情况",
]
RECTIFY_NOTES = [
    "已更新一次性告知清单，窗口人员培训",
    "高峰时段增开窗口，安排引导员",
    "对当事工作人员批评教育，纳入月度考核",
]
CLOSE_NOTES = ["已电话告知整改结果，群众表示满意", "已告知整改情况，群众表示理解"]


def _at(day: date, hour: int, zone: Any) -> datetime:
    return datetime.combine(day, time(hour, 30), zone)


def fill_office(url: str, token: str, roster: Roster, now: datetime, rng: random.Random) -> None:
    """Record the demo hall's office work for this quarter and the last; publish the last."""
    zone = roster.zone
    today = now.astimezone(zone).date()
    hall = roster.hall.code
    cal = WorkCalendar.of(roster.closures, roster.holidays, roster.workdays)
    this = Quarter.at(now, zone)
    with OfficeClient(url, token, timeout=60) as office:
        n = _inspections(office, roster, this.previous().first_day, today, rng)
        _misconduct(office, hall, this, today)
        steps = _walk_cases(office, hall, today, cal, rng, zone)
        _appeal(office, hall)
        _flagged(office, hall, rng)
        _publish(office, hall, this.previous())
    log.info(
        "office: %d inspections, %d case steps, one appeal, %s published", n, steps, this.previous()
    )


def _inspections(
    office: OfficeClient, roster: Roster, start: date, today: date, rng: random.Random
) -> int:
    units = [u for u in roster.units if u not in ("LYJ", "CLH", "GZC")]
    items, weights = zip(*_FINDINGS, strict=True)
    n, day = 0, start
    while day <= today:
        # Two or three rounds a week, on working days.
        if day.weekday() < 5 and rng.random() < 0.5:
            for _ in range(rng.randint(1, 3)):
                item = rng.choices(items, weights=weights)[0]
                bad = roster.items[item].points < 0
                # The worse unit (区城市管理局) is caught more often; the strong ones praised.
                unit = "CGJ" if bad and rng.random() < 0.35 else rng.choice(units)
                staff = [s.code for s in roster.staff.values() if s.unit == unit]
                office.record_inspection(
                    roster.hall.code,
                    unit,
                    day,
                    item=item,
                    staff=rng.choice(staff) if staff and rng.random() < 0.7 else None,
                    note=rng.choice(_NOTES[item]),
                )
                n += 1
        day += timedelta(days=1)
    return n


def _misconduct(office: OfficeClient, hall: str, this: Quarter, today: date) -> None:
    day = min(this.first_day + timedelta(days=40), today)
    office.record_misconduct(
        hall,
        "GDJ",
        day,
        "窗口人员以“加急费”名义向办事群众收取费用",
        "区纪委监委驻厅纪检组",
        "12345 工单 2026-1109-0412",
    )


def _walk_cases(
    office: OfficeClient, hall: str, today: date, cal: WorkCalendar, rng: random.Random, zone: Any
) -> int:
    """Old cases closed, recent ones part way, the newest new; two left overdue on purpose."""
    plans: list[tuple[int, list[tuple[str, datetime, str]]]] = []
    left_overdue = 0
    for c in office.cases(hall):
        day = date.fromisoformat(c["day"])
        try:
            age = cal.working_days_after(day, today)
            callback = cal.add_working_days(day, 1) if c["has_phone"] else day
            rectify = cal.add_working_days(day, rng.randint(3, 12))
            closing = cal.add_working_days(rectify, 1)
        except CalendarError:
            continue
        if age > 12 and left_overdue < 2 and rng.random() < 0.02:
            left_overdue += 1  # forgotten: the office's list shows it in red
            continue
        plan: list[tuple[str, datetime, str]] = []
        if c["has_phone"] and age >= 1:
            plan.append(("called_back", _at(callback, 10, zone), rng.choice(CALLBACK_NOTES)))
        if age >= 4 and (age >= 13 or rng.random() < 0.5):
            plan.append(
                ("rectified", _at(min(rectify, today), 11, zone), rng.choice(RECTIFY_NOTES))
            )
            if age >= 13:
                plan.append(("closed", _at(min(closing, today), 15, zone), rng.choice(CLOSE_NOTES)))
        if plan:
            plans.append((c["id"], plan))

    def walk(job: tuple[int, list[tuple[str, datetime, str]]]) -> int:
        case, plan = job
        for step, when, note in plan:
            office.case_step(case, step, note, at=min(when, datetime.now(zone)))
        return len(plan)

    # A few at once: the store answers while it writes the one before (the demo waits less).
    with ThreadPoolExecutor(max_workers=4) as pool:
        return sum(pool.map(walk, plans))


def _appeal(office: OfficeClient, hall: str) -> None:
    """The newest 差评 of the transport committee is appealed and the office accepts it."""
    for c in office.cases(hall, unit="JTJ", status="new"):
        try:
            a = office.file_appeal(c["rating"], "当日系统故障无法出件，群众误以为工作人员推诿")
        except ApiError:
            continue  # past its appeal window: try a newer one
        office.decide_appeal(a["id"], True, "核实当日系统故障工单属实，非工作人员原因")
        return


def _flagged(office: OfficeClient, hall: str, rng: random.Random) -> None:
    for r in office.flagged(hall, state="pending")[:12]:
        office.decide_flagged(r["id"], "exclude", rng.choice(["同一人连续按键", "测试误按"]))


def _publish(office: OfficeClient, hall: str, quarter: Quarter) -> None:
    """Close the previous quarter with the standings of now, as the office does after it ends."""
    agg = office.aggregates(hall, str(quarter)).data
    assert agg is not None
    standings = compute_standings(agg)
    office.close_quarter(hall, str(quarter), aggregates_digest(agg), standings_to_dict(standings))
