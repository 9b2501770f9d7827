"""The kiosk's local store: every acknowledged tap is on disk before the thank-you screen.

One SQLite file under the kiosk's data dir is the outbox the pusher drains. ``LocalStore.record``
writes a rating with the next per-terminal ``seq`` and its hash link in one ``BEGIN IMMEDIATE``
transaction (WAL, ``synchronous=FULL``) and returns only after ``COMMIT`` returned, so a power
cut or a killed process either keeps the whole rating or none of it.

Storage trouble (disk full, read-only disk, I/O error) raises ``StoreUnavailable`` with a short
bilingual reason the terminal shows as "out of service". A file that is not a database or fails
``PRAGMA integrity_check`` is moved aside to ``<name>.corrupt-YYYYmmddTHHMMSS`` (never
overwritten) and a fresh store is started; ``recovered_from`` says where the old bytes went.

Standard library only (no SQLModel, no Qt): the counter PC must start light.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from zoneinfo import ZoneInfo

from sync.defaults import DEFAULT_TZ
from sync.schema import GENESIS_HASH, RatingRecord, chain_hash

__all__ = [
    "REASON_BUSY",
    "REASON_CANTOPEN",
    "REASON_CORRUPT",
    "REASON_FULL",
    "REASON_IO",
    "REASON_NEWER",
    "REASON_OTHER",
    "REASON_READONLY",
    "SCHEMA_VERSION",
    "LocalStore",
    "StoreUnavailable",
]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
BUSY_TIMEOUT_MS = 5000
# Below this much free space we refuse to open: SQLite may still fit a write into free pages,
# but the next WAL growth would fail mid-shift.
MIN_FREE_BYTES = 1 << 20
_SQLITE_MAGIC = b"SQLite format 3\x00"

# Primary SQLite result codes (extended codes carry them in the low byte).
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_NOMEM = 7
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26

REASON_FULL = "磁盘已满 / disk full"
REASON_READONLY = "存储为只读 / storage is read-only"
REASON_IO = "存储读写错误 / storage I/O error"
REASON_CANTOPEN = "无法打开数据文件 / cannot open the data file"
REASON_BUSY = "数据文件被占用 / data file is busy"
REASON_CORRUPT = "数据文件损坏 / data file is corrupt"
REASON_NEWER = "数据文件来自更新的版本 / data file was written by a newer version"
REASON_OTHER = "本地存储故障 / local storage failure"

_SERVER_TIME = "server_time"  # meta key: the central store's time, last seen by the pusher
_ROW_COLUMNS = (
    "id, seq, terminal, window, unit, staff, level, reasons, phone, device_time, tz, flags, "
    "prev_hash, hash, section"
)


class StoreUnavailable(Exception):
    """Disk full, read-only disk, I/O error: the terminal must show 'out of service'.

    ``reason`` is short human text for the screen (``'磁盘已满 / disk full'``); ``str()`` adds
    the technical detail for the log.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason} ({detail})" if detail else reason)
        self.reason = reason
        self.detail = detail


class _Corrupt(Exception):
    """Internal: the file is not a usable database and must be moved aside."""


def _primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _is_corruption(exc: sqlite3.Error) -> bool:
    code = _primary_code(exc)
    if code is not None:
        return code in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    msg = str(exc).lower()
    return "malformed" in msg or "not a database" in msg


