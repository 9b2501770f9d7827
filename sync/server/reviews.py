"""The quarterly public review of sections in the store: reviews, invitations, answers.

Every function works in the caller's session (one transaction per request). The rule that a
code counts once: ``submit`` marks the invitation used with one conditional UPDATE (``WHERE
used_at IS NULL``) before anything is stored, so of two submissions of one code — phone and
paper, or two phones at once on PostgreSQL, where the second UPDATE waits for the first's
COMMIT and then matches no row — exactly one stores its answers; the other is refused, or, when
it is the very same submission again (a retry), answered as the first was.

The store never keeps who an invitation went to: a listed invitation keeps only the sections the
list said the person dealt with (to pre-select them), a response keeps the channel, the time and
a phone number only when the citizen left one for a call back.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from sync.quarter import Quarter
from sync.review import (
    PROBLEMS,
    Recipient,
    SectionRef,
    code_hash,
    is_valid_code,
    new_code,
    normalise_code,
)
from sync.server import models as m

__all__ = [
    "Answer",
    "ReviewError",
    "Submitted",
    "create_review",
    "find_invitation",
    "issue_invitations",
    "review_for_aggregates",
    "review_results",
    "review_sections",
    "review_summary",
    "submit",
]

log = logging.getLogger(__name__)

CHANNELS = ("phone", "paper")
DEFAULT_LETTER = (
    "您好！为改进政务服务，{hall}开展“最难办事科室群众评”活动。您在本季度到大厅办过事，"
    "请您对办事中接触过的科室作出评价：哪些科室存在冷（态度冷淡）、懒（拖着不办）、推（推诿扯皮）、"
    "乱（办事无章）、贪（吃拿卡要）等问题，或者没有问题。评价匿名，科室看不到您是谁。"
    "请用手机扫描二维码填写，或填好下方表格寄回大厅办公室。每个邀请码只能使用一次。感谢您的支持！"
)
MAX_ANSWERS = 60
MAX_BLANK = 5000


class ReviewError(Exception):
    """A review operation refused; ``status`` is the HTTP status, ``message`` says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Answer:
    """What a response says about one section: the indicators marked; none means no problem."""

    section: str
    problems: tuple[str, ...]
    comment: str | None = None


@dataclass(frozen=True)
class Submitted:
    """A stored (or recognised again) response."""

    review: int
    response: int
    channel: str
    sections: int
    again: bool


# ---------------------------------------------------------------- reviews


def create_review(
    session: Session,
    *,
    hall: str,
    quarter: str,
    sections: Sequence[str] | None,
    title: str | None,
    letter: str | None,
    now: datetime,
) -> m.Review:
    """Start a hall's review for a quarter; ``sections`` default to every section of the hall."""
    h = session.get(m.Hall, hall)
    if h is None:
        raise ReviewError(404, f"no hall {hall!r}")
    Quarter.parse(quarter)  # the API checked the pattern; a bad one is a bug
    if session.exec(
        select(m.Review.id).where(m.Review.hall == hall, m.Review.quarter == quarter)
    ).first():
        raise ReviewError(409, f"hall {hall} already has a review for {quarter}")
    known = {
        s.code: s
        for s in session.exec(
            select(m.Section).where(m.Section.hall == hall).order_by(col(m.Section.pos))
        )
    }
    if not known:
        raise ReviewError(409, f"hall {hall} has no sections in its roster: import them first")
    wanted = list(dict.fromkeys(sections)) if sections else list(known)
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise ReviewError(422, f"no such sections in hall {hall}: {', '.join(unknown[:20])}")
    review = m.Review(
        hall=hall,
        quarter=quarter,
        title=title or f"{Quarter.parse(quarter).label_zh}最难办事科室群众评",
        letter=letter or DEFAULT_LETTER.format(hall=h.name),
        created_at=now,
    )
    session.add(review)
    session.flush()
    assert review.id is not None
    session.add_all(
        m.ReviewSection(review=review.id, section=c, pos=i) for i, c in enumerate(wanted)
    )
    session.flush()
    log.info(
        "review %d of hall %s for %s started (%d sections)", review.id, hall, quarter, len(wanted)
    )
    return review


