"""The central store's tables (SQLModel) and the API's request/answer models.

Codes (unit, window …) are unique within a hall, so roster tables key on ``(hall, code)``: one
store serves a district of halls. Ratings keep exactly what the kiosk sent (``device_time`` as
its original string, the kiosk's ``flags``) beside what the server adds (``received_at``,
``server_flags``, ``quarter`` and ``week`` in the hall's zone).

The rollup tables hold counts per hall × quarter × unit × week × level (and × reason); ingest
updates them in the same transaction as it inserts the ratings, so the board's aggregates cost
follows units × weeks, never the number of ratings.

The hall office's records: inspections (the points system) and verified misconduct, never
deleted but voided with a reason; a 差评 case per scored 差评 (opened by ingest in the same
transaction) with its steps; appeals; decisions on flagged ratings; a quarter's published
standings. Who did a thing is kept as the operator's label (``recorded_by`` …).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

from sync.defaults import DEFAULT_TZ
from sync.server.core.types import UTCDateTime, utcnow

__all__ = [
    "ROLES",
    "Anomaly",
    "Appeal",
    "AuditEntry",
    "AuditHead",
    "Case",
    "CaseStep",
    "Category",
    "Credential",
    "EnrolmentCode",
    "Hall",
    "Inspection",
    "InspectionItem",
    "LevelCount",
    "Misconduct",
    "Operator",
    "PublishedQuarter",
    "Rating",
    "RatingDecision",
    "Reason",
    "ReasonCount",
    "Review",
    "ReviewAnswer",
    "ReviewInvitation",
    "ReviewResponse",
    "ReviewSection",
    "Section",
    "SectionLevelCount",
    "SectionReasonCount",
    "Staff",
    "Terminal",
    "Unit",
    "Window",
]

CODE = 64  # max length of a code (hall, unit, window, staff, reason, terminal id)


def _json(default: Any = None) -> Any:
    return Field(default_factory=default or list, sa_column=Column(JSON, nullable=False))


# ---------------------------------------------------------------- roster


class Hall(SQLModel, table=True):
    """A service hall; hours map ``mon``… to ``08:20-17:30``; settings are the roster's rows."""

    code: str = Field(primary_key=True, max_length=CODE)
    name: str = Field(max_length=200)
    tz: str = Field(default=DEFAULT_TZ, max_length=64)
    hours: dict[str, str] = _json(dict)
    settings: dict[str, str] = _json(dict)
    # Days the hall is shut on a national working day: ISO date -> why (roster ``closed`` rows).
    closures: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    # The official arrangement for years chinesecalendar lacks (roster ``holiday``/``workday``).
    holidays: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    workdays: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    # Bumped by every change the board can see other than a stored rating (roster imported,
    # rating released); with the rollups' sums it makes the aggregates' ETag.
    data_version: int = 0
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class Category(SQLModel, table=True):
    hall: str = Field(primary_key=True, max_length=CODE, foreign_key="hall.code")
    code: str = Field(primary_key=True, max_length=CODE)
    name: str = Field(max_length=200)
    pos: int = 0  # order in the roster file


class Unit(SQLModel, table=True):
    hall: str = Field(primary_key=True, max_length=CODE, foreign_key="hall.code")
    code: str = Field(primary_key=True, max_length=CODE)
    name: str = Field(max_length=200)
    category: str = Field(max_length=CODE)
    pos: int = 0  # order in the roster file


class Section(SQLModel, table=True):
    """A section (科室) of a unit: what the quarterly public review ranks."""

    hall: str = Field(primary_key=True, max_length=CODE, foreign_key="hall.code")
    code: str = Field(primary_key=True, max_length=CODE)
    name: str = Field(max_length=200)
    unit: str = Field(max_length=CODE)
    note: str | None = Field(default=None, max_length=500)
    pos: int = 0  # order in the roster file


class Window(SQLModel, table=True):
    hall: str = Field(primary_key=True, max_length=CODE, foreign_key="hall.code")
    code: str = Field(primary_key=True, max_length=CODE)
    name: str = Field(max_length=200)
    unit: str = Field(max_length=CODE)
    category: str = Field(max_length=CODE)
    section: str | None = Field(default=None, max_length=CODE)
    pos: int = 0  # order in the roster file


