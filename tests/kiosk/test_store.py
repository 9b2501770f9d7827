"""The kiosk's local store: numbering, hash chain, outbox, pragmas, and storage trouble."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import kiosk.store as store_mod
from kiosk.store import (
    REASON_FULL,
    REASON_NEWER,
    REASON_READONLY,
    SCHEMA_VERSION,
    LocalStore,
    StoreUnavailable,
)
from sync.schema import GENESIS_HASH, RatingRecord
from tests.helpers.programs import program

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 7, 1, 9, 30, tzinfo=SHANGHAI)


@pytest.fixture
def db(store_path: Path) -> Path:
    """The store's file (the ``store`` fixture of tests/kiosk/conftest.py opens it)."""
    return store_path


def rate(s: LocalStore, level: int = 5, when: datetime = T0, **kw: Any) -> RatingRecord:
    args: dict[str, Any] = dict(
        id=uuid.uuid4().hex,
        window="A01",
        unit="SCJ",
        staff="TL1001",
        level=level,
        reasons=["tui", "leng"] if level <= 2 else [],
        phone=None,
        device_time=when,
        flags=[],
    )
    args.update(kw)
    return s.record(**args)


def raw(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(db, isolation_level=None)


def ratings_count(db: Path) -> int:
    c = raw(db)
    try:
        return int(c.execute("SELECT count(*) FROM ratings").fetchone()[0])
    finally:
        c.close()


# --- numbering and the hash chain -------------------------------------------------------------


def test_record_numbers_from_one_and_links_each_to_the_last(store: LocalStore) -> None:
    recs = [rate(store, level=lv) for lv in (5, 4, 1)]
    assert [r.seq for r in recs] == [1, 2, 3]
    assert recs[0].prev_hash == GENESIS_HASH
    assert recs[1].prev_hash == recs[0].hash and recs[2].prev_hash == recs[1].hash
    assert all(r.chain_ok() for r in recs)
    assert store.verify_chain() == []
    # What the pusher reads back is byte for byte what was acknowledged.
    assert store.unsent() == recs


def test_record_carries_terminal_tz_and_utc_device_time(store: LocalStore) -> None:
    rec = rate(store, level=2, when=T0, phone="13800138000", flags=["interval"])
    assert rec.terminal == store.terminal_id and len(rec.terminal) == 32
    assert rec.tz == "Asia/Shanghai"
    assert rec.device_time == "2026-07-01T01:30:00+00:00"
    assert rec.reasons == ("tui", "leng") and rec.flags == ("interval",)
    assert rec.phone == "13800138000"
    # The record survives the trip through the wire format unchanged.
    assert RatingRecord.from_dict(json.loads(json.dumps(rec.to_dict()))) == rec


def test_bad_arguments_are_refused_without_using_a_seq(store: LocalStore) -> None:
    first = rate(store)
    with pytest.raises(ValueError, match="aware"):
        rate(store, when=datetime(2026, 7, 1, 9, 30))
    with pytest.raises(ValueError, match="level"):
        rate(store, level=6)
    with pytest.raises(ValueError, match="staff"):
        rate(store, staff=1001)  # an int would come back as '1001' and break the hash
    with pytest.raises(ValueError, match="non-empty"):
        rate(store, window="")
    with pytest.raises(ValueError, match="already recorded"):
        rate(store, id=first.id)
    assert rate(store).seq == 2
    assert store.verify_chain() == []


def test_an_edited_rating_is_reported(store: LocalStore, db: Path) -> None:
    for _ in range(4):
        rate(store, level=5)
    c = raw(db)
    c.execute("UPDATE ratings SET level = 1 WHERE seq = 2")  # a 非常满意 turned into a 差评
    c.close()
    problems = store.verify_chain()
    assert any("seq 2" in p and "hash" in p for p in problems), problems


def test_an_edit_with_a_recomputed_hash_breaks_the_link(store: LocalStore, db: Path) -> None:
    recs = [rate(store) for _ in range(3)]
    forged = RatingRecord(**{**recs[1].to_dict(), "level": 1, "reasons": (), "flags": ()})
    forged = forged.with_chain(recs[0].hash)
    c = raw(db)
    c.execute("UPDATE ratings SET level = 1, hash = ? WHERE seq = 2", (forged.hash,))
    c.close()
    problems = store.verify_chain()
    assert any("seq 3" in p and "link" in p for p in problems), problems


def test_a_deleted_rating_is_reported(store: LocalStore, db: Path) -> None:
    for _ in range(5):
        rate(store)
    c = raw(db)
    c.execute("DELETE FROM ratings WHERE seq = 3")
    c.close()
    problems = store.verify_chain()
    assert any("seq 3 is missing" in p for p in problems), problems


def test_a_deleted_newest_rating_is_reported_and_its_seq_not_reused(
    store: LocalStore, db: Path
) -> None:
    for _ in range(3):
        rate(store)
    c = raw(db)
    c.execute("DELETE FROM ratings WHERE seq = 3")
    c.close()
    problems = store.verify_chain()
    assert any("newest" in p and "3" in p for p in problems), problems
    assert rate(store).seq == 4


# --- the outbox --------------------------------------------------------------------------------


def test_unsent_mark_sent_mark_rejected_backlog(store: LocalStore) -> None:
    recs = [rate(store) for _ in range(6)]
    assert store.backlog() == 6
    assert [r.seq for r in store.unsent(limit=4)] == [1, 2, 3, 4]

    store.mark_sent([recs[0].id, recs[1].id])
    store.mark_rejected(recs[2].id, "window A01 does not belong to this terminal")
    assert store.backlog() == 3
    # A rejected rating is set aside and does not block the ones behind it.
    assert [r.seq for r in store.unsent()] == [4, 5, 6]
    assert store.rejected() == [(recs[2], "window A01 does not belong to this terminal")]

    store.mark_sent([])  # an empty answer is harmless
    store.mark_sent(["no-such-id"])
    store.mark_rejected("no-such-id", "whatever")
    store.mark_sent(r.id for r in recs[3:])
    assert store.backlog() == 0 and store.unsent() == []
    # Sent rows are never renumbered: the next rating still continues the chain.
    assert rate(store).seq == 7
    assert store.verify_chain() == []


def test_count_since_and_last_device_time(store: LocalStore) -> None:
    assert store.last_device_time() is None
    assert store.count_since(T0) == 0
    for minutes in (0, 10, 20, 30):
        rate(store, when=T0 + timedelta(minutes=minutes))
    assert store.count_since(T0 + timedelta(minutes=10)) == 3
    assert store.count_since((T0 + timedelta(minutes=10)).astimezone(UTC)) == 3
    assert store.count_since(T0 + timedelta(minutes=31)) == 0
    assert store.last_device_time() == T0 + timedelta(minutes=30)
    with pytest.raises(ValueError):
        store.count_since(datetime(2026, 7, 1))


def test_meta_round_trip(store: LocalStore) -> None:
    assert store.get_meta("token") is None
    store.set_meta("token", "abc")
    store.set_meta("token", "令牌")
    assert store.get_meta("token") == "令牌"


# --- opening, reopening, pragmas, migration ----------------------------------------------------


def test_reopen_keeps_terminal_id_and_continues_seq(db: Path) -> None:
    s = LocalStore(db)
    tid = s.terminal_id
    last = [rate(s) for _ in range(3)][-1]
    s.set_meta("token", "t")
    s.close()
    s = LocalStore(db)
    try:
        assert s.terminal_id == tid
        assert s.recovered_from is None
        nxt = rate(s)
        assert nxt.seq == 4 and nxt.prev_hash == last.hash
        assert s.get_meta("token") == "t"
        assert s.verify_chain() == []
    finally:
        s.close()


def test_each_install_gets_its_own_terminal_id(data_dir: Path) -> None:
    with LocalStore(data_dir / "a.db") as a, LocalStore(data_dir / "b.db") as b:
        assert a.terminal_id != b.terminal_id


def test_pragmas_are_set_on_every_connection(db: Path) -> None:
    with LocalStore(db) as kiosk_side, LocalStore(db) as pusher_side:
        for s in (kiosk_side, pusher_side):
            q = s._conn
            assert q is not None
            assert q.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert q.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
            assert q.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            assert q.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
            assert q.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert kiosk_side.get_meta("schema_version") == str(SCHEMA_VERSION)


def test_a_file_from_a_newer_version_is_refused_not_overwritten(db: Path) -> None:
    LocalStore(db).close()
    c = raw(db)
    c.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    c.close()
    with pytest.raises(StoreUnavailable) as info:
        LocalStore(db)
    assert info.value.reason == REASON_NEWER
    assert not list(db.parent.glob("*.corrupt-*"))


def test_a_later_migration_step_runs_once(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with LocalStore(db) as s:
        rate(s)
    calls: list[int] = []

    def next_step(conn: sqlite3.Connection) -> None:
        calls.append(1)
        conn.execute("ALTER TABLE ratings ADD COLUMN note TEXT")

    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setattr(store_mod, "_MIGRATIONS", (*store_mod._MIGRATIONS, next_step))
    for expected_seq in (2, 3):
        with LocalStore(db) as s:
            assert rate(s).seq == expected_seq
    assert calls == [1]
    c = raw(db)
    assert c.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    c.close()


def test_a_store_from_before_sections_keeps_its_ratings_and_records_sections(db: Path) -> None:
    # A kiosk installed before sections existed: schema 1 (no section column), ratings unsent.
    with LocalStore(db) as s:
        old = [rate(s) for _ in range(2)]
    c = raw(db)
    c.execute("ALTER TABLE ratings DROP COLUMN section")
    c.execute("PRAGMA user_version = 1")
    c.close()

    with LocalStore(db) as s:
        unsent = s.unsent(limit=10)
        assert [r.to_dict() for r in unsent] == [r.to_dict() for r in old]
        assert all(r.section is None and r.chain_ok() for r in unsent)
        new = s.record(
            id=str(uuid.uuid4()),
            window="A01",
            unit="YJJ",
            staff=None,
            level=2,
            reasons=["tui"],
            phone=None,
            device_time=datetime.now(UTC),
            flags=[],
            section="YJJ-JZ",
        )
        assert new.seq == 3 and new.prev_hash == old[-1].hash and new.chain_ok()
        assert s.unsent(limit=10)[-1] == new
        assert new.to_dict()["section"] == "YJJ-JZ"


# --- two connections, two threads --------------------------------------------------------------


def test_pusher_connection_marks_sent_while_the_kiosk_records(db: Path) -> None:
    kiosk_side = LocalStore(db)
    errors: list[BaseException] = []
    done = threading.Event()

    def pusher() -> None:
        try:
            p = LocalStore(db)
            try:
                while not done.is_set() or p.backlog():
                    p.mark_sent(r.id for r in p.unsent(limit=7))
            finally:
                p.close()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    t = threading.Thread(target=pusher)
    t.start()
    try:
        recs = [rate(kiosk_side) for _ in range(150)]
    finally:
        done.set()
        t.join(timeout=60)
    assert not t.is_alive()
    assert errors == []
    assert [r.seq for r in recs] == list(range(1, 151))
    assert kiosk_side.backlog() == 0
    assert kiosk_side.verify_chain() == []
    kiosk_side.close()


def test_one_store_shared_by_threads_hands_out_each_seq_once(store: LocalStore) -> None:
    seqs: list[int] = []
    lock = threading.Lock()

    def tap() -> None:
        for _ in range(40):
            s = rate(store).seq
            with lock:
                seqs.append(s)

    threads = [threading.Thread(target=tap) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(seqs) == list(range(1, 121))
    assert store.verify_chain() == []


# --- disk full, read-only ----------------------------------------------------------------------


def test_disk_full_inside_sqlite_raises_unavailable_and_writes_nothing(
    store: LocalStore, db: Path
) -> None:
    for _ in range(3):
        rate(store)
    conn = store._conn
    assert conn is not None
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    # SQLite's own limit makes it return SQLITE_FULL exactly as on a full disk.
    conn.execute(f"PRAGMA max_page_count = {pages}")
    recorded = 3
    with pytest.raises(StoreUnavailable) as info:
        for _ in range(10_000):
            rate(store, level=1, phone="13800138000")
            recorded += 1
    assert info.value.reason == REASON_FULL
    assert "disk" in str(info.value)
    assert ratings_count(db) == recorded == store.backlog()
    assert store.verify_chain() == []
    c = raw(db)
    assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    c.close()
    # Space freed: the next tap gets the next number, as if nothing happened.
    conn.execute("PRAGMA max_page_count = 1073741823")
    assert rate(store).seq == recorded + 1
    assert store.verify_chain() == []


def test_meta_and_sync_writes_on_a_full_disk_raise_unavailable(store: LocalStore) -> None:
    rec = rate(store)
    conn = store._conn
    assert conn is not None
    conn.execute("PRAGMA max_page_count = 1")  # below the current size: every write fails
    with pytest.raises(StoreUnavailable):
        store.set_meta("big", "x" * 100_000)
    conn.execute("PRAGMA max_page_count = 1073741823")
    store.mark_sent([rec.id])
    assert store.backlog() == 0


def test_read_only_store_at_open_raises_unavailable(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LocalStore(db) as s:
        for _ in range(3):
            rate(s)
    before = db.read_bytes()

    def connect_read_only(self: LocalStore) -> sqlite3.Connection:
        # Root ignores chmod, so open the way SQLite does on a read-only medium.
        c = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None)
        c.execute("PRAGMA busy_timeout = 5000")
        return c

    monkeypatch.setattr(LocalStore, "_connect", connect_read_only)
    with pytest.raises(StoreUnavailable) as info:
        LocalStore(db)
    assert info.value.reason == REASON_READONLY
    assert db.read_bytes() == before
    assert not list(db.parent.glob("*.corrupt-*")), "read-only is not corruption"
    monkeypatch.undo()
    with LocalStore(db) as s:
        assert rate(s).seq == 4


def test_storage_turning_read_only_while_running(store: LocalStore, db: Path) -> None:
    first = rate(store)
    conn = store._conn
    assert conn is not None
    conn.execute("PRAGMA query_only = ON")  # every write now fails with SQLITE_READONLY
    with pytest.raises(StoreUnavailable) as info:
        rate(store)
    assert info.value.reason == REASON_READONLY
    with pytest.raises(StoreUnavailable):
        store.mark_sent([first.id])
    assert store.backlog() == 1 and ratings_count(db) == 1  # reads still work
    conn.execute("PRAGMA query_only = OFF")
    assert rate(store).seq == 2
    assert store.verify_chain() == []


def test_a_data_dir_that_cannot_be_created_raises_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data dir should be")
    with pytest.raises(StoreUnavailable):
        LocalStore(blocker / "kiosk.db")


def _unshare_works() -> bool:
    unshare = shutil.which("unshare")  # util-linux: on every Debian, and on setup's list
    if unshare is None:
        return False
    return subprocess.run([unshare, "-rm", "true"], capture_output=True).returncode == 0


def _on_small_tmpfs(scenario: str, mnt: Path) -> dict[str, Any]:
    """Run fs_child.py in a private mount namespace on a real 2 MiB tmpfs at ``mnt``."""
    mnt.mkdir()
    script = '"$5" -t tmpfs -o size=2m tmpfs "$1" && exec "$2" "$3" "$4" "$1" "$5"'
    child = Path(__file__).with_name("fs_child.py")
    cmd = [program("unshare"), "-rm", program("sh"), "-c", script, "sh", str(mnt)]
    cmd += [sys.executable, str(child), scenario, program("mount")]
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


needs_unshare = pytest.mark.skipif(
    not _unshare_works(),
    reason="no user namespaces here for a private tmpfs; the SQLITE_FULL/READONLY tests above "
    "cover the same code path",
)


@needs_unshare
def test_really_full_disk(tmp_path: Path) -> None:
    r = _on_small_tmpfs("full", tmp_path / "mnt")
    assert r["before"] == [1, 2, 3, 4, 5]
    assert r["reason"] == REASON_FULL
    n = 5 + r["fitted"]
    assert r["count_at_full"] == n and r["integrity_at_full"] == "ok"
    assert r["chain_at_full"] == []
    assert r["open_on_full"] == REASON_FULL
    assert r["after_free"] == n + 1
    assert r["count_after"] == n + 1 and r["integrity_after"] == "ok"
    assert r["chain_after"] == []


@needs_unshare
def test_really_read_only_file_system(tmp_path: Path) -> None:
    r = _on_small_tmpfs("readonly", tmp_path / "mnt")
    assert r["before"] == [1, 2, 3]
    assert r["kiosk.db"] == REASON_READONLY
    assert r["new.db"] == REASON_READONLY
    assert r["files"] == ["kiosk.db"]


# --- corrupt files -----------------------------------------------------------------------------


def _filled_db(db: Path, n: int = 400) -> None:
    with LocalStore(db) as s:
        for i in range(n):
            rate(s, level=1 + i % 5, staff=f"TL{i:04d}")
    # Closing the last connection checkpoints the WAL into the main file.
    assert not Path(f"{db}-wal").exists()


def _garbage(db: Path) -> None:
    db.write_bytes(os.urandom(8192))


def _truncated(db: Path) -> None:
    _filled_db(db)
    size = db.stat().st_size
    with open(db, "r+b") as f:
        f.truncate(size // 2)


def _half_overwritten(db: Path) -> None:
    _filled_db(db)
    size = db.stat().st_size
    with open(db, "r+b") as f:
        f.seek(4096)  # keep the header page, trash the b-tree pages behind it
        f.write(os.urandom(size // 2))


def _header_overwritten(db: Path) -> None:
    _filled_db(db)
    with open(db, "r+b") as f:
        f.write(b"\xde\xad" * 50)


def _index_out_of_step(db: Path) -> None:
    """Readable pages, wrong contents: only PRAGMA integrity_check notices."""
    _filled_db(db, 50)
    c = raw(db)
    c.execute("PRAGMA writable_schema = ON")
    c.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX ratings_device_us ON ratings (level)' "
        "WHERE name = 'ratings_device_us'"
    )
    c.close()


@pytest.mark.parametrize(
    "damage",
    [_garbage, _truncated, _half_overwritten, _header_overwritten, _index_out_of_step],
    ids=lambda f: f.__name__,
)
def test_a_corrupt_file_is_moved_aside_and_a_fresh_store_starts(
    db: Path, damage: Any, caplog: pytest.LogCaptureFixture
) -> None:
    damage(db)
    bad = db.read_bytes()
    with caplog.at_level("WARNING", logger="kiosk.store"):
        s = LocalStore(db)
    try:
        moved = s.recovered_from
        assert moved is not None
        assert moved.parent == db.parent
        assert moved.name.startswith(f"{db.name}.corrupt-")
        stamp = moved.name.removeprefix(f"{db.name}.corrupt-")
        datetime.strptime(stamp, "%Y%m%dT%H%M%S")
        assert moved.read_bytes() == bad, "the damaged bytes must be kept for inspection"
        assert str(moved) in caplog.text
        rec = rate(s)
        assert rec.seq == 1 and rec.prev_hash == GENESIS_HASH
        assert s.verify_chain() == []
    finally:
        s.close()
    with LocalStore(db) as again:
        assert again.recovered_from is None
        assert again.backlog() == 1


def test_wal_and_shm_move_with_the_corrupt_file(db: Path) -> None:
    with LocalStore(db) as holder:
        rate(holder)
        # The files as a crash would leave them: the WAL not yet checkpointed.
        wal, shm = (Path(f"{db}{s}").read_bytes() for s in ("-wal", "-shm"))
    Path(f"{db}-wal").write_bytes(wal)
    Path(f"{db}-shm").write_bytes(shm)
    db.write_bytes(b"not a database at all" * 100)
    with LocalStore(db) as s:
        moved = s.recovered_from
        assert moved is not None
        assert Path(f"{moved}-wal").read_bytes() == wal
        assert Path(f"{moved}-shm").read_bytes() == shm
        assert s.backlog() == 0


def test_a_second_corruption_never_overwrites_the_first(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class FrozenClock(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> FrozenClock:
            return cls(2026, 7, 1, 9, 30, 0, tzinfo=tz)

    # Both failures in the same second: the names would collide without a suffix.
    monkeypatch.setattr(store_mod, "datetime", FrozenClock)
    db.write_bytes(b"first garbage " * 200)
    with LocalStore(db) as s:
        first = s.recovered_from
    db.write_bytes(b"second garbage " * 200)
    with LocalStore(db) as s:
        second = s.recovered_from
    assert first is not None and second is not None and first != second
    assert first.name == f"{db.name}.corrupt-20260701T093000"
    assert first.read_bytes() == b"first garbage " * 200
    assert second.read_bytes() == b"second garbage " * 200