def get_review(session: Session, review_id: int) -> m.Review:
    review = session.get(m.Review, review_id)
    if review is None:
        raise ReviewError(404, f"no review {review_id}")
    return review


def review_sections(session: Session, review: m.Review) -> list[dict[str, str]]:
    """The review's sections in order: ``{code, name, unit, unit_name}`` (roster names)."""
    stmt = (
        select(m.ReviewSection.section, m.Section.name, m.Section.unit, m.Unit.name)
        .join(
            m.Section,
            (col(m.Section.hall) == review.hall) & (col(m.Section.code) == m.ReviewSection.section),
            isouter=True,
        )
        .join(
            m.Unit,
            (col(m.Unit.hall) == review.hall) & (col(m.Unit.code) == m.Section.unit),
            isouter=True,
        )
        .where(m.ReviewSection.review == review.id)
        .order_by(col(m.ReviewSection.pos))
    )
    return [
        {
            "code": code,
            "name": name or code,
            "unit": unit or "",
            "unit_name": unit_name or unit or "",
        }
        for code, name, unit, unit_name in session.execute(stmt)
    ]


def section_refs_of(session: Session, review: m.Review) -> list[SectionRef]:
    return [
        SectionRef(s["code"], s["name"], s["unit_name"]) for s in review_sections(session, review)
    ]


# ---------------------------------------------------------------- invitations


def issue_invitations(
    session: Session,
    review: m.Review,
    *,
    recipients: Sequence[Recipient] = (),
    blank: int = 0,
    now: datetime,
) -> list[tuple[str, Recipient | None]]:
    """Make one code per recipient (or ``blank`` codes): ``[(code, recipient or None)]``.

    The codes are answered to the caller once; the store keeps their hashes only.
    """
    if review.closed_at is not None:
        raise ReviewError(409, f"review {review.id} is closed")
    if blank < 0 or blank > MAX_BLANK:
        raise ReviewError(422, f"blank invitations: 1 to {MAX_BLANK} at a time")
    assert review.id is not None
    out: list[tuple[str, Recipient | None]] = []
    rows: list[m.ReviewInvitation] = []
    for who in [*recipients, *([None] * blank)]:
        code = new_code()
        out.append((code, who))
        rows.append(
            m.ReviewInvitation(
                review=review.id,
                code_hash=code_hash(code),
                kind="listed" if who is not None else "blank",
                sections=list(who.sections) if who is not None else [],
                created_at=now,
            )
        )
    session.add_all(rows)
    session.flush()
    log.info("review %d: %d invitation(s) issued", review.id, len(out))
    return out


def find_invitation(session: Session, code: str) -> m.ReviewInvitation | None:
    """The invitation of a code as typed or scanned, or None (also for a mistyped code)."""
    digits = normalise_code(code)
    if not is_valid_code(digits):
        return None
    return session.exec(
        select(m.ReviewInvitation).where(m.ReviewInvitation.code_hash == code_hash(digits))
    ).first()


# ---------------------------------------------------------------- answers


def _digest(answers: Sequence[Answer], phone: str | None, client_id: str | None) -> str:
    body = {
        "answers": sorted([a.section, sorted(set(a.problems)), a.comment or ""] for a in answers),
        "phone": phone,
        "client": client_id,
    }
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _check_answers(session: Session, review: m.Review, answers: Sequence[Answer]) -> None:
    if not answers:
        raise ReviewError(422, "请至少评价一个科室。 Rate at least one section.")
    if len(answers) > MAX_ANSWERS:
        raise ReviewError(422, f"at most {MAX_ANSWERS} sections per response")
    taking_part = {s["code"] for s in review_sections(session, review)}
    seen: set[str] = set()
    for a in answers:
        if a.section not in taking_part:
            raise ReviewError(422, f"科室 {a.section} 不在本次评议范围内。")
        if a.section in seen:
            raise ReviewError(422, f"科室 {a.section} 评价了两次。")
        seen.add(a.section)
        bad = sorted(set(a.problems) - set(PROBLEMS))
        if bad:
            raise ReviewError(422, f"未知的问题：{'、'.join(bad)}（应为 leng lan tui luan tan）。")


