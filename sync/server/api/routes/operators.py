"""``/admin/operators``: the office creates operators, resets passwords, disables accounts.

An office operator manages only accounts whose halls are all its own, and gives only its own
halls; the admin token manages every account. Each change is in the audit log (never a
password or its hash).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from sync.server import models as m
from sync.server.api.deps import ClockDep, DbDep, OfficeDep, Principal, SessionDep, SettingsDep
from sync.server.api.errors import responses
from sync.server.audit import record_audit
from sync.server.core.config import Settings
from sync.server.operators import (
    end_sessions,
    hash_password,
    new_password,
    operator_record,
    password_problem,
)
from sync.server.schemas import (
    CODE_PATTERN,
    OPERATOR_NAME_PATTERN,
    OperatorCreatedOut,
    OperatorIn,
    OperatorOut,
    PasswordResetIn,
    PasswordResetOut,
)

router = APIRouter(prefix="/admin/operators", tags=["operators"])
log = logging.getLogger(__name__)

NamePath = Annotated[str, Path(pattern=OPERATOR_NAME_PATTERN)]


def _out(o: m.Operator) -> OperatorOut:
    return OperatorOut.model_validate(operator_record(o))


def _primary_hall(o: m.Operator) -> str | None:
    return o.halls[0] if o.halls else None


def _manageable(session: Session, who: Principal, name: str) -> m.Operator:
    """The operator ``name`` if ``who`` may manage it (404 / 403 otherwise), row locked."""
    o = session.exec(
        select(m.Operator).where(m.Operator.name == name).with_for_update()
    ).one_or_none()
    if o is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no operator {name}")
    for hall in o.halls:
        who.require_hall(hall)
    return o


def _choose_password(given: str | None, name: str, settings: Settings) -> tuple[str, bool]:
    if given is None:
        return new_password(), True
    problem = password_problem(given, name, settings)
    if problem:
        raise HTTPException(422, detail=problem)
    return given, False


@router.get("", response_model=list[OperatorOut], responses=responses(401, 403, 422))
def list_operators(
    who: OfficeDep,
    session: SessionDep,
    hall: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    include_disabled: bool = True,
) -> list[OperatorOut]:
    """The operators of the caller's halls (the admin token: all), by name."""
    if hall is not None:
        who.require_hall(hall)
    rows = session.exec(select(m.Operator).order_by(col(m.Operator.name)))
    mine = who.halls
    out = []
    for o in rows:
        if mine is not None and not set(o.halls) & set(mine):
            continue
        if hall is not None and hall not in o.halls:
            continue
        if not include_disabled and o.disabled_at is not None:
            continue
        out.append(_out(o))
    return out


@router.post(
    "",
    status_code=201,
    response_model=OperatorCreatedOut,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
async def create_operator(
    body: OperatorIn, who: OfficeDep, db: DbDep, settings: SettingsDep, clock: ClockDep
) -> OperatorCreatedOut:
    """A new operator account; without ``password`` the server makes one and answers it once."""
    halls = list(dict.fromkeys(body.halls))
    if body.role == "unit" and (len(halls) != 1 or not body.unit):
        raise HTTPException(
            422,
            detail="a unit operator needs exactly one hall and its unit",
        )
    if body.role != "unit" and body.unit:
        raise HTTPException(
            422,
            detail=f"only a unit operator has a unit; a {body.role} operator has halls",
        )
    for hall in halls:
        who.require_hall(hall)
    password, made = _choose_password(body.password, body.name, settings)
    password_hash = await run_in_threadpool(hash_password, password)
    o = await run_in_threadpool(_create, db, who, body, halls, password_hash, clock())
    log.info("operator %s (%s) created by %s", o.name, o.role, who.name)
    return OperatorCreatedOut.model_validate(
        operator_record(o) | {"password": password if made else None}
    )


def _create(
    db: DbDep, who: Principal, body: OperatorIn, halls: list[str], pw_hash: str, now: datetime
) -> m.Operator:
    try:
        with db.write() as session:
            for hall in halls:
                if session.get(m.Hall, hall) is None:
                    raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no hall {hall}")
            if body.unit and session.get(m.Unit, (halls[0], body.unit)) is None:
                raise HTTPException(
                    status.HTTP_404_NOT_FOUND, detail=f"no unit {body.unit} in hall {halls[0]}"
                )
            if session.exec(select(m.Operator).where(m.Operator.name == body.name)).first():
                raise HTTPException(
                    status.HTTP_409_CONFLICT, detail=f"an operator {body.name} exists already"
                )
            o = m.Operator(
                name=body.name,
                full_name=body.full_name,
                role=body.role,
                halls=halls,
                unit=body.unit,
                password_hash=pw_hash,
                created_at=now,
                created_by=who.name,
                password_set_at=now,
            )
            session.add(o)
            session.flush()
            record_audit(
                session,
                who.actor,
                "operator.create",
                f"operator:{o.name}",
                None,
                operator_record(o),
                hall=_primary_hall(o),
                at=now,
            )
    except IntegrityError:  # the same name created concurrently
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"an operator {body.name} exists already"
        ) from None
    return o


