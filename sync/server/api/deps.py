"""Dependencies: the session, the settings, and who is calling (``TerminalDep`` …).

A bearer token is looked up by its SHA-256; the token itself is never logged or stored.
Missing, unknown, revoked or expired credentials (and a disabled operator's sessions) are 401;
a credential of the wrong kind or role, or outside its hall or unit, is 403.
Terminal and board credentials are rate limited (token bucket per credential): 429.

Office-side routes take one of the role dependencies and then check the scope of what they
touch::

    @router.post("/inspections")
    def record(body: InspectionIn, who: OfficeOrInspectorDep, db: DbDep) -> ...:
        who.require_unit(body.hall, body.unit)      # 403 outside its halls / its unit
        with db.write() as session:
            ...
            record_audit(session, who.actor, "inspection.create", f"inspection:{row.id}",
                         None, after, hall=body.hall)

The admin token passes every role check and every scope (it is the bootstrap credential).
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session, select

from sync.server import models as m
from sync.server.audit import Actor
from sync.server.core.config import Settings
from sync.server.core.db import Database
from sync.server.core.security import RateLimiter, hash_secret

__all__ = [
    "AdminDep",
    "AnyOperatorDep",
    "BoardDep",
    "ClockDep",
    "DbDep",
    "OfficeDep",
    "OfficeOrInspectorDep",
    "OfficeOrUnitDep",
    "OperatorSessionDep",
    "Principal",
    "PrincipalDep",
    "ReaderDep",
    "SessionDep",
    "SettingsDep",
    "TerminalDep",
    "forbidden",
    "require_role",
]

KINDS = ("terminal", "board", "admin", "operator")

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="a terminal, board or admin token (hall-admin prints them; /enroll gives a terminal its own), or an operator's session token (POST /auth/session)",
)


# Light dependencies are ``async def``: FastAPI runs sync ones on the thread pool, and each
# hop costs more than the work here.
async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(db: Annotated[Database, Depends(get_db)]) -> AsyncIterator[Session]:
    # Opening a Session touches no database; queries run in the (sync) route on the pool.
    session = db.session()
    try:
        yield session
    finally:
        await run_in_threadpool(session.close)


async def get_clock(request: Request) -> Callable[[], datetime]:
    """The server's clock (``app.state.clock``; tests set a fixed one)."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock


DbDep = Annotated[Database, Depends(get_db)]
ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True)
class Principal:
    """Who is calling: the credential's kind, its hall (if limited to one), its terminal or
    operator. ``kind`` is ``terminal``, ``board``, ``admin`` or ``operator``; an operator has a
    ``role`` (office, inspector, unit), ``halls`` and (role unit) a ``unit``."""

    credential_id: int
    kind: str
    hall: str | None
    terminal: m.Terminal | None = None
    operator: m.Operator | None = None
    expires_at: datetime | None = None

    @property
    def role(self) -> str | None:
        """The operator's role; ``None`` for a token that is not an operator's."""
        return self.operator.role if self.operator is not None else None

    @property
    def name(self) -> str:
        if self.operator is not None:
            return self.operator.name
        if self.terminal is not None:
            return self.terminal.id
        return self.kind

    @property
    def halls(self) -> tuple[str, ...] | None:
        """The halls it may act in; ``None``: every hall (admin, an unlimited board)."""
        if self.kind == "admin":
            return None
        if self.operator is not None:
            return tuple(self.operator.halls)
        return None if self.hall is None else (self.hall,)

    @property
    def unit(self) -> str | None:
        """A unit operator's unit (in its one hall); ``None`` for everyone else."""
        return self.operator.unit if self.operator is not None else None

    @property
    def actor(self) -> Actor:
        """Who the audit log names for this caller."""
        return Actor(self.kind, self.name)

    def may_read_hall(self, hall: str) -> bool:
        halls = self.halls
        return halls is None or hall in halls

    def readable_hall(self, session: Session, hall: str) -> m.Hall:
        """The hall, if this caller may read it: else 403, and 404 when there is no such hall."""
        if not self.may_read_hall(hall):
            raise forbidden(f"this credential may not read hall {hall}")
        h = session.get(m.Hall, hall)
        if h is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no hall {hall!r}")
        return h

    def in_hall(self, hall: str) -> bool:
        """May act in ``hall`` (the admin token and an operator of that hall)."""
        return self.may_read_hall(hall)

    def require_hall(self, hall: str) -> None:
        """403 unless this caller acts in ``hall``."""
        if not self.in_hall(hall):
            raise forbidden(f"{self._who()} may not act in hall {hall}")

    def sees_unit(self, hall: str, unit: str) -> bool:
        """May see ``unit``'s records (its cases, phone numbers): the hall's office, the admin
        token, an inspector of the hall, and that unit's own operators — no other unit."""
        if not self.in_hall(hall):
            return False
        return self.role != "unit" or self.unit == unit

    def require_unit(self, hall: str, unit: str) -> None:
        """403 unless this caller may act on ``unit`` of ``hall`` (see ``sees_unit``)."""
        self.require_hall(hall)
        if self.role == "unit" and self.unit != unit:
            raise forbidden(f"{self._who()} may not act for unit {unit}")

    def hall_filter(self) -> tuple[str, ...] | None:
        """For list queries: ``None`` (every hall) or the halls to restrict them to."""
        return self.halls

    def _who(self) -> str:
        if self.operator is not None:
            scope = f"unit {self.unit}" if self.role == "unit" else ", ".join(self.operator.halls)
            return f"operator {self.operator.name} ({self.role}, {scope})"
        return f"this {self.kind} credential"


def unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=message, headers={"WWW-Authenticate": "Bearer"}
    )


def forbidden(message: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, detail=message)


def get_principal(
    request: Request,
    db: DbDep,
    auth: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if auth is None or not auth.credentials:
        raise unauthorized("missing credential: send 'Authorization: Bearer <token>'")
    # A session of its own, closed at once: a pooled connection held for the whole request
    # while the route takes a second one for its write would drain the pool under load.
    with db.session() as session:
        cred = session.exec(
            select(m.Credential).where(m.Credential.token_hash == hash_secret(auth.credentials))
        ).first()
        terminal = operator = None
        if cred is not None and cred.kind == "terminal" and cred.terminal:
            terminal = session.get(m.Terminal, cred.terminal)
        if cred is not None and cred.kind == "operator" and cred.operator is not None:
            operator = session.get(m.Operator, cred.operator)
    if cred is None or cred.id is None:
        raise unauthorized("unknown credential")
    if cred.kind == "operator":
        if cred.revoked_at is not None:
            raise unauthorized("this session has ended (signed out, or the password was reset)")
        now = request.app.state.clock()
        if cred.expires_at is None or cred.expires_at <= now:
            raise unauthorized("this session has expired; sign in again")
        if operator is None or operator.disabled_at is not None:
            raise unauthorized("this operator account is disabled")
    if cred.revoked_at is not None:
        raise unauthorized("this credential was revoked")
    if cred.kind == "terminal":
        if terminal is None or terminal.revoked_at is not None:
            raise unauthorized(f"terminal {cred.terminal} was revoked; enrol it again")
    if cred.kind in ("terminal", "board"):
        limiter: RateLimiter = request.app.state.limiter
        wait = limiter.take(f"credential:{cred.id}")
        if wait > 0:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                detail=f"too many requests; retry in {wait:.1f} s",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
    return Principal(cred.id, cred.kind, cred.hall, terminal, operator, cred.expires_at)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def require_terminal(p: PrincipalDep) -> Principal:
    if p.kind != "terminal" or p.terminal is None:
        raise forbidden("this needs a terminal credential")
    return p


async def require_board(p: PrincipalDep) -> Principal:
    if p.kind not in ("board", "admin"):
        raise forbidden("this needs a board or admin credential")
    return p


async def require_admin(p: PrincipalDep) -> Principal:
    if p.kind != "admin":
        raise forbidden("this needs an admin credential")
    return p


def require_role(*roles: str, board: bool = False) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the admin token, or an operator session with one of ``roles``
    (``board=True``: a board credential too). Scope (hall, unit) is the route's to check."""
    allowed = set(roles)
    names = " or ".join(f"'{r}'" for r in roles)
    need = f"the admin token or an operator with role {names}" + (
        " (or a board credential)" if board else ""
    )

    async def dependency(p: PrincipalDep) -> Principal:
        if p.kind == "admin" or (board and p.kind == "board"):
            return p
        if p.kind == "operator" and p.role in allowed:
            return p
        have = f"operator role '{p.role}'" if p.kind == "operator" else f"a {p.kind} credential"
        raise forbidden(f"this needs {need}; this is {have}")

    return dependency


async def require_operator_session(p: PrincipalDep) -> Principal:
    if p.kind != "operator":
        raise forbidden("this needs an operator's session (sign in with POST /auth/session)")
    return p


TerminalDep = Annotated[Principal, Depends(require_terminal)]
BoardDep = Annotated[Principal, Depends(require_board)]
AdminDep = Annotated[Principal, Depends(require_admin)]
# Office-side routes: pick the roles allowed, then check the hall/unit scope with
# ``who.require_hall(hall)`` / ``who.require_unit(hall, unit)`` / ``who.hall_filter()``.
OfficeDep = Annotated[Principal, Depends(require_role("office"))]
OfficeOrInspectorDep = Annotated[Principal, Depends(require_role("office", "inspector"))]
OfficeOrUnitDep = Annotated[Principal, Depends(require_role("office", "unit"))]
AnyOperatorDep = Annotated[Principal, Depends(require_role("office", "inspector", "unit"))]
# What reads the standings: a board, the admin token, every operator (a unit reads only).
ReaderDep = Annotated[Principal, Depends(require_role("office", "inspector", "unit", board=True))]
OperatorSessionDep = Annotated[Principal, Depends(require_operator_session)]
