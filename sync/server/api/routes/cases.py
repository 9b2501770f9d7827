"""``/cases``: the follow-up of every scored 差评 on working-day deadlines.

The office sees every case of its halls; a unit's operators see only their unit's. The phone
number a citizen left is in the answer only for those two, on that case — never in a list for
anyone else, never in the log or the audit entry. Every step writes its audit entry in the same
transaction.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlmodel import Session

from sync.server import models as m
from sync.server.api.deps import ClockDep, DbDep, OfficeOrUnitDep, Principal, SessionDep
from sync.server.api.errors import responses
from sync.server.audit import record_audit
from sync.server.cases import STATUSES, add_step, cases_out, get_case, list_cases
from sync.server.schemas import CODE_PATTERN, MAX_ID, QUARTER_PATTERN, CaseOut, CaseStepIn

router = APIRouter(prefix="/cases", tags=["cases"])

STATUS_FILTER = Annotated[
    str | None,
    Query(
        pattern="^(new|called_back|rectified|closed|open)$",
        description="one status, or open (every status but closed)",
    ),
]


def may_see_phone(who: Principal, case: m.Case) -> bool:
    """The office (and the admin token) and the case's own unit; nobody else."""
    if who.kind == "admin" or who.role == "office":
        return True
    return who.role == "unit" and who.unit == case.unit


@router.get("", response_model=list[CaseOut], responses=responses(401, 403, 422))
def list_cases_route(
    who: OfficeOrUnitDep,
    session: SessionDep,
    clock: ClockDep,
    hall: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    unit: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    status: STATUS_FILTER = None,
    quarter: Annotated[str | None, Query(pattern=QUARTER_PATTERN)] = None,
    overdue: Annotated[bool, Query(description="only cases past a due date")] = False,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> Any:
    """Cases sorted by what is due first (cases with nothing due last), then the oldest."""
    if hall:
        who.require_hall(hall)
    if who.role == "unit":
        unit = who.unit
    cases = list_cases(
        session,
        who.hall_filter(),
        hall=hall,
        unit=unit,
        status=status,
        quarter=quarter,
        limit=limit,
    )
    return cases_out(
        session,
        cases,
        now=clock(),
        show_phone=lambda c: may_see_phone(who, c),
        overdue_only=overdue,
    )


def _one(session: Session, who: Principal, case_id: int, clock: ClockDep) -> dict[str, Any]:
    case = get_case(session, case_id)
    who.require_unit(case.hall, case.unit)
    out = cases_out(session, [case], now=clock(), show_phone=lambda c: may_see_phone(who, c))
    return out[0]


@router.get("/{case}", response_model=CaseOut, responses=responses(401, 403, 404, 422))
def get_case_route(
    case: Annotated[int, Path(ge=1, le=MAX_ID)],
    who: OfficeOrUnitDep,
    session: SessionDep,
    clock: ClockDep,
) -> Any:
    """One case with its steps, deadlines and appeal; the phone number for those allowed."""
    return _one(session, who, case, clock)


@router.post(
    "/{case}/steps",
    response_model=CaseOut,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
def add_step_route(
    case: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: CaseStepIn,
    who: OfficeOrUnitDep,
    db: DbDep,
    clock: ClockDep,
) -> Any:
    """The next step: ``called_back`` (the call's outcome), ``rectified`` (what was done),
    ``closed`` (the citizen was told). 409 out of order or on a closed case."""
    now = clock()
    with db.write() as session:
        c = get_case(session, case)
        who.require_unit(c.hall, c.unit)
        before = {"status": c.status}
        step = add_step(session, c, body.step, body.note, who.name, now, body.at)
        record_audit(
            session,
            who.actor,
            f"case.{body.step}",
            f"case:{c.id}",
            before,
            {"status": c.status, "note": step.note, "at": step.at},
            hall=c.hall,
            at=now,
        )
    with db.session() as session:
        return _one(session, who, case, clock)


__all__ = ["STATUSES", "may_see_phone", "router"]
