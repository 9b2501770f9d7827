"""``POST /enroll``: a one-time code becomes a terminal's own credential for one window."""

from __future__ import annotations

import logging
import math
import uuid
from datetime import datetime

from fastapi import APIRouter, HTTPException, Request, status
from sqlmodel import col, select, update

from sync.server import models as m
from sync.server.api.deps import ClockDep, DbDep, unauthorized
from sync.server.api.errors import responses
from sync.server.audit import Actor, record_audit
from sync.server.core.security import FailureLimiter, hash_secret, new_token, normalise_code
from sync.server.phone_ratings import client_key
from sync.server.schemas import EnrolIn, EnrolOut

router = APIRouter(tags=["terminal"])
log = logging.getLogger(__name__)


# The phone channel's virtual terminals (qr-<hall>-<window>) are the server's own: a kiosk that
# took one would switch that window's phone ratings off.
RESERVED_PREFIX = "qr-"


@router.post(
    "/enroll", response_model=EnrolOut, responses=responses(400, 401, 403, 409, 413, 422, 429)
)
def enroll(body: EnrolIn, request: Request, db: DbDep, clock: ClockDep) -> EnrolOut:
    """Exchange an enrolment code for a terminal token (the code works once, until it expires).

    A kiosk whose local database was recreated enrols again under a new install id. Too many
    failed attempts from one address answer 429 for a while.
    """
    if body.terminal is not None and body.terminal.lower().startswith(RESERVED_PREFIX):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"terminal ids starting with {RESERVED_PREFIX!r} are reserved for the phone "
            "channel; enrol under the kiosk's own install id",
        )
    failures: FailureLimiter = request.app.state.enrol_failures
    client = client_key(request.client.host if request.client else None)
    wait = failures.wait(client)
    if wait > 0:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"too many failed enrolment attempts from this address; try again in "
            f"{max(1, math.ceil(wait / 60))} min",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    digest = hash_secret(normalise_code(body.code))
    now = clock()
    # A wrong code is found without the store's write lock: a flood of guesses never holds up
    # the kiosks' ratings.
    with db.session() as session:
        found = session.exec(select(m.EnrolmentCode).where(m.EnrolmentCode.code_hash == digest))
        if not _usable(found.first(), now):
            failures.failed(client)
            raise unauthorized("enrolment code unknown, already used or expired; ask for a new one")
    token = new_token()
    with db.write() as session:
        code = session.exec(
            select(m.EnrolmentCode).where(m.EnrolmentCode.code_hash == digest)
        ).first()
        if code is None or not _usable(code, now):  # used by a concurrent request meanwhile
            raise unauthorized("enrolment code unknown, already used or expired; ask for a new one")
        if session.get(m.Window, (code.hall, code.window)) is None:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                detail=f"window {code.window} is no longer in hall {code.hall}'s roster",
            )
        terminal_id = body.terminal or uuid.uuid4().hex
        terminal = session.get(m.Terminal, terminal_id)
        if terminal is not None and terminal.channel != "kiosk":
            # The phone channel's virtual terminals are the server's own; no kiosk may take one.
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                detail=f"{terminal_id} is the server's phone-rating channel, not a kiosk id",
            )
        if terminal is not None and terminal.revoked_at is not None:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"terminal {terminal_id} was revoked; enrol under a new install id",
            )
        if terminal is None:
            terminal = m.Terminal(
                id=terminal_id, hall=code.hall, window=code.window, enrolled_at=now
            )
        elif terminal.hall != code.hall or terminal.window != code.window:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                detail=f"terminal {terminal_id} is enrolled for window {terminal.window} of hall "
                f"{terminal.hall}; a kiosk moved to another window enrols under a new install id",
            )
        else:
            # Same kiosk, same window, lost its token: the old token stops working.
            session.execute(
                update(m.Credential)
                .where(
                    col(m.Credential.terminal) == terminal_id,
                    col(m.Credential.revoked_at).is_(None),
                )
                .values(revoked_at=now)
            )
        session.add(terminal)
        session.flush()
        session.add(
            m.Credential(
                kind="terminal", token_hash=hash_secret(token), hall=code.hall, terminal=terminal_id
            )
        )
        code.used_at = now
        code.terminal = terminal_id
        session.add(code)
        record_audit(
            session,
            Actor("terminal", terminal_id),
            "terminal.enrol",
            f"terminal:{terminal_id}",
            None,
            {"hall": code.hall, "window": code.window, "enrolment_code": code.id},
            hall=code.hall,
            at=now,
        )
        answer = EnrolOut(terminal=terminal_id, token=token, window=code.window, hall=code.hall)
    log.info(
        "terminal %s enrolled for window %s of hall %s", terminal_id, answer.window, answer.hall
    )
    return answer


def _usable(code: m.EnrolmentCode | None, now: datetime) -> bool:
    return code is not None and code.used_at is None and code.expires_at > now
