"""``GET /terminal/roster``: a terminal's own window's roster, with an ETag."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Response, status
from fastapi.responses import JSONResponse

from sync.server.api.deps import SessionDep, TerminalDep
from sync.server.api.errors import responses
from sync.server.api.etag import etag_for, etag_matches
from sync.server.rosters import load_roster
from sync.server.schemas import RosterOut

router = APIRouter(prefix="/terminal", tags=["terminal"])


@router.get(
    "/roster",
    response_model=RosterOut,
    responses=responses(304, 401, 403, 409, 422, 429),
)
def window_roster(
    who: TerminalDep,
    session: SessionDep,
    if_none_match: Annotated[str | None, Header(max_length=1000)] = None,
) -> Any:
    """The roster of this terminal's window (its unit, staff, reasons, hours, settings)."""
    t = who.terminal
    assert t is not None
    roster = load_roster(session, t.hall)
    if roster is None or t.window not in roster.windows:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"window {t.window} is no longer in hall {t.hall}'s roster",
        )
    data = roster.for_window(t.window).to_dict()
    etag = etag_for(data)
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return JSONResponse(data, headers={"ETag": etag})
