"""What the API accepts and answers (pydantic), documented in the OpenAPI schema at ``/docs``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sync.quarter import QUARTER_PATTERN
from sync.schema import RecordStatus

__all__ = [
    "MAX_BATCH_RECORDS",
    "MAX_ID",
    "OPERATOR_NAME_PATTERN",
    "QUARTER_PATTERN",
    "AggregatesOut",
    "AnomalyOut",
    "AppealDecisionIn",
    "AppealIn",
    "AppealOut",
    "AuditEntryOut",
    "AuditVerifyOut",
    "BatchIn",
    "BatchOut",
    "BoardCredentialIn",
    "BoardCredentialInfo",
    "BoardCredentialOut",
    "CaseOut",
    "CaseStepIn",
    "EnrolIn",
    "EnrolOut",
    "EnrolmentCodeIn",
    "EnrolmentCodeOut",
    "ErrorOut",
    "FlaggedDecisionIn",
    "FlaggedOut",
    "HallOut",
    "HealthOut",
    "InspectionIn",
    "InspectionItemOut",
    "InspectionOut",
    "MisconductIn",
    "MisconductOut",
    "OperatorCreatedOut",
    "OperatorIn",
    "OperatorOut",
    "PasswordChangeIn",
    "PasswordResetIn",
    "PasswordResetOut",
    "QuarterCloseIn",
    "QuarterOut",
    "QuarterReopenIn",
    "RatingOut",
    "RatingPageOut",
    "RecordResultOut",
    "RosterImportOut",
    "RosterOut",
    "RosterProblemsOut",
    "SessionIn",
    "SessionInfoOut",
    "SessionOut",
    "TerminalOut",
    "VoidIn",
]

MAX_BATCH_RECORDS = 1000
# Roster codes are whatever the office typed (maybe Chinese); a terminal id is a kiosk's install id.
# (Explicit ranges, not \s: Python and the ECMA regexes of JSON Schema disagree on \s.)
CODE_PATTERN = r"^[^\u0000-\u0020\u007f/]{1,64}$"
TERMINAL_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
# A sign-in name: no spaces, no '/', ':' or '#' (it names the operator in paths and the audit log).
OPERATOR_NAME_PATTERN = r"^[^\u0000-\u0020\u007f/:#]{1,64}$"
Role = Literal["office", "inspector", "unit"]
# Free text (a label, a note): one line, no control characters (PostgreSQL refuses NUL in text).
TEXT_PATTERN = r"^[^\u0000-\u001f\u007f]*$"


class ErrorOut(BaseModel):
    """Every error: a message a person can act on."""

    detail: str
    errors: list[dict[str, Any]] | None = None


class Problem(BaseModel):
    line: int
    column: str
    message: str


class RosterProblemsOut(BaseModel):
    """A refused roster file: every bad row with its line and column; nothing was applied.

    (A malformed request itself, e.g. a bad ``filename``, answers ``errors`` instead.)
    """

    detail: str
    problems: list[Problem] = []
    errors: list[dict[str, Any]] | None = None


class HealthOut(BaseModel):
    status: Literal["ok"]
    server_time: datetime
    version: str


# ---------------------------------------------------------------- enrolment


class EnrolIn(BaseModel):
    model_config = ConfigDict(strict=True)  # public input: "terminal": 5 is no id

    code: str = Field(min_length=1, max_length=64, description="the one-time enrolment code")
    terminal: str | None = Field(
        default=None,
        pattern=TERMINAL_PATTERN,
        description="the kiosk's install id; the server makes one up when absent",
    )


class EnrolOut(BaseModel):
    terminal: str
    token: str = Field(description="the terminal's bearer token; shown once, stored as a hash")
    window: str
    hall: str


class EnrolmentCodeIn(BaseModel):
    window: str = Field(pattern=CODE_PATTERN)
    hall: str | None = Field(default=None, pattern=CODE_PATTERN)
    minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)


class EnrolmentCodeOut(BaseModel):
    code: str
    hall: str
    window: str
    expires_at: datetime


# ---------------------------------------------------------------- ratings


class BatchIn(BaseModel):
    """A terminal's ratings, each in the shape of ``sync.schema.RatingRecord.to_dict()``.

    Records are checked one by one: a malformed record is answered ``rejected`` with its reason
    and the others are still stored.
    """

    records: list[dict[str, Any]] = Field(max_length=MAX_BATCH_RECORDS)


class RecordResultOut(BaseModel):
    id: str | None
    seq: int | None
    status: RecordStatus
    reason: str | None = None


class BatchOut(BaseModel):
    results: list[RecordResultOut]
    highest_contiguous_seq: int = Field(description="every seq 1..n of this terminal is stored")
    server_time: datetime


# ---------------------------------------------------------------- roster


class HallOut(BaseModel):
    code: str
    name: str
    tz: str


class _Category(BaseModel):
    code: str
    name: str


class _Unit(BaseModel):
    code: str
    name: str
    category: str


class _Section(BaseModel):
    code: str
    name: str
    unit: str
    note: str | None = None


class _Window(BaseModel):
    code: str
    name: str
    unit: str
    category: str
    section: str | None = None


class _Staff(BaseModel):
    code: str
    name: str
    unit: str
    windows: list[str]
    photo: str | None
    section: str | None = None


class _Reason(BaseModel):
    code: str
    name: str
    description: str


class _Item(BaseModel):
    code: str
    name: str
    dimension: str
    points: float


class RosterOut(BaseModel):
    """A window's roster: ``sync.roster.Roster.to_dict()`` of ``for_window``."""

    hall: HallOut
    categories: list[_Category]
    units: list[_Unit]
    sections: list[_Section] = []
    windows: list[_Window]
    staff: list[_Staff]
    reasons: list[_Reason]
    hours: dict[str, str]
    settings: dict[str, str]
    items: list[_Item] = Field(default=[], description="what inspectors record (not a window's)")
    closures: dict[str, str] = Field(default={}, description="closed days (not a window's)")
    holidays: dict[str, str] = Field(
        default={}, description="statutory days off the roster adds (years chinesecalendar lacks)"
    )
    workdays: dict[str, str] = Field(
        default={}, description="make-up working days (调休) the roster adds"
    )


