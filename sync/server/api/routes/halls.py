"""``GET /halls`` and ``GET /halls/{hall}/aggregates``: what the board reads.

A board credential, the admin token, or any operator (a unit operator reads the standings of
its hall); each only in the halls it may read.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.responses import JSONResponse
from sqlmodel import select

from sync.server import models as m
from sync.server.aggregates import build_aggregates, current_quarter, data_stamp
from sync.server.api.deps import ClockDep, ReaderDep, SessionDep
from sync.server.api.errors import responses
from sync.server.api.etag import etag_for, etag_matches
from sync.server.quarters import published_aggregates
from sync.server.schemas import CODE_PATTERN, QUARTER_PATTERN, AggregatesOut, HallOut

router = APIRouter(prefix="/halls", tags=["board"])


@router.get("", response_model=list[HallOut], responses=responses(401, 403, 429))
def list_halls(who: ReaderDep, session: SessionDep) -> list[HallOut]:
    """The halls this credential may read."""
    halls = session.exec(select(m.Hall).order_by(m.Hall.code))
    return [HallOut(code=h.code, name=h.name, tz=h.tz) for h in halls if who.may_read_hall(h.code)]


@router.get(
    "/{hall}/aggregates",
    response_model=AggregatesOut,
    responses=responses(304, 401, 403, 404, 422, 429),
)
def aggregates(
    who: ReaderDep,
    session: SessionDep,
    clock: ClockDep,
    hall: Annotated[str, Path(pattern=CODE_PATTERN)],
    quarter: Annotated[
        str | None, Query(pattern=QUARTER_PATTERN, description="e.g. 2026Q3; default: current")
    ] = None,
    if_none_match: Annotated[str | None, Header(max_length=1000)] = None,
) -> Any:
    """Counts per unit × week × level (and × reason) for a quarter, with the roster's names.

    The ETag changes whenever a rating is stored in the hall, its roster is imported or an
    office record changes, so a board polling with ``If-None-Match`` gets a cheap 304 otherwise.
    A closed (published) quarter answers the aggregates it was ranked from and, in
    ``published``, the standings as published: the board shows those.
    """
    h = who.readable_hall(session, hall)
    now = clock()
    q = quarter or current_quarter(h.tz, now)
    etag = etag_for([h.code, q, *data_stamp(session, h, q)])
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    # A closed quarter answers what was published and the aggregates it was ranked from.
    data = published_aggregates(session, h.code, q, now) or build_aggregates(session, h, q, now)
    return JSONResponse(data, headers={"ETag": etag})