class Staff(SQLModel, table=True):
    hall: str = Field(primary_key=True, max_length=CODE, foreign_key="hall.code")
    code: str = Field(primary_key=True, max_length=CODE)
    name: str = Field(max_length=200)
    unit: str = Field(max_length=CODE)
    windows: list[str] = _json(list)
    photo: str | None = Field(default=None, max_length=500)
    section: str | None = Field(default=None, max_length=CODE)
    pos: int = 0  # order in the roster file


class Reason(SQLModel, table=True):
    hall: str = Field(primary_key=True, max_length=CODE, foreign_key="hall.code")
    code: str = Field(primary_key=True, max_length=CODE)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=500)
    pos: int = 0  # order in the roster file


class InspectionItem(SQLModel, table=True):
    """What an inspector can record (roster ``item`` rows): dimension and default points."""

    __tablename__ = "inspection_item"

    hall: str = Field(primary_key=True, max_length=CODE, foreign_key="hall.code")
    code: str = Field(primary_key=True, max_length=CODE)
    name: str = Field(max_length=200)
    dimension: str = Field(max_length=16)
    points: float
    pos: int = 0  # order in the roster file


# ---------------------------------------------------------------- terminals and credentials


class Terminal(SQLModel, table=True):
    """A kiosk, keyed by its install id; re-installed kiosks enrol again under a new id.

    A window's phone ratings come through a virtual terminal ``qr-<hall>-<window>`` (channel
    ``qr``) that the server keeps itself: same seq, hash chain and rollups as a kiosk's.
    """

    id: str = Field(primary_key=True, max_length=CODE)
    hall: str = Field(max_length=CODE, foreign_key="hall.code", index=True)
    window: str = Field(max_length=CODE)
    enrolled_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    last_seen_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    # Highest seq with every seq 1..n stored, and the highest stored at all.
    contiguous_seq: int = 0
    max_seq: int = 0
    # "kiosk": a counter terminal with a credential; "qr": the server's own virtual terminal
    # of a window that records the ratings citizens send from their phones (扫码评价).
    channel: str = Field(
        default="kiosk", sa_column=Column(String(16), nullable=False, server_default="kiosk")
    )


class Credential(SQLModel, table=True):
    """A bearer token's hash and what it may do: ``terminal``, ``board``, ``admin`` or
    ``operator`` (a signed-in operator's session, which ``expires_at``)."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    hall: str | None = Field(default=None, max_length=CODE)
    terminal: str | None = Field(
        default=None,
        sa_column=Column(String(CODE), ForeignKey("terminal.id"), nullable=True, index=True),
    )
    label: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    operator: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("operator.id"), nullable=True, index=True),
    )
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


class EnrolmentCode(SQLModel, table=True):
    """A one-time code that turns into a terminal credential for one window."""

    __tablename__ = "enrolment_code"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True, index=True)
    hall: str = Field(max_length=CODE, foreign_key="hall.code")
    window: str = Field(max_length=CODE)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    terminal: str | None = Field(default=None, max_length=CODE)


# ---------------------------------------------------------------- operators


ROLES = ("office", "inspector", "unit")


class Operator(SQLModel, table=True):
    """A named account of the hall office (``office``), an inspector, or a unit (``unit``).

    ``halls`` are the halls it acts in (a unit operator: its unit's one hall). It signs in with
    its name and password (Argon2 hash) and gets a session: a ``Credential`` of kind operator.
    Failed sign-ins slow it down (``retry_at``) and then lock it (``locked_until``).
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True, index=True)
    full_name: str = Field(default="", max_length=200)
    role: str = Field(max_length=16)
    halls: list[str] = _json(list)
    unit: str | None = Field(default=None, max_length=CODE)
    password_hash: str = Field(max_length=500)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    created_by: str = Field(default="", max_length=200)
    password_set_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    disabled_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    failed_signins: int = 0
    retry_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    locked_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    last_signin_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


# ---------------------------------------------------------------- audit log


class AuditEntry(SQLModel, table=True):
    """One change, who made it, the record before and after; hash-chained by ``seq``.

    ``seq`` is assigned under the ``AuditHead`` row's lock (not a database sequence, which
    leaves gaps after a rollback), so a missing entry is a gap and an edited one breaks the chain.
    """

    __tablename__ = "audit_entry"

    seq: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor_kind: str = Field(max_length=16)
    actor: str = Field(max_length=200, index=True)
    hall: str | None = Field(default=None, max_length=CODE, index=True)
    action: str = Field(max_length=64, index=True)
    target: str = Field(max_length=200, index=True)
    before: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The audit chain's last ``seq`` and ``hash`` (one row): locked by each append, and a
    deleted tail of the chain shows against it."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, sa_column=Column(Integer, primary_key=True, autoincrement=False))
    seq: int = 0
    hash: str = Field(max_length=64)