class _KindSummary(BaseModel):
    total: int
    added: int
    updated: int
    removed: int


class RosterImportOut(BaseModel):
    hall: str
    name: str
    tz: str
    hall_created: bool
    categories: _KindSummary
    units: _KindSummary
    sections: _KindSummary
    windows: _KindSummary
    staff: _KindSummary
    reasons: _KindSummary
    items: _KindSummary = Field(description="inspection items (what an inspector can record)")
    closures: int = Field(description="days the hall is closed, from the roster's closed rows")
    holidays: int = Field(default=0, description="holiday rows (the official arrangement)")
    workdays: int = Field(default=0, description="make-up workday rows (调休)")


# ---------------------------------------------------------------- terminals, credentials


class TerminalOut(BaseModel):
    id: str
    hall: str
    window: str
    enrolled_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    highest_contiguous_seq: int
    max_seq: int
    open_anomalies: int
    channel: Literal["kiosk", "qr"] = Field(
        description="kiosk: a counter terminal; qr: a window's phone ratings (扫码评价)"
    )


class BoardCredentialIn(BaseModel):
    hall: str | None = Field(
        default=None, pattern=CODE_PATTERN, description="limit to one hall; absent: every hall"
    )
    label: str | None = Field(default=None, max_length=200, pattern=TEXT_PATTERN)


class BoardCredentialInfo(BaseModel):
    """A board credential as the admin lists it (never its token)."""

    id: int
    hall: str | None = Field(description="the one hall it reads; null: every hall")
    scope: str = Field(description="what it reads, in words: 'every hall' or 'hall TL'")
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


class BoardCredentialOut(BoardCredentialInfo):
    """A new board credential: its token, shown once, and the scope it reads."""

    token: str


class RatingOut(BaseModel):
    """A stored rating as the admin sees it, with the kiosk's and the server's flags."""

    id: str
    terminal: str
    seq: int
    hall: str
    window: str
    unit: str
    staff: str | None
    level: int
    reasons: list[str]
    phone: str | None
    device_time: str
    received_at: datetime
    quarter: str
    week: date
    flags: list[str]
    server_flags: list[str]
    flagged: bool
    released: bool
    section: str | None = None


