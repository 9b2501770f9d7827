"""The points system and verified misconduct, as the hall office records them.

An inspection gives a unit (and maybe one staff member) points in one dimension — 服务形象
``image``, 服务行为 ``behaviour`` or 工作纪律 ``discipline`` (服务质量 is the citizens' own) — on
one day: negative for a deduction, positive for a bonus. What happened is one of the roster's
``item`` rows (its default points and dimension fill in what the inspector leaves out) or the
inspector's own words. A verified misconduct (一票否决) puts the unit on the black list whatever
its score. Neither is ever deleted: a mistake is voided with a reason, and the record stays.

Both count in the quarter of their day (the hall's local date) and change what the board shows,
so each write bumps the hall's ``data_version`` and is refused while that quarter is closed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from sync.quarter import Quarter
from sync.roster import DIMENSIONS, dimension_of
from sync.server import models as m
from sync.server.cases import local_day
from sync.server.quarters import bump_hall, ensure_open
from sync.server.refusals import Conflict, Invalid, NotFound

__all__ = [
    "aggregate_inspections",
    "aggregate_misconduct",
    "record_inspection",
    "record_misconduct",
    "void_inspection",
    "void_misconduct",
]

MAX_POINTS = 100.0


def get_hall(session: Session, code: str) -> m.Hall:
    hall = session.get(m.Hall, code)
    if hall is None:
        raise NotFound(f"no hall {code}")
    return hall


def _check_unit(session: Session, hall: str, unit: str) -> None:
    if session.get(m.Unit, (hall, unit)) is None:
        raise Invalid(f"hall {hall} has no unit {unit}")


def _check_day(hall: m.Hall, day: date, now: datetime) -> None:
    if day > local_day(hall, now):
        raise Invalid(f"{day} is in the future")


def record_inspection(
    session: Session,
    *,
    hall: str,
    unit: str,
    day: date,
    by: str,
    now: datetime,
    staff: str | None = None,
    dimension: str | None = None,
    points: float | None = None,
    item: str | None = None,
    what: str | None = None,
    note: str = "",
) -> m.Inspection:
    """Check and store one inspection record; raise a refusal naming what is wrong."""
    h = get_hall(session, hall)
    _check_unit(session, hall, unit)
    _check_day(h, day, now)
    if staff:
        s = session.get(m.Staff, (hall, staff))
        if s is None:
            raise Invalid(f"hall {hall} has no staff member {staff}")
        if s.unit != unit:
            raise Invalid(f"staff member {staff} ({s.name}) belongs to unit {s.unit}, not {unit}")
    preset = None
    if item:
        preset = session.get(m.InspectionItem, (hall, item))
        if preset is None:
            known = ", ".join(
                session.exec(select(m.InspectionItem.code).where(m.InspectionItem.hall == hall))
            )
            raise Invalid(f"hall {hall} has no inspection item {item} (items: {known or 'none'})")
    dim = dimension_of(dimension) if dimension else (preset.dimension if preset else None)
    if dim is None:
        names = ", ".join(f"{k} ({v})" for k, v in DIMENSIONS.items())
        raise Invalid(f"dimension must be one of {names}, got {dimension!r}")
    pts = points if points is not None else (preset.points if preset else None)
    if pts is None:
        raise Invalid("points are needed (negative for a deduction, positive for a bonus)")
    if pts == 0 or not -MAX_POINTS <= pts <= MAX_POINTS:
        raise Invalid(f"points must be non-zero and between -{MAX_POINTS:g} and {MAX_POINTS:g}")
    text = (what or "").strip() or (preset.name if preset else "")
    if not text:
        raise Invalid("say what happened: an item of the roster's list, or 'what'")
    quarter = str(Quarter.of(day))
    ensure_open(session, hall, quarter, "its inspections")
    row = m.Inspection(
        hall=hall,
        quarter=quarter,
        unit=unit,
        staff=staff or None,
        dimension=dim,
        day=day,
        points=float(pts),
        item=item or None,
        what=text,
        note=note.strip(),
        recorded_by=by,
        recorded_at=now,
    )
    session.add(row)
    bump_hall(session, hall)
    session.flush()
    return row


def void_inspection(
    session: Session, inspection_id: int, reason: str, by: str, now: datetime
) -> tuple[m.Inspection, dict[str, Any]]:
    """Void a mistaken record (it stays, marked); returns it and its state before."""
    row = session.get(m.Inspection, inspection_id)
    if row is None:
        raise NotFound(f"no inspection {inspection_id}")
    return row, _void(session, row, reason, by, now, "its inspections")


def record_misconduct(
    session: Session,
    *,
    hall: str,
    unit: str,
    day: date,
    summary: str,
    verified_by: str,
    by: str,
    now: datetime,
    reference: str = "",
    section: str | None = None,
) -> m.Misconduct:
    h = get_hall(session, hall)
    _check_unit(session, hall, unit)
    if section is not None:
        found = session.get(m.Section, (hall, section))
        if found is None:
            raise Invalid(f"hall {hall} has no section {section}")
        if found.unit != unit:
            raise Invalid(f"section {section} belongs to unit {found.unit}, not to {unit}")
    _check_day(h, day, now)
    if not summary.strip():
        raise Invalid("a misconduct needs a summary of what was verified")
    if not verified_by.strip():
        raise Invalid("say who verified the misconduct (verified_by)")
    quarter = str(Quarter.of(day))
    ensure_open(session, hall, quarter, "its misconduct records")
    row = m.Misconduct(
        hall=hall,
        quarter=quarter,
        unit=unit,
        section=section,
        day=day,
        summary=summary.strip(),
        reference=reference.strip(),
        verified_by=verified_by.strip(),
        recorded_by=by,
        recorded_at=now,
    )
    session.add(row)
    bump_hall(session, hall)
    session.flush()
    return row


def void_misconduct(
    session: Session, misconduct_id: int, reason: str, by: str, now: datetime
) -> tuple[m.Misconduct, dict[str, Any]]:
    row = session.get(m.Misconduct, misconduct_id)
    if row is None:
        raise NotFound(f"no misconduct record {misconduct_id}")
    return row, _void(session, row, reason, by, now, "its misconduct records")


def _void(
    session: Session,
    row: m.Inspection | m.Misconduct,
    reason: str,
    by: str,
    now: datetime,
    what: str,
) -> dict[str, Any]:
    if not reason.strip():
        raise Invalid("voiding needs a reason")
    if row.voided_at is not None:
        raise Conflict(f"already voided on {row.voided_at:%Y-%m-%d} by {row.voided_by}")
    ensure_open(session, row.hall, row.quarter, what)
    before = row.model_dump(mode="json")
    row.voided_at, row.voided_by, row.void_reason = now, by, reason.strip()
    session.add(row)
    bump_hall(session, row.hall)
    session.flush()
    return before


def aggregate_inspections(session: Session, hall: str, quarter: str) -> list[dict[str, Any]]:
    """The quarter's standing inspection records for the board (voided ones left out)."""
    stmt = (
        select(m.Inspection)
        .where(
            m.Inspection.hall == hall,
            m.Inspection.quarter == quarter,
            col(m.Inspection.voided_at).is_(None),
        )
        .order_by(col(m.Inspection.day), col(m.Inspection.id))
    )
    return [
        {
            "unit": i.unit,
            "dimension": i.dimension,
            "points": i.points,
            "note": i.what + (f"（{i.note}）" if i.note else ""),
            "day": i.day.isoformat(),
            "staff": i.staff,
            "item": i.item,
        }
        for i in session.exec(stmt)
    ]


def aggregate_misconduct(session: Session, hall: str, quarter: str) -> list[dict[str, Any]]:
    """The quarter's standing misconduct records for the board."""
    stmt = (
        select(m.Misconduct)
        .where(
            m.Misconduct.hall == hall,
            m.Misconduct.quarter == quarter,
            col(m.Misconduct.voided_at).is_(None),
        )
        .order_by(col(m.Misconduct.day), col(m.Misconduct.id))
    )
    return [
        {
            "unit": x.unit,
            "section": x.section,
            "day": x.day.isoformat(),
            "summary": x.summary,
            "reference": x.reference,
            "verified_by": x.verified_by,
        }
        for x in session.exec(stmt)
    ]