# ---------------------------------------------------------------- ratings


class Rating(SQLModel, table=True):
    """One citizen's rating as the kiosk sent it, plus what the server noted on arrival."""

    __table_args__ = (
        UniqueConstraint("terminal", "seq", name="uq_rating_terminal_seq"),
        Index("ix_rating_hall_quarter_unit", "hall", "quarter", "unit"),
        # The export's keyset pages: one range scan per page, in arrival order.
        Index(
            "ix_rating_hall_quarter_received", "hall", "quarter", "received_at", "terminal", "seq"
        ),
    )

    id: str = Field(primary_key=True, max_length=CODE)
    terminal: str = Field(max_length=CODE, foreign_key="terminal.id")
    seq: int
    hall: str = Field(max_length=CODE)
    window: str = Field(max_length=CODE)
    unit: str = Field(max_length=CODE)
    staff: str | None = Field(default=None, max_length=CODE)
    level: int
    reasons: list[str] = _json(list)
    phone: str | None = Field(default=None, max_length=32)
    device_time: str = Field(max_length=64)  # exactly as sent; never rewritten
    tz: str = Field(max_length=64)
    flags: list[str] = _json(list)  # the kiosk's (covered by the hash)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    server_flags: list[str] = _json(list)  # clock_future, clock_backwards, unknown_unit …
    quarter: str = Field(max_length=8)
    week: date  # the local Monday
    flagged: bool = False  # kiosk or server flags: left out of scores …
    released: bool = False  # … unless an admin released it
    # The section (科室) the kiosk named; null for kiosks and phones that do not know one.
    section: str | None = Field(default=None, max_length=CODE)
    # An accepted appeal (申诉复核) took this 差评 out of the scores; the rating stays.
    appealed: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )


class LevelCount(SQLModel, table=True):
    """Rollup: ratings per hall × quarter × unit × week × level, flagged apart."""

    __tablename__ = "rollup_level"

    hall: str = Field(primary_key=True, max_length=CODE)
    quarter: str = Field(primary_key=True, max_length=8)
    unit: str = Field(primary_key=True, max_length=CODE)
    week: date = Field(primary_key=True)
    level: int = Field(primary_key=True)
    flagged: bool = Field(primary_key=True)
    n: int = 0


class ReasonCount(SQLModel, table=True):
    """Rollup: reasons cited by scored (unflagged) 差评, per hall × quarter × unit × week."""

    __tablename__ = "rollup_reason"

    hall: str = Field(primary_key=True, max_length=CODE)
    quarter: str = Field(primary_key=True, max_length=8)
    unit: str = Field(primary_key=True, max_length=CODE)
    week: date = Field(primary_key=True)
    reason: str = Field(primary_key=True, max_length=CODE)
    n: int = 0


class SectionLevelCount(SQLModel, table=True):
    """Rollup: ratings that name a section, per hall × quarter × section × level, flagged apart."""

    __tablename__ = "rollup_section_level"

    hall: str = Field(primary_key=True, max_length=CODE)
    quarter: str = Field(primary_key=True, max_length=8)
    section: str = Field(primary_key=True, max_length=CODE)
    level: int = Field(primary_key=True)
    flagged: bool = Field(primary_key=True)
    n: int = 0


class SectionReasonCount(SQLModel, table=True):
    """Rollup: reasons cited by scored 差评 that name a section, per hall × quarter × section."""

    __tablename__ = "rollup_section_reason"

    hall: str = Field(primary_key=True, max_length=CODE)
    quarter: str = Field(primary_key=True, max_length=8)
    section: str = Field(primary_key=True, max_length=CODE)
    reason: str = Field(primary_key=True, max_length=CODE)
    n: int = 0


class Anomaly(SQLModel, table=True):
    """Something about a terminal's chain the admin should see: a seq gap, a hash-chain break."""

    id: int | None = Field(default=None, primary_key=True)
    terminal: str = Field(max_length=CODE, index=True)
    hall: str = Field(max_length=CODE)
    kind: str = Field(max_length=32)  # seq_gap, chain_break
    seq_from: int
    seq_to: int
    detail: str = Field(max_length=500)
    detected_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    resolved_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


# ---------------------------------------------------------------- the public review of sections