class _PagedRating(BaseModel):
    id: str
    terminal: str
    seq: int
    window: str
    unit: str
    staff: str | None
    level: int
    reasons: list[str]
    phone: str | None = Field(description="only with contacts=true; else null")
    time: datetime = Field(description="local time in the hall's zone, as the store filed it")
    received_at: datetime
    flags: list[str]
    server_flags: list[str]
    flagged: bool
    released: bool
    section: str | None = Field(description="the section (科室) the kiosk named, or null")
    appealed: bool = Field(description="an accepted appeal (申诉复核) took it out of the scores")


class RatingPageOut(BaseModel):
    """One page of a hall's quarter, oldest received first (keyset cursor in ``next``)."""

    hall: str
    quarter: str
    ratings: list[_PagedRating]
    next: str | None = Field(description="pass as `after` for the next page; null: the last")


class AnomalyOut(BaseModel):
    id: int
    terminal: str
    hall: str
    kind: str
    seq_from: int
    seq_to: int
    detail: str
    detected_at: datetime
    resolved_at: datetime | None


# ---------------------------------------------------------------- aggregates


class _Count(BaseModel):
    unit: str
    week: date
    level: int
    n: int = Field(description="scored ratings")
    flagged: int = Field(description="flagged ratings, excluded from scores")


class _ReasonCount(BaseModel):
    unit: str
    week: date
    reason: str
    n: int


class _AggSection(BaseModel):
    code: str
    name: str
    unit: str


class _SectionCount(BaseModel):
    section: str
    level: int
    n: int = Field(description="scored ratings that name this section")
    flagged: int = Field(description="flagged ratings, excluded from scores")


class _SectionReasonCount(BaseModel):
    section: str
    reason: str
    n: int


class _AggReason(BaseModel):
    code: str
    name: str
    description: str


class _Inspection(BaseModel):
    unit: str
    dimension: str = Field(description="image, behaviour or discipline")
    points: float = Field(description="a deduction is negative, a bonus positive")
    note: str = Field(description="what happened (and the inspector's note)")
    day: date
    staff: str | None
    item: str | None


class _MisconductRecord(BaseModel):
    unit: str
    section: str | None = None
    day: date
    summary: str
    reference: str
    verified_by: str


class _Appealed(BaseModel):
    unit: str
    n: int = Field(description="差评 taken out of the scores by an accepted appeal")


class _Published(BaseModel):
    hall: str
    quarter: str
    state: Literal["closed", "reopened"]
    digest: str
    closed_at: datetime
    closed_by: str
    reopened_at: datetime | None
    reopened_by: str | None
    reopen_reason: str | None
    standings: dict[str, Any] = Field(description="the standings engine's output as published")


class AggregatesOut(BaseModel):
    """A hall's quarter, as the standings engine needs it (docs/design.md)."""

    hall: HallOut
    quarter: str
    settings: dict[str, str]
    generated_at: datetime
    categories: list[_Category]
    units: list[_Unit]
    sections: list[_AggSection]
    reasons: list[_AggReason]
    counts: list[_Count]
    reason_counts: list[_ReasonCount]
    section_counts: list[_SectionCount]
    section_reason_counts: list[_SectionReasonCount]
    inspections: list[_Inspection]
    misconduct: list[str] = Field(description="units with a verified misconduct (一票否决)")
    misconduct_records: list[_MisconductRecord]
    appealed: list[_Appealed]
    prior_mean: float | None
    published: _Published | None = Field(
        default=None, description="present when the quarter is closed: what was published"
    )
    review: AggregatesReview | None = Field(
        default=None, description="the quarter's public review of sections, if one was started"
    )
    section_misconduct: list[str] = Field(
        default_factory=list, description="sections with a verified misconduct: ranked first"
    )


# ---------------------------------------------------------------- the public review of sections

REVIEW_CODE_PATTERN = r"^([0-9][ -]?){15}[0-9]$"  # 16 digits, maybe grouped by spaces or dashes
PROBLEM_CODES = Literal["leng", "lan", "tui", "luan", "tan"]


