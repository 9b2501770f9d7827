"""``/admin/…``: roster import, enrolment codes, terminals, board credentials, anomalies.

The admin token may do all of it anywhere; an ``office`` operator in its own halls only (a
roster file of another hall, or a new hall, is the admin token's). Every change is in the audit
log, written in the same transaction.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlmodel import col, func, select, update

from sync.roster import Roster, RosterError, parse_roster_bytes
from sync.server import models as m
from sync.server.api.deps import (
    AnyOperatorDep,
    ClockDep,
    DbDep,
    OfficeDep,
    Principal,
    SessionDep,
    SettingsDep,
)
from sync.server.api.errors import responses
from sync.server.appeals import decide_flagged
from sync.server.audit import record_audit
from sync.server.core.db import Database
from sync.server.core.security import hash_secret, new_enrolment_code, new_token, normalise_code
from sync.server.rosters import apply_roster, load_roster
from sync.server.schemas import (
    CODE_PATTERN,
    QUARTER_PATTERN,
    TERMINAL_PATTERN,
    TEXT_PATTERN,
    AnomalyOut,
    BoardCredentialIn,
    BoardCredentialInfo,
    BoardCredentialOut,
    EnrolmentCodeIn,
    EnrolmentCodeOut,
    RatingOut,
    RosterImportOut,
    RosterOut,
    RosterProblemsOut,
    TerminalOut,
)

router = APIRouter(prefix="/admin", tags=["admin"])
log = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ROSTER_BODY = {
    "requestBody": {
        "required": True,
        "description": "the roster file as an office saved it (CSV UTF-8 or XLSX)",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post(
    "/roster",
    response_model=RosterImportOut,
    responses=responses(401, 403, 413)
    | {422: {"model": RosterProblemsOut, "description": "the file was refused; nothing applied"}},
    openapi_extra=_ROSTER_BODY,
)
async def import_roster(
    request: Request,
    who: OfficeDep,
    db: DbDep,
    filename: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=TEXT_PATTERN,
            description="the file's name; .xlsx reads it as a workbook",
        ),
    ] = None,
) -> Any:
    """Create or update a hall's roster from one file; a bad file changes nothing (422)."""
    data = await request.body()
    ctype = request.headers.get("content-type", "")
    name = filename or ("roster.xlsx" if XLSX in ctype else "roster.csv")
    try:
        roster = await run_in_threadpool(parse_roster_bytes, data, name)
    except RosterError as e:
        return JSONResponse(
            {
                "detail": f"roster {e.source} refused, nothing applied: "
                f"{len(e.problems)} problem(s)",
                "problems": [
                    {"line": p.line, "column": p.column, "message": p.message} for p in e.problems
                ],
            },
            status_code=422,
        )
    who.require_hall(roster.hall.code)
    summary = await run_in_threadpool(_apply, db, who, roster, name)
    log.info("roster of hall %s imported from %s", roster.hall.code, name)
    return summary


def _apply(db: Database, who: Principal, roster: Roster, filename: str) -> dict[str, Any]:
    with db.write() as session:
        old = load_roster(session, roster.hall.code)
        summary = apply_roster(session, roster)
        new = load_roster(session, roster.hall.code)
        assert new is not None
        record_audit(
            session,
            who.actor,
            "roster.import",
            f"hall:{roster.hall.code}",
            None if old is None else old.to_dict(),
            new.to_dict() | {"file": filename},
            hall=roster.hall.code,
        )
        return summary


@router.get(
    "/halls/{hall}/roster", response_model=RosterOut, responses=responses(401, 403, 404, 422)
)
def read_roster(
    hall: Annotated[str, Path(pattern=CODE_PATTERN, description="the hall's code")],
    who: AnyOperatorDep,
    session: SessionDep,
) -> Any:
    """A hall's whole roster as it was imported (the console's tables, "save as XLSX"). Every
    operator of the hall may read it: an inspector picks units and staff from it, a unit's
    operator reads the names its cases mention."""
    who.require_hall(hall)
    roster = load_roster(session, hall)
    if roster is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no hall {hall}")
    return roster.to_dict()


