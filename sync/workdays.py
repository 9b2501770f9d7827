"""Working days of a hall: mainland China's official calendar plus the hall's own closure days.

The 好差评 rules set follow-up deadlines in working days (call back within 1, rectify within
15). A working day here is one the ``chinesecalendar`` package calls a workday (Monday to
Friday, less the statutory holidays, plus the adjusted make-up working days, 调休) on which the
hall is not closed (the roster's ``closed`` rows: a move, a power cut, a local holiday).

The package knows the years the State Council had published when it was released. For a later
year the office enters the published arrangement (放假安排) as roster rows: ``holiday`` (a
statutory day off) and ``workday`` (a weekend day worked in exchange, 调休). A year the roster
names any such day in is weekends plus those rows; the rows also win over the package where both
speak. A date in a year neither knows is an error (``CalendarError``, naming the year, the
package's range and both ways out), never a guess from weekends alone: a deadline that silently
skips a holiday would be wrong by a week.

A deadline of *n* working days from a day is the *n*-th working day after that day: the day a
rating arrives does not count, whatever its hour, and a rating on a Saturday is due on the first
working day after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.metadata import PackageNotFoundError, version

import chinese_calendar

__all__ = ["CalendarError", "WorkCalendar", "calendar_years"]

_MAX_SPAN = 3660  # days searched for the next working day before giving up (ten years)


class CalendarError(ValueError):
    """A day the working-day calendar cannot speak for (its year is not in the package)."""


def calendar_years() -> tuple[int, int]:
    """The first and last year the installed ``chinesecalendar`` knows."""
    years = [d.year for d in chinese_calendar.constants.holidays]
    years += [d.year for d in chinese_calendar.constants.workdays]
    return min(years), max(years)


def _days(days: Iterable[date | str]) -> frozenset[date]:
    return frozenset(d if isinstance(d, date) else date.fromisoformat(d) for d in days)


def _package_version() -> str:
    try:
        return version("chinesecalendar")
    except PackageNotFoundError:  # pragma: no cover - installed with the project
        return "?"


@dataclass(frozen=True)
class WorkCalendar:
    """China's working days (the package, or the roster's ``holidays``/``workdays``) less the
    hall's ``closures``."""

    closures: frozenset[date] = frozenset()
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    @classmethod
    def of(
        cls,
        closures: Iterable[date | str] = (),
        holidays: Iterable[date | str] = (),
        workdays: Iterable[date | str] = (),
    ) -> WorkCalendar:
        """A calendar from the roster's days, given as dates or ISO strings."""
        return cls(_days(closures), _days(holidays), _days(workdays))

    def _roster_years(self) -> set[int]:
        return {d.year for d in self.holidays | self.workdays}

    def is_working_day(self, day: date) -> bool:
        """Whether the hall works on ``day``; raises ``CalendarError`` outside the known years."""
        if day in self.closures:
            return False
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year in self._roster_years():
                return day.weekday() < 5
            first, last = calendar_years()
            raise CalendarError(
                f"no working-day calendar for {day.year}: chinesecalendar {_package_version()} "
                f"knows {first}–{last}. Once the State Council has published {day.year}'s "
                f"holidays, enter them in the roster as holiday and workday (调休) rows, or "
                f"update the package (pip install -U chinesecalendar)"
            ) from None

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself never counts); n >= 1."""
        if n < 1:
            raise ValueError("n must be at least 1")
        day, left = start, n
        for _ in range(_MAX_SPAN):
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
                if left == 0:
                    return day
        raise CalendarError(f"no {n} working days within ten years after {start}")

    def working_days_after(self, start: date, end: date) -> int:
        """How many working days lie after ``start`` up to and including ``end``."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count
