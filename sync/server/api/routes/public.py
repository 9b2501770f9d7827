"""The phone channel (扫码评价): ``GET /rate?window=A01`` (a page) and
``POST /api/v1/public/ratings`` (what the page sends). No credential: anyone who scans a QR code.

The rater stays anonymous: the client's address is used for rate limits in memory only, never
stored with the rating, and masked in the access log for these paths; a phone number left for a
call back is stored with the rating (the admin's 差评 follow-up needs it) and never logged.
"""

from __future__ import annotations

import logging
import math
import re
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.exc import IntegrityError

from sync.client import PUBLIC_RATINGS_PATH, PUBLIC_REVIEW_ANSWERS_PATH
from sync.review import PROBLEMS, normalise_code
from sync.server import models as m
from sync.server.api.deps import ClockDep, DbDep, SettingsDep
from sync.server.api.errors import responses
from sync.server.core.config import Settings
from sync.server.core.security import RateLimiter
from sync.server.phone_ratings import (
    PHONE_DIGITS,
    PhoneLimits,
    PhoneRatingError,
    WindowSpot,
    client_key,
    find_spot,
    qr_disabled,
    rating_id_for,
    reason_options,
    same_rating,
    store_phone_rating,
)
from sync.server.reviews import Answer, ReviewError, find_invitation, review_sections, submit
from sync.server.schemas import CODE_PATTERN, PublicReviewSubmissionIn, ReviewSubmittedOut
from sync.server.web import Page, ReasonItem, message_page, rate_page, review_page

__all__ = [
    "PhoneRatingBase",
    "PhoneRatingCreate",
    "PhoneRatingPublic",
    "pages",
    "router",
]

log = logging.getLogger(__name__)

RATE_PATH = "/rate"
API_PATH = PUBLIC_RATINGS_PATH
REVIEW_API_PATH = PUBLIC_REVIEW_ANSWERS_PATH

router = APIRouter(prefix="/public", tags=["public"])
pages = APIRouter(tags=["public"])

ReasonCode = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
PHONE_SCHEMA_PATTERN = f"^({PHONE_DIGITS})$"  # the page sends digits only


class PhoneRatingBase(BaseModel):
    """What a citizen says about a window's service from their phone."""

    # Strict types: "level": true is no 非常不满意, "level": "5" no level at all (422).
    model_config = ConfigDict(strict=True)

    window: str = Field(
        pattern=CODE_PATTERN, description="the window code on the QR code, e.g. A01"
    )
    level: int = Field(ge=1, le=5, description="1 = 非常不满意 … 5 = 非常满意")
    reasons: list[ReasonCode] = Field(
        default_factory=list,
        max_length=32,
        description="after a 差评 (level 1-2): leng lan tui luan tan or the hall's own codes",
    )
    phone: str | None = Field(
        default=None,
        pattern=PHONE_SCHEMA_PATTERN,
        description="digits only, for a call back after a 差评; optional. A mobile number "
        "(11 digits), a landline with its area code, or a local number",
    )


class PhoneRatingCreate(PhoneRatingBase):
    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "examples": [
                {"window": "A01", "level": 5},
                {
                    "window": "A01",
                    "level": 1,
                    "reasons": ["leng", "tui"],
                    "phone": "13800138000",
                    "client_id": "3f9c2a7d61e04b8a",
                },
            ]
        },
    )

    hall: str | None = Field(
        default=None,
        pattern=CODE_PATTERN,
        description="the hall's code; needed only when the window code is in several halls",
    )
    client_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]{8,64}$",
        description="a random id the page makes per rating: a retried POST is stored once",
    )


class PhoneRatingPublic(BaseModel):
    id: str = Field(description="the stored rating's id")
    follow_up: bool = Field(description="a 差评 with a phone number: the hall office will call")


# ---------------------------------------------------------------- the page


