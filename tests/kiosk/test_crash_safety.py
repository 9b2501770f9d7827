"""A kiosk killed at any moment keeps every rating it acknowledged, and its chain stays whole."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from kiosk.store import LocalStore

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("crash_child.py")
CYCLES = 200
READY_DEADLINE_S = 30.0


def _run_and_kill(db: Path, rnd: random.Random) -> list[str]:
    """Start the child, SIGKILL it 0-50 ms after it is ready; the ids it printed before that."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    lines: list[bytes] = []
    ready = threading.Event()

    def read() -> None:
        # Keep draining while the child runs so a full pipe never slows or blocks it.
        assert proc.stdout is not None
        for line in proc.stdout:
            if line == b"READY\n":
                ready.set()
            else:
                lines.append(line)
        ready.set()  # EOF: the child died before or after READY; returncode tells which

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(READY_DEADLINE_S), "child never opened the store"
        assert proc.poll() is None, f"child exited early: {proc.stderr.read().decode()}"
        time.sleep(rnd.uniform(0.0, 0.050))  # the random moment of the power cut
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=READY_DEADLINE_S)
        reader.join(timeout=READY_DEADLINE_S)
        err = proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, f"child failed on its own: {err}"
    # A line without its newline was cut by the kill before the write finished: not acknowledged.
    return [ln[:-1].decode() for ln in lines if ln.endswith(b"\n")]


def test_sigkill_at_random_moments_loses_no_acknowledged_rating(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    rnd = random.Random(20260701)
    acknowledged: list[str] = []
    cycles_with_ratings = 0
    for _ in range(CYCLES):
        ids = _run_and_kill(db, rnd)
        acknowledged += ids
        cycles_with_ratings += bool(ids)

    # The test means something only if the kills landed while ratings were being written.
    assert cycles_with_ratings > CYCLES // 2, f"only {cycles_with_ratings} cycles recorded"

    raw = sqlite3.connect(db)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {r[0] for r in raw.execute("SELECT id FROM ratings")}
        seqs = [r[0] for r in raw.execute("SELECT seq FROM ratings ORDER BY seq")]
    finally:
        raw.close()
    lost = [i for i in acknowledged if i not in stored]
    assert not lost, f"{len(lost)} acknowledged ratings are gone, e.g. {lost[:3]}"
    assert len(set(acknowledged)) == len(acknowledged)
    assert seqs == list(range(1, len(seqs) + 1)), "seq has gaps or duplicates"
    # Killed between COMMIT and print: stored but not acknowledged; never the other way round.
    assert len(seqs) >= len(acknowledged)

    store = LocalStore(db)
    try:
        assert store.recovered_from is None, "a killed kiosk's file was taken for corrupt"
        assert store.verify_chain() == []
        assert store.backlog() == len(seqs)
    finally:
        store.close()
    assert not list(tmp_path.glob("*.corrupt-*"))
