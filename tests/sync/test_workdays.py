"""Working-day deadlines, each expected date worked out by hand from the 2026 holiday notice.

2026 (国务院办公厅通知): 中秋节 Fri 25 – Sun 27 September off; 国庆节 Thu 1 – Wed 7 October off;
make-up working days (调休) Sunday 20 September and Saturday 10 October.
"""

from __future__ import annotations

from datetime import date

import pytest

from sync.workdays import CalendarError, WorkCalendar

CHINA = WorkCalendar()


@pytest.mark.parametrize(
    ("received", "days", "due", "why"),
    [
        # National Day week: the day before the holiday waits for Thursday 8 October …
        (date(2026, 9, 30), 1, date(2026, 10, 8), "Oct 1-7 are holidays"),
        # … and 15 working days count the make-up Saturday 10 October:
        # Oct 8, 9, 10(Sat), 12, 13, 14, 15, 16, 19, 20, 21, 22, 23, 26, 27.
        (date(2026, 9, 30), 15, date(2026, 10, 27), "make-up Saturday counts"),
        # A rating inside the holiday week.
        (date(2026, 10, 3), 1, date(2026, 10, 8), "rated on a holiday"),
        # Friday 9 October: the next working day is the make-up Saturday.
        (date(2026, 10, 9), 1, date(2026, 10, 10), "make-up Saturday 10 Oct"),
        # Saturday 19 September: Sunday 20 is a make-up working day.
        (date(2026, 9, 19), 1, date(2026, 9, 20), "make-up Sunday 20 Sep"),
        # Thursday 24 September: Fri 25 - Sun 27 are the Mid-Autumn holiday.
        (date(2026, 9, 24), 1, date(2026, 9, 28), "Mid-Autumn holiday"),
        # A plain weekend: Friday to Monday, Saturday to Monday.
        (date(2026, 11, 13), 1, date(2026, 11, 16), "weekend"),
        (date(2026, 11, 14), 1, date(2026, 11, 16), "rated on a Saturday"),
        # Quarter boundary Q2 -> Q3 (Q3 -> Q4 is the National Day case above):
        # Tue 30 June 2026 -> Wed 1 July; 15 working days: Jul 1-3, 6-10, 13-17, 20, 21.
        (date(2026, 6, 30), 1, date(2026, 7, 1), "quarter boundary"),
        (date(2026, 6, 30), 15, date(2026, 7, 21), "quarter boundary, 15 days"),
        # Tuesday 1 December: Dec 2-4, 7-11, 14-18, 21, 22.
        (date(2026, 12, 1), 15, date(2026, 12, 22), "three plain weeks"),
    ],
)
def test_due_dates_written_out_by_hand(received: date, days: int, due: date, why: str) -> None:
    assert CHINA.add_working_days(received, days) == due, why


def test_a_hall_closure_day_is_not_a_working_day() -> None:
    # The hall is closed on Monday 16 November (a move): Friday's 差评 is due on Tuesday.
    hall = WorkCalendar.of(["2026-11-16"])
    assert hall.add_working_days(date(2026, 11, 13), 1) == date(2026, 11, 17)
    assert not hall.is_working_day(date(2026, 11, 16))
    assert CHINA.is_working_day(date(2026, 11, 16))
    # A closure on a day that is no working day anyway changes nothing.
    assert WorkCalendar.of(["2026-11-14"]).add_working_days(date(2026, 11, 13), 1) == date(
        2026, 11, 16
    )


def test_counting_working_days_between_two_days() -> None:
    # From Wed 30 Sep to Fri 9 Oct: only Oct 8 and 9 are working days.
    assert CHINA.working_days_after(date(2026, 9, 30), date(2026, 10, 9)) == 2
    assert CHINA.working_days_after(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert CHINA.working_days_after(date(2026, 10, 9), date(2026, 10, 9)) == 0


def test_a_year_the_package_does_not_know_is_an_error_naming_it() -> None:
    # 31 December 2026: the next working day lies in 2027, which the installed package does
    # not cover yet; no guess from weekends alone.
    with pytest.raises(CalendarError, match="2027") as e:
        CHINA.add_working_days(date(2026, 12, 31), 1)
    assert "chinesecalendar" in str(e.value)
    with pytest.raises(CalendarError, match="1990"):
        CHINA.is_working_day(date(1990, 5, 2))


# A year the package lacks, entered by the office from the State Council's notice as roster rows.
# The rows below are a test hall's own (not a claim about the real 2027 notice): New Year's Day
# Friday 1 January off, and Sunday 3 January worked in exchange (调休).
ROSTER_2027 = WorkCalendar.of(holidays=["2027-01-01"], workdays=["2027-01-03"])


def test_the_rosters_holiday_rows_give_a_year_the_package_does_not_know() -> None:
    # Thu 31 Dec 2026 (the package's year): Fri 1 Jan is the holiday, Sat 2 a weekend, Sun 3
    # the make-up working day.
    assert ROSTER_2027.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 3)
    # 15 working days: Jan 3, 4-8, 11-15, 18-21.
    assert ROSTER_2027.add_working_days(date(2026, 12, 31), 15) == date(2027, 1, 21)
    assert not ROSTER_2027.is_working_day(date(2027, 1, 9))  # a plain Saturday of that year
    # A year neither the package nor the roster speaks for is still an error that says both ways
    # out.
    with pytest.raises(CalendarError, match="2028") as e:
        ROSTER_2027.is_working_day(date(2028, 3, 1))
    assert "holiday and workday" in str(e.value) and "chinesecalendar" in str(e.value)


def test_roster_rows_win_over_the_package_and_a_closure_wins_over_both() -> None:
    cal = WorkCalendar.of(
        closures=["2026-12-26"], holidays=["2026-12-24"], workdays=["2026-12-26", "2026-12-27"]
    )
    assert not cal.is_working_day(date(2026, 12, 24))  # a Thursday made a day off
    assert cal.is_working_day(date(2026, 12, 27))  # a Sunday made a working day
    assert not cal.is_working_day(date(2026, 12, 26))  # worked nationally, but the hall is shut