@pages.get(RATE_PATH, response_class=HTMLResponse, include_in_schema=False)
def rate(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    window: Annotated[str | None, Query(max_length=200)] = None,
    hall: Annotated[str | None, Query(max_length=200)] = None,
    code: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    """The rating page of the window on the QR code (a friendly page if there is none); with
    ``code``, the review page of a review letter's invitation code."""
    if code is not None:
        return _html(_review_page(request, db, settings, code))
    if not window:
        return _html(_not_found(""))
    with db.session() as session:
        try:
            spot = find_spot(session, window, hall or None)
        except PhoneRatingError as e:
            return _html(_not_found(window) if e.status == 404 else _cannot(e.message))
        if qr_disabled(session, spot):
            return _html(_switched_off())
        reasons = [
            ReasonItem(r.code, r.name, r.line, r.line_en)
            for r in reason_options(session, spot.hall)
        ]
    page = rate_page(
        hall=spot.hall,
        hall_name=spot.hall_name,
        window=spot.window,
        window_name=spot.window_name,
        unit_name=spot.unit_name,
        reasons=reasons,
        api_url=API_PATH,
    )
    return _html(page)


def _review_page(request: Request, db: Any, settings: Settings, code: str) -> Page:
    """The review page for a code; a clear page for an unknown, used or closed one. Opening
    the page stores nothing: only a submission uses the code."""
    digits = normalise_code(code)
    with db.session() as session:
        inv = find_invitation(session, digits)
        if inv is None:
            if _bad_code_refused(request):
                return _too_many_codes()
            return _unknown_code()
        review = session.get(m.Review, inv.review)
        assert review is not None  # a foreign key
        if inv.used_at is not None:
            return _code_used()
        if review.closed_at is not None:
            return _review_closed()
        hall = session.get(m.Hall, review.hall)
        sections = review_sections(session, review)
    return review_page(
        hall_name=hall.name if hall is not None else review.hall,
        title=review.title,
        review=review.id or 0,
        code=digits,
        sections=sections,
        hinted=inv.sections,
        problems=[(c, ch, words) for c, (ch, words) in PROBLEMS.items()],
        api_url=REVIEW_API_PATH,
    )


def _unknown_code() -> Page:
    return message_page(
        404,
        "没有这个邀请码",
        "请核对邀请函上的二维码或号码。如果是手工输入的，请检查是否漏输或输错了数字。",
        "Invitation code not found",
        "Please check the QR code or the number on your letter.",
    )


def _code_used() -> Page:
    return message_page(
        409,
        "这个邀请码已经用过了",
        "每个邀请码只能评价一次，您（或持有这封邀请函的人）已经提交过评价。感谢您的参与！",
        "This invitation code was already used",
        "Each code can be used once, and this one has been. Thank you for taking part!",
    )


def _review_closed() -> Page:
    return message_page(
        403,
        "本次评议已经结束",
        "感谢您的关注。下个季度的评议开始后，大厅会再次邀请您。",
        "This review is closed",
        "Thank you. The hall will invite you again for the next quarter's review.",
    )


def _too_many_codes() -> Page:
    return message_page(
        429,
        "输错的次数太多",
        "请稍后再试，并核对邀请函上的号码。",
        "Too many wrong codes",
        "Please try again later and check the number on your letter.",
    )


def _bad_code_refused(request: Request) -> bool:
    """Count a wrong code against the client's address; True once it has had too many."""
    limiter: RateLimiter = request.app.state.review_code_limiter
    client = client_key(request.client.host if request.client else None)
    return limiter.take(f"review-code:{client}") > 0


def _html(page: Page) -> HTMLResponse:
    return HTMLResponse(page.body, status_code=page.status, headers=page.headers)


def _not_found(window: str) -> Page:
    shown = f"（{window[:32]}）" if window else ""
    return message_page(
        404,
        "没有找到这个窗口",
        f"二维码上的窗口{shown}不在本大厅的名单中。请核对窗口上的二维码，或使用窗口上的评价器评价。",
        "Window not found",
        "The window on this QR code is not on the hall's list. Please check the code "
        "at the counter, or rate on the counter's touchscreen.",
    )


def _switched_off() -> Page:
    return message_page(
        403,
        "本窗口暂停扫码评价",
        "请使用窗口上的评价器评价，谢谢。",
        "Rating by phone is switched off for this window",
        "Please rate on the counter's touchscreen. Thank you.",
    )


def _cannot(message: str) -> Page:
    return message_page(
        404,
        "无法打开评价页面",
        message,
        "Cannot open the rating page",
        "Please check the QR code at the counter.",
    )


# ---------------------------------------------------------------- the API


@router.post(
    "/ratings",
    status_code=status.HTTP_201_CREATED,
    response_model=PhoneRatingPublic,
    responses={
        200: {
            "model": PhoneRatingPublic,
            "description": "already stored: a retry with the same client_id",
        },
        **responses(400, 403, 404, 409, 413, 422, 429),
    },
)
def create_phone_rating(
    body: PhoneRatingCreate,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Any:
    """Record a citizen's rating of a window, sent from the page behind its QR code.

    Stored like a tap on the window's kiosk (unit = the window's default unit, no staff), so the
    board counts it. One rating per phone per window every few minutes (429, in Chinese).
    """
    with db.session() as session:
        spot = _spot(session, body)
        rating_id = rating_id_for(spot.hall, spot.window, body.client_id)
        if body.client_id is not None:
            answered = _already_stored(session, rating_id, spot, body)
            if answered is not None:
                return answered
    client = client_key(request.client.host if request.client else None)
    limits = _limits(request)
    refusal = limits.take(client, spot.hall, spot.window)
    if refusal is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=refusal.message,
            headers={"Retry-After": str(max(1, math.ceil(refusal.retry_after_s)))},
        )
    try:
        with db.write() as session:
            stored_id, again = store_phone_rating(
                session,
                spot,
                rating_id=rating_id,
                level=body.level,
                reasons=body.reasons,
                phone=body.phone,
                now=clock(),
                settings=settings,
            )
    except PhoneRatingError as e:
        limits.give_back(client, spot.hall, spot.window)
        raise HTTPException(e.status, detail=e.message) from None
    except IntegrityError:
        # The same client_id raced itself (a double submit on PostgreSQL): one of them won.
        limits.give_back(client, spot.hall, spot.window)
        with db.session() as session:
            answered = _already_stored(session, rating_id, spot, body)
        if answered is None:
            raise HTTPException(
                status.HTTP_409_CONFLICT, detail="评价提交冲突，请再试一次。"
            ) from None
        return answered
    except BaseException:
        limits.give_back(client, spot.hall, spot.window)
        raise
    out = PhoneRatingPublic(id=stored_id, follow_up=_follows_up(body))
    code = status.HTTP_200_OK if again else status.HTTP_201_CREATED
    return JSONResponse(out.model_dump(), status_code=code)


@router.post(
    "/review-answers",
    status_code=status.HTTP_201_CREATED,
    response_model=ReviewSubmittedOut,
    responses={
        200: {"model": ReviewSubmittedOut, "description": "already stored: the same submission"},
        **responses(400, 403, 404, 409, 413, 422, 429),
    },
)
def submit_review_answers(
    body: PublicReviewSubmissionIn,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Any:
    """A citizen's answers to a review letter, sent from the page behind its QR code.

    The code counts once: a used code is 409 and stores nothing; a retry of the same
    submission (same ``client_id`` and answers) is answered 200 again. Unknown codes are
    limited per client address (429).
    """
    try:
        with db.write() as session:
            done = submit(
                session,
                code=body.code,
                answers=[Answer(a.section, tuple(a.problems), a.comment) for a in body.answers],
                phone=body.phone,
                channel="phone",
                now=clock(),
                review_id=body.review,
                client_id=body.client_id,
            )
    except ReviewError as e:
        if e.status in (404, 422) and _bad_code_refused(request):
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                detail="输错的次数太多，请稍后再试。",
                headers={"Retry-After": "600"},
            ) from None
        raise HTTPException(e.status, detail=e.message) from None
    except IntegrityError:  # pragma: no cover - the conditional UPDATE decides; kept for safety
        raise HTTPException(status.HTTP_409_CONFLICT, detail="请再试一次。") from None
    out = ReviewSubmittedOut(
        review=done.review, response=done.response, channel="phone", sections=done.sections
    )
    return JSONResponse(
        out.model_dump(), status_code=status.HTTP_200_OK if done.again else status.HTTP_201_CREATED
    )


def _spot(session: Any, body: PhoneRatingCreate) -> WindowSpot:
    try:
        spot = find_spot(session, body.window, body.hall)
    except PhoneRatingError as e:
        raise HTTPException(e.status, detail=e.message) from None
    if qr_disabled(session, spot):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="本窗口暂停扫码评价，请使用窗口上的评价器。"
        )
    return spot


