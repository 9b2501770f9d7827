"""Ingest a terminal's batch of ratings: idempotent, one transaction, bulk statements.

Per record the answer is ``stored``, ``duplicate`` (this id with this content is already here:
success for the pusher) or ``rejected`` with a reason (malformed, hash mismatch, conflict with a
stored rating of the same id or seq). A record for another terminal or another window refuses the
whole batch (``WrongTerminal``): a credential used for somebody else's window is an attack or a
misconfiguration, never a data problem, and nothing of it is stored.

The server adds, never rewrites: ``received_at``, ``server_flags`` for a device clock that is
implausible (``clock_future``, ``clock_before_enrolment``, ``clock_backwards``), a unit the
roster does not know (``unknown_unit``), a unit or a staff member the terminal's window does not
serve (``unit_not_served``, ``staff_not_served``: ``Roster.served_units`` / ``served_staff``; one
misconfigured or compromised counter PC must not rate a rival unit onto the black list), and the
quarter and week in the hall's zone. A rating
with a flagged clock is filed under the quarter it was received in, since its own time is not
to be trusted. Seq gaps and hash-chain breaks become ``Anomaly`` rows for the admin.

The rollups (``rollup_level``, ``rollup_reason``) are updated in the same transaction, last, so
that concurrent batches of one unit wait on their rows only for the COMMIT. Storing ratings bumps
no per-hall counter (that row lock serialised every terminal of a hall): the board's ETag reads
the rollups' sums, which every stored rating raises (``aggregates.data_stamp``).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import weakref
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from sync.quarter import Quarter
from sync.schema import GENESIS_HASH, RatingRecord, RecordError, RecordStatus
from sync.server import models as m
from sync.server.cases import open_cases
from sync.server.core.config import Settings
from sync.server.rosters import load_roster

__all__ = [
    "BatchAnswer",
    "RecordResult",
    "WrongTerminal",
    "ingest_batch",
    "move_to_scored",
    "move_to_unscored",
    "upsert_counts",
]

log = logging.getLogger(__name__)

CLOCK_FLAGS = ("clock_future", "clock_before_enrolment")  # cases.rating_day agrees
_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CHUNK = 900  # bound parameters per IN (...) list: under SQLite's and PostgreSQL's limits
_SCAN = 2000  # seqs read per step while advancing the contiguous mark


class WrongTerminal(Exception):
    """The batch holds a record this credential may not submit (another terminal or window)."""


@dataclass
class RecordResult:
    id: str | None
    seq: int | None
    status: RecordStatus
    reason: str | None = None


@dataclass
class BatchAnswer:
    results: list[RecordResult]
    highest_contiguous_seq: int
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0


@dataclass
class _Accepted:
    index: int
    rec: RatingRecord
    device_utc: datetime
    server_flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Service:
    """What the roster says about one window: the hall's units, and whom the window serves."""

    units: frozenset[str]
    served_units: frozenset[str]
    served_staff: frozenset[str]


# Per database (engine), per (hall, window, hall.data_version): a roster import bumps the
# version, so an entry is never stale, and a batch costs no roster queries while the roster
# stays the same.
_SERVICES: weakref.WeakKeyDictionary[Any, OrderedDict[tuple[str, str, int], _Service]] = (
    weakref.WeakKeyDictionary()
)
_SERVICES_LOCK = threading.Lock()
_SERVICES_MAX = 4096


def _service(session: Session, hall: m.Hall, window: str) -> _Service:
    key = (hall.code, window, hall.data_version)
    with _SERVICES_LOCK:
        cache = _SERVICES.setdefault(session.get_bind(), OrderedDict())
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
    roster = load_roster(session, hall.code)
    if roster is None or window not in roster.windows:
        # A window the office removed: nothing it sends can be judged; the office decides.
        units = frozenset(roster.units) if roster is not None else frozenset()
        service = _Service(units, frozenset(), frozenset())
    else:
        service = _Service(
            frozenset(roster.units), roster.served_units(window), roster.served_staff(window)
        )
    with _SERVICES_LOCK:
        cache[key] = service
        while len(cache) > _SERVICES_MAX:
            cache.popitem(last=False)
    return service


