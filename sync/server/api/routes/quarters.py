"""``/halls/{hall}/quarters``: publishing a quarter (close) and reopening it with a reason.

The office's client ranks the quarter's aggregates with the standings engine and sends the
result with the digest of the aggregates it ranked (``sync.server.quarters``); the store closes
the quarter only if nothing changed since. Reading a quarter's state is open to every reader.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from sqlmodel import col, select

from sync.server import models as m
from sync.server.aggregates import build_aggregates
from sync.server.api.deps import ClockDep, DbDep, OfficeDep, ReaderDep, SessionDep
from sync.server.api.errors import responses
from sync.server.audit import record_audit
from sync.server.inspections import get_hall
from sync.server.quarters import close_quarter, published_out, quarter_state, reopen_quarter
from sync.server.schemas import (
    CODE_PATTERN,
    QUARTER_PATTERN,
    QuarterCloseIn,
    QuarterOut,
    QuarterReopenIn,
)

router = APIRouter(prefix="/halls/{hall}/quarters", tags=["quarters"])

HallPath = Annotated[str, Path(pattern=CODE_PATTERN)]
QuarterPath = Annotated[str, Path(pattern=QUARTER_PATTERN)]


def _out(hall: str, quarter: str, pq: m.PublishedQuarter | None) -> dict[str, Any]:
    if pq is None:
        return {"hall": hall, "quarter": quarter, "state": "open"}
    return published_out(pq)


@router.get("", response_model=list[QuarterOut], responses=responses(401, 403, 404, 422))
def list_quarters(hall: HallPath, who: ReaderDep, session: SessionDep) -> Any:
    """The hall's quarters that were ever published (closed or reopened), newest first."""
    who.require_hall(hall)
    get_hall(session, hall)
    rows = session.exec(
        select(m.PublishedQuarter)
        .where(m.PublishedQuarter.hall == hall)
        .order_by(col(m.PublishedQuarter.quarter).desc())
    )
    return [published_out(pq) for pq in rows]


@router.get("/{quarter}", response_model=QuarterOut, responses=responses(401, 403, 404, 422))
def get_quarter(hall: HallPath, quarter: QuarterPath, who: ReaderDep, session: SessionDep) -> Any:
    """Whether the quarter is open, closed (published) or reopened, and by whom."""
    who.require_hall(hall)
    get_hall(session, hall)
    return _out(hall, quarter, quarter_state(session, hall, quarter))


@router.post(
    "/{quarter}/close",
    response_model=QuarterOut,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
def close(
    hall: HallPath,
    quarter: QuarterPath,
    body: QuarterCloseIn,
    who: OfficeDep,
    db: DbDep,
    clock: ClockDep,
) -> Any:
    """Publish the quarter: store the standings sent and the aggregates they were ranked from.

    409 when the quarter has not ended, is closed already, or its aggregates changed since the
    client fetched them (the digest differs).
    """
    who.require_hall(hall)
    now = clock()
    with db.write() as session:
        h = get_hall(session, hall)
        current = build_aggregates(session, h, quarter, now)
        pq, before = close_quarter(
            session,
            h,
            quarter,
            digest=body.digest,
            standings=body.standings,
            current=current,
            by=who.name,
            now=now,
        )
        out = published_out(pq)
        record_audit(
            session,
            who.actor,
            "quarter.close",
            f"quarter:{hall}/{quarter}",
            before,
            out,
            hall=hall,
            at=now,
        )
    return out


@router.post(
    "/{quarter}/reopen",
    response_model=QuarterOut,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
def reopen(
    hall: HallPath,
    quarter: QuarterPath,
    body: QuarterReopenIn,
    who: OfficeDep,
    db: DbDep,
    clock: ClockDep,
) -> Any:
    """Reopen a closed quarter so that its records can change; the reason is kept."""
    who.require_hall(hall)
    now = clock()
    with db.write() as session:
        pq, before = reopen_quarter(session, hall, quarter, body.reason, who.name, now)
        out = published_out(pq)
        record_audit(
            session,
            who.actor,
            "quarter.reopen",
            f"quarter:{hall}/{quarter}",
            before,
            out,
            hall=hall,
            at=now,
        )
    return out
