"""Dependencies: the session, the settings, and who is calling (``TerminalDep`` …).

A bearer token is looked up by its SHA-256; the token itself is never logged or stored.
Missing, unknown or revoked credentials are 401; a credential of the wrong kind is 403.
Terminal and board credentials are rate limited (token bucket per credential): 429.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session, select

from sync.server import models as m
from sync.server.core.config import Settings
from sync.server.core.db import Database
from sync.server.core.security import RateLimiter, hash_secret

__all__ = [
    "AdminDep",
    "BoardDep",
    "ClockDep",
    "DbDep",
    "Principal",
    "PrincipalDep",
    "SessionDep",
    "SettingsDep",
    "TerminalDep",
]

KINDS = ("terminal", "board", "admin")

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="a terminal, board or admin token (hall-admin prints them; /enroll gives a terminal its own)",
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
    """Who is calling: the credential's kind, its hall (if limited to one) and terminal."""

    credential_id: int
    kind: str
    hall: str | None
    terminal: m.Terminal | None = None

    def may_read_hall(self, hall: str) -> bool:
        return self.kind == "admin" or self.hall is None or self.hall == hall


def unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=message, headers={"WWW-Authenticate": "Bearer"}
    )


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
        terminal = None
        if cred is not None and cred.kind == "terminal" and cred.terminal:
            terminal = session.get(m.Terminal, cred.terminal)
    if cred is None or cred.id is None:
        raise unauthorized("unknown credential")
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
    return Principal(cred.id, cred.kind, cred.hall, terminal)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def require_terminal(p: PrincipalDep) -> Principal:
    if p.kind != "terminal" or p.terminal is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="this needs a terminal credential")
    return p


async def require_board(p: PrincipalDep) -> Principal:
    if p.kind not in ("board", "admin"):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="this needs a board or admin credential"
        )
    return p


async def require_admin(p: PrincipalDep) -> Principal:
    if p.kind != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="this needs an admin credential")
    return p


TerminalDep = Annotated[Principal, Depends(require_terminal)]
BoardDep = Annotated[Principal, Depends(require_board)]
AdminDep = Annotated[Principal, Depends(require_admin)]