@dataclass
class _Stored:
    """What neighbour checks need of an already stored rating."""

    id: str
    terminal: str
    seq: int
    hash: str
    prev_hash: str
    device_time: str
    server_flags: list[str]


def ingest_batch(
    session: Session,
    terminal_id: str,
    raw_records: Sequence[Any],
    *,
    now: datetime,
    settings: Settings,
    careful: bool = True,
) -> BatchAnswer:
    """Store what can be stored of one batch; the caller commits (or rolls back on raise).

    With ``careful=False`` a record whose id is stored under another seq makes the insert
    raise ``IntegrityError``; the caller then rolls back and calls again with ``careful=True``.
    """
    # Lock the terminal's row (PostgreSQL): two batches of one terminal never interleave.
    terminal = session.exec(
        select(m.Terminal).where(m.Terminal.id == terminal_id).with_for_update()
    ).one()
    hall = session.get(m.Hall, terminal.hall)
    assert hall is not None
    results: list[RecordResult | None] = [None] * len(raw_records)

    parsed = _parse_batch(raw_records, terminal, results)
    around = {s for a in parsed for s in (a.rec.seq - 1, a.rec.seq, a.rec.seq + 1) if s >= 1}
    by_seq = _stored_by_seq(session, terminal.id, around)
    # A retried record is found by its seq. An id stored under another seq or terminal is rare:
    # the first attempt leaves it to the primary key (IntegrityError: the caller retries with
    # careful=True), which saves a lookup of every id in every batch.
    by_id = {s.id: s for s in by_seq.values()}
    if careful:
        by_id |= _stored_by_id(session, [a.rec.id for a in parsed])
    to_store, batch_by_seq = _sort_out(parsed, by_seq, by_id, results)

    rows: list[dict[str, Any]] = []
    if to_store:
        rows = _store(session, terminal, hall, to_store, by_seq, batch_by_seq, now, settings)
    terminal.last_seen_at = now
    session.add(terminal)
    if to_store:
        session.flush()
        # Last before COMMIT: the rollup rows are shared by every terminal of a unit, and their
        # row locks last until COMMIT. (No per-hall counter is bumped: the board's ETag follows
        # the rollups' own sums, see aggregates.data_stamp.)
        _roll_up(session, hall.code, rows)
    return _answer(terminal, [r for r in results if r is not None], len(raw_records))


def _parse_batch(
    raw_records: Sequence[Any], terminal: m.Terminal, results: list[RecordResult | None]
) -> list[_Accepted]:
    """The well-formed, hash-true records; the others are answered ``rejected`` in
    ``results``. A record of another terminal or window refuses the batch (``WrongTerminal``)."""
    parsed: list[_Accepted] = []
    foreign: list[str] = []
    for i, raw in enumerate(raw_records):
        rid = raw.get("id") if isinstance(raw, dict) else None
        rseq = raw.get("seq") if isinstance(raw, dict) else None
        rid = rid if isinstance(rid, str) and _printable(rid) else None
        rseq = rseq if isinstance(rseq, int) and not isinstance(rseq, bool) else None
        try:
            rec, device_utc = _validate(raw)
        except (RecordError, ValueError, OverflowError) as e:
            results[i] = RecordResult(rid, rseq, "rejected", f"malformed: {e}")
            continue
        if rec.terminal != terminal.id:
            foreign.append(f"record {i} (seq {rec.seq}) names terminal {rec.terminal!r}")
        elif rec.window != terminal.window:
            foreign.append(
                f"record {i} (seq {rec.seq}) is for window {rec.window!r}, "
                f"but this terminal is enrolled for window {terminal.window!r}"
            )
        elif not rec.chain_ok():
            results[i] = RecordResult(rec.id, rec.seq, "rejected", "hash does not match content")
        else:
            parsed.append(_Accepted(i, rec, device_utc))
    if foreign:
        more = f" (and {len(foreign) - 3} more)" if len(foreign) > 3 else ""
        raise WrongTerminal(
            f"this credential may only submit ratings of terminal {terminal.id!r} at window "
            f"{terminal.window!r}: {'; '.join(foreign[:3])}{more}; nothing was stored"
        )
    return parsed


