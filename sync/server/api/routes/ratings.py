"""``POST /ratings/batch``: a terminal pushes its ratings; every record gets a status."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from sync.server.api.deps import ClockDep, DbDep, SettingsDep, TerminalDep
from sync.server.api.errors import describe_error, responses
from sync.server.ingest import WrongTerminal, ingest_batch
from sync.server.schemas import BatchIn, BatchOut

router = APIRouter(prefix="/ratings", tags=["terminal"])
log = logging.getLogger(__name__)


@router.post(
    "/batch", response_model=BatchOut, responses=responses(400, 401, 403, 409, 413, 422, 429)
)
def push_batch(
    body: BatchIn, who: TerminalDep, db: DbDep, settings: SettingsDep, clock: ClockDep
) -> Any:
    """Store a batch idempotently: ``stored``, ``duplicate`` (already here) or ``rejected``.

    A record of another terminal or window refuses the whole batch with 403 and stores nothing.
    """
    assert who.terminal is not None
    for attempt in (1, 2):
        now = clock()
        try:
            with db.write() as session:
                answer = ingest_batch(
                    session,
                    who.terminal.id,
                    body.records,
                    now=now,
                    settings=settings,
                    careful=attempt == 2,
                )
            break
        except WrongTerminal as e:
            log.warning("terminal %s: batch refused: %s", who.terminal.id, e)
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(e)) from None
        except IntegrityError as e:
            # An id already stored under another seq or terminal (or stored by a concurrent
            # batch): the careful second attempt looks every id up and answers conflict.
            if attempt == 2:
                # Described, never printed: PostgreSQL's DETAIL quotes the row (a phone number).
                log.error(
                    "terminal %s: batch conflicts twice: %s", who.terminal.id, describe_error(e)
                )
                raise HTTPException(
                    status.HTTP_409_CONFLICT, detail="conflicting concurrent batch; retry"
                ) from None
    # Built by hand: validating 500 result models again costs more than the answer is worth.
    return JSONResponse(
        {
            "results": [
                {"id": r.id, "seq": r.seq, "status": r.status, "reason": r.reason}
                for r in answer.results
            ],
            "highest_contiguous_seq": answer.highest_contiguous_seq,
            "server_time": now.isoformat().replace("+00:00", "Z"),
        }
    )