class ReviewIn(BaseModel):
    hall: str = Field(pattern=CODE_PATTERN)
    quarter: str = Field(pattern=QUARTER_PATTERN, description="e.g. 2026Q3")
    sections: list[Annotated[str, StringConstraints(pattern=CODE_PATTERN)]] | None = Field(
        default=None, max_length=1000, description="the sections taking part; default: all"
    )
    title: str | None = Field(default=None, min_length=1, max_length=200)
    letter: str | None = Field(
        default=None, min_length=1, max_length=2000, description="the hall's words on the letters"
    )


class ReviewSectionOut(BaseModel):
    code: str
    name: str
    unit: str
    unit_name: str


class _InvitationCounts(BaseModel):
    sent: int
    listed: int
    blank: int


class _ResponseCounts(BaseModel):
    phone: int
    paper: int
    total: int


class ReviewOut(BaseModel):
    """A review and its response rate (responses ÷ invitations sent)."""

    id: int
    hall: str
    quarter: str
    title: str
    letter: str
    created_at: datetime
    closed_at: datetime | None
    sections: list[ReviewSectionOut]
    invitations: _InvitationCounts
    responses: _ResponseCounts
    response_rate: float | None


class BlankInvitationsIn(BaseModel):
    count: int = Field(ge=1, le=5000, description="how many blank invitations (open sample)")


class InvitationOut(BaseModel):
    code: str = Field(description="16 digits; shown once, the store keeps its hash")
    url: str = Field(description="the phone page with the code: what the letter's QR code holds")
    name: str
    address: str
    phone: str
    sections: list[str]


class InvitationsOut(BaseModel):
    review: int
    invitations: list[InvitationOut]


class ReviewAnswerIn(BaseModel):
    section: str = Field(pattern=CODE_PATTERN)
    problems: list[PROBLEM_CODES] = Field(
        default_factory=list, max_length=5, description="冷 懒 推 乱 贪; empty: no problem"
    )
    comment: str | None = Field(default=None, max_length=500)


class ReviewSubmissionIn(BaseModel):
    """One returned invitation: the sections rated and an optional phone for a call back."""

    code: str = Field(pattern=REVIEW_CODE_PATTERN, description="the invitation's 16 digits")
    answers: list[ReviewAnswerIn] = Field(min_length=1, max_length=60)
    phone: str | None = Field(
        default=None,
        pattern=r"^(1[3-9][0-9]{9}|0[0-9]{9,11}|[2-9][0-9]{6,7})$",
        description="digits only, for a call back; optional",
    )


class PublicReviewSubmissionIn(ReviewSubmissionIn):
    review: int | None = Field(default=None, description="the review the page was opened for")
    client_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]{8,64}$",
        description="a random id the page makes per submission: a retried POST is stored once",
    )


class ReviewSubmittedOut(BaseModel):
    review: int
    response: int
    channel: Literal["phone", "paper"]
    sections: int


class _SectionResult(ReviewSectionOut):
    answers: int
    with_problems: int
    problems: dict[str, int]
    comments: list[str]


class _CallbackAnswer(BaseModel):
    section: str
    problems: list[str]
    comment: str | None


class _Callback(BaseModel):
    response: int
    channel: str
    received_at: datetime
    phone: str
    sections: list[_CallbackAnswer]


class ReviewResultsOut(BaseModel):
    review: int
    sections: list[_SectionResult]
    callbacks: list[_Callback]


class _AggReviewAnswers(BaseModel):
    section: str
    n: int = Field(description="responses that rated this section")
    with_problems: int = Field(description="of them, those that marked at least one problem")


class _AggReviewProblem(BaseModel):
    section: str
    problem: str
    n: int


class AggregatesReview(BaseModel):
    """The quarter's public review, as the hardest-sections ranking reads it."""

    id: int
    title: str
    closed: bool
    sections: list[str]
    invitations: int
    responses: int
    answers: list[_AggReviewAnswers]
    problem_counts: list[_AggReviewProblem]


# ---------------------------------------------------------------- operators and sessions


class SessionIn(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{"name": "li.na", "password": "…"}]}}

    name: str = Field(min_length=1, max_length=64, description="the operator's sign-in name")
    password: str = Field(min_length=1, max_length=1000)