@router.post(
    "/enrolment-codes",
    status_code=201,
    response_model=EnrolmentCodeOut,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
def create_enrolment_code(
    body: EnrolmentCodeIn, who: OfficeDep, db: DbDep, settings: SettingsDep, clock: ClockDep
) -> EnrolmentCodeOut:
    """A one-time code that enrols one terminal for ``window``; only its hash is kept."""
    minutes = body.minutes or settings.enrolment_minutes
    code = new_enrolment_code()
    now = clock()
    if body.hall:
        who.require_hall(body.hall)
    with db.write() as session:
        stmt = select(m.Window).where(m.Window.code == body.window)
        if body.hall:
            stmt = stmt.where(m.Window.hall == body.hall)
        elif who.halls is not None:
            stmt = stmt.where(col(m.Window.hall).in_(who.halls))
        windows = list(session.exec(stmt))
        if not windows:
            where = f" in hall {body.hall}" if body.hall else ""
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no window {body.window}{where}")
        if len(windows) > 1:
            halls = ", ".join(sorted(w.hall for w in windows))
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                detail=f"window {body.window} exists in halls {halls}; name the hall",
            )
        w = windows[0]
        row = m.EnrolmentCode(
            code_hash=hash_secret(normalise_code(code)),
            hall=w.hall,
            window=w.code,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
        session.add(row)
        session.flush()
        record_audit(
            session,
            who.actor,
            "enrolment_code.create",
            f"window:{w.hall}/{w.code}",
            None,
            {"id": row.id, "hall": w.hall, "window": w.code, "expires_at": row.expires_at},
            hall=w.hall,
            at=now,
        )
    log.info("enrolment code issued for window %s of hall %s (%d min)", w.code, w.hall, minutes)
    return EnrolmentCodeOut(code=code, hall=w.hall, window=w.code, expires_at=row.expires_at)


def _terminal_out(t: m.Terminal, open_anomalies: int) -> TerminalOut:
    return TerminalOut(
        id=t.id,
        hall=t.hall,
        window=t.window,
        enrolled_at=t.enrolled_at,
        revoked_at=t.revoked_at,
        last_seen_at=t.last_seen_at,
        highest_contiguous_seq=t.contiguous_seq,
        max_seq=t.max_seq,
        open_anomalies=open_anomalies,
        channel="qr" if t.channel == "qr" else "kiosk",
    )


def _open_anomalies(session: Any) -> dict[str, int]:
    stmt = (
        select(m.Anomaly.terminal, func.count())
        .where(col(m.Anomaly.resolved_at).is_(None))
        .group_by(col(m.Anomaly.terminal))
    )
    return {t: int(n) for t, n in session.exec(stmt)}


@router.get("/terminals", response_model=list[TerminalOut], responses=responses(401, 403, 422))
def list_terminals(
    who: OfficeDep,
    session: SessionDep,
    hall: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
) -> list[TerminalOut]:
    """Every enrolled terminal (revoked ones too), by hall and window."""
    stmt = select(m.Terminal).order_by(
        col(m.Terminal.hall), col(m.Terminal.window), col(m.Terminal.enrolled_at)
    )
    if hall:
        who.require_hall(hall)
        stmt = stmt.where(m.Terminal.hall == hall)
    if who.halls is not None:
        stmt = stmt.where(col(m.Terminal.hall).in_(who.halls))
    counts = _open_anomalies(session)
    return [_terminal_out(t, counts.get(t.id, 0)) for t in session.exec(stmt)]


@router.post(
    "/terminals/{terminal}/revoke",
    response_model=TerminalOut,
    responses=responses(401, 403, 404, 422),
)
def revoke_terminal(
    terminal: Annotated[str, Path(pattern=TERMINAL_PATTERN)],
    who: OfficeDep,
    db: DbDep,
    clock: ClockDep,
) -> TerminalOut:
    """End a terminal: its token answers 401 from now on (its ratings stay)."""
    now = clock()
    with db.write() as session:
        t = session.get(m.Terminal, terminal)
        if t is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no terminal {terminal}")
        who.require_hall(t.hall)
        if t.revoked_at is None:
            t.revoked_at = now
            session.add(t)
            record_audit(
                session,
                who.actor,
                "terminal.revoke",
                f"terminal:{t.id}",
                {"hall": t.hall, "window": t.window, "channel": t.channel, "revoked_at": None},
                {"hall": t.hall, "window": t.window, "channel": t.channel, "revoked_at": now},
                hall=t.hall,
                at=now,
            )
        session.execute(
            update(m.Credential)
            .where(col(m.Credential.terminal) == terminal, col(m.Credential.revoked_at).is_(None))
            .values(revoked_at=now)
        )
        n = _open_anomalies(session).get(t.id, 0)
        out = _terminal_out(t, n)
    log.info("terminal %s revoked", terminal)
    return out


def _board_info(c: m.Credential) -> dict[str, Any]:
    return {
        "id": c.id,
        "hall": c.hall,
        "scope": f"hall {c.hall}" if c.hall else "every hall",
        "label": c.label,
        "created_at": c.created_at,
        "revoked_at": c.revoked_at,
    }


@router.post(
    "/board-credentials",
    status_code=201,
    response_model=BoardCredentialOut,
    responses=responses(400, 401, 403, 404, 413, 422),
)
def create_board_credential(
    body: BoardCredentialIn, who: OfficeDep, db: DbDep, clock: ClockDep
) -> BoardCredentialOut:
    """A token for a wall board: reads halls and aggregates, writes nothing.

    Without ``hall`` it reads every hall (the answer's ``scope`` says so); an office operator's
    board token is always limited to one of its halls (its only hall when not named).
    """
    token = new_token()
    hall = body.hall
    mine = who.halls
    if hall is None and mine is not None:
        if len(mine) != 1:
            raise HTTPException(
                422,
                detail=f"name the hall the board shows (one of {', '.join(mine)})",
            )
        hall = mine[0]
    if hall is not None:
        who.require_hall(hall)
    with db.write() as session:
        if hall and session.get(m.Hall, hall) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no hall {hall}")
        cred = m.Credential(
            kind="board",
            token_hash=hash_secret(token),
            hall=hall,
            label=body.label,
            created_at=clock(),
        )
        session.add(cred)
        session.flush()
        record_audit(
            session,
            who.actor,
            "board_credential.create",
            f"credential:{cred.id}",
            None,
            {"kind": "board", "hall": hall, "label": body.label},
            hall=hall,
        )
        out = BoardCredentialOut(token=token, **_board_info(cred))
    log.info("board credential %s issued (reads %s, label %s)", out.id, out.scope, body.label)
    return out


@router.get(
    "/board-credentials",
    response_model=list[BoardCredentialInfo],
    responses=responses(401, 403, 422),
)
def list_board_credentials(
    who: OfficeDep,
    session: SessionDep,
    include_revoked: bool = False,
) -> list[BoardCredentialInfo]:
    """The board credentials this caller may see (never a token), oldest first, with what each
    reads: the admin sees all, an office those limited to its halls."""
    stmt = select(m.Credential).where(m.Credential.kind == "board").order_by(col(m.Credential.id))
    if not include_revoked:
        stmt = stmt.where(col(m.Credential.revoked_at).is_(None))
    mine = who.halls
    return [
        BoardCredentialInfo(**_board_info(c))
        for c in session.exec(stmt)
        if mine is None or c.hall in mine
    ]


@router.post(
    "/board-credentials/{credential}/revoke",
    response_model=BoardCredentialInfo,
    responses=responses(401, 403, 404, 422),
)
def revoke_board_credential(
    credential: Annotated[int, Path(ge=1, le=2**62)], who: OfficeDep, db: DbDep, clock: ClockDep
) -> BoardCredentialInfo:
    """End a board credential: its token answers 401 from now on (idempotent). An office may
    end only its halls' board credentials; one that reads every hall only the admin."""
    now = clock()
    with db.write() as session:
        c = session.get(m.Credential, credential)
        if c is None or c.kind != "board":
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, detail=f"no board credential {credential}"
            )
        if c.hall is not None:
            who.require_hall(c.hall)
        elif who.halls is not None:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"board credential {credential} reads every hall: only the admin ends it",
            )
        if c.revoked_at is None:
            c.revoked_at = now
            session.add(c)
            record_audit(
                session,
                who.actor,
                "board_credential.revoke",
                f"credential:{c.id}",
                {"hall": c.hall, "label": c.label, "revoked_at": None},
                {"hall": c.hall, "label": c.label, "revoked_at": now},
                hall=c.hall,
                at=now,
            )
        out = BoardCredentialInfo(**_board_info(c))
    log.info("board credential %s revoked", credential)
    return out


