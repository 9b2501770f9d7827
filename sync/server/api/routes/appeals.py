"""``/appeals`` and ``/flagged``: decisions on ratings, each with a note and an audit entry.

A unit's operator appeals one of its unit's scored 差评 (申诉复核) within the hall's
``appeal_days`` working days; the office accepts (the rating leaves the scores, kept, and its
case is closed) or rejects. Flagged ratings wait for the office to release them into the scores
or confirm them excluded.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlmodel import col, select

from sync.server import models as m
from sync.server.api.deps import ClockDep, DbDep, OfficeDep, OfficeOrUnitDep, SessionDep
from sync.server.api.errors import responses
from sync.server.appeals import appeal_out, decide_appeal, decide_flagged, file_appeal, flagged_out
from sync.server.audit import record_audit
from sync.server.refusals import NotFound
from sync.server.schemas import (
    CODE_PATTERN,
    MAX_ID,
    QUARTER_PATTERN,
    TERMINAL_PATTERN,
    AppealDecisionIn,
    AppealIn,
    AppealOut,
    FlaggedDecisionIn,
    FlaggedOut,
)

router = APIRouter(tags=["appeals"])


@router.get("/appeals", response_model=list[AppealOut], responses=responses(401, 403, 422))
def list_appeals(
    who: OfficeOrUnitDep,
    session: SessionDep,
    hall: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    quarter: Annotated[str | None, Query(pattern=QUARTER_PATTERN)] = None,
    status: Annotated[str | None, Query(pattern="^(pending|accepted|rejected)$")] = None,
) -> Any:
    """Appeals, oldest pending first (a unit's operators: their unit's only)."""
    stmt = select(m.Appeal)
    halls = who.hall_filter()
    if halls is not None:
        stmt = stmt.where(col(m.Appeal.hall).in_(halls))
    if hall:
        stmt = stmt.where(m.Appeal.hall == hall)
    if who.role == "unit":
        stmt = stmt.where(m.Appeal.unit == who.unit)
    if quarter:
        stmt = stmt.where(m.Appeal.quarter == quarter)
    if status:
        stmt = stmt.where(m.Appeal.status == status)
    appeals = list(session.exec(stmt))
    ratings = {
        r.id: r
        for r in session.exec(
            select(m.Rating).where(col(m.Rating.id).in_([a.rating for a in appeals]))
        )
    }
    appeals.sort(key=lambda a: (a.status != "pending", a.filed_at, a.id or 0))
    return [appeal_out(a, ratings.get(a.rating)) for a in appeals]


@router.post(
    "/appeals",
    status_code=201,
    response_model=AppealOut,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
def create_appeal(body: AppealIn, who: OfficeOrUnitDep, db: DbDep, clock: ClockDep) -> Any:
    """Appeal a scored 差评 of one's own unit, with a reason; 409 once the window has passed."""
    now = clock()
    with db.write() as session:
        r = session.get(m.Rating, body.rating)
        if r is None:
            raise NotFound(f"no rating {body.rating}")
        who.require_unit(r.hall, r.unit)
        a = file_appeal(session, body.rating, body.reason, who.name, now)
        out = appeal_out(a, r)
        record_audit(
            session, who.actor, "appeal.create", f"appeal:{a.id}", None, out, hall=a.hall, at=now
        )
    return out


@router.post(
    "/appeals/{appeal}/decision",
    response_model=AppealOut,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
def decide_appeal_route(
    appeal: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: AppealDecisionIn,
    who: OfficeDep,
    db: DbDep,
    clock: ClockDep,
) -> Any:
    """Accept (the 差评 leaves the scores, its case is closed) or reject, with a note."""
    now = clock()
    with db.write() as session:
        found = session.get(m.Appeal, appeal)
        if found is not None:
            who.require_hall(found.hall)
        a, before = decide_appeal(session, appeal, body.accept, body.note, who.name, now)
        out = appeal_out(a, session.get(m.Rating, a.rating))
        record_audit(
            session,
            who.actor,
            "appeal.accept" if body.accept else "appeal.reject",
            f"appeal:{a.id}",
            before,
            out,
            hall=a.hall,
            at=now,
        )
    return out


@router.get("/flagged", response_model=list[FlaggedOut], responses=responses(401, 403, 422))
def list_flagged(
    who: OfficeDep,
    session: SessionDep,
    hall: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    quarter: Annotated[str | None, Query(pattern=QUARTER_PATTERN)] = None,
    state: Annotated[str | None, Query(pattern="^(pending|released|excluded)$")] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 500,
) -> Any:
    """Flagged ratings (kept, not scored) and the office's decision, newest first."""
    if hall:
        who.require_hall(hall)
    return flagged_out(
        session, who.hall_filter(), hall=hall, quarter=quarter, state=state, limit=limit
    )


@router.post(
    "/flagged/{rating}/decision",
    response_model=FlaggedOut,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
def decide_flagged_route(
    rating: Annotated[str, Path(pattern=TERMINAL_PATTERN)],
    body: FlaggedDecisionIn,
    who: OfficeDep,
    db: DbDep,
    clock: ClockDep,
) -> Any:
    """Release a flagged rating into the scores, or confirm it stays excluded; with a note."""
    now = clock()
    with db.write() as session:
        found = session.get(m.Rating, rating)
        if found is not None:
            who.require_hall(found.hall)
        r, d, before = decide_flagged(session, rating, body.decision, body.note, who.name, now)
        record_audit(
            session,
            who.actor,
            f"flagged.{body.decision}",
            f"rating:{r.id}",
            before,
            {"decision": d.decision, "note": d.note},
            hall=r.hall,
            at=now,
        )
        out = flagged_out(session, None, hall=None, quarter=None, state=None, limit=1, rating=r.id)
    return out[0]
