"""Stand-ins for the kiosk's tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kiosk.store import StoreUnavailable


class FullDiskStore:
    """A store whose disk is full: every ``record`` raises, as ``LocalStore`` would."""

    def __init__(self) -> None:
        self.calls = 0

    def record(self, **kw: Any) -> None:
        self.calls += 1
        raise StoreUnavailable("磁盘已满 / disk full", "database or disk is full")

    def count_since(self, since: datetime) -> int:
        return 0

    def last_device_time(self) -> datetime | None:
        return None

    def last_server_time(self) -> datetime | None:
        return None
