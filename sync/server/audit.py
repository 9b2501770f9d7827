"""The audit log: every change the office side makes, append-only and hash-chained.

``record_audit(session, actor, action, target, before, after, hall=...)`` appends one entry in
the caller's transaction, so the entry exists exactly when the change does. Entries are
numbered ``seq`` 1, 2, 3 … under the ``AuditHead`` row's lock (``SELECT … FOR UPDATE`` on
PostgreSQL; on SQLite the store's one-writer lock), and each ``hash`` is SHA-256 over the previous
entry's hash and this entry's canonical content, as the kiosk chains its ratings. So
``verify_audit`` finds an edited entry (its hash), a deleted one (a gap in ``seq``), a rewritten
one (the next entry's ``prev_hash``) and a deleted tail (the head).

A phone number never enters the log: any ``phone`` field in ``before``/``after`` (and any
``password``, ``password_hash`` or ``token``) is replaced by ``"(withheld)"`` whatever the caller
passes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from sync.server import models as m
from sync.server.core.types import utcnow

__all__ = [
    "GENESIS",
    "Actor",
    "AuditCheck",
    "entry_hash",
    "record_audit",
    "verify_audit",
]

log = logging.getLogger(__name__)

GENESIS = "0" * 64
WITHHELD = "(withheld)"
_SECRET_KEYS = frozenset({"phone", "password", "password_hash", "token"})


@dataclass(frozen=True)
class Actor:
    """Who made a change: ``kind`` admin, operator, terminal or system, and a name.

    An operator is named by its sign-in name; the admin token is ``admin``; a kiosk enrolling is
    its terminal id; ``system`` is the server itself (e.g. locking an account).
    """

    kind: str
    name: str


SYSTEM = Actor("system", "server")


def _clean(value: Any) -> Any:
    """JSON-safe, with no phone number, password or token in it."""
    if isinstance(value, dict):
        return {
            str(k): (WITHHELD if k in _SECRET_KEYS and v is not None else _clean(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = [_clean(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, datetime):
        return _stamp(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # dates, decimals, enums: as their text


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, e: m.AuditEntry) -> str:
    """SHA-256 over the previous hash and the entry's canonical content (sorted keys, UTF-8)."""
    content = json.dumps(
        {
            "seq": e.seq,
            "at": _stamp(e.at),
            "actor_kind": e.actor_kind,
            "actor": e.actor,
            "hall": e.hall,
            "action": e.action,
            "target": e.target,
            "before": e.before,
            "after": e.after,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    )
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


def _head(session: Session) -> m.AuditHead:
    head = session.exec(
        select(m.AuditHead).where(m.AuditHead.id == 1).with_for_update()
    ).one_or_none()
    if head is None:
        # Only after someone deleted it: continue from the last entry (verify still reports it).
        last = session.exec(select(m.AuditEntry).order_by(col(m.AuditEntry.seq).desc())).first()
        head = m.AuditHead(id=1, seq=last.seq if last else 0, hash=last.hash if last else GENESIS)
        log.error("audit head row was missing; continued from entry %d", head.seq)
    return head


def record_audit(
    session: Session,
    actor: Actor,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
    *,
    hall: str | None = None,
    at: datetime | None = None,
) -> m.AuditEntry:
    """Append one entry to the audit log in ``session``'s transaction (committed with it).

    ``action`` is ``thing.verb`` (``roster.import``, ``operator.create`` …); ``target`` names the
    record (``hall:TL``, ``terminal:k1``, ``operator:li.na``); ``before``/``after`` are the
    record's fields (JSON-able; ``None`` when it did not exist / no longer exists); ``hall`` lets
    an office operator of that hall see the entry.
    """
    head = _head(session)
    entry = m.AuditEntry(
        seq=head.seq + 1,
        at=at or utcnow(),
        actor_kind=actor.kind,
        actor=actor.name,
        hall=hall,
        action=action,
        target=target,
        before=_clean(before),
        after=_clean(after),
        prev_hash=head.hash,
        hash="",
    )
    entry.hash = entry_hash(head.hash, entry)
    head.seq, head.hash = entry.seq, entry.hash
    session.add(entry)
    session.add(head)
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditCheck:
    """The result of walking the chain: ``ok``, how many entries, and the first problem."""

    ok: bool
    entries: int
    problem: str | None = None
    seq: int | None = None


def _walk(entries: Iterable[m.AuditEntry], head: m.AuditHead | None) -> AuditCheck:
    prev_hash, expected, n = GENESIS, 1, 0
    for e in entries:
        if e.seq != expected:
            gone = (
                f"entry {expected} is"
                if e.seq == expected + 1
                else f"entries {expected}-{e.seq - 1} are"
            )
            return AuditCheck(False, n, f"{gone} missing (deleted)", expected)
        if e.prev_hash != prev_hash:
            return AuditCheck(
                False, n, f"entry {e.seq} does not follow entry {e.seq - 1} (chain broken)", e.seq
            )
        if entry_hash(prev_hash, e) != e.hash:
            return AuditCheck(False, n, f"entry {e.seq} was changed after it was written", e.seq)
        prev_hash, expected, n = e.hash, expected + 1, n + 1
    if head is None:
        return AuditCheck(False, n, "the audit head is missing (deleted)", None)
    if head.seq != n or head.hash != prev_hash:
        if head.seq > n:
            gone = f"entry {n + 1} is" if head.seq == n + 1 else f"entries {n + 1}-{head.seq} are"
            return AuditCheck(False, n, f"{gone} missing at the end (deleted)", n + 1)
        return AuditCheck(False, n, "the audit head does not match the last entry", head.seq)
    return AuditCheck(True, n)


def verify_audit(session: Session, batch: int = 2000) -> AuditCheck:
    """Walk the whole chain in order; the first edited, deleted or reordered entry is reported."""

    def entries() -> Iterable[m.AuditEntry]:
        after = 0
        while True:
            rows = list(
                session.exec(
                    select(m.AuditEntry)
                    .where(col(m.AuditEntry.seq) > after)
                    .order_by(col(m.AuditEntry.seq))
                    .limit(batch)
                )
            )
            if not rows:
                return
            yield from rows
            after = rows[-1].seq

    head = session.get(m.AuditHead, 1)
    return _walk(entries(), head)
