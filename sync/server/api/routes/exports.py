"""What the quarter's export reads: a hall's ratings, page by page.

``GET /admin/halls/{hall}/ratings`` pages with a keyset cursor over ``(received_at, terminal,
seq)`` (unique, since ``(terminal, seq)`` is): the store's arrival order, each terminal's ratings
in their own order within a batch. Each page is one index range scan of
``ix_rating_hall_quarter_received`` that starts where the last page ended, so page 200 costs what page 1 costs and neither side ever holds the quarter. (An
OFFSET would rescan every earlier row; the old ``GET /admin/ratings`` has no cursor at all.)
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy import Text, cast, literal, tuple_
from sqlmodel import col, select

from sync.server import models as m
from sync.server.api.deps import OfficeDep, SessionDep
from sync.server.api.errors import responses
from sync.server.core.types import UTCDateTime
from sync.server.ingest import CLOCK_FLAGS
from sync.server.schemas import CODE_PATTERN, QUARTER_PATTERN, TEXT_PATTERN, RatingPageOut

router = APIRouter(prefix="/admin/halls", tags=["admin"])
log = logging.getLogger(__name__)

DEFAULT_PAGE = 5000
MAX_PAGE = 10000

# The columns a page carries, in this order (plain tuples: an ORM entity per row would cost
# more than the query). The JSON lists come as their text: most are "[]" (only a 差评 has
# reasons, few ratings have flags), and decoding every one through the driver's JSON loader was
# half the cost of a page.
_COLUMNS: tuple[Any, ...] = (
    m.Rating.id,
    m.Rating.terminal,
    m.Rating.seq,
    m.Rating.window,
    m.Rating.unit,
    m.Rating.staff,
    m.Rating.level,
    cast(m.Rating.reasons, Text),
    m.Rating.phone,
    m.Rating.device_time,
    m.Rating.received_at,
    cast(m.Rating.flags, Text),
    cast(m.Rating.server_flags, Text),
    m.Rating.flagged,
    m.Rating.released,
    m.Rating.section,
    m.Rating.appealed,
)


def encode_cursor(received_at: datetime, terminal: str, seq: int) -> str:
    raw = f"{received_at.astimezone(UTC).isoformat()}|{seq}|{terminal}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str, int]:
    """``(received_at, terminal, seq)`` of the previous page's last row; ValueError if the
    text is not a cursor this server made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, seq, terminal = raw.split("|", 2)
        at = datetime.fromisoformat(stamp)
        number = int(seq)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValueError("not a cursor this server handed out") from None
    if at.tzinfo is None or not terminal:
        raise ValueError("not a cursor this server handed out")
    return at, terminal, number


def _list(text: str | None) -> list[str]:
    if not text or text == "[]":
        return []
    value = json.loads(text)
    return value if isinstance(value, list) else []


def _local_time(
    device_time: str, received_at: datetime, server_flags: list[str], zone: ZoneInfo
) -> str:
    """The moment the store filed the rating under (its quarter and week), in the hall's zone:
    the device's clock, or the arrival time when the server found that clock implausible."""
    when = received_at
    # (Most ratings carry no server flag: test that before building a generator per row.)
    if not server_flags or not any(f in CLOCK_FLAGS for f in server_flags):
        try:
            when = datetime.fromisoformat(device_time)
        except ValueError:
            pass
    try:
        return when.astimezone(zone).isoformat(timespec="seconds")
    except OverflowError:
        return received_at.astimezone(zone).isoformat(timespec="seconds")


@router.get(
    "/{hall}/ratings",
    response_model=RatingPageOut,
    responses=responses(401, 403, 404, 422, 429),
)
def rating_page(
    who: OfficeDep,
    session: SessionDep,
    hall: Annotated[str, Path(pattern=CODE_PATTERN)],
    quarter: Annotated[str, Query(pattern=QUARTER_PATTERN, description="e.g. 2026Q3")],
    after: Annotated[
        str | None,
        Query(
            max_length=300,
            pattern=TEXT_PATTERN,
            description="the previous page's `next`; absent for the first",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    contacts: Annotated[
        bool, Query(description="include the phone numbers citizens left (else null)")
    ] = False,
) -> Any:
    """One page of a hall's quarter, oldest received first; ``next`` is null on the last page.

    ``time`` is the rating's local time in the hall's zone (the device's clock, or the arrival
    time when that clock was flagged). Phone numbers come only with ``contacts=true``.
    """
    h = who.readable_hall(session, hall)
    zone = ZoneInfo(h.tz)
    R = m.Rating
    stmt = select(*_COLUMNS).where(R.hall == hall, R.quarter == quarter)
    if after is not None:
        try:
            at, terminal, seq = decode_cursor(after)
        except ValueError as e:
            raise HTTPException(422, detail=f"after: {e}") from None
        key = tuple_(col(R.received_at), col(R.terminal), col(R.seq))
        # Typed binds: the cursor's time must be stored-shaped (naive UTC text on SQLite).
        start = tuple_(literal(at, UTCDateTime()), literal(terminal), literal(seq))
        stmt = stmt.where(key > start)
    stmt = stmt.order_by(col(R.received_at), col(R.terminal), col(R.seq)).limit(limit)
    rows = session.execute(stmt).all()
    out = []
    for (rid, term, seq, window, unit, staff, level, reasons, phone, device_time, received,
         flags, server_flags, flagged, released, section, appealed) in rows:  # fmt: skip
        server_flags = _list(server_flags)
        out.append(
            {
                "id": rid,
                "terminal": term,
                "seq": seq,
                "window": window,
                "unit": unit,
                "staff": staff,
                "level": level,
                "reasons": _list(reasons),
                "phone": phone if contacts else None,
                "time": _local_time(device_time, received, server_flags, zone),
                "received_at": received.isoformat(),
                "flags": _list(flags),
                "server_flags": server_flags,
                "flagged": flagged,
                "released": released,
                "section": section,
                "appealed": appealed,
            }
        )
    nxt = encode_cursor(rows[-1][10], rows[-1][1], rows[-1][2]) if len(rows) == limit else None
    if contacts and out:
        log.info("rating page of hall %s %s with contacts (%d rows)", hall, quarter, len(out))
    return JSONResponse({"hall": hall, "quarter": quarter, "ratings": out, "next": nxt})
