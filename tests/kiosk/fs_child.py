"""Child process for the real-file-system tests: runs inside ``unshare -rm`` on a small tmpfs.

Usage: ``python tests/kiosk/fs_child.py SCENARIO MOUNT_DIR MOUNT_PROGRAM``; prints one JSON object with what it
saw, for the parent test to check. Scenarios:

``full``      record, fill the disk for real, record again (must fail cleanly), free space,
              record again (must get the next seq), and opening a store on the full disk.
``readonly``  record, close, remount the file system read-only, then open the store.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.store import LocalStore, StoreUnavailable


def _record(store: LocalStore) -> int:
    rec = store.record(
        id=uuid.uuid4().hex,
        window="A01",
        unit="SCJ",
        staff="TL1001",
        level=5,
        reasons=[],
        phone=None,
        device_time=datetime.now(UTC),
        flags=[],
    )
    return rec.seq


def _count_and_check(db: Path) -> tuple[int, str]:
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        n = raw.execute("SELECT count(*) FROM ratings").fetchone()[0]
        ok = raw.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        raw.close()
    return int(n), str(ok)


def full(mnt: Path, _mount: str) -> dict[str, Any]:
    db = mnt / "kiosk.db"
    out: dict[str, Any] = {}
    store = LocalStore(db)
    out["before"] = [_record(store) for _ in range(5)]
    filler = mnt / "filler"
    with open(filler, "wb", buffering=0) as f:  # fill the disk to the last byte
        for size in (65536, 512, 1):
            try:
                while f.write(b"\0" * size):
                    pass
            except OSError:
                pass
    # SQLite may still fit a few commits into WAL space it already owns; the disk runs out soon.
    out["fitted"] = 0
    out["reason"] = None
    for _ in range(200):
        try:
            _record(store)
            out["fitted"] += 1
        except StoreUnavailable as e:
            out["reason"] = e.reason
            break
    out["count_at_full"], out["integrity_at_full"] = _count_and_check(db)
    out["chain_at_full"] = store.verify_chain()
    try:
        LocalStore(mnt / "other.db").close()
        out["open_on_full"] = None
    except StoreUnavailable as e:
        out["open_on_full"] = e.reason
    filler.unlink()
    out["after_free"] = _record(store)
    out["chain_after"] = store.verify_chain()
    out["count_after"], out["integrity_after"] = _count_and_check(db)
    store.close()
    return out


def readonly(mnt: Path, mount: str) -> dict[str, Any]:
    db = mnt / "kiosk.db"
    out: dict[str, Any] = {}
    store = LocalStore(db)
    out["before"] = [_record(store) for _ in range(3)]
    store.close()
    subprocess.run([mount, "-o", "remount,ro", str(mnt)], check=True)
    for name in ("kiosk.db", "new.db"):
        try:
            LocalStore(mnt / name).close()
            out[name] = None
        except StoreUnavailable as e:
            out[name] = e.reason
    out["files"] = sorted(p.name for p in mnt.iterdir())
    return out


def main() -> None:
    scenario, mnt, mount = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    result = {"full": full, "readonly": readonly}[scenario](mnt, mount)
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
