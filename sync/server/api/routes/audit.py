"""``/admin/audit``: read the audit log (filtered) and verify its hash chain."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from sqlmodel import col, select

from sync.server import models as m
from sync.server.api.deps import OfficeDep, SessionDep
from sync.server.api.errors import responses
from sync.server.audit import verify_audit
from sync.server.schemas import CODE_PATTERN, TEXT_PATTERN, AuditEntryOut, AuditVerifyOut

router = APIRouter(prefix="/admin/audit", tags=["audit"])


# An ISO 8601 date or date-time (a bare number is not a time here, whatever pydantic thinks).
TIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$"
)


def _when(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, detail=f"'{name}' is not a date or time: {value}") from None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t


@router.get("", response_model=list[AuditEntryOut], responses=responses(401, 403, 422))
def list_audit(
    who: OfficeDep,
    session: SessionDep,
    actor: Annotated[
        str | None, Query(max_length=200, pattern=TEXT_PATTERN, description="exact actor name")
    ] = None,
    action: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=TEXT_PATTERN,
            description="an action (operator.create) or a prefix (operator.*)",
        ),
    ] = None,
    target: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=TEXT_PATTERN,
            description="a record (terminal:k1) or a prefix (terminal:*)",
        ),
    ] = None,
    hall: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    since: Annotated[
        str | None,
        Query(pattern=TIME_PATTERN, description="from this time on (ISO 8601; no zone: UTC)"),
    ] = None,
    until: Annotated[
        str | None, Query(pattern=TIME_PATTERN, description="before this time")
    ] = None,
    before_seq: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="only entries before this one (paging)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 200,
) -> list[AuditEntryOut]:
    """Audit entries, newest first. An office operator sees the entries of its halls."""
    stmt = select(m.AuditEntry).order_by(col(m.AuditEntry.seq).desc()).limit(limit)
    if hall is not None:
        who.require_hall(hall)
        stmt = stmt.where(m.AuditEntry.hall == hall)
    mine = who.hall_filter()
    if mine is not None:
        stmt = stmt.where(col(m.AuditEntry.hall).in_(mine))
    if actor:
        stmt = stmt.where(m.AuditEntry.actor == actor)
    for column, value in ((m.AuditEntry.action, action), (m.AuditEntry.target, target)):
        if value and value.endswith("*"):
            stmt = stmt.where(col(column).startswith(value[:-1], autoescape=True))
        elif value:
            stmt = stmt.where(column == value)
    start, end = _when(since, "since"), _when(until, "until")
    if start is not None and end is not None and start >= end:
        raise HTTPException(422, detail="'since' must be before 'until'")
    if start is not None:
        stmt = stmt.where(col(m.AuditEntry.at) >= start)
    if end is not None:
        stmt = stmt.where(col(m.AuditEntry.at) < end)
    if before_seq is not None:
        stmt = stmt.where(col(m.AuditEntry.seq) < before_seq)
    return [AuditEntryOut.model_validate(e, from_attributes=True) for e in session.exec(stmt)]


@router.get("/verify", response_model=AuditVerifyOut, responses=responses(401, 403))
def verify(who: OfficeDep, session: SessionDep) -> AuditVerifyOut:
    """Walk the whole hash chain: ``ok``, or the first edited, deleted or reordered entry."""
    check = verify_audit(session)
    return AuditVerifyOut(ok=check.ok, entries=check.entries, problem=check.problem, seq=check.seq)