def _unavailable(exc: BaseException) -> StoreUnavailable:
    """Translate a storage-level failure into the reason the terminal shows."""
    detail = str(exc)
    if isinstance(exc, sqlite3.Error):
        code = _primary_code(exc)
        msg = detail.lower()
        if code == _SQLITE_FULL or "disk is full" in msg:
            reason = REASON_FULL
        elif code == _SQLITE_READONLY or "readonly" in msg or "read-only" in msg:
            reason = REASON_READONLY
        elif code == _SQLITE_IOERR or "disk i/o error" in msg:
            reason = REASON_IO
        elif code == _SQLITE_CANTOPEN or "unable to open" in msg:
            reason = REASON_CANTOPEN
        elif code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in msg:
            reason = REASON_BUSY
        elif _is_corruption(exc):
            reason = REASON_CORRUPT
        else:
            reason = REASON_OTHER
    elif isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            reason = REASON_FULL
        elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            reason = REASON_READONLY
        elif exc.errno == errno.EIO:
            reason = REASON_IO
        else:
            reason = REASON_OTHER
    else:
        reason = REASON_OTHER
    return StoreUnavailable(reason, detail)


# --- schema ---------------------------------------------------------------------------------
# _MIGRATIONS[v] takes a database at user_version v to v + 1, inside the caller's transaction.
# A later version appends a step; never edit a step that has shipped.


def _migrate_0_to_1(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT")
    # The chain head lives apart from the ratings so that seq is never reused even if rows are
    # later pruned, and so that deleting the newest rating is detectable.
    conn.execute(
        """CREATE TABLE chain_head (
            one INTEGER PRIMARY KEY CHECK (one = 1),
            last_seq INTEGER NOT NULL,
            last_hash TEXT NOT NULL
        ) STRICT"""
    )
    conn.execute(
        """CREATE TABLE ratings (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            terminal TEXT NOT NULL,
            window TEXT NOT NULL,
            unit TEXT NOT NULL,
            staff TEXT,
            level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
            reasons TEXT NOT NULL,          -- JSON array, order as given
            phone TEXT,
            device_time TEXT NOT NULL,      -- ISO-8601 UTC, as in the record
            device_us INTEGER NOT NULL,     -- the same instant, µs since the epoch, for ranges
            tz TEXT NOT NULL,
            flags TEXT NOT NULL,            -- JSON array
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            sync_status TEXT NOT NULL DEFAULT 'unsent'
                CHECK (sync_status IN ('unsent', 'sent', 'rejected')),
            sync_reason TEXT,
            synced_at TEXT
        ) STRICT"""
    )
    conn.execute("CREATE INDEX ratings_unsent ON ratings (sync_status, seq)")
    conn.execute("CREATE INDEX ratings_device_us ON ratings (device_us)")


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    # The section (科室) a rating counts for; NULL for every rating recorded before.
    conn.execute("ALTER TABLE ratings ADD COLUMN section TEXT")


_MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_migrate_0_to_1, _migrate_1_to_2)
assert len(_MIGRATIONS) == SCHEMA_VERSION


def _utc_us(t: datetime) -> int:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    delta = t.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _row_to_record(row: tuple[object, ...]) -> RatingRecord:
    (id_, seq, terminal, window, unit, staff, level, reasons, phone, device_time, tz, flags,
     prev_hash, hash_, section) = row  # fmt: skip
    return RatingRecord(
        id=str(id_),
        seq=int(str(seq)),
        terminal=str(terminal),
        window=str(window),
        unit=str(unit),
        staff=None if staff is None else str(staff),
        level=int(str(level)),
        reasons=tuple(json.loads(str(reasons))),
        phone=None if phone is None else str(phone),
        device_time=str(device_time),
        tz=str(tz),
        flags=tuple(json.loads(str(flags))),
        prev_hash=str(prev_hash),
        hash=str(hash_),
        section=None if section is None else str(section),
    )


def _check_values(
    id: str,
    window: str,
    unit: str,
    staff: str | None,
    phone: str | None,
    section: str | None,
    level: int,
    reasons: Sequence[str],
    flags: Sequence[str],
) -> None:
    """ValueError for a value ``LocalStore.record`` must not store.

    The hash covers the values as given; SQLite would silently turn 1001 into '1001', and the
    stored row would then no longer match its hash.
    """
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
        raise ValueError(f"level must be 1..5, got {level!r}")
    texts = {"id": id, "window": window, "unit": unit}
    if not all(isinstance(v, str) and v for v in texts.values()):
        raise ValueError(f"id, window and unit must be non-empty strings: {texts!r}")
    if not all(v is None or isinstance(v, str) for v in (staff, phone, section)):
        raise ValueError("staff, phone and section must be strings or None")
    if not all(isinstance(v, str) for v in (*reasons, *flags)):
        raise ValueError("reasons and flags must be strings")


