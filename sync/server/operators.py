"""Operators: passwords (Argon2 through pwdlib), sign-in with slow-down and lock, sessions.

A sign-in checks the password outside any write transaction (Argon2 costs ~0.2 s and must not
hold the store's write lock), then decides in one transaction with the operator's row locked:
a wrong password counts a failure; from the ``signin_free_failures``-th on, each failure makes
the next attempt wait ``signin_delay_s`` (doubling), and ``signin_lock_failures`` failures in a row lock the account
for ``signin_lock_minutes``. Attempts that come too early are refused (429) without being
checked or counted, so concurrent guesses are throttled exactly as sequential ones. A right
password gives a session: a ``Credential`` of kind ``operator`` that expires after
``session_hours``.

Neither a password nor a session token is ever logged or stored; only their hashes are.
"""

from __future__ import annotations

import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlmodel import Session, col, select, update

from sync.server import models as m
from sync.server.audit import SYSTEM, Actor, record_audit
from sync.server.core.config import Settings
from sync.server.core.db import Database
from sync.server.core.security import hash_secret, new_token

__all__ = [
    "SignInRefused",
    "SignedIn",
    "end_sessions",
    "hash_password",
    "new_password",
    "operator_record",
    "password_problem",
    "sign_in",
    "verify_password",
]

log = logging.getLogger(__name__)

_hasher = PasswordHash((Argon2Hasher(),))
_PASSWORD_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ"


def hash_password(password: str) -> str:
    """The Argon2id hash the store keeps (salted; parameters in the string)."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """Whether ``password`` matches, and a new hash when the parameters have moved on."""
    try:
        return _hasher.verify_and_update(password, password_hash)
    except Exception:  # a malformed stored hash: no match, never a crash
        log.error("an operator's stored password hash is unreadable")
        return False, None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def new_password() -> str:
    """A password for a new or reset account: 14 symbols without look-alikes (~80 bits)."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(14))


def password_problem(password: str, name: str, settings: Settings) -> str | None:
    """Why a chosen password is refused, or None."""
    if len(password) < settings.password_min_length:
        return f"the password needs at least {settings.password_min_length} characters"
    if password.strip().lower() == name.lower():
        return "the password must not be the account's name"
    if len(set(password)) < 4:
        return "the password needs at least 4 different characters"
    return None


def operator_record(o: m.Operator) -> dict[str, Any]:
    """What the API shows and the audit log keeps of an operator (never its password hash)."""
    return {
        "name": o.name,
        "full_name": o.full_name,
        "role": o.role,
        "halls": list(o.halls),
        "unit": o.unit,
        "created_at": o.created_at,
        "created_by": o.created_by,
        "password_set_at": o.password_set_at,
        "disabled_at": o.disabled_at,
        "locked_until": o.locked_until,
        "last_signin_at": o.last_signin_at,
    }


def end_sessions(session: Session, operator_id: int, now: datetime) -> int:
    """Sign an operator out everywhere (after a reset or when disabled); how many ended."""
    result = session.execute(
        update(m.Credential)
        .where(
            col(m.Credential.operator) == operator_id,
            col(m.Credential.kind) == "operator",
            col(m.Credential.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


class SignInRefused(Exception):
    """Sign-in refused: HTTP ``status`` (401 wrong, 403 disabled, 429 wait) and a message."""

    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    token: str
    expires_at: datetime
    operator: m.Operator


_WRONG = "wrong name or password"


def _too_early(o: m.Operator, now: datetime) -> SignInRefused | None:
    if o.locked_until is not None and o.locked_until > now:
        wait = (o.locked_until - now).total_seconds()
        return SignInRefused(
            429,
            f"account {o.name} is locked after repeated wrong passwords; try again in "
            f"{math.ceil(wait / 60)} min, or ask the hall office to reset the password",
            wait,
        )
    if o.retry_at is not None and o.retry_at > now:
        wait = (o.retry_at - now).total_seconds()
        return SignInRefused(
            429, f"too many wrong passwords; wait {math.ceil(wait)} s before trying again", wait
        )
    return None


def _count_failure(session: Session, o: m.Operator, now: datetime, settings: Settings) -> None:
    o.failed_signins += 1
    if o.failed_signins >= settings.signin_lock_failures:
        o.locked_until = now + timedelta(minutes=settings.signin_lock_minutes)
        o.retry_at = None
        record_audit(
            session,
            SYSTEM,
            "operator.lock",
            f"operator:{o.name}",
            {"failed_signins": o.failed_signins},
            {"locked_until": o.locked_until},
            hall=o.halls[0] if o.halls else None,
            at=now,
        )
        log.warning("operator %s locked after %d failed sign-ins", o.name, o.failed_signins)
        o.failed_signins = 0
    elif o.failed_signins >= settings.signin_free_failures:
        extra = o.failed_signins - settings.signin_free_failures
        o.retry_at = now + timedelta(seconds=settings.signin_delay_s * 2**extra)
    session.add(o)


def sign_in(db: Database, settings: Settings, name: str, password: str, now: datetime) -> SignedIn:
    """Check a name and password and open a session, or raise ``SignInRefused``."""
    with db.session() as s:
        found = s.exec(select(m.Operator).where(m.Operator.name == name)).first()
    if found is None or found.id is None:
        verify_password(password, _dummy_hash())  # same cost: a name's existence stays unknown
        raise SignInRefused(401, _WRONG)
    early = _too_early(found, now)
    if early is not None:
        raise early
    ok, new_hash = verify_password(password, found.password_hash)

    refusal: SignInRefused | None = None
    with db.write() as session:
        o = session.exec(
            select(m.Operator)
            .where(m.Operator.id == found.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        refusal = _too_early(o, now)  # a concurrent wrong guess may have come first
        if refusal is None and o.password_hash != found.password_hash:
            refusal = SignInRefused(401, _WRONG)  # reset meanwhile: the check was on the old one
        elif refusal is None and not ok:
            _count_failure(session, o, now, settings)
            refusal = SignInRefused(401, _WRONG)
        elif refusal is None and o.disabled_at is not None:
            refusal = SignInRefused(403, f"account {o.name} is disabled; ask the hall office")
        elif refusal is None:
            token = new_token()
            expires = now + timedelta(hours=settings.session_hours)
            o.failed_signins, o.retry_at, o.locked_until = 0, None, None
            o.last_signin_at = now
            if new_hash:
                o.password_hash = new_hash
            session.add(o)
            session.add(
                m.Credential(
                    kind="operator",
                    token_hash=hash_secret(token),
                    hall=o.halls[0] if len(o.halls) == 1 else None,
                    operator=o.id,
                    label=f"session of {o.name}",
                    created_at=now,
                    expires_at=expires,
                )
            )
            record_audit(
                session,
                Actor("operator", o.name),
                "session.sign_in",
                f"operator:{o.name}",
                None,
                {"expires_at": expires},
                hall=o.halls[0] if o.halls else None,
                at=now,
            )
    if refusal is not None:
        raise refusal
    log.info("operator %s signed in", o.name)
    return SignedIn(token, expires, o)
