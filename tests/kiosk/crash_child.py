"""Child process for the crash-safety test: records ratings as fast as it can until killed.

Usage: ``python tests/kiosk/crash_child.py DB_PATH``. Prints ``READY`` once the store is open,
then one rating id per line, each flushed only after ``LocalStore.record`` returned: a printed
id is a rating the kiosk would have thanked the citizen for.
"""

from __future__ import annotations

import random
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from kiosk.store import LocalStore


def main() -> None:
    store = LocalStore(Path(sys.argv[1]))
    out = sys.stdout
    out.write("READY\n")
    out.flush()
    rnd = random.Random()
    while True:
        rid = uuid.uuid4().hex
        level = rnd.randint(1, 5)
        store.record(
            id=rid,
            window="A01",
            unit="SCJ",
            staff=rnd.choice([None, "TL1001", "TL1002"]),
            level=level,
            reasons=rnd.sample(["leng", "lan", "tui", "luan", "tan"], 2) if level <= 2 else [],
            phone=rnd.choice([None, "13800138000"]),
            device_time=datetime.now(UTC),
            flags=rnd.choice([[], ["interval"]]),
        )
        # One write of a short line: atomic on a pipe, so a kill never leaves half an id.
        out.write(rid + "\n")
        out.flush()


if __name__ == "__main__":
    main()