class Review(SQLModel, table=True):
    """A quarter's public review of the hardest sections (最难办事科室群众评): one per hall and
    quarter. ``letter`` is the hall's words printed on every invitation."""

    __table_args__ = (UniqueConstraint("hall", "quarter", name="uq_review_hall_quarter"),)

    id: int | None = Field(default=None, primary_key=True)
    hall: str = Field(max_length=CODE, foreign_key="hall.code")
    quarter: str = Field(max_length=8)
    title: str = Field(max_length=200)
    letter: str = Field(max_length=2000)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class ReviewSection(SQLModel, table=True):
    """A section taking part in a review (the roster's code; its name is read from the roster)."""

    __tablename__ = "review_section"

    review: int = Field(primary_key=True, foreign_key="review.id")
    section: str = Field(primary_key=True, max_length=CODE)
    pos: int = 0


class ReviewInvitation(SQLModel, table=True):
    """One single-use code of a review; only its hash is kept, never the person it went to.

    ``used_at``/``channel`` (``phone`` or ``paper``) are set by one conditional UPDATE, so a code
    counts once whichever way and however often it comes back. ``submission`` is the digest of
    what was sent, so a retry of the same submission is recognised and answered again.
    """

    __tablename__ = "review_invitation"

    id: int | None = Field(default=None, primary_key=True)
    review: int = Field(foreign_key="review.id", index=True)
    code_hash: str = Field(max_length=64, unique=True, index=True)
    kind: str = Field(max_length=16)  # listed (from a list of recipients) or blank
    sections: list[str] = _json(list)  # what the recipient dealt with, when the list said
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    channel: str | None = Field(default=None, max_length=16)
    submission: str | None = Field(default=None, max_length=64)
    response: int | None = Field(default=None)


class ReviewResponse(SQLModel, table=True):
    """One returned invitation: how it came back, and a phone number if a call back was asked."""

    __tablename__ = "review_response"

    id: int | None = Field(default=None, primary_key=True)
    review: int = Field(foreign_key="review.id", index=True)
    channel: str = Field(max_length=16)
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    phone: str | None = Field(default=None, max_length=32)


class ReviewAnswer(SQLModel, table=True):
    """What a response says about one section: the indicators marked (none: no problem)."""

    __tablename__ = "review_answer"

    id: int | None = Field(default=None, primary_key=True)
    response: int = Field(foreign_key="review_response.id", index=True)
    review: int = Field(foreign_key="review.id", index=True)
    section: str = Field(max_length=CODE)
    problems: list[str] = _json(list)
    comment: str | None = Field(default=None, max_length=500)


# ---------------------------------------------------------------- the hall office's records


