"""差评 cases: every scored 差评 is followed up on working-day deadlines.

Ingest opens a case for each scored rating of level 1 or 2 in the same transaction that stores
it (``open_cases``); a flagged 差评 gets its case when the office releases it into the scores.
The steps go ``new`` → ``called_back`` (the outcome of the call) → ``rectified`` (what was done)
→ ``closed`` (the citizen was told the outcome), each by an operator with a note and a time.
A citizen who left no phone number cannot be called back: such a case may go from ``new``
straight to ``rectified`` and has no call-back deadline. An accepted appeal closes a case from
any step.

Deadlines are the hall's working days (``sync.workdays``) after the local day of the rating
(when the citizen rated, by the terminal's clock; when it arrived if that clock is implausible,
so a kiosk that was offline for days delivers cases that may be overdue at once): call back within ``callback_days`` [1], rectify within ``rectify_days`` [15] (roster
settings). When the calendar cannot say (a year the ``chinesecalendar`` package does not know
yet) the due date stays empty and ``deadline_problem`` tells the office why.

A case is *overdue* when today (in the hall's zone) is past a due date its status has not
reached. The citizen's phone number stays on the rating: ``case_out`` shows it only when the
caller may see it (the office and that unit's operators), and it is never logged.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import Session, col, select

from sync.server import models as m
from sync.server.refusals import Conflict, Invalid, NotFound
from sync.workdays import CalendarError, WorkCalendar

__all__ = [
    "STATUSES",
    "FollowUpRules",
    "add_step",
    "case_out",
    "close_on_appeal",
    "deadlines",
    "list_cases",
    "local_day",
    "open_case_for",
    "open_cases",
]

log = logging.getLogger(__name__)

STATUSES = ("new", "called_back", "rectified", "closed")
# The server flags that make ingest file a rating by its arrival (``ingest.CLOCK_FLAGS``).
_UNTRUSTED_CLOCK = ("clock_future", "clock_before_enrolment")
# step -> the statuses it may follow (``new`` -> ``rectified`` only without a phone number)
_AFTER = {"called_back": ("new",), "rectified": ("called_back",), "closed": ("rectified",)}


@dataclass(frozen=True)
class FollowUpRules:
    """The hall's follow-up settings (roster ``setting`` rows), in working days."""

    callback_days: int = 1
    rectify_days: int = 15
    appeal_days: int = 5

    @classmethod
    def of(cls, hall: m.Hall) -> FollowUpRules:
        """From the hall's settings; a missing or unusable value keeps the default."""
        values: dict[str, int] = {}
        for key in ("callback_days", "rectify_days", "appeal_days"):
            raw = str(hall.settings.get(key, "")).strip()
            if raw.isdigit() and int(raw) >= 1:
                values[key] = int(raw)
            elif raw:
                log.warning(
                    "hall %s: setting %s=%r is not a whole number >= 1", hall.code, key, raw
                )
        return cls(**values)


def calendar_of(hall: m.Hall) -> WorkCalendar:
    return WorkCalendar.of(hall.closures, hall.holidays, hall.workdays)


def local_day(hall: m.Hall, at: datetime) -> date:
    return at.astimezone(ZoneInfo(hall.tz)).date()


def deadlines(
    hall: m.Hall, day: date, has_phone: bool
) -> tuple[date | None, date | None, str | None]:
    """(call-back due, rectify due, problem) for a 差评 that arrived on local ``day``."""
    rules, cal = FollowUpRules.of(hall), calendar_of(hall)
    callback = rectify = None
    try:
        if has_phone:
            callback = cal.add_working_days(day, rules.callback_days)
        rectify = cal.add_working_days(day, rules.rectify_days)
    except CalendarError as e:
        return callback, None, str(e)
    return callback, rectify, None


def rating_day(hall: m.Hall, r: dict[str, Any]) -> date:
    """The hall's local day of a rating: when it was made, by the device's clock, unless that
    clock was found implausible; then when it arrived (as its quarter is reckoned)."""
    if not any(f in _UNTRUSTED_CLOCK for f in r.get("server_flags") or ()):
        try:
            return local_day(hall, datetime.fromisoformat(r["device_time"]))
        except (ValueError, OverflowError, TypeError):
            pass
    return local_day(hall, r["received_at"])


Deadlines = Callable[[date, bool], tuple[date | None, date | None, str | None]]