def _already_stored(
    session: Any, rating_id: str, spot: WindowSpot, body: PhoneRatingCreate
) -> JSONResponse | None:
    """The answer for a retry of a stored rating (200), 409 for a reused client_id, else None."""
    old = session.get(m.Rating, rating_id)
    if old is None:
        return None
    if (old.hall, old.window) == (spot.hall, spot.window) and same_rating(
        old, body.level, body.reasons, body.phone
    ):
        out = PhoneRatingPublic(id=old.id, follow_up=_follows_up(body))
        return JSONResponse(out.model_dump(), status_code=status.HTTP_200_OK)
    raise HTTPException(status.HTTP_409_CONFLICT, detail="这条评价已经提交过了。")


def _follows_up(body: PhoneRatingBase) -> bool:
    return body.level <= 2 and body.phone is not None


def _limits(request: Request) -> PhoneLimits:
    limits: PhoneLimits = request.app.state.phone_limits
    return limits


def install(app: FastAPI, settings: Settings) -> None:
    """What the public routes keep on the app (``create_app`` calls this once per app): the
    phone channel's and the review codes' limiters, and the access log's address mask."""
    app.state.phone_limits = PhoneLimits.from_settings(settings)
    per_hour = max(1, settings.review_bad_codes_per_hour)
    app.state.review_code_limiter = RateLimiter(per_hour / 3600.0, per_hour)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, MaskRaterAddress) for f in access.filters):
        access.addFilter(MaskRaterAddress())


# ---------------------------------------------------------------- the access log


class MaskRaterAddress(logging.Filter):
    """uvicorn's access log names every client address; for the phone channel it must not
    (the time of a POST beside an address would tie a rating to a person). A review letter's
    code in ``/rate?code=…`` is masked too: anyone reading the log could otherwise use it."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2]
            if path.startswith((RATE_PATH, API_PATH, REVIEW_API_PATH)):
                record.args = ("-", args[1], _CODE_IN_QUERY.sub("code=-", path), *args[3:])
        return True


_CODE_IN_QUERY = re.compile(r"code=[^&]*")
