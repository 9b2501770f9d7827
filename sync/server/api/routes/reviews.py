"""``/admin/reviews/…``: the hall office runs the quarter's public review of sections.

Start a review (which sections take part), issue invitations (from a list of service recipients
or blank), type in the paper forms that come back, read the response rate and the results, close
it. The invitation codes are answered once, when they are made; the store keeps their hashes.

Who: the admin token or an ``office`` operator of the review's hall (403 otherwise). Every change
appends an audit entry (``review.start``, ``review.invite``, ``review.paper``, ``review.close``)
naming counts and codes of sections only: never an invitation code, a name, an address or a
phone number.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlmodel import col, select

from sync.review import InvitationListError, Recipient, parse_invitation_list
from sync.server import models as m
from sync.server.api.deps import ClockDep, DbDep, OfficeDep, Principal, SessionDep, SettingsDep
from sync.server.api.errors import responses
from sync.server.audit import record_audit
from sync.server.core.config import Settings
from sync.server.reviews import (
    Answer,
    ReviewError,
    create_review,
    get_review,
    issue_invitations,
    review_results,
    review_summary,
    section_refs_of,
    submit,
)
from sync.server.schemas import (
    CODE_PATTERN,
    TEXT_PATTERN,
    BlankInvitationsIn,
    InvitationOut,
    InvitationsOut,
    ReviewIn,
    ReviewOut,
    ReviewResultsOut,
    ReviewSubmissionIn,
    ReviewSubmittedOut,
    RosterProblemsOut,
)

router = APIRouter(prefix="/admin/reviews", tags=["review"])
log = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_LIST_BODY = {
    "requestBody": {
        "required": True,
        "description": "the list of service recipients as an office saved it (CSV UTF-8 or "
        "XLSX): columns name/姓名, address/地址, phone/电话, sections/科室",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
ReviewId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _refused(e: ReviewError) -> HTTPException:
    return HTTPException(e.status, detail=e.message)


def phone_page_url(settings: Settings, request: Request, code: str) -> str:
    """What a letter's QR code holds: the phone page with the code."""
    base = settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return f"{base}/rate?code={code}"


@router.post(
    "",
    status_code=201,
    response_model=ReviewOut,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
def start_review(body: ReviewIn, who: OfficeDep, db: DbDep, clock: ClockDep) -> Any:
    """Start a hall's review for a quarter (one per quarter); sections default to all."""
    who.require_hall(body.hall)
    try:
        with db.write() as session:
            review = create_review(
                session,
                hall=body.hall,
                quarter=body.quarter,
                sections=body.sections,
                title=body.title,
                letter=body.letter,
                now=clock(),
            )
            out = review_summary(session, review)
            record_audit(
                session,
                who.actor,
                "review.start",
                f"review:{review.id}",
                None,
                {
                    "quarter": review.quarter,
                    "title": review.title,
                    "sections": [x["code"] for x in out["sections"]],
                },
                hall=review.hall,
            )
            return out
    except ReviewError as e:
        raise _refused(e) from None


@router.get("", response_model=list[ReviewOut], responses=responses(401, 403, 422))
def list_reviews(
    who: OfficeDep,
    session: SessionDep,
    hall: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
) -> Any:
    """Every review, newest quarter first, with its response rate."""
    stmt = select(m.Review).order_by(col(m.Review.quarter).desc(), col(m.Review.hall))
    if hall:
        stmt = stmt.where(m.Review.hall == hall)
    halls = who.hall_filter()
    if halls is not None:
        stmt = stmt.where(col(m.Review.hall).in_(halls))
    return [review_summary(session, r) for r in session.exec(stmt)]


@router.get("/{review}", response_model=ReviewOut, responses=responses(401, 403, 404, 422))
def show_review(review: ReviewId, who: OfficeDep, session: SessionDep) -> Any:
    """A review: its sections, invitations sent, responses by phone and on paper, the rate."""
    try:
        return review_summary(session, _review_of(session, review, who))
    except ReviewError as e:
        raise _refused(e) from None


@router.post("/{review}/close", response_model=ReviewOut, responses=responses(401, 403, 404, 422))
def close_review(review: ReviewId, who: OfficeDep, db: DbDep, clock: ClockDep) -> Any:
    """End a review: its codes are refused from now on (the answers stay and still rank)."""
    try:
        with db.write() as session:
            r = _review_of(session, review, who)
            if r.closed_at is None:
                r.closed_at = clock()
                session.add(r)
                session.flush()
                record_audit(
                    session,
                    who.actor,
                    "review.close",
                    f"review:{r.id}",
                    {"closed_at": None},
                    {"closed_at": r.closed_at},
                    hall=r.hall,
                )
            return review_summary(session, r)
    except ReviewError as e:
        raise _refused(e) from None


@router.post(
    "/{review}/invitations",
    status_code=201,
    response_model=InvitationsOut,
    responses=responses(401, 403, 404, 409, 413)
    | {422: {"model": RosterProblemsOut, "description": "the list was refused; nothing made"}},
    openapi_extra=_LIST_BODY,
)
async def invite_from_list(
    review: ReviewId,
    request: Request,
    who: OfficeDep,
    db: DbDep,
    settings: SettingsDep,
    clock: ClockDep,
    filename: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=TEXT_PATTERN,
            description="the file's name; .xlsx reads it as a workbook",
        ),
    ] = None,
) -> Any:
    """One invitation per person on a list of service recipients (定向评议); the codes are
    answered once, with the names and addresses for the letters (the store keeps neither)."""
    data = await request.body()
    ctype = request.headers.get("content-type", "")
    name = filename or ("list.xlsx" if XLSX in ctype else "list.csv")
    try:
        out = await run_in_threadpool(_invite_from_list, db, who, review, data, name, clock())
    except ReviewError as e:
        raise _refused(e) from None
    except InvitationListError as e:
        return JSONResponse(
            {
                "detail": f"invitation list {e.source} refused, no invitation made: "
                f"{len(e.problems)} problem(s)",
                "problems": [
                    {"line": p.line, "column": p.column, "message": p.message} for p in e.problems
                ],
            },
            status_code=422,
        )
    return _invitations(review, out, settings, request)