def _case_row(hall: m.Hall, r: dict[str, Any], due: Deadlines | None = None) -> dict[str, Any]:
    day = rating_day(hall, r)
    has_phone = bool(r.get("phone"))
    callback, rectify, problem = (
        due(day, has_phone) if due is not None else deadlines(hall, day, has_phone)
    )
    return {
        "rating": r["id"],
        "hall": hall.code,
        "quarter": r["quarter"],
        "unit": r["unit"],
        "window": r["window"],
        "staff": r["staff"],
        "level": r["level"],
        "reasons": list(r["reasons"]),
        "received_at": r["received_at"],
        "day": day,
        "status": "new",
        "callback_due": callback,
        "rectify_due": rectify,
        "deadline_problem": problem,
        "updated_at": r["received_at"],
    }


def open_cases(session: Session, hall: m.Hall, rows: Iterable[dict[str, Any]]) -> int:
    """Open a case for every scored 差评 among freshly stored rating rows (ingest's)."""

    # A batch's 差评 fall on a few days: the hall's rules and working-day calendar (~2 ms a
    # call) are worked out once per day and phone, not once per rating.
    @functools.cache
    def due(day: date, has_phone: bool) -> tuple[date | None, date | None, str | None]:
        return deadlines(hall, day, has_phone)

    cases = [_case_row(hall, r, due) for r in rows if r["level"] <= 2 and not r["flagged"]]
    if cases:
        session.execute(insert(m.Case.__table__), cases)  # type: ignore[attr-defined]
        problems = sum(1 for c in cases if c["deadline_problem"])
        if problems:
            log.warning(
                "hall %s: %d new 差评 case(s) without a due date: %s",
                hall.code,
                problems,
                next(c["deadline_problem"] for c in cases if c["deadline_problem"]),
            )
    return len(cases)


def open_case_for(session: Session, hall: m.Hall, rating: m.Rating, now: datetime) -> None:
    """A released 差评 is followed up too (its case counts from its arrival)."""
    if (
        rating.level > 2
        or session.exec(select(m.Case.id).where(m.Case.rating == rating.id)).first()
    ):
        return
    row = rating.model_dump() | {"flagged": False}
    session.execute(insert(m.Case.__table__), [_case_row(hall, row)])  # type: ignore[attr-defined]


def get_case(session: Session, case_id: int) -> m.Case:
    case = session.get(m.Case, case_id)
    if case is None:
        raise NotFound(f"no 差评 case {case_id}")
    return case


def add_step(
    session: Session,
    case: m.Case,
    step: str,
    note: str,
    by: str,
    now: datetime,
    at: datetime | None = None,
) -> m.CaseStep:
    """Record the next step of ``case`` (in the caller's transaction)."""
    if step not in _AFTER:
        raise Invalid(f"unknown step {step!r}; expected called_back, rectified or closed")
    if not note.strip():
        raise Invalid(f"a {step} step needs a note (the call's outcome, what was done …)")
    rating = session.get(m.Rating, case.rating)
    allowed: tuple[str, ...] = _AFTER[step]
    if step == "rectified" and not (rating and rating.phone):
        allowed = ("new", "called_back")  # no phone number: nobody to call back
    if case.status not in allowed:
        if case.status == "closed":
            raise Conflict(f"case {case.id} is closed")
        need = " or ".join(allowed)
        raise Conflict(f"case {case.id} is {case.status}: {step} may follow only {need}")
    when = at or now
    if when > now:
        raise Invalid("a step cannot be dated in the future")
    hall = session.get(m.Hall, case.hall)
    if hall is not None and local_day(hall, when) < case.day:
        raise Invalid(f"a step cannot be dated before the day of the rating ({case.day})")
    row = m.CaseStep(case=case.id or 0, step=step, by=by, note=note.strip(), at=when)
    session.add(row)
    case.status = step
    case.updated_at = now
    session.add(case)
    session.flush()
    return row


def close_on_appeal(session: Session, rating: str, note: str, by: str, now: datetime) -> None:
    """An accepted appeal closes the rating's case, whatever step it had reached."""
    case = session.exec(select(m.Case).where(m.Case.rating == rating)).first()
    if case is None or case.status == "closed":
        return
    session.add(m.CaseStep(case=case.id or 0, step="closed", by=by, note=note, at=now))
    case.status, case.updated_at = "closed", now
    session.add(case)


def _next_due(case: m.Case, has_phone: bool) -> tuple[str, date | None] | None:
    """What the case waits for next and by when (None when rectified or closed)."""
    if case.status == "new" and has_phone:
        return "called_back", case.callback_due
    if case.status in ("new", "called_back"):
        return "rectified", case.rectify_due
    if case.status == "rectified":
        return "closed", None
    return None


