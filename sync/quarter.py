"""``Quarter``: a calendar quarter of the hall, the period every list and report is about.

Quarters are reckoned in the hall's local time zone (Asia/Shanghai by default), not UTC: a
rating tapped at 07:00 on 1 October in Shanghai is 2026Q4 though it is still 30 September in
UTC. On the wire and in the store a quarter is its label, ``2026Q3``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

__all__ = ["QUARTER_PATTERN", "Quarter"]

QUARTER_PATTERN = r"^[0-9]{4}Q[1-4]$"
"""A quarter's label as the API accepts it (FastAPI ``pattern=``)."""

_LABEL = re.compile(QUARTER_PATTERN)
_ZH_NUMBERS = "一二三四"


@dataclass(frozen=True, order=True)
class Quarter:
    """Quarter ``q`` (1–4) of ``year``; ordered by time; ``str()`` is its label ``2026Q3``."""

    year: int
    q: int

    def __post_init__(self) -> None:
        if not 1 <= self.q <= 4:
            raise ValueError(f"a quarter is 1 to 4, got {self.q}")
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year {self.year} is out of range")

    @classmethod
    def parse(cls, label: str) -> Quarter:
        """``Quarter.parse("2026Q3")``; a ValueError says what a label looks like."""
        if not isinstance(label, str) or not _LABEL.fullmatch(label):
            raise ValueError(f"a quarter looks like 2026Q3, got {label!r}")
        return cls(int(label[:4]), int(label[5]))

    @classmethod
    def is_label(cls, text: str) -> bool:
        """True for ``2026Q3``; false for anything ``parse`` refuses."""
        return isinstance(text, str) and _LABEL.fullmatch(text) is not None

    @classmethod
    def of(cls, local: date) -> Quarter:
        """The quarter of a date, or of a datetime already in the hall's local time."""
        return cls(local.year, (local.month - 1) // 3 + 1)

    @classmethod
    def at(cls, moment: datetime, tz: str | tzinfo) -> Quarter:
        """The quarter an aware ``moment`` falls in, reckoned in the zone ``tz``."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        return cls.of(moment.astimezone(zone))

    def __str__(self) -> str:
        return f"{self.year:04d}Q{self.q}"

    @property
    def label(self) -> str:
        """``2026Q3``."""
        return str(self)

    @property
    def label_zh(self) -> str:
        """``2026年第三季度``, as the wall and the poster say it."""
        return f"{self.year}年第{_ZH_NUMBERS[self.q - 1]}季度"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * (self.q - 1) + 1, 1)

    @property
    def last_day(self) -> date:
        month = 3 * self.q
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    def bounds(self, tz: str | tzinfo) -> tuple[datetime, datetime]:
        """The quarter as ``[start, end)`` aware datetimes: local midnights in the zone ``tz``."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        start = datetime.combine(self.first_day, time(), tzinfo=zone)
        end = datetime.combine(self.next().first_day, time(), tzinfo=zone)
        return start, end

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)
