"""Today's "silent terminal": a whole working day of the hall without contact (China's
calendar, make-up days and the hall's closed days included), not merely 24 hours."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from board._qt.console.qt_common import ConsoleContext, Identity
from board._qt.console.qt_today import silent_a_working_day
from board._qt.console.qt_worker import ApiWorker
from board._qt.console.texts import Tr
from sync.defaults import DEFAULT_TZ
from sync.roster import Hall, Roster

ZONE = ZoneInfo(DEFAULT_TZ)


def _ctx(now: datetime, closures: dict[date, str] | None = None) -> ConsoleContext:
    ctx = ConsoleContext(ApiWorker(), Identity("http://x", "admin", "admin"), Tr("zh"))
    ctx.clock = lambda: now
    ctx.roster = Roster(hall=Hall("TL", "铜梁", DEFAULT_TZ), closures=closures or {})
    return ctx


@pytest.mark.parametrize(
    ("last_seen", "now", "silent"),
    [
        # An ordinary weekend: Friday's contact is enough on Monday, Thursday's is not.
        ((2026, 11, 27, 16), (2026, 11, 30, 10), False),
        ((2026, 11, 26, 16), (2026, 11, 30, 10), True),
        # National Day week: the last contact before the holiday is fine on its first working
        # day back, not on the second.
        ((2026, 9, 30, 16), (2026, 10, 8, 9), False),
        ((2026, 9, 30, 16), (2026, 10, 9, 9), True),
        # Saturday 10 October 2026 is a make-up working day (调休): silent on Sunday.
        ((2026, 10, 9, 16), (2026, 10, 11, 9), True),
    ],
)
def test_silent_means_a_whole_working_day_without_contact(
    qtbot, last_seen: tuple[int, ...], now: tuple[int, ...], silent: bool
) -> None:  # type: ignore[no-untyped-def]
    ctx = _ctx(datetime(*now, tzinfo=ZONE))
    assert silent_a_working_day(ctx, datetime(*last_seen, tzinfo=ZONE)) is silent


def test_a_day_the_hall_was_closed_does_not_count(qtbot) -> None:  # type: ignore[no-untyped-def]
    thursday, monday = (
        datetime(2026, 11, 26, 16, tzinfo=ZONE),
        datetime(2026, 11, 30, 10, tzinfo=ZONE),
    )
    assert silent_a_working_day(_ctx(monday), thursday)
    closed_friday = _ctx(monday, {date(2026, 11, 27): "搬迁"})
    assert not silent_a_working_day(closed_friday, thursday)