def _overdue(case: m.Case, has_phone: bool, today: date) -> list[str]:
    late = []
    if case.status == "new" and has_phone and case.callback_due and today > case.callback_due:
        late.append("called_back")
    if case.status in ("new", "called_back") and case.rectify_due and today > case.rectify_due:
        late.append("rectified")
    return late


def case_out(
    case: m.Case,
    rating: m.Rating | None,
    steps: list[m.CaseStep],
    appeal: m.Appeal | None,
    *,
    hall: m.Hall,
    today: date,
    show_phone: bool,
) -> dict[str, Any]:
    """The case as the API answers it; the phone number only when ``show_phone``."""
    has_phone = bool(rating and rating.phone)
    nxt = _next_due(case, has_phone)
    zone = ZoneInfo(hall.tz)
    return {
        "id": case.id,
        "hall": case.hall,
        "quarter": case.quarter,
        "unit": case.unit,
        "window": case.window,
        "staff": case.staff,
        "rating": case.rating,
        "level": case.level,
        "reasons": list(case.reasons),
        "received_at": case.received_at,
        "day": case.day,
        "status": case.status,
        "callback_due": case.callback_due,
        "rectify_due": case.rectify_due,
        "deadline_problem": case.deadline_problem,
        "next_step": nxt[0] if nxt else None,
        "next_due": nxt[1] if nxt else None,
        "overdue": _overdue(case, has_phone, today),
        "has_phone": has_phone,
        "phone": rating.phone if (show_phone and rating is not None) else None,
        "steps": [
            {
                "step": s.step,
                "by": s.by,
                "note": s.note,
                "at": s.at,
                "late": _late(case, s, zone),
            }
            for s in steps
        ],
        "appeal": None
        if appeal is None
        else {
            "id": appeal.id,
            "status": appeal.status,
            "reason": appeal.reason,
            "filed_by": appeal.filed_by,
            "filed_at": appeal.filed_at,
            "decided_by": appeal.decided_by,
            "decided_at": appeal.decided_at,
            "decision_note": appeal.decision_note,
        },
    }


def _late(case: m.Case, step: m.CaseStep, zone: ZoneInfo) -> bool:
    due = {"called_back": case.callback_due, "rectified": case.rectify_due}.get(step.step)
    return due is not None and step.at.astimezone(zone).date() > due


def list_cases(
    session: Session,
    halls: tuple[str, ...] | None,
    *,
    hall: str | None = None,
    unit: str | None = None,
    status: str | None = None,
    quarter: str | None = None,
    limit: int = 500,
) -> list[m.Case]:
    """Cases in the given halls (None: every hall), filtered; the caller sorts by due."""
    stmt = select(m.Case)
    if halls is not None:
        stmt = stmt.where(col(m.Case.hall).in_(halls))
    if hall:
        stmt = stmt.where(m.Case.hall == hall)
    if unit:
        stmt = stmt.where(m.Case.unit == unit)
    if status == "open":
        stmt = stmt.where(m.Case.status != "closed")
    elif status:
        stmt = stmt.where(m.Case.status == status)
    if quarter:
        stmt = stmt.where(m.Case.quarter == quarter)
    return list(session.exec(stmt.order_by(col(m.Case.id)).limit(limit)))


def cases_out(
    session: Session,
    cases: list[m.Case],
    *,
    now: datetime,
    show_phone: Any,
    overdue_only: bool = False,
) -> list[dict[str, Any]]:
    """Answers for ``cases``, what is due first on top (then the oldest); ``show_phone(case)``."""
    if not cases:
        return []
    ids = [c.id for c in cases]
    ratings = {
        r.id: r
        for r in session.exec(
            select(m.Rating).where(col(m.Rating.id).in_([c.rating for c in cases]))
        )
    }
    steps: dict[int, list[m.CaseStep]] = {}
    for s in session.exec(
        select(m.CaseStep).where(col(m.CaseStep.case).in_(ids)).order_by(col(m.CaseStep.id))
    ):
        steps.setdefault(s.case, []).append(s)
    appeals = {
        a.rating: a
        for a in session.exec(
            select(m.Appeal).where(col(m.Appeal.rating).in_([c.rating for c in cases]))
        )
    }
    halls = {h.code: h for h in session.exec(select(m.Hall))}
    out = []
    for c in cases:
        hall = halls[c.hall]
        d = case_out(
            c,
            ratings.get(c.rating),
            steps.get(c.id or 0, []),
            appeals.get(c.rating),
            hall=hall,
            today=local_day(hall, now),
            show_phone=show_phone(c),
        )
        if overdue_only and not d["overdue"]:
            continue
        out.append(d)
    out.sort(key=lambda d: (d["next_due"] is None, d["next_due"] or date.max, d["id"]))
    return out