@router.post(
    "/{name}/password",
    response_model=PasswordResetOut,
    responses=responses(400, 401, 403, 404, 413, 422),
)
async def reset_password(
    name: NamePath,
    who: OfficeDep,
    db: DbDep,
    settings: SettingsDep,
    clock: ClockDep,
    body: PasswordResetIn | None = None,
) -> PasswordResetOut:
    """Set a new password (given, or made and answered once); unlocks the account and ends
    its sessions."""
    password, made = _choose_password(body.password if body else None, name, settings)
    password_hash = await run_in_threadpool(hash_password, password)
    now = clock()

    def apply() -> int:
        with db.write() as session:
            o = _manageable(session, who, name)
            assert o.id is not None
            before = operator_record(o)
            o.password_hash = password_hash
            o.password_set_at = now
            o.failed_signins, o.retry_at, o.locked_until = 0, None, None
            session.add(o)
            ended = end_sessions(session, o.id, now)
            record_audit(
                session,
                who.actor,
                "operator.reset_password",
                f"operator:{o.name}",
                before,
                operator_record(o),
                hall=_primary_hall(o),
                at=now,
            )
            return ended

    ended = await run_in_threadpool(apply)
    log.info("password of operator %s reset by %s", name, who.name)
    return PasswordResetOut(name=name, password=password if made else None, sessions_ended=ended)


def _set_disabled(
    db: DbDep, who: Principal, name: str, disabled: bool, now: datetime
) -> m.Operator:
    with db.write() as session:
        o = _manageable(session, who, name)
        assert o.id is not None
        if disabled and who.operator is not None and who.operator.id == o.id:
            raise HTTPException(
                status.HTTP_409_CONFLICT, detail="an operator cannot disable its own account"
            )
        before = operator_record(o)
        if disabled and o.disabled_at is None:
            o.disabled_at = now
            end_sessions(session, o.id, now)
        elif not disabled and o.disabled_at is not None:
            o.disabled_at = None
            o.failed_signins, o.retry_at, o.locked_until = 0, None, None
        else:
            return o  # nothing changes: nothing to record
        session.add(o)
        record_audit(
            session,
            who.actor,
            "operator.disable" if disabled else "operator.enable",
            f"operator:{o.name}",
            before,
            operator_record(o),
            hall=_primary_hall(o),
            at=now,
        )
    log.info("operator %s %s by %s", name, "disabled" if disabled else "enabled", who.name)
    return o


@router.post(
    "/{name}/disable", response_model=OperatorOut, responses=responses(401, 403, 404, 409, 422)
)
def disable_operator(name: NamePath, who: OfficeDep, db: DbDep, clock: ClockDep) -> OperatorOut:
    """Disable an account: its sessions end at once and it cannot sign in (its records stay)."""
    return _out(_set_disabled(db, who, name, True, clock()))


@router.post("/{name}/enable", response_model=OperatorOut, responses=responses(401, 403, 404, 422))
def enable_operator(name: NamePath, who: OfficeDep, db: DbDep, clock: ClockDep) -> OperatorOut:
    """Enable a disabled account again (and lift a lock)."""
    return _out(_set_disabled(db, who, name, False, clock()))