def submit(
    session: Session,
    *,
    code: str,
    answers: Sequence[Answer],
    phone: str | None,
    channel: str,
    now: datetime,
    review_id: int | None = None,
    client_id: str | None = None,
) -> Submitted:
    """Store one returned invitation (phone or paper), counting its code once (module doc)."""
    if channel not in CHANNELS:
        raise ValueError(channel)
    digits = normalise_code(code)
    if len(digits) != 16 or not digits.isdigit():
        raise ReviewError(422, "邀请码应为 16 位数字。 An invitation code has 16 digits.")
    if not is_valid_code(digits):
        raise ReviewError(
            422, "邀请码有误，请核对后重新输入。 The code's digits do not check: mistyped?"
        )
    inv = find_invitation(session, digits)
    if inv is None:
        raise ReviewError(404, "没有这个邀请码，请核对邀请函上的号码。 No such invitation code.")
    review = get_review(session, inv.review)
    if review_id is not None and inv.review != review_id:
        raise ReviewError(
            422,
            f"这个邀请码属于另一次评议（{review.hall} {review.quarter}）。"
            f" This code belongs to review {review.id} ({review.hall} {review.quarter}).",
        )
    if review.closed_at is not None:
        raise ReviewError(403, "本次评议已经结束，感谢您的关注。 This review is closed.")
    _check_answers(session, review, answers)
    digest = _digest(answers, phone, client_id)
    assert inv.id is not None and review.id is not None
    claimed = session.execute(
        update(m.ReviewInvitation)
        .where(col(m.ReviewInvitation.id) == inv.id, col(m.ReviewInvitation.used_at).is_(None))
        .values(used_at=now, channel=channel, submission=digest)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.expire(inv)
        used = session.get(m.ReviewInvitation, inv.id)
        assert used is not None
        if used.submission == digest and used.channel == channel and used.response is not None:
            return Submitted(review.id, used.response, channel, len(answers), again=True)
        how = "网上" if used.channel == "phone" else "纸质表"
        raise ReviewError(
            409,
            f"这个邀请码已经用过了（{how}提交）。每个邀请码只能评价一次。"
            f" This code was already used ({used.channel}).",
        )
    response = m.ReviewResponse(review=review.id, channel=channel, received_at=now, phone=phone)
    session.add(response)
    session.flush()
    assert response.id is not None
    session.add_all(
        m.ReviewAnswer(
            response=response.id,
            review=review.id,
            section=a.section,
            problems=sorted(set(a.problems), key=list(PROBLEMS).index),
            comment=a.comment or None,
        )
        for a in answers
    )
    session.execute(
        update(m.ReviewInvitation)
        .where(col(m.ReviewInvitation.id) == inv.id)
        .values(response=response.id)
    )
    # The board's aggregates (their ETag) must see the answers.
    session.execute(
        update(m.Hall)
        .where(col(m.Hall.code) == review.hall)
        .values(data_version=col(m.Hall.data_version) + 1)
    )
    log.info("review %d: a %s response on %d section(s)", review.id, channel, len(answers))
    return Submitted(review.id, response.id, channel, len(answers), again=False)


# ---------------------------------------------------------------- what the office and the board read


def review_summary(session: Session, review: m.Review) -> dict[str, Any]:
    """The review with its response rate: sent, answered by phone, on paper."""
    Inv = m.ReviewInvitation
    kinds = dict(
        session.execute(
            select(Inv.kind, func.count()).where(Inv.review == review.id).group_by(col(Inv.kind))
        ).all()
    )
    used = dict(
        session.execute(
            select(Inv.channel, func.count())
            .where(Inv.review == review.id, col(Inv.used_at).is_not(None))
            .group_by(col(Inv.channel))
        ).all()
    )
    sent = int(sum(kinds.values()))
    phone, paper = int(used.get("phone", 0)), int(used.get("paper", 0))
    return {
        "id": review.id,
        "hall": review.hall,
        "quarter": review.quarter,
        "title": review.title,
        "letter": review.letter,
        "created_at": review.created_at,
        "closed_at": review.closed_at,
        "sections": review_sections(session, review),
        "invitations": {
            "sent": sent,
            "listed": int(kinds.get("listed", 0)),
            "blank": int(kinds.get("blank", 0)),
        },
        "responses": {"phone": phone, "paper": paper, "total": phone + paper},
        "response_rate": round((phone + paper) / sent, 4) if sent else None,
    }


def review_results(session: Session, review: m.Review) -> dict[str, Any]:
    """Per section: answers, how many named a problem, each indicator's count, comments; and
    the call-back requests (phone numbers: the office's only)."""
    A, R = m.ReviewAnswer, m.ReviewResponse
    per: dict[str, dict[str, Any]] = {}
    for section, problems, comment in session.execute(
        select(A.section, A.problems, A.comment).where(A.review == review.id).order_by(col(A.id))
    ):
        d = per.setdefault(
            section, {"answers": 0, "with_problems": 0, "problems": Counter(), "comments": []}
        )
        d["answers"] += 1
        d["with_problems"] += bool(problems)
        d["problems"].update(problems)
        if comment:
            d["comments"].append(comment)
    sections = []
    for s in review_sections(session, review):
        d = per.get(s["code"], {"answers": 0, "with_problems": 0, "problems": {}, "comments": []})
        sections.append(
            s
            | {
                "answers": d["answers"],
                "with_problems": d["with_problems"],
                "problems": {p: int(d["problems"].get(p, 0)) for p in PROBLEMS},
                "comments": d["comments"],
            }
        )
    callbacks = []
    for rid, channel, received_at, phone in session.execute(
        select(R.id, R.channel, R.received_at, R.phone)
        .where(R.review == review.id, col(R.phone).is_not(None))
        .order_by(col(R.received_at))
    ):
        named = session.execute(
            select(A.section, A.problems, A.comment).where(A.response == rid)
        ).all()
        callbacks.append(
            {
                "response": rid,
                "channel": channel,
                "received_at": received_at,
                "phone": phone,
                "sections": [
                    {"section": sec, "problems": list(p), "comment": c} for sec, p, c in named
                ],
            }
        )
    return {"review": review.id, "sections": sections, "callbacks": callbacks}


def review_for_aggregates(session: Session, hall: str, quarter: str) -> dict[str, Any] | None:
    """The review of a hall's quarter as the board's ranking needs it, or None."""
    review = session.exec(
        select(m.Review).where(m.Review.hall == hall, m.Review.quarter == quarter)
    ).first()
    if review is None:
        return None
    A = m.ReviewAnswer
    answers: Counter[str] = Counter()
    hard: Counter[str] = Counter()
    problems: Counter[tuple[str, str]] = Counter()
    for section, marked in session.execute(
        select(A.section, A.problems).where(A.review == review.id)
    ):
        answers[section] += 1
        if marked:
            hard[section] += 1
            problems.update((section, p) for p in marked)
    summary = review_summary(session, review)
    return {
        "id": review.id,
        "title": review.title,
        "closed": review.closed_at is not None,
        "sections": [s["code"] for s in summary["sections"]],
        "invitations": summary["invitations"]["sent"],
        "responses": summary["responses"]["total"],
        "answers": [
            {"section": s, "n": answers[s], "with_problems": hard[s]} for s in sorted(answers)
        ],
        "problem_counts": [
            {"section": s, "problem": p, "n": n} for (s, p), n in sorted(problems.items())
        ],
    }