def _sort_out(
    parsed: list[_Accepted],
    by_seq: dict[int, _Stored],
    by_id: dict[str, _Stored],
    results: list[RecordResult | None],
) -> tuple[list[_Accepted], dict[int, _Accepted]]:
    """Duplicates (the same id and content, stored or earlier in the batch) and conflicts (an id
    or seq taken by another rating) are answered in ``results``; the rest are to be stored."""
    to_store: list[_Accepted] = []
    batch_by_id: dict[str, RatingRecord] = {}
    batch_by_seq: dict[int, _Accepted] = {}
    for a in parsed:
        rec = a.rec
        old = by_id.get(rec.id)
        if old is not None:
            same = old.terminal == rec.terminal and old.seq == rec.seq and old.hash == rec.hash
            results[a.index] = (
                RecordResult(rec.id, rec.seq, "duplicate")
                if same
                else RecordResult(
                    rec.id, rec.seq, "rejected", "conflict: this id is stored with other content"
                )
            )
            continue
        twin = batch_by_id.get(rec.id)
        if twin is not None:
            same = twin.seq == rec.seq and twin.hash == rec.hash
            results[a.index] = (
                RecordResult(rec.id, rec.seq, "duplicate")
                if same
                else RecordResult(
                    rec.id, rec.seq, "rejected", "conflict: this id appears twice in the batch"
                )
            )
            continue
        if rec.seq in by_seq or rec.seq in batch_by_seq:
            results[a.index] = RecordResult(
                rec.id, rec.seq, "rejected", f"conflict: seq {rec.seq} is stored for another rating"
            )
            continue
        batch_by_id[rec.id] = rec
        batch_by_seq[rec.seq] = a
        to_store.append(a)
        results[a.index] = RecordResult(rec.id, rec.seq, "stored")
    return to_store, batch_by_seq


def _store(
    session: Session,
    terminal: m.Terminal,
    hall: m.Hall,
    to_store: list[_Accepted],
    by_seq: dict[int, _Stored],
    batch_by_seq: dict[int, _Accepted],
    now: datetime,
    settings: Settings,
) -> list[dict[str, Any]]:
    """Flag, insert (opening the 差评 cases), check the hash chain and move the terminal's seq
    marks; the rows stored."""
    service = _service(session, hall, terminal.window)
    _flag(to_store, by_seq, batch_by_seq, service, terminal.enrolled_at, now, settings)
    zone = ZoneInfo(hall.tz)
    rows = [_row(a, hall.code, zone, now) for a in to_store]
    _insert_ratings(session, rows)
    # Every scored 差评 is followed up: its case exists exactly when the rating does.
    open_cases(session, hall, rows)
    _check_chain(session, terminal, hall.code, to_store, by_seq, now)
    # Nothing stored above the contiguous mark before this batch (the usual drain): the
    # batch's own seqs tell how far the mark moves, without reading them back.
    alone = terminal.max_seq <= terminal.contiguous_seq
    terminal.max_seq = max(terminal.max_seq, max(a.rec.seq for a in to_store))
    terminal.contiguous_seq = _advance_contiguous(
        session, terminal.id, terminal.contiguous_seq, set(batch_by_seq) if alone else None
    )
    return rows


def _answer(terminal: m.Terminal, final: list[RecordResult], sent: int) -> BatchAnswer:
    assert len(final) == sent
    counts = Counter(r.status for r in final)
    answer = BatchAnswer(
        final,
        terminal.contiguous_seq,
        stored=counts["stored"],
        duplicates=counts["duplicate"],
        rejected=counts["rejected"],
    )
    log.info(
        "terminal %s: batch of %d: %d stored, %d duplicate, %d rejected; contiguous seq %d",
        terminal.id,
        sent,
        answer.stored,
        answer.duplicates,
        answer.rejected,
        answer.highest_contiguous_seq,
    )
    return answer


