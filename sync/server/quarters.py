"""Publishing a quarter: close it with the standings of that moment, reopen it with a reason.

The standings engine lives with the board (``board.standings``), so the office's client ranks
the quarter's aggregates and sends the result with the digest of the aggregates it ranked. The
store closes the quarter only if that digest is the digest of the aggregates *now* (nothing
changed in between), and keeps both: what was published and what it was ranked from. While a
quarter is closed, ``GET /halls/{hall}/aggregates`` answers the stored aggregates with the
published standings, and every change to the quarter's records (inspections, misconduct,
appeals, decisions on flagged ratings) is refused until the office reopens it with a reason.
Ratings still arrive (a kiosk offline for weeks must lose nothing) but do not change what was
published.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col

from sync.publish import aggregates_digest
from sync.quarter import Quarter
from sync.server import models as m
from sync.server.refusals import Conflict, Invalid

__all__ = [
    "bump_hall",
    "close_quarter",
    "published_aggregates",
    "published_out",
    "reopen_quarter",
    "ensure_open",
    "quarter_state",
]


def quarter_state(session: Session, hall: str, quarter: str) -> m.PublishedQuarter | None:
    return session.get(m.PublishedQuarter, (hall, quarter))


def ensure_open(session: Session, hall: str, quarter: str, what: str) -> None:
    """Raise ``Conflict`` if ``quarter`` of ``hall`` is closed (published)."""
    pq = quarter_state(session, hall, quarter)
    if pq is not None and pq.closed:
        raise Conflict(
            f"quarter {quarter} of hall {hall} is closed (published "
            f"{pq.closed_at:%Y-%m-%d} by {pq.closed_by}); reopen it with a reason before "
            f"changing {what}"
        )


def bump_hall(session: Session, hall: str) -> None:
    """Something the board sees changed: a new aggregates ETag."""
    session.execute(
        update(m.Hall).where(col(m.Hall.code) == hall).values(data_version=m.Hall.data_version + 1)
    )


def published_aggregates(
    session: Session, hall: str, quarter: str, now: datetime
) -> dict[str, Any] | None:
    """A closed quarter's aggregates as they were ranked, with what was published; else None."""
    pq = quarter_state(session, hall, quarter)
    if pq is None or not pq.closed:
        return None
    return dict(pq.aggregates) | {
        "generated_at": now.isoformat(),
        "published": published_out(pq) | {"standings": pq.standings},
    }


def published_out(pq: m.PublishedQuarter) -> dict[str, Any]:
    """A quarter's publication record (without the standings themselves)."""
    return {
        "hall": pq.hall,
        "quarter": pq.quarter,
        "state": "closed" if pq.closed else "reopened",
        "digest": pq.digest,
        "closed_at": pq.closed_at.isoformat(),
        "closed_by": pq.closed_by,
        "reopened_at": pq.reopened_at.isoformat() if pq.reopened_at else None,
        "reopened_by": pq.reopened_by,
        "reopen_reason": pq.reopen_reason,
    }


def close_quarter(
    session: Session,
    hall: m.Hall,
    quarter: str,
    *,
    digest: str,
    standings: dict[str, Any],
    current: dict[str, Any],
    by: str,
    now: datetime,
) -> tuple[m.PublishedQuarter, dict[str, Any] | None]:
    """Publish ``standings`` ranked from aggregates with ``digest``; ``current`` are the
    quarter's aggregates now. Returns the record and its state before (None: first close)."""
    last = Quarter.parse(quarter).last_day
    if now.astimezone(ZoneInfo(hall.tz)).date() <= last:
        raise Conflict(f"quarter {quarter} runs until {last}; close it after it has ended")
    pq = quarter_state(session, hall.code, quarter)
    if pq is not None and pq.closed:
        raise Conflict(f"quarter {quarter} of hall {hall.code} is closed already")
    now_digest = aggregates_digest(current)
    if digest != now_digest:
        raise Conflict(
            "the quarter's records changed since these standings were computed (the digest "
            "of the aggregates differs); fetch the aggregates again, rank them and close again"
        )
    if standings.get("quarter") != quarter or not isinstance(standings.get("units"), list):
        raise Invalid(f"standings must be the engine's output for quarter {quarter}")
    before = None
    if pq is None:
        pq = m.PublishedQuarter(hall=hall.code, quarter=quarter, digest=digest, closed_by=by)
        pq.version = 0
    else:
        before = published_out(pq)
    pq.closed = True
    pq.standings = standings
    pq.aggregates = {k: v for k, v in current.items() if k != "published"}
    pq.digest = digest
    pq.closed_at, pq.closed_by = now, by
    pq.version += 1
    session.add(pq)
    bump_hall(session, hall.code)
    session.flush()
    return pq, before


def reopen_quarter(
    session: Session, hall: str, quarter: str, reason: str, by: str, now: datetime
) -> tuple[m.PublishedQuarter, dict[str, Any]]:
    """Reopen a closed quarter (its records may change again); returns it and its state before."""
    if not reason.strip():
        raise Invalid("reopening a published quarter needs a reason")
    pq = quarter_state(session, hall, quarter)
    if pq is None or not pq.closed:
        raise Conflict(f"quarter {quarter} of hall {hall} is not closed")
    before = published_out(pq)
    pq.closed = False
    pq.reopened_at, pq.reopened_by, pq.reopen_reason = now, by, reason.strip()
    pq.version += 1
    session.add(pq)
    bump_hall(session, hall)
    session.flush()
    return pq, before
