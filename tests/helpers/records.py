"""Build chained rating records the way a kiosk would, for tests that talk to the store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sync.schema import GENESIS_HASH, RatingRecord

__all__ = ["Chain"]


@dataclass
class Chain:
    """A terminal's record chain: ``next()`` makes seq 1, 2, … each linked to the one before."""

    terminal: str
    window: str
    unit: str
    staff: str | None = None
    tz: str = "Asia/Shanghai"
    seq: int = 0
    last_hash: str = GENESIS_HASH
    clock: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(hours=1))
    step: timedelta = timedelta(seconds=5)

    def next(
        self,
        level: int = 5,
        reasons: tuple[str, ...] = (),
        *,
        at: datetime | None = None,
        unit: str | None = None,
        staff: str | None = None,
        flags: tuple[str, ...] = (),
        phone: str | None = None,
        section: str | None = None,
    ) -> RatingRecord:
        self.seq += 1
        self.clock = at or (self.clock + self.step)
        rec = RatingRecord(
            id=str(uuid.uuid4()),
            seq=self.seq,
            terminal=self.terminal,
            window=self.window,
            unit=unit or self.unit,
            staff=staff or self.staff,
            level=level,
            reasons=reasons,
            phone=phone,
            device_time=self.clock.isoformat(),
            tz=self.tz,
            flags=flags,
            section=section,
        ).with_chain(self.last_hash)
        self.last_hash = rec.hash
        return rec

    def many(self, n: int, level: int = 5) -> list[RatingRecord]:
        return [self.next(level) for _ in range(n)]

    def iter(self, n: int) -> Iterator[RatingRecord]:
        for i in range(n):
            yield self.next(level=5 - (i % 5), reasons=("leng",) if i % 5 >= 3 else ())