# ---------------------------------------------------------------- validation


def _validate(raw: Any) -> tuple[RatingRecord, datetime]:
    """The record and its device time in UTC, or RecordError naming what is wrong."""
    if not isinstance(raw, dict):
        raise RecordError("a record must be a JSON object")
    rec = RatingRecord.from_dict(raw)
    if not _ID.fullmatch(rec.id):
        raise RecordError("id must be 1-64 letters, digits or ._:-")
    for name, value, limit in (
        ("terminal", rec.terminal, 64),
        ("window", rec.window, 64),
        ("unit", rec.unit, 64),
        ("staff", rec.staff, 64),
        ("section", rec.section, 64),
        ("phone", rec.phone, 32),
        ("device_time", rec.device_time, 64),
        ("tz", rec.tz, 64),
    ):
        # The usual value (short ASCII, no NUL) is settled here; _text names any problem.
        if value is not None and not (
            len(value) <= limit and value.isascii() and value.isprintable()
        ):
            _text(name, value, limit)
    if not rec.unit:
        raise RecordError("unit must not be empty")
    for name, items, limit in (("reasons", rec.reasons, 64), ("flags", rec.flags, 32)):
        if len(items) > 20:
            raise RecordError(f"{name}: at most 20 entries")
        for item in items:
            if not (len(item) <= limit and item.isascii() and item.isprintable()):
                _text(name, item, limit)
    if rec.seq > 2**62:
        raise RecordError("seq is out of range")
    if not _HEX64.fullmatch(rec.prev_hash) or not _HEX64.fullmatch(rec.hash):
        raise RecordError("prev_hash and hash must be 64 lower-case hex digits")
    device_utc = datetime.fromisoformat(rec.device_time).astimezone(UTC)
    return rec, device_utc


