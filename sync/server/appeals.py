"""Decisions on ratings: appeals against a 差评 (申诉复核) and the office's word on flagged ones.

* A unit appeals one of its scored 差评 within ``appeal_days`` [5] working days of the day it
  arrived, with a reason. The office accepts — the rating leaves the scores (kept, marked
  ``appealed``, its counts moved to the excluded ones) and its case is closed — or rejects,
  with a note either way. One appeal per rating.
* A flagged rating (misuse flags, server flags) waits for the office: *release* it into the
  scores (a released 差评 then gets its case) or *confirm it excluded*, with a note.

Both change the quarter's standings, so both are refused while the quarter is closed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from sync.server import models as m
from sync.server.cases import FollowUpRules, calendar_of, close_on_appeal, local_day, open_case_for
from sync.server.ingest import move_to_scored, move_to_unscored
from sync.server.quarters import bump_hall, ensure_open
from sync.server.refusals import Conflict, Invalid, NotFound
from sync.workdays import CalendarError

__all__ = ["appeal_out", "decide_appeal", "decide_flagged", "file_appeal", "flagged_out"]


def _rating(session: Session, rating_id: str) -> m.Rating:
    r = session.get(m.Rating, rating_id)
    if r is None:
        raise NotFound(f"no rating {rating_id}")
    return r


def file_appeal(session: Session, rating_id: str, reason: str, by: str, now: datetime) -> m.Appeal:
    """A unit's appeal against one scored 差评 (the caller checked the unit's scope)."""
    r = _rating(session, rating_id)
    if not reason.strip():
        raise Invalid("an appeal needs a reason (why the 差评 is mistaken or malicious)")
    if r.level > 2:
        raise Conflict(f"rating {r.id} is not a 差评 (level {r.level}); only 差评 can be appealed")
    if r.flagged and not r.released:
        raise Conflict(f"rating {r.id} is flagged and not scored: nothing to appeal")
    old = session.exec(select(m.Appeal).where(m.Appeal.rating == r.id)).first()
    if old is not None:
        raise Conflict(f"rating {r.id} was appealed already (appeal {old.id}, {old.status})")
    hall = session.get(m.Hall, r.hall)
    assert hall is not None
    ensure_open(session, r.hall, r.quarter, "its ratings' appeals")
    days = FollowUpRules.of(hall).appeal_days
    arrived = local_day(hall, r.received_at)
    try:
        last = calendar_of(hall).add_working_days(arrived, days)
    except CalendarError as e:
        raise Conflict(f"cannot tell the appeal deadline: {e}") from None
    if local_day(hall, now) > last:
        raise Conflict(f"the appeal window closed on {last} ({days} working days after {arrived})")
    appeal = m.Appeal(
        rating=r.id,
        hall=r.hall,
        quarter=r.quarter,
        unit=r.unit,
        reason=reason.strip(),
        filed_by=by,
        filed_at=now,
    )
    session.add(appeal)
    session.flush()
    return appeal


def decide_appeal(
    session: Session, appeal_id: int, accept: bool, note: str, by: str, now: datetime
) -> tuple[m.Appeal, dict[str, Any]]:
    """Accept or reject a pending appeal; returns it and its state before."""
    a = session.get(m.Appeal, appeal_id)
    if a is None:
        raise NotFound(f"no appeal {appeal_id}")
    if a.status != "pending":
        raise Conflict(f"appeal {a.id} was decided already ({a.status} by {a.decided_by})")
    if not note.strip():
        raise Invalid("a decision needs a note (what the review found)")
    ensure_open(session, a.hall, a.quarter, "its appeals")
    before = a.model_dump(mode="json")
    a.status = "accepted" if accept else "rejected"
    a.decided_by, a.decided_at, a.decision_note = by, now, note.strip()
    session.add(a)
    if accept:
        r = _rating(session, a.rating)
        if not r.appealed:
            r.appealed = True
            session.add(r)
            move_to_unscored(session, r)
        close_on_appeal(session, r.id, f"申诉复核通过，差评不计分：{note.strip()}", by, now)
    session.flush()
    return a, before


def decide_flagged(
    session: Session, rating_id: str, decision: str, note: str, by: str, now: datetime
) -> tuple[m.Rating, m.RatingDecision, dict[str, Any] | None]:
    """Release a flagged rating into the scores or confirm it excluded, with a note."""
    if decision not in ("release", "exclude"):
        raise Invalid("decision must be release or exclude")
    r = _rating(session, rating_id)
    if not r.flagged:
        raise Conflict(f"rating {r.id} is not flagged")
    if r.released:
        raise Conflict(f"rating {r.id} was released into the scores already")
    ensure_open(session, r.hall, r.quarter, "its flagged ratings")
    old = session.get(m.RatingDecision, r.id)
    before = old.model_dump(mode="json") if old else None
    if decision == "release":
        r.released = True
        session.add(r)
        move_to_scored(session, r)
        hall = session.get(m.Hall, r.hall)
        assert hall is not None
        open_case_for(session, hall, r, now)
    else:
        bump_hall(session, r.hall)  # the board's list of decisions changes, not the scores
    row = old or m.RatingDecision(rating=r.id, decision="", by=by)
    row.decision = "released" if decision == "release" else "excluded"
    row.note, row.by, row.at = note.strip(), by, now
    session.add(row)
    session.flush()
    return r, row, before


def appeal_out(a: m.Appeal, rating: m.Rating | None) -> dict[str, Any]:
    return {
        "id": a.id,
        "rating": a.rating,
        "hall": a.hall,
        "quarter": a.quarter,
        "unit": a.unit,
        "level": rating.level if rating else None,
        "reasons": list(rating.reasons) if rating else [],
        "received_at": rating.received_at if rating else None,
        "reason": a.reason,
        "filed_by": a.filed_by,
        "filed_at": a.filed_at,
        "status": a.status,
        "decided_by": a.decided_by,
        "decided_at": a.decided_at,
        "decision_note": a.decision_note,
    }


def flagged_out(
    session: Session,
    halls: tuple[str, ...] | None,
    *,
    hall: str | None,
    quarter: str | None,
    state: str | None,
    limit: int,
    rating: str | None = None,
) -> list[dict[str, Any]]:
    """Flagged ratings with the office's decision (``pending`` when none), newest first.

    The phone number is not shown here (it belongs with a case), only whether there is one.
    """
    stmt = select(m.Rating, m.RatingDecision).outerjoin(
        m.RatingDecision,
        col(m.RatingDecision.rating) == col(m.Rating.id),
    )
    stmt = stmt.where(col(m.Rating.flagged).is_(True))
    if halls is not None:
        stmt = stmt.where(col(m.Rating.hall).in_(halls))
    if hall:
        stmt = stmt.where(m.Rating.hall == hall)
    if quarter:
        stmt = stmt.where(m.Rating.quarter == quarter)
    if rating:
        stmt = stmt.where(m.Rating.id == rating)
    if state == "pending":
        stmt = stmt.where(col(m.RatingDecision.rating).is_(None))
    elif state in ("released", "excluded"):
        stmt = stmt.where(m.RatingDecision.decision == state)
    stmt = stmt.order_by(col(m.Rating.received_at).desc(), col(m.Rating.id)).limit(limit)
    out = []
    for r, d in session.exec(stmt):
        out.append(
            {
                "id": r.id,
                "hall": r.hall,
                "quarter": r.quarter,
                "unit": r.unit,
                "window": r.window,
                "terminal": r.terminal,
                "level": r.level,
                "reasons": list(r.reasons),
                "device_time": r.device_time,
                "received_at": r.received_at,
                "flags": list(r.flags),
                "server_flags": list(r.server_flags),
                "has_phone": bool(r.phone),
                "state": ("released" if r.released else d.decision)
                if d
                else ("released" if r.released else "pending"),
                "note": d.note if d else None,
                "decided_by": d.by if d else None,
                "decided_at": d.at if d else None,
            }
        )
    return out