class OperatorOut(BaseModel):
    """An operator account as the office sees it (never its password or its hash)."""

    name: str
    full_name: str
    role: Role
    halls: list[str]
    unit: str | None
    created_at: datetime
    created_by: str
    password_set_at: datetime
    disabled_at: datetime | None
    locked_until: datetime | None
    last_signin_at: datetime | None


class SessionOut(BaseModel):
    token: str = Field(description="the session's bearer token; shown once, stored as a hash")
    expires_at: datetime
    operator: OperatorOut


class SessionInfoOut(BaseModel):
    """Who a credential is: its kind; an operator's name, role, halls, unit and expiry."""

    kind: Literal["admin", "operator"]
    name: str
    role: Role | None
    halls: list[str] | None = Field(description="null: every hall")
    unit: str | None
    expires_at: datetime | None


class OperatorIn(BaseModel):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {"name": "wang.fang", "full_name": "王芳", "role": "office", "halls": ["TL"]},
                {"name": "yjj.liu", "role": "unit", "halls": ["TL"], "unit": "YJJ"},
            ]
        }
    }

    name: str = Field(pattern=OPERATOR_NAME_PATTERN, description="the sign-in name")
    full_name: str = Field(default="", max_length=200)
    role: Role
    halls: list[str] = Field(
        min_length=1, max_length=100, description="the halls it acts in (role unit: exactly one)"
    )
    unit: str | None = Field(
        default=None, pattern=CODE_PATTERN, description="role unit only: its unit's code"
    )
    password: str | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description="the first password; absent: the server makes one and answers it once",
    )


class OperatorCreatedOut(OperatorOut):
    password: str | None = Field(description="the password the server made (shown once), or null")


class PasswordResetIn(BaseModel):
    password: str | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description="the new password; absent: the server makes one and answers it once",
    )


class PasswordResetOut(BaseModel):
    name: str
    password: str | None = Field(description="the password the server made (shown once), or null")
    sessions_ended: int


class PasswordChangeIn(BaseModel):
    current: str = Field(min_length=1, max_length=1000)
    new: str = Field(min_length=1, max_length=1000)


# ---------------------------------------------------------------- audit log


class AuditEntryOut(BaseModel):
    seq: int
    at: datetime
    actor_kind: str = Field(description="admin, operator, terminal or system")
    actor: str = Field(description="an operator's name, 'admin', a terminal id, 'server'")
    hall: str | None
    action: str = Field(description="thing.verb, e.g. roster.import, operator.create")
    target: str = Field(description="kind:id of the record, e.g. terminal:k1, operator:li.na")
    before: Any = Field(description="the record before the change (null: it did not exist)")
    after: Any = Field(description="the record after the change (null: it is gone)")
    prev_hash: str
    hash: str


class AuditVerifyOut(BaseModel):
    ok: bool
    entries: int = Field(description="entries checked before the first problem (or all)")
    problem: str | None = Field(description="the first edited, deleted or reordered entry")
    seq: int | None


# ---------------------------------------------------------------- the hall office's records

MAX_ID = 2**31 - 1  # record ids (inspections, cases, appeals …) are 32-bit on both databases
DIMENSION = Literal["image", "behaviour", "discipline", "服务形象", "服务行为", "工作纪律"]


class InspectionIn(BaseModel):
    """One inspection: a roster ``item`` fills in dimension, points and what happened."""

    hall: str = Field(pattern=CODE_PATTERN)
    unit: str = Field(pattern=CODE_PATTERN)
    staff: str | None = Field(default=None, pattern=CODE_PATTERN, description="工号, if one person")
    day: date = Field(description="the local date it happened")
    item: str | None = Field(default=None, pattern=CODE_PATTERN, description="a roster item code")
    dimension: DIMENSION | None = Field(default=None, description="default: the item's")
    points: float | None = Field(
        default=None, ge=-100, le=100, description="negative: a deduction; default: the item's"
    )
    what: str | None = Field(default=None, max_length=200, description="default: the item's name")
    note: str = Field(default="", max_length=1000)


class InspectionOut(BaseModel):
    id: int
    hall: str
    quarter: str
    unit: str
    staff: str | None
    dimension: str
    day: date
    points: float
    item: str | None
    what: str
    note: str
    recorded_by: str
    recorded_at: datetime
    voided_at: datetime | None
    voided_by: str | None
    void_reason: str | None