def _invite_from_list(
    db: Any, who: Principal, review_id: int, data: bytes, name: str, now: Any
) -> list[tuple[str, Recipient | None]]:
    with db.write() as session:
        review = _review_of(session, review_id, who)
        recipients = parse_invitation_list(data, name, section_refs_of(session, review))
        made = issue_invitations(session, review, recipients=recipients, now=now)
        _audit_invitations(session, who, review, made, "listed")
        return made


def _audit_invitations(
    session: Any, who: Principal, review: m.Review, made: list[Any], kind: str
) -> None:
    record_audit(
        session,
        who.actor,
        "review.invite",
        f"review:{review.id}",
        None,
        {"kind": kind, "count": len(made)},  # never the codes, names or addresses
        hall=review.hall,
    )


def _review_of(session: Any, review_id: int, who: Principal) -> m.Review:
    """The review, if this caller acts in its hall (404 / 403 otherwise)."""
    review = get_review(session, review_id)
    who.require_hall(review.hall)
    return review


@router.post(
    "/{review}/blank-invitations",
    status_code=201,
    response_model=InvitationsOut,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
def invite_blank(
    review: ReviewId,
    body: BlankInvitationsIn,
    request: Request,
    who: OfficeDep,
    db: DbDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Any:
    """``count`` invitations to no one in particular (the open sample: newspaper, website)."""
    try:
        with db.write() as session:
            r = _review_of(session, review, who)
            out = issue_invitations(session, r, blank=body.count, now=clock())
            _audit_invitations(session, who, r, out, "blank")
    except ReviewError as e:
        raise _refused(e) from None
    return _invitations(review, out, settings, request)


def _invitations(
    review: int,
    made: list[tuple[str, Recipient | None]],
    settings: Settings,
    request: Request,
) -> InvitationsOut:
    return InvitationsOut(
        review=review,
        invitations=[
            InvitationOut(
                code=code,
                url=phone_page_url(settings, request, code),
                name=who.name if who else "",
                address=who.address if who else "",
                phone=who.phone if who else "",
                sections=list(who.sections) if who else [],
            )
            for code, who in made
        ],
    )


@router.post(
    "/{review}/paper",
    status_code=201,
    response_model=ReviewSubmittedOut,
    responses={
        200: {"model": ReviewSubmittedOut, "description": "this very form was entered before"},
        **responses(400, 401, 403, 404, 409, 413, 422),
    },
)
def enter_paper_form(
    review: ReviewId, body: ReviewSubmissionIn, who: OfficeDep, db: DbDep, clock: ClockDep
) -> Any:
    """A paper form that came back, typed in with its code: refused (409) if that code was
    already answered, by phone or on paper; 422 for a code of another review."""
    try:
        with db.write() as session:
            r = _review_of(session, review, who)
            done = submit(
                session,
                code=body.code,
                answers=[Answer(a.section, tuple(a.problems), a.comment) for a in body.answers],
                phone=body.phone,
                channel="paper",
                now=clock(),
                review_id=review,
            )
            if not done.again:
                record_audit(
                    session,
                    who.actor,
                    "review.paper",
                    f"review:{r.id}",
                    None,
                    {
                        "response": done.response,
                        "sections": [a.section for a in body.answers],
                        "call_back": body.phone is not None,
                    },
                    hall=r.hall,
                )
    except ReviewError as e:
        raise _refused(e) from None
    out = ReviewSubmittedOut(
        review=done.review, response=done.response, channel="paper", sections=done.sections
    )
    return JSONResponse(
        out.model_dump(), status_code=status.HTTP_200_OK if done.again else status.HTTP_201_CREATED
    )


@router.get(
    "/{review}/results",
    response_model=ReviewResultsOut,
    responses=responses(401, 403, 404, 422),
)
def show_results(review: ReviewId, who: OfficeDep, session: SessionDep) -> Any:
    """Per section: answers, problems by indicator, comments; the call-back requests."""
    try:
        return review_results(session, _review_of(session, review, who))
    except ReviewError as e:
        raise _refused(e) from None