class LocalStore:
    """The kiosk's SQLite outbox of ratings, hash-chained and numbered per terminal.

    Safe to share between threads (calls are serialised per object); the pusher thread should
    open its own ``LocalStore`` on the same file and only touch the sync columns.
    """

    def __init__(self, path: Path, *, tz: str = DEFAULT_TZ) -> None:
        self._path = Path(path)
        ZoneInfo(tz)  # an unknown zone is a configuration error: fail loudly, now
        self._tz = tz
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self.recovered_from: Path | None = None

        self._check_directory()
        try:
            self._conn = self._open_checked()
        except _Corrupt as why:
            self.recovered_from = self._move_aside()
            log.warning(
                "local store %s was unusable (%s); moved aside to %s, starting a fresh store",
                self._path,
                why,
                self.recovered_from,
            )
            try:
                self._conn = self._open_checked()
            except _Corrupt as again:  # a fresh file that is corrupt: the disk is failing
                raise StoreUnavailable(REASON_CORRUPT, str(again)) from again
        terminal = self._read_meta("terminal_id")
        assert terminal is not None, "migration writes terminal_id"
        self._terminal_id = terminal

    # --- opening ----------------------------------------------------------------------------

    def _check_directory(self) -> None:
        directory = self._path.parent
        try:
            directory.mkdir(parents=True, exist_ok=True)
            st = os.statvfs(directory)
        except OSError as e:
            raise _unavailable(e) from e
        # Root writes through chmod, so ask the file system itself.
        if st.f_flag & os.ST_RDONLY:
            raise StoreUnavailable(REASON_READONLY, f"{directory} is on a read-only file system")
        if st.f_bavail * st.f_frsize < MIN_FREE_BYTES:
            raise StoreUnavailable(
                REASON_FULL, f"{st.f_bavail * st.f_frsize} bytes free in {directory}"
            )

    def _connect(self) -> sqlite3.Connection:
        """A connection with the store's pragmas; tests replace this to inject failures."""
        conn = sqlite3.connect(
            self._path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # we issue BEGIN IMMEDIATE / COMMIT ourselves
            check_same_thread=False,  # guarded by self._lock instead
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("local store %s: journal_mode is %s, not wal", self._path, mode)
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_checked(self) -> sqlite3.Connection:
        """Open, check integrity, migrate and prove the file writable; ``_Corrupt`` if bad."""
        try:
            with open(self._path, "rb") as f:
                head = f.read(len(_SQLITE_MAGIC))
            if head and head != _SQLITE_MAGIC:
                raise _Corrupt(f"header is {head[:16]!r}, not an SQLite database")
        except FileNotFoundError:
            pass
        except OSError as e:
            raise _unavailable(e) from e

        try:
            conn = self._connect()
        except sqlite3.Error as e:
            if _is_corruption(e):
                raise _Corrupt(str(e)) from e
            raise _unavailable(e) from e
        try:
            problems = [str(r[0]) for r in conn.execute("PRAGMA integrity_check(20)")]
            if problems != ["ok"]:
                raise _Corrupt("integrity_check: " + "; ".join(problems))
            self._migrate(conn)
            # A write at every start: a read-only or full disk is found now, not at the
            # first citizen's tap.
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('last_opened', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (_now_iso(),),
            )
            conn.execute("COMMIT")
        except sqlite3.Error as e:
            _rollback_quietly(conn)
            conn.close()
            if _is_corruption(e):
                raise _Corrupt(str(e)) from e
            raise _unavailable(e) from e
        except BaseException:
            _rollback_quietly(conn)
            conn.close()
            raise
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise StoreUnavailable(
                REASON_NEWER,
                f"{self._path} has schema {version}, this kiosk knows {SCHEMA_VERSION}",
            )
        conn.execute("BEGIN IMMEDIATE")
        # Another LocalStore on the same file may have migrated while we waited for the lock.
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        fresh = version == 0
        while version < SCHEMA_VERSION:
            log.info("local store %s: migrating schema %d -> %d", self._path, version, version + 1)
            _MIGRATIONS[version](conn)
            version += 1
            conn.execute(f"PRAGMA user_version = {version}")
        if fresh:
            conn.execute("INSERT INTO chain_head VALUES (1, 0, ?)", (GENESIS_HASH,))
            conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [("terminal_id", uuid.uuid4().hex), ("created_at", _now_iso())],
            )
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(SCHEMA_VERSION),),
        )
        conn.execute("COMMIT")

    def _move_aside(self) -> Path:
        """Move the db and its -wal/-shm/-journal to a fresh ``.corrupt-<stamp>`` name."""
        stamp = datetime.now(ZoneInfo(self._tz)).strftime("%Y%m%dT%H%M%S")
        companions = ("", "-wal", "-shm", "-journal")
        base = f"{self._path.name}.corrupt-{stamp}"
        n = 1
        while True:
            target = self._path.with_name(base if n == 1 else f"{base}-{n}")
            if not any(Path(f"{target}{s}").exists() for s in companions):
                break
            n += 1
        try:
            for suffix in companions:
                src = Path(f"{self._path}{suffix}")
                if src.exists():
                    _move_no_clobber(src, Path(f"{target}{suffix}"))
        except OSError as e:
            raise _unavailable(e) from e
        return target

    # --- plumbing ---------------------------------------------------------------------------

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("LocalStore is closed")
        return self._conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any storage failure rolls back, then raises."""
        with self._lock:
            conn = self._db
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as e:
                _rollback_quietly(conn)
                if isinstance(e, sqlite3.IntegrityError | sqlite3.ProgrammingError):
                    raise
                raise _unavailable(e) from e
            except BaseException:
                _rollback_quietly(conn)
                raise

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as e:
                if isinstance(e, sqlite3.ProgrammingError):
                    raise
                raise _unavailable(e) from e

    def _read_meta(self, key: str) -> str | None:
        with self._reading() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # --- public API -------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    @property
    def terminal_id(self) -> str:
        """This installation's id (uuid4 hex), made when the file was created."""
        return self._terminal_id

    def record(
        self,
        *,
        id: str,
        window: str,
        unit: str,
        staff: str | None,
        level: int,
        reasons: Sequence[str],
        phone: str | None,
        device_time: datetime,
        flags: Sequence[str],
        section: str | None = None,
    ) -> RatingRecord:
        """Store one rating durably with the next seq and its hash link; return it.

        Returns only after COMMIT returned. Raises ``StoreUnavailable`` (nothing written) when
        the disk is full, read-only or failing; ``ValueError`` for a bad argument or an id
        already recorded.
        """
        _check_values(id, window, unit, staff, phone, section, level, reasons, flags)
        device_us = _utc_us(device_time)
        reasons_t, flags_t = tuple(reasons), tuple(flags)
        base = RatingRecord(
            id=id,
            seq=0,
            terminal=self._terminal_id,
            window=window,
            unit=unit,
            staff=staff,
            level=level,
            reasons=reasons_t,
            phone=phone,
            device_time=device_time.astimezone(UTC).isoformat(),
            tz=self._tz,
            flags=flags_t,
            section=section or None,
        )
        try:
            with self._transaction() as db:
                last_seq, last_hash = db.execute(
                    "SELECT last_seq, last_hash FROM chain_head WHERE one = 1"
                ).fetchone()
                rec = _with_seq(base, int(last_seq) + 1).with_chain(str(last_hash))
                db.execute(
                    "INSERT INTO ratings (id, seq, terminal, window, unit, staff, level, reasons,"
                    " phone, device_time, device_us, tz, flags, prev_hash, hash, section)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        rec.id,
                        rec.seq,
                        rec.terminal,
                        rec.window,
                        rec.unit,
                        rec.staff,
                        rec.level,
                        json.dumps(list(reasons_t), ensure_ascii=False),
                        rec.phone,
                        rec.device_time,
                        device_us,
                        rec.tz,
                        json.dumps(list(flags_t), ensure_ascii=False),
                        rec.prev_hash,
                        rec.hash,
                        rec.section,
                    ),
                )
                db.execute(
                    "UPDATE chain_head SET last_seq = ?, last_hash = ? WHERE one = 1",
                    (rec.seq, rec.hash),
                )
        except sqlite3.IntegrityError as e:
            raise ValueError(f"rating {id!r} is already recorded") from e
        return rec

    def count_since(self, since: datetime) -> int:
        """How many ratings have ``device_time >= since`` (an aware datetime)."""
        us = _utc_us(since)
        with self._reading() as db:
            (n,) = db.execute("SELECT count(*) FROM ratings WHERE device_us >= ?", (us,)).fetchone()
        return int(n)

    def last_device_time(self) -> datetime | None:
        """The device time of the newest rating (highest seq), in UTC; None if there is none."""
        with self._reading() as db:
            row = db.execute("SELECT device_time FROM ratings ORDER BY seq DESC LIMIT 1").fetchone()
        return None if row is None else datetime.fromisoformat(str(row[0]))

    def unsent(self, limit: int = 500) -> list[RatingRecord]:
        """Ratings not yet acknowledged by the central store, oldest seq first."""
        with self._reading() as db:
            rows = db.execute(
                f"SELECT {_ROW_COLUMNS} FROM ratings WHERE sync_status = 'unsent' "
                "ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()
        return [_row_to_record(r) for r in rows]

    def mark_sent(self, ids: Iterable[str]) -> None:
        """The central store holds these (stored or duplicate): stop sending them."""
        now = _now_iso()
        params = [(now, i) for i in ids]
        if not params:
            return
        with self._transaction() as db:
            db.executemany(
                "UPDATE ratings SET sync_status = 'sent', sync_reason = NULL, synced_at = ? "
                "WHERE id = ?",
                params,
            )

    def mark_rejected(self, id: str, reason: str) -> None:
        """Set a rating aside with the central store's reason; the rest keep flowing."""
        with self._transaction() as db:
            cur = db.execute(
                "UPDATE ratings SET sync_status = 'rejected', sync_reason = ?, synced_at = ? "
                "WHERE id = ?",
                (reason, _now_iso(), id),
            )
        if cur.rowcount == 0:
            log.warning("mark_rejected: no rating with id %s", id)

    def backlog(self) -> int:
        """How many ratings wait to be sent."""
        with self._reading() as db:
            (n,) = db.execute(
                "SELECT count(*) FROM ratings WHERE sync_status = 'unsent'"
            ).fetchone()
        return int(n)

    def rejected(self) -> list[tuple[RatingRecord, str]]:
        """Ratings the central store refused, with its reason, oldest first."""
        with self._reading() as db:
            rows = db.execute(
                f"SELECT {_ROW_COLUMNS}, sync_reason FROM ratings "
                "WHERE sync_status = 'rejected' ORDER BY seq"
            ).fetchall()
        return [(_row_to_record(r[:-1]), str(r[-1] or "")) for r in rows]

    def verify_chain(self) -> list[str]:
        """Problems with the stored chain, in words; ``[]`` means intact.

        Finds gaps and duplicates in seq, rows whose content no longer matches their hash
        (edited), links that do not point at the previous row, and missing newest rows.
        """
        problems: list[str] = []
        with self._reading() as db:
            rows = db.execute(f"SELECT {_ROW_COLUMNS} FROM ratings ORDER BY seq, rowid").fetchall()
            head = db.execute("SELECT last_seq, last_hash FROM chain_head WHERE one = 1").fetchone()
        expected_seq, prev_hash = 1, GENESIS_HASH
        last: RatingRecord | None = None
        for row in rows:
            rec = _row_to_record(row)
            if last is not None and rec.seq == last.seq:
                problems.append(f"seq {rec.seq} appears more than once")
            elif rec.seq > expected_seq:
                missing = (
                    f"seq {expected_seq} is missing"
                    if rec.seq == expected_seq + 1
                    else f"seq {expected_seq}..{rec.seq - 1} are missing"
                )
                problems.append(missing + " (deleted?)")
            elif rec.seq < expected_seq:
                problems.append(f"seq {rec.seq} is out of order")
            elif rec.prev_hash != prev_hash:
                # Only meaningful when the previous seq is present; a gap is reported above.
                problems.append(
                    f"seq {rec.seq}: link broken (prev_hash does not match seq {rec.seq - 1})"
                )
            if rec.hash != chain_hash(rec.prev_hash, rec):
                problems.append(f"seq {rec.seq}: content does not match its hash (edited?)")
            expected_seq, prev_hash, last = rec.seq + 1, rec.hash, rec
        if head is None:
            problems.append("the chain head is missing")
        else:
            head_seq, head_hash = int(head[0]), str(head[1])
            last_seq = last.seq if last is not None else 0
            if head_seq > last_seq:
                problems.append(
                    f"the newest ratings are missing: seq {last_seq + 1}..{head_seq} (deleted?)"
                )
            elif head_seq < last_seq:
                problems.append(f"ratings after the chain head (seq {head_seq}) were added")
            elif last is not None and head_hash != last.hash:
                problems.append(f"seq {last.seq}: does not match the chain head (replaced?)")
        return problems

    def last_server_time(self) -> datetime | None:
        """The central store's time when the pusher last heard from it (UTC), or None if never.

        The flow judges the device clock against it (a release date would stop every kiosk
        counting a year after it; this moves with every answer from the server).
        """
        value = self._read_meta(_SERVER_TIME)
        if value is None:
            return None
        try:
            return datetime.fromisoformat(value).astimezone(UTC)
        except ValueError:
            log.warning("local store %s: unreadable server time %r; ignoring it", self._path, value)
            return None

    def note_server_time(self, at: datetime) -> None:
        """Keep the central store's time the pusher just saw (survives a restart)."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("server time must be timezone-aware")
        self.set_meta(_SERVER_TIME, at.astimezone(UTC).isoformat())

    def get_meta(self, key: str) -> str | None:
        return self._read_meta(key)

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def close(self) -> None:
        """Close the connection (idempotent); the last one out checkpoints the WAL."""
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.close()
                finally:
                    self._conn = None

    def __enter__(self) -> LocalStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _with_seq(rec: RatingRecord, seq: int) -> RatingRecord:
    return replace(rec, seq=seq)


def _rollback_quietly(conn: sqlite3.Connection) -> None:
    # After SQLITE_FULL or an I/O error SQLite may already have rolled back; a failing
    # ROLLBACK must not hide the original error.
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.debug("rollback failed", exc_info=True)


def _move_no_clobber(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst`` but never replace an existing ``dst``."""
    try:
        os.link(src, dst)  # fails with EEXIST instead of overwriting
    except OSError as e:
        if e.errno == errno.EEXIST:
            raise
        if dst.exists():  # file systems without hard links: check, then rename
            raise FileExistsError(errno.EEXIST, "target exists", str(dst)) from e
        os.rename(src, dst)
        return
    os.unlink(src)
