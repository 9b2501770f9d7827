"""``Quarter``: labels, order, neighbours and bounds in the hall's zone, checked as properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.quarter import Quarter

quarters = st.builds(Quarter, st.integers(1900, 2200), st.integers(1, 4))
zones = st.sampled_from(
    ["Asia/Shanghai", "Asia/Urumqi", "UTC", "America/New_York", "Pacific/Kiritimati"]
)
moments = st.datetimes(
    min_value=datetime(1901, 1, 1), max_value=datetime(2199, 12, 31), timezones=st.just(UTC)
)


@given(quarters)
def test_a_label_parses_back_to_its_quarter(q: Quarter) -> None:
    assert Quarter.parse(str(q)) == q
    assert Quarter.is_label(q.label)


@given(quarters)
def test_next_and_previous_are_inverse_and_adjacent(q: Quarter) -> None:
    assert q.next().previous() == q
    assert q.previous() < q < q.next()
    assert q.next().first_day == q.last_day + timedelta(days=1)


@given(quarters)
def test_every_day_of_a_quarter_belongs_to_it(q: Quarter) -> None:
    assert Quarter.of(q.first_day) == q
    assert Quarter.of(q.last_day) == q
    assert Quarter.of(q.first_day - timedelta(days=1)) == q.previous()
    assert 90 <= (q.last_day - q.first_day).days + 1 <= 92


@given(moments, zones)
def test_a_moment_lies_within_the_bounds_of_its_quarter(moment: datetime, zone: str) -> None:
    q = Quarter.at(moment, zone)
    start, end = q.bounds(zone)
    assert start <= moment < end
    assert start.astimezone(ZoneInfo(zone)).time().hour == 0
    assert end == q.next().bounds(zone)[0]


def test_quarters_are_reckoned_in_the_halls_zone_not_utc() -> None:
    # 30 September 23:30 UTC is already 1 October 07:30 in Shanghai.
    moment = datetime(2026, 9, 30, 23, 30, tzinfo=UTC)
    assert str(Quarter.at(moment, "Asia/Shanghai")) == "2026Q4"
    assert str(Quarter.at(moment, "UTC")) == "2026Q3"
    assert Quarter(2026, 4).bounds("Asia/Shanghai")[0] == datetime(2026, 9, 30, 16, tzinfo=UTC)


def test_labels_in_words() -> None:
    assert Quarter.parse("2026Q3").label_zh == "2026年第三季度"
    assert Quarter(2025, 4).next() == Quarter(2026, 1)
    assert Quarter.of(date(2026, 12, 31)).label == "2026Q4"


@pytest.mark.parametrize(
    "bad", ["2026Q5", "2026Q0", "2026q3", "26Q3", " 2026Q3", "2026-Q3", "2026Q3\n", ""]
)
def test_a_bad_label_is_refused_with_what_a_label_looks_like(bad: str) -> None:
    assert not Quarter.is_label(bad)
    with pytest.raises(ValueError, match="2026Q3"):
        Quarter.parse(bad)