def _when(nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Inspection(SQLModel, table=True):
    """An inspector's points for a unit (and maybe one staff member) in one dimension.

    ``points`` < 0 is a deduction, > 0 a bonus. Never deleted: a mistake is voided with a reason.
    """

    __table_args__ = (Index("ix_inspection_hall_quarter", "hall", "quarter"),)

    id: int | None = Field(default=None, primary_key=True)
    hall: str = Field(max_length=CODE, foreign_key="hall.code")
    quarter: str = Field(max_length=8)  # the quarter of ``day``
    unit: str = Field(max_length=CODE)
    staff: str | None = Field(default=None, max_length=CODE)  # 工号
    dimension: str = Field(max_length=16)  # image / behaviour / discipline
    day: date
    points: float
    item: str | None = Field(default=None, max_length=CODE)  # roster item code, if one fits
    what: str = Field(max_length=200)  # what happened (the item's name, or the inspector's words)
    note: str = Field(default="", max_length=1000)
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = _when()
    voided_at: datetime | None = _when(nullable=True)
    voided_by: str | None = Field(default=None, max_length=200)
    void_reason: str | None = Field(default=None, max_length=1000)


class Misconduct(SQLModel, table=True):
    """A verified misconduct (一票否决): the unit goes on the black list whatever its score."""

    __table_args__ = (Index("ix_misconduct_hall_quarter", "hall", "quarter"),)

    id: int | None = Field(default=None, primary_key=True)
    hall: str = Field(max_length=CODE, foreign_key="hall.code")
    quarter: str = Field(max_length=8)
    unit: str = Field(max_length=CODE)
    # The section (科室) it was found in, when known: that section is then placed first on the
    # hardest-sections list (board.hardest), besides the unit's place on the black list.
    section: str | None = Field(default=None, max_length=CODE)
    day: date
    summary: str = Field(max_length=1000)
    reference: str = Field(default="", max_length=200)  # e.g. the complaint's number
    verified_by: str = Field(max_length=200)
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = _when()
    voided_at: datetime | None = _when(nullable=True)
    voided_by: str | None = Field(default=None, max_length=200)
    void_reason: str | None = Field(default=None, max_length=1000)


class Case(SQLModel, table=True):
    """The follow-up of one scored 差评: new → called_back → rectified → closed.

    Due dates are working days of the hall (``sync.workdays``); when the calendar cannot say
    (a year the package does not know) they stay empty and ``deadline_problem`` says why.
    The citizen's phone number stays on the rating and is shown only with the case.
    """

    __tablename__ = "rating_case"
    __table_args__ = (
        Index("ix_rating_case_hall_status", "hall", "status"),
        Index("ix_rating_case_hall_unit", "hall", "unit"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rating: str = Field(
        sa_column=Column(String(CODE), ForeignKey("rating.id"), nullable=False, unique=True)
    )
    hall: str = Field(max_length=CODE)
    quarter: str = Field(max_length=8)
    unit: str = Field(max_length=CODE)
    window: str = Field(max_length=CODE)
    staff: str | None = Field(default=None, max_length=CODE)
    level: int
    reasons: list[str] = _json(list)
    received_at: datetime = _when()
    day: date  # the hall's local day the rating arrived; deadlines count from it
    status: str = Field(default="new", max_length=16)
    callback_due: date | None = None
    rectify_due: date | None = None
    deadline_problem: str | None = Field(default=None, max_length=500)
    updated_at: datetime = _when()


class CaseStep(SQLModel, table=True):
    """One step of a case: who, when, and the note (the call's outcome, what was done …)."""

    __tablename__ = "rating_case_step"

    id: int | None = Field(default=None, primary_key=True)
    case: int = Field(
        sa_column=Column(Integer, ForeignKey("rating_case.id"), nullable=False, index=True)
    )
    step: str = Field(max_length=16)  # called_back / rectified / closed
    by: str = Field(max_length=200)
    note: str = Field(max_length=2000)
    at: datetime = _when()


class Appeal(SQLModel, table=True):
    """A unit's appeal (申诉复核) against one 差评, and the office's decision."""

    __table_args__ = (Index("ix_appeal_hall_quarter", "hall", "quarter"),)

    id: int | None = Field(default=None, primary_key=True)
    rating: str = Field(
        sa_column=Column(String(CODE), ForeignKey("rating.id"), nullable=False, unique=True)
    )
    hall: str = Field(max_length=CODE)
    quarter: str = Field(max_length=8)
    unit: str = Field(max_length=CODE)
    reason: str = Field(max_length=2000)
    filed_by: str = Field(max_length=200)
    filed_at: datetime = _when()
    status: str = Field(default="pending", max_length=16)  # pending / accepted / rejected
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = _when(nullable=True)
    decision_note: str | None = Field(default=None, max_length=2000)


class RatingDecision(SQLModel, table=True):
    """The office's decision on a flagged rating: ``released`` into the scores or ``excluded``."""

    __tablename__ = "rating_decision"

    rating: str = Field(sa_column=Column(String(CODE), ForeignKey("rating.id"), primary_key=True))
    decision: str = Field(max_length=16)
    note: str = Field(default="", max_length=2000)
    by: str = Field(max_length=200)
    at: datetime = _when()


class PublishedQuarter(SQLModel, table=True):
    """A closed quarter: the standings as published and the aggregates they were ranked from.

    ``digest`` is the SHA-256 of the aggregates' canonical JSON (without ``generated_at``).
    While ``closed``, the board, the poster and later quarters' streaks use ``standings``;
    changing the quarter's records needs a reopen with a reason.
    """

    __tablename__ = "published_quarter"

    hall: str = Field(primary_key=True, max_length=CODE, foreign_key="hall.code")
    quarter: str = Field(primary_key=True, max_length=8)
    closed: bool = True
    standings: dict[str, Any] = _json(dict)
    aggregates: dict[str, Any] = _json(dict)
    digest: str = Field(max_length=64)
    closed_at: datetime = _when()
    closed_by: str = Field(max_length=200)
    reopened_at: datetime | None = _when(nullable=True)
    reopened_by: str | None = Field(default=None, max_length=200)
    reopen_reason: str | None = Field(default=None, max_length=2000)
    version: int = 1  # bumped by every close and reopen (the aggregates' ETag)