def _printable(value: str) -> bool:
    """Whether a string can be echoed back in the JSON answer."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return len(value) <= 64 and "\x00" not in value


def _text(name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise RecordError(f"{name} is longer than {limit} characters")
    if "\x00" in value:
        raise RecordError(f"{name} contains a NUL character")
    if _CONTROL.search(value):
        raise RecordError(f"{name} contains a control character")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise RecordError(f"{name} is not valid Unicode text") from None


# ---------------------------------------------------------------- lookups


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _stored(row: Any) -> _Stored:
    return _Stored(
        row.id,
        row.terminal,
        row.seq,
        row.hash,
        row.prev_hash,
        row.device_time,
        list(row.server_flags or []),
    )


_COLUMNS: tuple[Any, ...] = (
    col(m.Rating.id),
    col(m.Rating.terminal),
    col(m.Rating.seq),
    col(m.Rating.hash),
    col(m.Rating.prev_hash),
    col(m.Rating.device_time),
    col(m.Rating.server_flags),
)


def _stored_by_id(session: Session, ids: list[str]) -> dict[str, _Stored]:
    out: dict[str, _Stored] = {}
    for part in _chunks(sorted(set(ids))):
        stmt = select(*_COLUMNS).where(col(m.Rating.id).in_(part))
        out.update((row.id, _stored(row)) for row in session.execute(stmt))
    return out


def _stored_by_seq(session: Session, terminal: str, seqs: set[int]) -> dict[int, _Stored]:
    out: dict[int, _Stored] = {}
    if not seqs:
        return out
    lo, hi = min(seqs), max(seqs)
    if hi - lo < 2 * len(seqs):  # the usual batch: a run of seqs, one range scan of the index
        stmt = select(*_COLUMNS).where(
            col(m.Rating.terminal) == terminal, col(m.Rating.seq) >= lo, col(m.Rating.seq) <= hi
        )
        rows = (_stored(row) for row in session.execute(stmt))
        return {r.seq: r for r in rows if r.seq in seqs}
    for part in _chunks(sorted(seqs)):
        stmt = select(*_COLUMNS).where(
            col(m.Rating.terminal) == terminal, col(m.Rating.seq).in_(part)
        )
        out.update((row.seq, _stored(row)) for row in session.execute(stmt))
    return out


# ---------------------------------------------------------------- flags, rows, rollups


def _flag(
    accepted: list[_Accepted],
    by_seq: dict[int, _Stored],
    batch_by_seq: dict[int, _Accepted],
    service: _Service,
    enrolled_at: datetime,
    now: datetime,
    settings: Settings,
) -> None:
    """Add the server's flags: implausible device clocks, units the roster lacks, units and
    staff the window does not serve."""
    future = now + timedelta(seconds=settings.clock_future_s)
    earliest = enrolled_at - timedelta(seconds=settings.clock_before_enrolment_s)
    for a in accepted:
        if a.device_utc > future:
            a.server_flags.append("clock_future")
        if a.device_utc < earliest:
            a.server_flags.append("clock_before_enrolment")
        if a.rec.unit not in service.units:
            a.server_flags.append("unknown_unit")
        elif a.rec.unit not in service.served_units:
            a.server_flags.append("unit_not_served")
        if a.rec.staff is not None and a.rec.staff not in service.served_staff:
            a.server_flags.append("staff_not_served")
    tolerance = timedelta(seconds=settings.clock_backwards_s)
    for a in accepted:
        if any(f in CLOCK_FLAGS for f in a.server_flags):
            continue
        # Judged against the previous seq when it is known (so a batch or one-by-one arrival
        # flag the same record), else against the next one (a record that arrived late).
        prev = _neighbour_time(a.rec.seq - 1, by_seq, batch_by_seq)
        nxt = _neighbour_time(a.rec.seq + 1, by_seq, batch_by_seq)
        if prev is not None or a.rec.seq == 1:
            backwards = prev is not None and a.device_utc < prev - tolerance
        else:
            backwards = nxt is not None and a.device_utc > nxt + tolerance
        if backwards:
            a.server_flags.append("clock_backwards")


def _neighbour_time(
    seq: int, by_seq: dict[int, _Stored], batch_by_seq: dict[int, _Accepted]
) -> datetime | None:
    """A neighbour's device time, unless its own clock was already found implausible."""
    b = batch_by_seq.get(seq)
    if b is not None:
        return None if any(f in CLOCK_FLAGS for f in b.server_flags) else b.device_utc
    s = by_seq.get(seq)
    if s is None or any(f in CLOCK_FLAGS for f in s.server_flags):
        return None
    try:
        return datetime.fromisoformat(s.device_time).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _row(a: _Accepted, hall: str, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    rec = a.rec
    clock_bad = any(f in CLOCK_FLAGS for f in a.server_flags)
    try:
        local = (now if clock_bad else a.device_utc).astimezone(zone)
    except OverflowError:  # a device time at the very edge of the calendar
        local = now.astimezone(zone)
    week = local.date() - timedelta(days=local.weekday())
    return {
        "id": rec.id,
        "terminal": rec.terminal,
        "seq": rec.seq,
        "hall": hall,
        "window": rec.window,
        "unit": rec.unit,
        "staff": rec.staff,
        "level": rec.level,
        "reasons": list(rec.reasons),
        "phone": rec.phone,
        "device_time": rec.device_time,
        "tz": rec.tz,
        "flags": list(rec.flags),
        "prev_hash": rec.prev_hash,
        "hash": rec.hash,
        "received_at": now,
        "server_flags": a.server_flags,
        "quarter": str(Quarter.of(local)),
        "week": week,
        "flagged": bool(rec.flags or a.server_flags),
        "released": False,
        "section": rec.section,
        "appealed": False,
    }


_RATING_COLUMNS = [c.name for c in m.Rating.__table__.columns]  # type: ignore[attr-defined]
_JSON_COLUMNS = ("reasons", "flags", "server_flags")
_COL_INDEX = {c: i for i, c in enumerate(_RATING_COLUMNS)}
_ROW_VALUES = itemgetter(*_RATING_COLUMNS)


def _insert_ratings(session: Session, rows: list[dict[str, Any]]) -> None:
    """Straight to the driver (SQLite ``executemany``, PostgreSQL ``COPY``): the insert is most
    of a batch's cost, and SQLAlchemy's per-row parameter processing would double it. Values are
    converted here the way the column types store them (the API tests read every column back on
    both databases); values shared by a batch (its ``received_at``, a week, an empty list) are
    converted once.
    """
    conn = session.connection()
    cols = ", ".join(f'"{c}"' for c in _RATING_COLUMNS)
    dialect = conn.dialect.name
    if dialect not in ("sqlite", "postgresql"):  # pragma: no cover - SQLite and PostgreSQL only
        session.execute(insert(m.Rating.__table__), rows)  # type: ignore[attr-defined]
        return
    sqlite_ = dialect == "sqlite"
    memo: dict[Any, str] = {}

    def as_json(value: list[str]) -> str:
        key = tuple(value)
        out = memo.get(key)
        if out is None:
            out = memo[key] = json.dumps(value)
        return out

    def as_text(value: date) -> str:
        out = memo.get(value)
        if out is None:
            # SQLAlchemy's SQLite storage formats for DateTime and Date.
            out = memo[value] = (
                value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                if isinstance(value, datetime)
                else value.isoformat()
            )
        return out

    converters: list[tuple[int, Any]] = [(_COL_INDEX[c], as_json) for c in _JSON_COLUMNS]
    if sqlite_:
        converters += [(_COL_INDEX["received_at"], as_text), (_COL_INDEX["week"], as_text)]
    tuples: list[tuple[Any, ...]] = []
    for r in rows:
        values = list(_ROW_VALUES(r))
        for i, conv in converters:
            values[i] = conv(values[i])
        tuples.append(tuple(values))
    if sqlite_:
        marks = ", ".join("?" * len(_RATING_COLUMNS))
        conn.exec_driver_sql(f"INSERT INTO rating ({cols}) VALUES ({marks})", tuples)
        return
    # COPY, in this transaction: psycopg's executemany would send the rows one by one.
    import psycopg

    dbapi: Any = conn.connection.dbapi_connection
    try:
        with dbapi.cursor() as cur, cur.copy(f"COPY rating ({cols}) FROM STDIN") as copy:
            for t in tuples:
                copy.write_row(t)
    except psycopg.errors.IntegrityError as e:  # raw driver: wrap it as SQLAlchemy would
        raise IntegrityError("COPY rating", None, e) from e


def _roll_up(session: Session, hall: str, rows: list[dict[str, Any]]) -> None:
    levels: Counter[tuple[str, str, date, int, bool]] = Counter()
    reasons: Counter[tuple[str, str, date, str]] = Counter()
    for r in rows:
        flagged = r["flagged"]
        levels[(r["quarter"], r["unit"], r["week"], r["level"], flagged)] += 1
        if not flagged and r["level"] <= 2:
            for reason in set(r["reasons"]):
                reasons[(r["quarter"], r["unit"], r["week"], reason)] += 1
    upsert_counts(
        session,
        m.LevelCount.__table__,  # type: ignore[attr-defined]
        [
            {"hall": hall, "quarter": q, "unit": u, "week": w, "level": lv, "flagged": f, "n": n}
            for (q, u, w, lv, f), n in sorted(levels.items())
        ],
    )
    upsert_counts(
        session,
        m.ReasonCount.__table__,  # type: ignore[attr-defined]
        [
            {"hall": hall, "quarter": q, "unit": u, "week": w, "reason": rs, "n": n}
            for (q, u, w, rs), n in sorted(reasons.items())
        ],
    )
    _roll_up_sections(session, hall, rows)


def _roll_up_sections(session: Session, hall: str, rows: list[dict[str, Any]]) -> None:
    """The same counts per section, for the ratings that name one (no week: the hardest-
    sections ranking reads a quarter at a time)."""
    levels: Counter[tuple[str, str, int, bool]] = Counter()
    reasons: Counter[tuple[str, str, str]] = Counter()
    for r in rows:
        section = r["section"]
        if section is None:
            continue
        levels[(r["quarter"], section, r["level"], r["flagged"])] += 1
        if not r["flagged"] and r["level"] <= 2:
            for reason in set(r["reasons"]):
                reasons[(r["quarter"], section, reason)] += 1
    if not levels:
        return
    upsert_counts(
        session,
        m.SectionLevelCount.__table__,  # type: ignore[attr-defined]
        [
            {"hall": hall, "quarter": q, "section": s, "level": lv, "flagged": f, "n": n}
            for (q, s, lv, f), n in sorted(levels.items())
        ],
    )
    upsert_counts(
        session,
        m.SectionReasonCount.__table__,  # type: ignore[attr-defined]
        [
            {"hall": hall, "quarter": q, "section": s, "reason": rs, "n": n}
            for (q, s, rs), n in sorted(reasons.items())
        ],
    )


def move_to_scored(session: Session, rating: m.Rating) -> None:
    """Move a released rating's counts from the flagged rollups to the scored ones."""
    _move_counts(session, rating, +1)


def move_to_unscored(session: Session, rating: m.Rating) -> None:
    """Take a scored rating's counts out of the scores (an accepted appeal): the reverse of
    ``move_to_scored``; the rating stays stored and counted among the excluded."""
    _move_counts(session, rating, -1)


def _move_counts(session: Session, rating: m.Rating, into_scores: int) -> None:
    """Move one rating between the flagged and the scored rollups (unit and section), its
    reasons with it (+1: into the scores, -1: out of them); a new ETag for the board."""
    level = {"level": rating.level}
    out_of = [level | {"flagged": into_scores > 0, "n": -1}]
    into = [level | {"flagged": into_scores < 0, "n": 1}]
    reasons = sorted(set(rating.reasons)) if rating.level <= 2 else []
    key = {"hall": rating.hall, "quarter": rating.quarter, "unit": rating.unit, "week": rating.week}
    tables: list[tuple[dict[str, Any], Any, Any]] = [(key, m.LevelCount, m.ReasonCount)]
    if rating.section is not None:
        skey = {"hall": rating.hall, "quarter": rating.quarter, "section": rating.section}
        tables.append((skey, m.SectionLevelCount, m.SectionReasonCount))
    for k, counts, reason_counts in tables:
        table = counts.__table__
        upsert_counts(session, table, [k | row for row in out_of])
        upsert_counts(session, table, [k | row for row in into])
        rtable = reason_counts.__table__
        upsert_counts(session, rtable, [k | {"reason": r, "n": into_scores} for r in reasons])
    session.execute(
        update(m.Hall)
        .where(col(m.Hall.code) == rating.hall)
        .values(data_version=col(m.Hall.data_version) + 1)
    )


def upsert_counts(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Add ``n`` to the rows' counters, creating missing ones (rows sorted: no deadlocks)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    keys = [c.name for c in table.primary_key.columns]
    if dialect == "postgresql":
        pg = postgresql.insert(table)
        stmt: Any = pg.on_conflict_do_update(
            index_elements=keys, set_={"n": table.c.n + pg.excluded.n}
        )
    elif dialect == "sqlite":
        lite = sqlite.insert(table)
        stmt = lite.on_conflict_do_update(
            index_elements=keys, set_={"n": table.c.n + lite.excluded.n}
        )
    else:  # pragma: no cover - the store supports SQLite and PostgreSQL
        raise RuntimeError(f"unsupported database {dialect}")
    session.execute(stmt, rows)


# ---------------------------------------------------------------- chain and seq anomalies


def _check_chain(
    session: Session,
    terminal: m.Terminal,
    hall: str,
    stored: list[_Accepted],
    by_seq: dict[int, _Stored],
    now: datetime,
) -> None:
    """Record hash-chain breaks and seq gaps around the newly stored records; close filled gaps."""
    open_rows = list(
        session.exec(
            select(m.Anomaly).where(
                m.Anomaly.terminal == terminal.id, col(m.Anomaly.resolved_at).is_(None)
            )
        )
    )
    open_gaps = [a for a in open_rows if a.kind == "seq_gap"]
    breaks = {a.seq_from for a in open_rows if a.kind == "chain_break"}
    new_hash = {a.rec.seq: a.rec.hash for a in stored}
    new: list[m.Anomaly] = []

    def chain_break(seq: int, detail: str) -> None:
        if seq not in breaks:
            breaks.add(seq)
            new.append(
                m.Anomaly(
                    terminal=terminal.id,
                    hall=hall,
                    kind="chain_break",
                    seq_from=seq,
                    seq_to=seq,
                    detail=detail,
                    detected_at=now,
                )
            )

    for a in sorted(stored, key=lambda a: a.rec.seq):
        seq, rec = a.rec.seq, a.rec
        if seq == 1 and rec.prev_hash != GENESIS_HASH:
            chain_break(1, "seq 1 does not start from the genesis hash")
        prev_hash = new_hash.get(seq - 1) or (by_seq[seq - 1].hash if seq - 1 in by_seq else None)
        if prev_hash is not None and rec.prev_hash != prev_hash:
            chain_break(seq, f"prev_hash of seq {seq} is not the hash of seq {seq - 1}")
        nxt = by_seq.get(seq + 1)
        if nxt is not None and nxt.prev_hash != rec.hash:
            chain_break(seq + 1, f"prev_hash of seq {seq + 1} is not the hash of seq {seq}")
        if seq > 1 and prev_hash is None:
            # seq - 1 is neither stored nor in this batch: a gap ends here, unless already known.
            if not any(g.seq_from <= seq - 1 <= g.seq_to for g in open_gaps):
                below = session.exec(
                    select(func.max(m.Rating.seq)).where(
                        m.Rating.terminal == terminal.id, m.Rating.seq < seq
                    )
                ).one()
                start = (below or 0) + 1
                gap = m.Anomaly(
                    terminal=terminal.id,
                    hall=hall,
                    kind="seq_gap",
                    seq_from=start,
                    seq_to=seq - 1,
                    detected_at=now,
                    detail=f"seq {start}..{seq - 1} missing before seq {seq}",
                )
                open_gaps.append(gap)
                new.append(gap)

    _close_filled_gaps(session, terminal.id, open_gaps, set(new_hash), now)
    for anomaly in new:
        log.warning("terminal %s: %s", terminal.id, anomaly.detail)
    session.add_all(new)


def _close_filled_gaps(
    session: Session, terminal: str, gaps: list[m.Anomaly], stored: set[int], now: datetime
) -> None:
    """A known gap that the newly stored seqs fill completely is resolved."""
    for g in gaps:
        if g.id is None or not any(g.seq_from <= s <= g.seq_to for s in stored):
            continue
        have = session.exec(
            select(func.count()).where(
                m.Rating.terminal == terminal,
                col(m.Rating.seq) >= g.seq_from,
                col(m.Rating.seq) <= g.seq_to,
            )
        ).one()
        if have == g.seq_to - g.seq_from + 1:
            g.resolved_at = now
            session.add(g)


def _advance_contiguous(
    session: Session, terminal: str, start: int, above: set[int] | None = None
) -> int:
    """The highest seq n with 1..n all stored, scanning up from the last known mark.

    ``above``: every seq stored above the mark, when the caller knows them all.
    """
    mark = start
    if above is not None:
        while mark + 1 in above:
            mark += 1
        return mark
    while True:
        seqs = session.exec(
            select(m.Rating.seq)
            .where(m.Rating.terminal == terminal, m.Rating.seq > mark)
            .order_by(col(m.Rating.seq))
            .limit(_SCAN)
        ).all()
        for s in seqs:
            if s != mark + 1:
                return mark
            mark = s
        if len(seqs) < _SCAN:
            return mark
