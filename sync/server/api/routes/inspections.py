"""``/inspections`` and ``/misconduct``: the points system and verified misconduct (一票否决).

Inspectors and the office record inspections; only the office records misconduct. Nothing is
deleted: ``…/void`` marks a mistaken record with a reason. A unit's operators read their own
unit's records. Every change writes its audit entry in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from sqlmodel import Session, col, select

from sync.server import models as m
from sync.server.api.deps import (
    AnyOperatorDep,
    ClockDep,
    DbDep,
    OfficeDep,
    OfficeOrInspectorDep,
    Principal,
    SessionDep,
)
from sync.server.api.errors import responses
from sync.server.audit import record_audit
from sync.server.inspections import (
    record_inspection,
    record_misconduct,
    void_inspection,
    void_misconduct,
)
from sync.server.schemas import (
    CODE_PATTERN,
    MAX_ID,
    QUARTER_PATTERN,
    InspectionIn,
    InspectionItemOut,
    InspectionOut,
    MisconductIn,
    MisconductOut,
    VoidIn,
)

router = APIRouter(tags=["inspections"])


def _scoped(stmt, table, who: Principal, hall: str | None, unit: str | None):  # type: ignore[no-untyped-def]
    halls = who.hall_filter()
    if halls is not None:
        stmt = stmt.where(col(table.hall).in_(halls))
    if hall:
        stmt = stmt.where(table.hall == hall)
    if who.role == "unit":
        stmt = stmt.where(table.unit == who.unit)
    elif unit:
        stmt = stmt.where(table.unit == unit)
    return stmt


Out = TypeVar("Out", bound=BaseModel)


def _audited(
    session: Session,
    who: Principal,
    action: str,
    row: m.Inspection | m.Misconduct,
    out_type: type[Out],
    before: dict[str, Any] | None,
    now: datetime,
) -> Out:
    """``row`` as the API answers it, its audit entry (``action``, e.g. ``inspection.void``)
    written in the same transaction."""
    out = out_type.model_validate(row, from_attributes=True)
    target = f"{action.split('.')[0]}:{row.id}"
    after = out.model_dump(mode="json")
    record_audit(session, who.actor, action, target, before, after, hall=row.hall, at=now)
    return out


@router.get(
    "/inspection-items",
    response_model=list[InspectionItemOut],
    responses=responses(401, 403, 422),
)
def list_items(
    who: AnyOperatorDep, session: SessionDep, hall: Annotated[str, Query(pattern=CODE_PATTERN)]
) -> list[InspectionItemOut]:
    """The hall's list of what an inspector can record (roster ``item`` rows)."""
    who.require_hall(hall)
    rows = session.exec(
        select(m.InspectionItem)
        .where(m.InspectionItem.hall == hall)
        .order_by(col(m.InspectionItem.pos))
    )
    return [InspectionItemOut.model_validate(r, from_attributes=True) for r in rows]


@router.get("/inspections", response_model=list[InspectionOut], responses=responses(401, 403, 422))
def list_inspections(
    who: AnyOperatorDep,
    session: SessionDep,
    hall: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    quarter: Annotated[str | None, Query(pattern=QUARTER_PATTERN)] = None,
    unit: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    include_voided: bool = False,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> list[InspectionOut]:
    """Inspection records, newest day first (a unit's operators: their unit's only)."""
    stmt = _scoped(select(m.Inspection), m.Inspection, who, hall, unit)
    if quarter:
        stmt = stmt.where(m.Inspection.quarter == quarter)
    if not include_voided:
        stmt = stmt.where(col(m.Inspection.voided_at).is_(None))
    stmt = stmt.order_by(col(m.Inspection.day).desc(), col(m.Inspection.id).desc()).limit(limit)
    return [InspectionOut.model_validate(r, from_attributes=True) for r in session.exec(stmt)]


@router.post(
    "/inspections",
    status_code=201,
    response_model=InspectionOut,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
def create_inspection(
    body: InspectionIn, who: OfficeOrInspectorDep, db: DbDep, clock: ClockDep
) -> InspectionOut:
    """Record points for a unit: a roster ``item`` fills in what the body leaves out.

    409 while the quarter of ``day`` is closed; 422 for a unit, staff member or item the hall
    does not have, a day in the future, or points of 0.
    """
    who.require_hall(body.hall)
    now = clock()
    with db.write() as session:
        row = record_inspection(
            session,
            hall=body.hall,
            unit=body.unit,
            staff=body.staff,
            day=body.day,
            item=body.item,
            dimension=body.dimension,
            points=body.points,
            what=body.what,
            note=body.note,
            by=who.name,
            now=now,
        )
        out = _audited(session, who, "inspection.create", row, InspectionOut, None, now)
    return out


@router.post(
    "/inspections/{inspection}/void",
    response_model=InspectionOut,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
def void_inspection_route(
    inspection: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: VoidIn,
    who: OfficeOrInspectorDep,
    db: DbDep,
    clock: ClockDep,
) -> InspectionOut:
    """Void a mistaken inspection record with a reason; it stays, marked, and counts no more."""
    now = clock()
    with db.write() as session:
        found = session.get(m.Inspection, inspection)
        if found is not None:
            who.require_hall(found.hall)
        row, before = void_inspection(session, inspection, body.reason, who.name, now)
        out = _audited(session, who, "inspection.void", row, InspectionOut, before, now)
    return out


@router.get("/misconduct", response_model=list[MisconductOut], responses=responses(401, 403, 422))
def list_misconduct(
    who: AnyOperatorDep,
    session: SessionDep,
    hall: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    quarter: Annotated[str | None, Query(pattern=QUARTER_PATTERN)] = None,
    unit: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    include_voided: bool = False,
) -> list[MisconductOut]:
    """Verified misconduct records, newest first (a unit's operators: their unit's only)."""
    stmt = _scoped(select(m.Misconduct), m.Misconduct, who, hall, unit)
    if quarter:
        stmt = stmt.where(m.Misconduct.quarter == quarter)
    if not include_voided:
        stmt = stmt.where(col(m.Misconduct.voided_at).is_(None))
    stmt = stmt.order_by(col(m.Misconduct.day).desc(), col(m.Misconduct.id).desc())
    return [MisconductOut.model_validate(r, from_attributes=True) for r in session.exec(stmt)]


@router.post(
    "/misconduct",
    status_code=201,
    response_model=MisconductOut,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
def create_misconduct(
    body: MisconductIn, who: OfficeDep, db: DbDep, clock: ClockDep
) -> MisconductOut:
    """Record a verified misconduct: the unit goes on the black list whatever its score."""
    who.require_hall(body.hall)
    now = clock()
    with db.write() as session:
        row = record_misconduct(
            session,
            hall=body.hall,
            unit=body.unit,
            section=body.section,
            day=body.day,
            summary=body.summary,
            reference=body.reference,
            verified_by=body.verified_by,
            by=who.name,
            now=now,
        )
        out = _audited(session, who, "misconduct.create", row, MisconductOut, None, now)
    return out


@router.post(
    "/misconduct/{misconduct}/void",
    response_model=MisconductOut,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
def void_misconduct_route(
    misconduct: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: VoidIn,
    who: OfficeDep,
    db: DbDep,
    clock: ClockDep,
) -> MisconductOut:
    """Void a misconduct record entered by mistake, with a reason."""
    now = clock()
    with db.write() as session:
        found = session.get(m.Misconduct, misconduct)
        if found is not None:
            who.require_hall(found.hall)
        row, before = void_misconduct(session, misconduct, body.reason, who.name, now)
        out = _audited(session, who, "misconduct.void", row, MisconductOut, before, now)
    return out