@router.get("/anomalies", response_model=list[AnomalyOut], responses=responses(401, 403, 422))
def list_anomalies(
    who: OfficeDep,
    session: SessionDep,
    terminal: Annotated[str | None, Query(pattern=TERMINAL_PATTERN)] = None,
    include_resolved: bool = False,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> list[AnomalyOut]:
    """Seq gaps and hash-chain breaks per terminal, newest first."""
    stmt = select(m.Anomaly).order_by(col(m.Anomaly.id).desc()).limit(limit)
    if who.halls is not None:
        stmt = stmt.where(col(m.Anomaly.hall).in_(who.halls))
    if terminal:
        stmt = stmt.where(m.Anomaly.terminal == terminal)
    if not include_resolved:
        stmt = stmt.where(col(m.Anomaly.resolved_at).is_(None))
    return [AnomalyOut.model_validate(a, from_attributes=True) for a in session.exec(stmt)]


@router.get("/ratings", response_model=list[RatingOut], responses=responses(401, 403, 422))
def list_ratings(
    who: OfficeDep,
    session: SessionDep,
    hall: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    quarter: Annotated[str | None, Query(pattern=QUARTER_PATTERN)] = None,
    terminal: Annotated[str | None, Query(pattern=TERMINAL_PATTERN)] = None,
    flagged: Annotated[bool | None, Query(description="only flagged (or only unflagged)")] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 500,
) -> list[RatingOut]:
    """Stored ratings, newest first: e.g. the flagged ones an admin may release."""
    stmt = select(m.Rating).order_by(col(m.Rating.received_at).desc(), col(m.Rating.seq).desc())
    if hall:
        who.require_hall(hall)
        stmt = stmt.where(m.Rating.hall == hall)
    if who.halls is not None:
        stmt = stmt.where(col(m.Rating.hall).in_(who.halls))
    if quarter:
        stmt = stmt.where(m.Rating.quarter == quarter)
    if terminal:
        stmt = stmt.where(m.Rating.terminal == terminal)
    if flagged is not None:
        stmt = stmt.where(col(m.Rating.flagged).is_(flagged))
    rows = session.exec(stmt.limit(limit))
    return [RatingOut.model_validate(r, from_attributes=True) for r in rows]


@router.post(
    "/ratings/{rating}/release",
    response_model=RatingOut,
    responses=responses(401, 403, 404, 409, 422),
)
def release_rating(
    rating: Annotated[str, Path(pattern=TERMINAL_PATTERN)],
    who: OfficeDep,
    db: DbDep,
    clock: ClockDep,
) -> RatingOut:
    """Let a flagged rating count after all (e.g. the clock was wrong, the citizen real).

    The same decision as ``POST /flagged/{rating}/decision`` with ``release`` and no note: a
    released 差评 gets its case, and a closed quarter must be reopened first (409).
    """
    with db.write() as session:
        r = session.get(m.Rating, rating)
        if r is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no rating {rating}")
        who.require_hall(r.hall)
        if not r.flagged:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=f"rating {rating} is not flagged")
        if not r.released:
            decide_flagged(session, r.id, "release", "", who.name, clock())
            seen = {
                "hall": r.hall,
                "unit": r.unit,
                "quarter": r.quarter,
                "level": r.level,
                "flags": list(r.flags),
                "server_flags": list(r.server_flags),
            }
            record_audit(
                session,
                who.actor,
                "rating.release",
                f"rating:{r.id}",
                seen | {"released": False},
                seen | {"released": True},
                hall=r.hall,
            )
        out = RatingOut.model_validate(r, from_attributes=True)
    log.info("rating %s released", rating)
    return out