class InspectionItemOut(BaseModel):
    code: str
    name: str
    dimension: str
    points: float


class VoidIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, description="why the record was a mistake")


class MisconductIn(BaseModel):
    hall: str = Field(pattern=CODE_PATTERN)
    unit: str = Field(pattern=CODE_PATTERN)
    section: str | None = Field(
        default=None,
        pattern=CODE_PATTERN,
        description="the unit's section (科室) it was found in: ranked first among the hardest",
    )
    day: date
    summary: str = Field(min_length=1, max_length=1000)
    reference: str = Field(default="", max_length=200, description="e.g. the complaint's number")
    verified_by: str = Field(min_length=1, max_length=200)


class MisconductOut(BaseModel):
    id: int
    hall: str
    quarter: str
    unit: str
    section: str | None = None
    day: date
    summary: str
    reference: str
    verified_by: str
    recorded_by: str
    recorded_at: datetime
    voided_at: datetime | None
    voided_by: str | None
    void_reason: str | None


CASE_STATUS = Literal["new", "called_back", "rectified", "closed"]


class CaseStepIn(BaseModel):
    step: Literal["called_back", "rectified", "closed"]
    note: str = Field(
        min_length=1,
        max_length=2000,
        description="called_back: the call's outcome; rectified: what was done; "
        "closed: how the citizen was told",
    )
    at: datetime | None = Field(default=None, description="when it happened; default: now")


class _CaseStepOut(BaseModel):
    step: str
    by: str
    note: str
    at: datetime
    late: bool = Field(description="done after its due date")


class _CaseAppeal(BaseModel):
    id: int
    status: str
    reason: str
    filed_by: str
    filed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None


class CaseOut(BaseModel):
    """A 差评 case; ``phone`` is present only for the office and the unit's own operators."""

    id: int
    hall: str
    quarter: str
    unit: str
    window: str
    staff: str | None
    rating: str
    level: int
    reasons: list[str]
    received_at: datetime
    day: date = Field(description="the hall's local day the rating arrived")
    status: CASE_STATUS
    callback_due: date | None = Field(description="none when no phone number was left")
    rectify_due: date | None
    deadline_problem: str | None = Field(description="why a due date could not be worked out")
    next_step: str | None
    next_due: date | None
    overdue: list[str] = Field(description="steps past their due date")
    has_phone: bool
    phone: str | None = None
    steps: list[_CaseStepOut]
    appeal: _CaseAppeal | None


class AppealIn(BaseModel):
    rating: str = Field(pattern=TERMINAL_PATTERN, description="the 差评's rating id")
    reason: str = Field(min_length=1, max_length=2000)


class AppealDecisionIn(BaseModel):
    accept: bool = Field(description="true: the 差评 leaves the scores; false: it stays")
    note: str = Field(min_length=1, max_length=2000)


class AppealOut(BaseModel):
    id: int
    rating: str
    hall: str
    quarter: str
    unit: str
    level: int | None
    reasons: list[str]
    received_at: datetime | None
    reason: str
    filed_by: str
    filed_at: datetime
    status: Literal["pending", "accepted", "rejected"]
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None


class FlaggedDecisionIn(BaseModel):
    decision: Literal["release", "exclude"]
    note: str = Field(default="", max_length=2000)


class FlaggedOut(BaseModel):
    """A flagged rating and the office's decision on it (``pending`` until there is one)."""

    id: str
    hall: str
    quarter: str
    unit: str
    window: str
    terminal: str
    level: int
    reasons: list[str]
    device_time: str
    received_at: datetime
    flags: list[str]
    server_flags: list[str]
    has_phone: bool
    state: Literal["pending", "released", "excluded"]
    note: str | None
    decided_by: str | None
    decided_at: datetime | None


class QuarterCloseIn(BaseModel):
    """What the office's client ranked: the digest of the aggregates and the engine's output."""

    digest: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the aggregates ranked")
    standings: dict[str, Any] = Field(description="board.standings' output, as a JSON object")


class QuarterReopenIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class QuarterOut(BaseModel):
    hall: str
    quarter: str
    state: Literal["open", "closed", "reopened"]
    digest: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    reopened_at: datetime | None = None
    reopened_by: str | None = None
    reopen_reason: str | None = None
