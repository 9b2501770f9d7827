"""The rating flow with a real LocalStore on disk and a hand-driven clock (no Qt, no sleeps)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import Misuse, Timings
from kiosk.flow import Flow, Recorded, State, normalise_phone
from kiosk.store import LocalStore
from sync.roster import Roster
from tests.helpers.clock import Clock
from tests.kiosk.fakes import FullDiskStore

# Wednesday 2026-07-01 10:00 in Chongqing (UTC+8): the demo hall is open.
OPEN = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(OPEN)


@pytest.fixture
def make_flow(roster: Roster, store: LocalStore, clock: Clock) -> Callable[..., Flow]:
    def make(**kw: Any) -> Flow:
        kw.setdefault("store", store)
        kw.setdefault(
            "timings",
            Timings(language_timeout_s=60, why_timeout_s=60, thanks_s=4, idle_return_s=60),
        )
        kw.setdefault("misuse", Misuse(min_interval_s=3, burst_count=8, burst_window_s=60))
        return Flow(roster=roster, window="A01", clock=clock, staff_pin="2468", **kw)

    return make


def rows(store: LocalStore) -> list[sqlite3.Row]:
    conn = sqlite3.connect(store.path)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM ratings ORDER BY seq").fetchall()
    finally:
        conn.close()


def rate_once(flow: Flow, clock: Clock, level: int) -> None:
    """Idle (the faces) -> one tap (-> skip for a 差评) -> thank-you -> idle."""
    assert flow.state is State.IDLE
    flow.rate(level)
    if level <= 2:
        flow.skip()
    assert flow.state is State.THANKS
    clock.advance(flow.timings.thanks_s + flow.misuse.min_interval_s)
    flow.tick()
    assert flow.state is State.IDLE


@pytest.mark.parametrize("level", [3, 4, 5])
def test_good_level_records_at_once_then_thanks(
    make_flow: Callable[..., Flow], store: LocalStore, level: int
) -> None:
    flow = make_flow()
    seen: list[Recorded] = []
    flow.rating_recorded.connect(seen.append)
    assert flow.state is State.IDLE  # the faces are on the idle screen: one tap rates
    flow.rate(level)
    assert flow.state is State.THANKS
    (row,) = rows(store)
    assert (row["level"], row["window"], row["unit"], row["staff"]) == (level, "A01", "YJJ", None)
    assert row["flags"] == "[]"
    assert [r.id for r in seen] == [row["id"]]
    assert not hasattr(seen[0], "level")  # staff-facing subscribers never learn the verdict


def test_bad_level_asks_why_and_records_reasons_and_phone(
    make_flow: Callable[..., Flow], store: LocalStore
) -> None:
    flow = make_flow()
    flow.rate(1)
    assert flow.state is State.WHY and rows(store) == []
    codes = [r.code for r in flow.reasons]
    assert codes[:5] == ["leng", "lan", "tui", "luan", "tan"] and "H01" in codes
    flow.toggle_reason("tui")
    flow.toggle_reason("H01")
    flow.toggle_reason("leng")
    flow.toggle_reason("leng")  # a second touch unselects
    flow.open_phone_pad()
    assert flow.state is State.PHONE
    assert flow.submit_phone("12345") == "phone_invalid"
    assert flow.state is State.PHONE
    assert flow.submit_phone("138 0013 8000") is None
    assert flow.state is State.WHY
    flow.confirm()
    assert flow.state is State.THANKS
    (row,) = rows(store)
    assert row["level"] == 1 and row["phone"] == "13800138000"
    assert sorted(json.loads(row["reasons"])) == ["H01", "tui"]


def test_skip_records_without_reasons(make_flow: Callable[..., Flow], store: LocalStore) -> None:
    flow = make_flow()
    flow.rate(2)
    flow.toggle_reason("lan")
    flow.skip()
    (row,) = rows(store)
    assert (row["level"], row["reasons"], row["phone"]) == (2, "[]", None)


def test_why_timeout_keeps_the_chosen_reasons_and_phone_and_touch_extends(
    make_flow: Callable[..., Flow], store: LocalStore, clock: Clock
) -> None:
    flow = make_flow()
    warned: list[State] = []
    flow.time_warning.connect(warned.append)
    flow.rate(2)
    flow.toggle_reason("tui")
    flow.open_phone_pad()
    assert flow.submit_phone("13800138000") is None
    clock.advance(50)
    flow.toggle_reason("leng")  # a touch mid-choice restarts the limit
    clock.advance(34)
    flow.tick()
    assert warned == [] and not flow.warning
    clock.advance(1.5)  # 24.5 s left: warned (>= 20 s before), once
    flow.tick()
    flow.tick()
    assert warned == [State.WHY] and flow.warning
    clock.advance(24)
    flow.tick()
    assert flow.state is State.WHY and rows(store) == []
    clock.advance(1)
    flow.tick()
    assert flow.state is State.THANKS
    (row,) = rows(store)
    assert (row["level"], json.loads(row["reasons"]), row["phone"]) == (
        2,
        ["tui", "leng"],
        "13800138000",
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13912345678", "13912345678"),  # typed, OK never pressed: a valid number is kept
        ("139123", "13800138000"),  # half a number: the one confirmed before stays
    ],
)
def test_phone_screen_timeout_keeps_reasons_and_the_number(
    make_flow: Callable[..., Flow], store: LocalStore, clock: Clock, typed: str, stored: str
) -> None:
    flow = make_flow()
    flow.rate(1)
    flow.toggle_reason("tui")
    flow.toggle_reason("leng")
    flow.open_phone_pad()
    assert flow.submit_phone("138 0013 8000") is None
    flow.open_phone_pad()
    flow.set_phone_draft(typed)
    assert flow.state is State.PHONE
    clock.advance(61)
    flow.tick()
    assert flow.state is State.THANKS
    (row,) = rows(store)
    assert (json.loads(row["reasons"]), row["phone"]) == (["tui", "leng"], stored)


def test_limits_have_floors_and_timeout_scale_covers_every_one(
    make_flow: Callable[..., Flow], store: LocalStore, clock: Clock
) -> None:
    # Values made in code below the floors are raised to them (a config file is refused).
    floored = Timings(language_timeout_s=1, why_timeout_s=0.5, thanks_s=0.5, idle_return_s=1)
    assert [floored.seconds(k) for k in Timings.FLOORS] == [45, 45, 3, 15]
    scaled = Timings(timeout_scale=10)
    flow = make_flow(timings=scaled, misuse=Misuse(min_interval_s=0))
    expected = {
        "why": 600,
        "thanks": 40,
        "language": 600,
        "staff": 600,
    }
    flow.rate(2)
    assert flow.seconds_left() == expected["why"]
    flow.skip()
    assert flow.seconds_left() == expected["thanks"]
    clock.advance(39)
    flow.tick()
    assert flow.state is State.THANKS  # read slowly: the thank-you lasts 10x as well
    clock.advance(1)
    flow.tick()
    flow.set_language("en")
    assert flow.seconds_left() == expected["language"]
    flow.request_staff()
    assert flow.seconds_left() == expected["staff"]


def test_idle_left_in_the_other_language_warns_then_goes_back(
    make_flow: Callable[..., Flow], store: LocalStore, clock: Clock
) -> None:
    flow = make_flow()
    warned: list[State] = []
    flow.time_warning.connect(warned.append)
    assert flow.seconds_left() is None  # in the default language the faces wait for ever
    flow.set_language("en")
    clock.advance(36)
    flow.tick()
    assert warned == [State.IDLE] and flow.language == "en"
    flow.touch()  # still reading: the limit restarts
    clock.advance(59)
    flow.tick()
    assert flow.language == "en"
    clock.advance(1)
    flow.tick()
    assert flow.state is State.IDLE and flow.language == "zh" and flow.seconds_left() is None
    assert rows(store) == []


def test_faces_return_only_after_the_minimum_interval(
    make_flow: Callable[..., Flow], store: LocalStore, clock: Clock
) -> None:
    flow = make_flow(timings=Timings(thanks_s=3), misuse=Misuse(min_interval_s=10))
    flow.rate(5)
    flow.rate(5)  # hammering the screen during the thank-you does nothing
    clock.advance(9)
    flow.tick()
    assert flow.state is State.THANKS
    clock.advance(1)
    flow.tick()
    assert flow.state is State.IDLE
    assert len(rows(store)) == 1


def test_rating_sooner_than_interval_after_restart_is_flagged(
    make_flow: Callable[..., Flow], store: LocalStore, clock: Clock
) -> None:
    first = make_flow()
    first.rate(4)
    clock.advance(1)
    again = make_flow()  # e.g. the app restarted at once: the store remembers the last time
    again.rate(4)
    assert [r["flags"] for r in rows(store)] == ["[]", '["interval"]']


def test_burst_is_flagged_not_dropped(
    make_flow: Callable[..., Flow], store: LocalStore, clock: Clock
) -> None:
    flow = make_flow(
        timings=Timings(thanks_s=3),
        misuse=Misuse(min_interval_s=3, burst_count=3, burst_window_s=60),
    )
    for _ in range(5):
        rate_once(flow, clock, 5)
    flags = [r["flags"] for r in rows(store)]
    assert flags == ["[]", "[]", "[]", '["burst"]', '["burst"]']


def test_after_hours_flag_in_the_halls_zone(
    make_flow: Callable[..., Flow], store: LocalStore, clock: Clock
) -> None:
    flow = make_flow()
    clock.now = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)  # 18:00 in Chongqing, closed
    rate_once(flow, clock, 4)
    clock.now = datetime(2026, 7, 4, 2, 0, tzinfo=UTC)  # Saturday 10:00, closed
    rate_once(flow, clock, 4)
    clock.now = datetime(2026, 7, 6, 0, 20, tzinfo=UTC)  # Monday 08:20, open
    rate_once(flow, clock, 4)
    assert [r["flags"] for r in rows(store)] == ['["after_hours"]', '["after_hours"]', "[]"]


def test_implausible_clock_is_flagged(
    make_flow: Callable[..., Flow], store: LocalStore, clock: Clock
) -> None:
    store.note_server_time(OPEN - timedelta(hours=1))  # the pusher heard the server then
    flow = make_flow()
    rate_once(flow, clock, 4)
    clock.now = OPEN - timedelta(minutes=5)  # clock jumped back past the last rating
    rate_once(flow, clock, 4)
    clock.now = datetime(2023, 6, 1, 2, 0, tzinfo=UTC)
    rate_once(flow, clock, 4)
    clock.now = datetime(2029, 6, 6, 2, 0, tzinfo=UTC)  # years after the server's last word
    rate_once(flow, clock, 4)
    assert ["clock" in r["flags"] for r in rows(store)] == [False, True, True, True]


# Wednesday 2031-03-05 10:00 in Chongqing: years after this code was written.
IN_2031 = datetime(2031, 3, 5, 2, 0, tzinfo=UTC)


def test_a_kiosk_whose_clock_and_server_both_say_2031_records_scored_ratings(
    make_flow: Callable[..., Flow], store: LocalStore, clock: Clock
) -> None:
    store.note_server_time(IN_2031 - timedelta(days=3))  # offline since the weekend
    clock.now = IN_2031
    flow = make_flow()
    for level in (5, 4, 1):
        rate_once(flow, clock, level)
    assert [r["flags"] for r in rows(store)] == ["[]", "[]", "[]"]


def test_a_kiosk_that_never_heard_a_server_is_judged_by_its_own_ratings(
    make_flow: Callable[..., Flow], store: LocalStore, clock: Clock
) -> None:
    clock.now = IN_2031  # local-only (or not enrolled yet): nothing says 2031 is wrong
    flow = make_flow()
    rate_once(flow, clock, 5)
    clock.now = datetime(2023, 12, 31, 2, 0, tzinfo=UTC)  # before any release: never right
    rate_once(flow, clock, 5)
    assert ["clock" in r["flags"] for r in rows(store)] == [False, True]


@pytest.mark.parametrize(
    ("device", "flagged"),
    [  # whole weeks, or minutes the same morning: the hall is open at each of these times
        (IN_2031 + timedelta(weeks=1), False),  # a week offline
        (IN_2031 + timedelta(weeks=43), False),  # a long outage still counts
        (IN_2031 + timedelta(weeks=156), True),  # the clock jumped years ahead
        (IN_2031 - timedelta(minutes=90), False),  # a slow clock, within the day
        (IN_2031 - timedelta(weeks=6), True),  # reset to an older date
    ],
)
def test_the_clock_is_judged_against_the_last_server_time(
    make_flow: Callable[..., Flow],
    store: LocalStore,
    clock: Clock,
    device: datetime,
    flagged: bool,
) -> None:
    store.note_server_time(IN_2031)
    clock.now = device
    rate_once(make_flow(), clock, 5)
    assert [r["flags"] for r in rows(store)] == ['["clock"]' if flagged else "[]"]


def test_the_last_server_time_survives_a_restart(data_dir: Path) -> None:
    path = data_dir / "kiosk.sqlite3"
    with LocalStore(path) as first:
        assert first.last_server_time() is None
        first.note_server_time(IN_2031)
    with LocalStore(path) as again:
        assert again.last_server_time() == IN_2031


def test_sign_in_and_out_attribution(
    make_flow: Callable[..., Flow], store: LocalStore, clock: Clock
) -> None:
    flow = make_flow()
    assert {s.code for s in flow.window_staff} == {"TL0001", "TL0002", "TL0048"}
    flow.sign_in("TL0048")  # a 退役军人事务局 member serving at the 应急管理局's window
    rate_once(flow, clock, 5)
    flow.sign_out()
    rate_once(flow, clock, 5)
    with pytest.raises(ValueError):
        flow.sign_in("TL0003")  # not at this window
    got = [(r["unit"], r["staff"], r["section"]) for r in rows(store)]
    # The section follows the person on duty, else the window's (the demo roster names both).
    assert got == [("TJJ", "TL0048", "TJJ01"), ("YJJ", None, "YJJ01")]


def test_staff_panel_needs_the_pin_and_times_out(
    make_flow: Callable[..., Flow], clock: Clock
) -> None:
    flow = make_flow()
    errors: list[str] = []
    flow.error.connect(errors.append)
    flow.request_staff()
    assert flow.state is State.PIN
    assert not flow.enter_pin("1111")
    assert errors == ["pin_wrong"] and flow.state is State.PIN
    assert flow.enter_pin("2468")
    assert flow.state is State.STAFF
    clock.advance(61)
    flow.tick()
    assert flow.state is State.IDLE


def test_five_wrong_pins_close_the_pad(make_flow: Callable[..., Flow]) -> None:
    flow = make_flow()
    flow.request_staff()
    for _ in range(5):
        flow.enter_pin("0000")
    assert flow.state is State.IDLE


def test_citizen_language_reverts_to_default_at_idle(
    make_flow: Callable[..., Flow], clock: Clock
) -> None:
    flow = make_flow()
    langs: list[str] = []
    flow.language_changed.connect(langs.append)
    flow.set_language("en")
    rate_once(flow, clock, 3)
    assert langs == ["en", "zh"] and flow.language == "zh"
    flow.set_default_language("en")  # the staff panel's choice sticks
    rate_once(flow, clock, 3)
    assert flow.language == "en"


def test_store_failure_is_out_of_service_and_not_acknowledged(
    make_flow: Callable[..., Flow], store: LocalStore
) -> None:
    broken = FullDiskStore()
    flow = make_flow(store=broken)
    seen: list[Recorded] = []
    flow.rating_recorded.connect(seen.append)
    flow.rate(5)
    assert flow.state is State.OUT_OF_SERVICE
    assert flow.problem == "磁盘已满 / disk full"
    assert seen == [] and broken.calls == 1
    flow.rate(5)  # taps do nothing while out of service
    assert flow.state is State.OUT_OF_SERVICE and broken.calls == 1
    flow.request_staff()
    assert flow.enter_pin("2468")
    flow.close_staff()
    assert flow.state is State.OUT_OF_SERVICE  # still broken
    flow.set_store(store)  # staff fixed the disk and retried
    assert flow.state is State.IDLE and flow.problem is None


def test_no_store_at_start_is_out_of_service(make_flow: Callable[..., Flow]) -> None:
    flow = make_flow(store=None, problem="存储为只读 / storage is read-only")
    assert flow.state is State.OUT_OF_SERVICE
    assert flow.problem == "存储为只读 / storage is read-only"


def test_count_today_counts_since_local_midnight(
    make_flow: Callable[..., Flow], clock: Clock
) -> None:
    flow = make_flow()
    clock.now = datetime(2026, 6, 30, 15, 30, tzinfo=UTC)  # 23:30 local, the day before
    rate_once(flow, clock, 4)
    clock.now = datetime(2026, 6, 30, 16, 30, tzinfo=UTC)  # 00:30 local
    rate_once(flow, clock, 4)
    rate_once(flow, clock, 2)
    assert flow.count_today() == 2


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("13800138000", True),
        ("19912345678", True),
        ("023-4567 8901", True),
        ("88886666", True),
        ("12345678901", False),
        ("1380013800", False),
        ("138001380001", False),
        ("123", False),
        ("abc", False),
        ("0123", False),
    ],
)
def test_phone_numbers(text: str, ok: bool) -> None:
    assert (normalise_phone(text) is not None) is ok


def test_record_passes_exactly_the_store_contract(make_flow: Callable[..., Flow]) -> None:
    calls: list[dict[str, Any]] = []

    class Spy(FullDiskStore):
        def record(self, **kw: Any) -> None:
            calls.append(kw)

    flow = make_flow(store=Spy())
    flow.rate(4)
    (kw,) = calls
    assert set(kw) == {
        "id",
        "window",
        "unit",
        "staff",
        "level",
        "reasons",
        "phone",
        "device_time",
        "flags",
        "section",
    }
    assert kw["section"] == "YJJ01"  # window A01's section in the demo roster
    assert kw["device_time"] == OPEN and kw["device_time"].tzinfo is not None
    assert len(kw["id"]) == 36 and isinstance(kw["reasons"], Sequence)
