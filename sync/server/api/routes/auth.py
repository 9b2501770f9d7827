"""``/auth/session``: an operator signs in (name, password → session token) and out;
``/auth/password``: an operator changes its own password."""

from __future__ import annotations

import logging
import math
from datetime import datetime

from fastapi import APIRouter, HTTPException, status
from fastapi.concurrency import run_in_threadpool
from sqlmodel import col, select, update

from sync.server import models as m
from sync.server.api.deps import (
    ClockDep,
    DbDep,
    OperatorSessionDep,
    PrincipalDep,
    SettingsDep,
    forbidden,
)
from sync.server.api.errors import responses
from sync.server.audit import Actor, record_audit
from sync.server.core.db import Database
from sync.server.operators import (
    SignInRefused,
    hash_password,
    operator_record,
    password_problem,
    sign_in,
    verify_password,
)
from sync.server.schemas import (
    OperatorOut,
    PasswordChangeIn,
    SessionIn,
    SessionInfoOut,
    SessionOut,
)

router = APIRouter(prefix="/auth", tags=["operators"])
log = logging.getLogger(__name__)


@router.post(
    "/session", response_model=SessionOut, responses=responses(400, 401, 403, 413, 422, 429)
)
async def create_session(
    body: SessionIn, db: DbDep, settings: SettingsDep, clock: ClockDep
) -> SessionOut:
    """Sign in with name and password: a session token valid for ``HALL_SESSION_HOURS``.

    Wrong name or password: 401 (which of the two is not said). Repeated failures: 429 with
    ``Retry-After`` (slower and slower, then the account is locked for a while). A disabled
    account with the right password: 403.
    """
    try:
        done = await run_in_threadpool(sign_in, db, settings, body.name, body.password, clock())
    except SignInRefused as e:
        headers = {"WWW-Authenticate": "Bearer"} if e.status == 401 else None
        if e.retry_after is not None:
            headers = {"Retry-After": str(max(1, math.ceil(e.retry_after)))}
        raise HTTPException(e.status, detail=e.message, headers=headers) from None
    return SessionOut(
        token=done.token,
        expires_at=done.expires_at,
        operator=OperatorOut.model_validate(operator_record(done.operator)),
    )


@router.get("/session", response_model=SessionInfoOut, responses=responses(401, 403))
def session_info(who: PrincipalDep) -> SessionInfoOut:
    """Who this credential is: an operator's name, role, halls, unit and expiry (or the admin)."""
    if who.kind not in ("admin", "operator"):
        raise forbidden("this tells an operator's session or the admin token who it is")
    halls = who.halls
    return SessionInfoOut(
        kind="admin" if who.kind == "admin" else "operator",
        name=who.name,
        role=who.role,  # type: ignore[arg-type]
        halls=None if halls is None else list(halls),
        unit=who.unit,
        expires_at=who.expires_at,
    )


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT, responses=responses(401, 403))
def delete_session(who: OperatorSessionDep, db: DbDep, clock: ClockDep) -> None:
    """Sign out: this session's token answers 401 from now on."""
    now = clock()
    o = who.operator
    assert o is not None
    with db.write() as session:
        session.execute(
            update(m.Credential)
            .where(col(m.Credential.id) == who.credential_id)
            .values(revoked_at=now)
        )
        record_audit(
            session,
            who.actor,
            "session.sign_out",
            f"operator:{o.name}",
            {"expires_at": who.expires_at},
            None,
            hall=o.halls[0] if o.halls else None,
            at=now,
        )
    log.info("operator %s signed out", o.name)


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(400, 401, 403, 413, 422),
)
async def change_password(
    body: PasswordChangeIn,
    who: OperatorSessionDep,
    db: DbDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> None:
    """Change one's own password (e.g. after a reset); other sessions of the account end."""
    o = who.operator
    assert o is not None and o.id is not None
    problem = password_problem(body.new, o.name, settings)
    if problem:
        raise HTTPException(422, detail=problem)
    ok, _ = await run_in_threadpool(verify_password, body.current, o.password_hash)
    if not ok:
        raise forbidden("the current password is wrong")
    new_hash = await run_in_threadpool(hash_password, body.new)
    await run_in_threadpool(
        _store_password, db, who.actor, o.id, who.credential_id, new_hash, clock()
    )


def _store_password(
    db: Database, actor: Actor, operator_id: int, keep: int, new_hash: str, now: datetime
) -> None:
    with db.write() as session:
        o = session.exec(select(m.Operator).where(m.Operator.id == operator_id)).one()
        before = operator_record(o)
        o.password_hash = new_hash
        o.password_set_at = now
        session.add(o)
        session.execute(
            update(m.Credential)
            .where(
                col(m.Credential.operator) == operator_id,
                col(m.Credential.id) != keep,
                col(m.Credential.revoked_at).is_(None),
            )
            .values(revoked_at=now)
        )
        record_audit(
            session,
            actor,
            "operator.change_password",
            f"operator:{o.name}",
            before,
            operator_record(o),
            hall=o.halls[0] if o.halls else None,
            at=now,
        )
    log.info("operator %s changed its password", o.name)
