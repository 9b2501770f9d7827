"""The rating flow: the kiosk's state machine, with no Qt in it.

::

    IDLE (the five faces) --level 3..5--> (record) --> THANKS --thanks_s--> IDLE
                          |--level 1..2--> WHY <--> PHONE
                                            |--confirm / skip / timeout--> (record) --> THANKS
    IDLE / OUT_OF_SERVICE --request_staff--> PIN --right PIN--> STAFF --close--> IDLE
    (record raised) --> OUT_OF_SERVICE (the tap is not acknowledged)

The faces are on the idle screen: one tap rates. A time limit that runs out on WHY or PHONE
records what the citizen chose so far (reasons, and a phone number once it is a valid one);
the idle screen left in the other language goes back to the default one. Every citizen limit
emits ``time_warning`` ``WARNING_S`` before it fires, for the view to show and sound.

Time comes from an injectable clock (aware UTC datetimes) and the view calls ``tick()`` a few
times a second, so tests drive every timeout without sleeping. The thank-you screen is entered
only after ``store.record`` returned, i.e. after COMMIT. Views subscribe to the ``Signal``
attributes; nothing here ever tells a staff-facing view which level was chosen.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVarTuple

from kiosk.config import WARNING_S, Misuse, Timings
from sync.defaults import DEMO_PIN
from sync.roster import Roster, Staff, Unit, Window
from sync.schema import BUILTIN_REASONS, Level

__all__ = [
    "MAX_AHEAD_OF_SERVER",
    "MAX_BEHIND_SERVER",
    "Flow",
    "ReasonOption",
    "Recorded",
    "Signal",
    "State",
    "normalise_phone",
]

log = logging.getLogger(__name__)

# The device clock is judged against the central store's time as the kiosk last saw it (never
# against a release date: a kiosk must not stop counting a year after it was built). Implausible:
# before 2024; more than a year past the last server time (a kiosk offline for longer is out of
# service in all but name); more than a day before it (time does not run backwards; the server
# allows the same day for a clock set before enrolment). A kiosk that has never heard from a
# server is judged by its own ratings alone.
EARLIEST_PLAUSIBLE = datetime(2024, 1, 1, tzinfo=UTC)
MAX_AHEAD_OF_SERVER = timedelta(days=366)
MAX_BEHIND_SERVER = timedelta(days=1)
CLOCK_BACK_TOLERANCE = timedelta(minutes=1)
MAX_PIN_TRIES = 5

# Mainland mobile (11 digits, 1[3-9]…), landline with area code (0 + 9..11 digits), or a
# local landline (7-8 digits, never starting with 0 or 1).
_PHONE = re.compile(r"1[3-9]\d{9}|0\d{9,11}|[2-9]\d{6,7}")

Ts = TypeVarTuple("Ts")


class Signal(Generic[*Ts]):
    """A minimal observer: ``connect`` callbacks, ``emit`` calls them in order."""

    def __init__(self) -> None:
        self._slots: list[Callable[[*Ts], object]] = []

    def connect(self, slot: Callable[[*Ts], object]) -> None:
        self._slots.append(slot)

    def disconnect(self, slot: Callable[[*Ts], object]) -> None:
        self._slots.remove(slot)

    def emit(self, *args: *Ts) -> None:
        for slot in list(self._slots):
            slot(*args)


class State(StrEnum):
    IDLE = "idle"
    WHY = "why"
    PHONE = "phone"
    THANKS = "thanks"
    PIN = "pin"
    STAFF = "staff"
    OUT_OF_SERVICE = "out_of_service"


class RatingStore(Protocol):
    """What the flow needs of ``kiosk.store.LocalStore``."""

    def record(
        self,
        *,
        id: str,
        window: str,
        unit: str,
        staff: str | None,
        level: int,
        reasons: Sequence[str],
        phone: str | None,
        device_time: datetime,
        flags: Sequence[str],
        section: str | None = None,
    ) -> Any: ...

    def count_since(self, since: datetime, /) -> int: ...

    def last_device_time(self) -> datetime | None: ...

    def last_server_time(self) -> datetime | None: ...


@dataclass(frozen=True)
class ReasonOption:
    """A reason a citizen can pick after a 差评: a built-in indicator or the hall's own."""

    code: str
    label: str
    line_zh: str
    line_en: str
    builtin: bool


@dataclass(frozen=True)
class Recorded:
    """A rating that reached the disk. Deliberately without the level: staff-facing views
    subscribe to this."""

    id: str
    flags: tuple[str, ...]


def normalise_phone(text: str) -> str | None:
    """Digits of a plausible mainland phone number, or None."""
    digits = re.sub(r"[\s\-]", "", text)
    return digits if _PHONE.fullmatch(digits) else None


def utc_now() -> datetime:
    return datetime.now(UTC)


class Flow:
    """One counter's rating flow over a store and the window's roster."""

    def __init__(
        self,
        *,
        roster: Roster,
        window: str,
        store: RatingStore | None,
        timings: Timings | None = None,
        misuse: Misuse | None = None,
        staff_pin: str = DEMO_PIN,
        language: str = "zh",
        clock: Callable[[], datetime] = utc_now,
        problem: str | None = None,
    ) -> None:
        self.state_changed: Signal[State] = Signal()
        self.rating_recorded: Signal[Recorded] = Signal()
        self.error: Signal[str] = Signal()
        self.staff_changed: Signal[Staff | None] = Signal()
        self.language_changed: Signal[str] = Signal()
        self.selection_changed: Signal[()] = Signal()
        self.roster_changed: Signal[()] = Signal()
        # A citizen screen's limit is WARNING_S away (once per limit; a touch re-arms it).
        self.time_warning: Signal[State] = Signal()

        if window not in roster.windows:
            raise ValueError(f"window {window!r} is not in the roster")
        self._roster = roster
        self._window_code = window
        self._store = store
        self.timings = timings or Timings()
        self.misuse = misuse or Misuse()
        self._pin = staff_pin
        self._clock = clock
        self.default_language = language
        self._language = language
        self._signed_in: Staff | None = None
        self._level: int | None = None
        self._reasons: list[str] = []
        self._phone: str | None = None
        self._phone_draft: str | None = None
        self._warned = False
        self._pin_tries = 0
        self._problem: str | None = problem or (None if store is not None else "no store")
        self._last_time: datetime | None = self._store_last_time()
        self._state = State.OUT_OF_SERVICE if self._problem else State.IDLE
        self._deadline: datetime | None = None

    # ----------------------------------------------------------------- what views read
    @property
    def state(self) -> State:
        return self._state

    @property
    def language(self) -> str:
        return self._language

    @property
    def roster(self) -> Roster:
        return self._roster

    @property
    def window(self) -> Window:
        return self._roster.windows[self._window_code]

    @property
    def signed_in(self) -> Staff | None:
        return self._signed_in

    @property
    def unit(self) -> Unit:
        """The unit a rating made now counts for."""
        code = self._signed_in.unit if self._signed_in else self.window.unit
        return self._roster.units.get(code) or Unit(code, code, "")

    @property
    def window_staff(self) -> list[Staff]:
        return self._roster.staff_at(self._window_code)

    @property
    def reasons(self) -> list[ReasonOption]:
        """The five indicators, then the hall's own reasons from the roster."""
        out = [
            ReasonOption(code, ch, zh, en, True) for code, (ch, zh, en) in BUILTIN_REASONS.items()
        ]
        out += [
            ReasonOption(r.code, r.name, r.description, r.description, False)
            for r in self._roster.reasons.values()
            if r.code not in BUILTIN_REASONS
        ]
        return out

    @property
    def selected_reasons(self) -> tuple[str, ...]:
        return tuple(self._reasons)

    @property
    def phone(self) -> str | None:
        return self._phone

    @property
    def problem(self) -> str | None:
        """Why the terminal is out of service (for the staff panel), or None."""
        return self._problem

    @property
    def deadline(self) -> datetime | None:
        return self._deadline

    def seconds_left(self) -> float | None:
        if self._deadline is None:
            return None
        return max(0.0, (self._deadline - self._clock()).total_seconds())

    @property
    def warning(self) -> bool:
        """A citizen screen's limit is near: the view shows the countdown."""
        left = self.seconds_left()
        return (
            left is not None
            and left <= WARNING_S
            and self._state in (State.IDLE, State.WHY, State.PHONE)
        )

    def count_today(self) -> int | None:
        """Ratings recorded since local midnight in the hall's zone; None if the store fails."""
        if self._store is None:
            return None
        local = self._clock().astimezone(self._roster.zone)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        try:
            return self._store.count_since(midnight.astimezone(UTC))
        except Exception as e:  # the panel shows "unknown", the problem shows elsewhere
            log.warning("count_since failed: %s", e)
            return None

    # ------------------------------------------------------------------ citizen actions
    def rate(self, level: int) -> None:
        """A tap on a face of the idle screen. 3..5 record at once; 1..2 ask why first."""
        if self._state is not State.IDLE:
            log.info("face tap ignored in state %s", self._state)
            return
        lvl = Level(level)
        self._level = int(lvl)
        self._reasons = []
        self._phone = None
        self._phone_draft = None
        if lvl.is_negative:
            self._enter(State.WHY)
        else:
            self._record(reasons=(), phone=None)

    def toggle_reason(self, code: str) -> None:
        if self._state is not State.WHY:
            return
        if code not in {r.code for r in self.reasons}:
            raise ValueError(f"unknown reason {code!r}")
        if code in self._reasons:
            self._reasons.remove(code)
        else:
            self._reasons.append(code)
        self.touch()
        self.selection_changed.emit()

    def open_phone_pad(self) -> None:
        if self._state is State.WHY:
            self._phone_draft = None
            self._enter(State.PHONE)

    def set_phone_draft(self, text: str) -> None:
        """The digits on the pad so far: kept if the limit fires while they form a number."""
        if self._state is State.PHONE:
            self._phone_draft = normalise_phone(text)
            self.touch()

    def submit_phone(self, text: str) -> str | None:
        """Keep the number for this rating and return to the reasons; or an error key."""
        if self._state is not State.PHONE:
            return None
        self.touch()
        if not text.strip():
            return "phone_empty"
        digits = normalise_phone(text)
        if digits is None:
            return "phone_invalid"
        self._phone = digits
        self._enter(State.WHY)
        self.selection_changed.emit()
        return None

    def cancel_phone(self) -> None:
        if self._state is State.PHONE:
            self._phone_draft = None
            self._enter(State.WHY)

    def confirm(self) -> None:
        """Record the 差评 with the chosen reasons and phone."""
        if self._state is State.WHY:
            self._record(reasons=tuple(self._reasons), phone=self._phone)

    def skip(self) -> None:
        """Record the 差评 without reasons or phone."""
        if self._state in (State.WHY, State.PHONE):
            self._record(reasons=(), phone=None)

    def touch(self) -> None:
        """Any touch: restart the current screen's inactivity limit (never on THANKS)."""
        if self._state is not State.THANKS:
            self._arm(self._state)

    def set_language(self, language: str) -> None:
        """The citizen's toggle; back to the default after the rating, or when the idle
        screen is left alone for ``language_timeout_s``."""
        if language not in ("zh", "en"):
            raise ValueError(f"unknown language {language!r}")
        if language != self._language:
            self._language = language
            self.language_changed.emit(language)
        self.touch()

    # -------------------------------------------------------------------- staff actions
    def request_staff(self) -> None:
        """The hidden gesture: ask for the PIN."""
        if self._state in (State.IDLE, State.OUT_OF_SERVICE):
            self._pin_tries = 0
            self._enter(State.PIN)

    def enter_pin(self, pin: str) -> bool:
        if self._state is not State.PIN:
            return False
        if pin == self._pin:
            self._enter(State.STAFF)
            return True
        self._pin_tries += 1
        self.touch()
        self.error.emit("pin_wrong")
        if self._pin_tries >= MAX_PIN_TRIES:
            self._leave_staff()
        return False

    def cancel_pin(self) -> None:
        if self._state is State.PIN:
            self._leave_staff()

    def close_staff(self) -> None:
        if self._state is State.STAFF:
            self._leave_staff()

    def sign_in(self, code: str) -> None:
        staff = {s.code: s for s in self.window_staff}.get(code)
        if staff is None:
            raise ValueError(f"{code!r} is not on the roster of window {self._window_code}")
        self._signed_in = staff
        self.touch()
        self.staff_changed.emit(staff)

    def sign_out(self) -> None:
        self._signed_in = None
        self.touch()
        self.staff_changed.emit(None)

    def set_default_language(self, language: str) -> None:
        self.default_language = language
        self.set_language(language)

    # ----------------------------------------------------------------- infrastructure
    def tick(self) -> None:
        """Called by the view a few times a second: warn of, or act on, a time limit."""
        if self._deadline is None:
            return
        if self._clock() < self._deadline:
            if self.warning and not self._warned:
                self._warned = True
                self.time_warning.emit(self._state)
            return
        state = self._state
        log.info("time limit reached in %s", state)
        if state in (State.WHY, State.PHONE):
            # Never a cut mid-choice: touches moved the deadline and a warning was shown and
            # sounded; this citizen has left. What they chose is theirs and is kept.
            phone = self._phone_draft if state is State.PHONE and self._phone_draft else None
            self._record(reasons=tuple(self._reasons), phone=phone or self._phone)
        elif state in (State.PIN, State.STAFF):
            self._leave_staff()
        elif state is State.IDLE:  # left in the other language
            self._deadline = None
            self._set_language_now(self.default_language)
        else:  # THANKS
            self._to_idle()

    def set_out_of_service(self, reason: str) -> None:
        self._problem = reason
        self._level = None
        if self._state not in (State.STAFF, State.PIN):
            self._enter(State.OUT_OF_SERVICE)
        self.error.emit(reason)

    def set_store(self, store: RatingStore) -> None:
        """A (re)opened store: back in service."""
        self._store = store
        self._problem = None
        self._last_time = self._store_last_time()
        if self._state is State.OUT_OF_SERVICE:
            self._to_idle()

    def set_roster(self, roster: Roster) -> None:
        """A new roster from the server; ignored if it lacks this window."""
        if self._window_code not in roster.windows:
            log.warning("new roster lacks window %s; keeping the old one", self._window_code)
            return
        self._roster = roster
        if self._signed_in and self._signed_in.code not in {s.code for s in self.window_staff}:
            self._signed_in = None
            self.staff_changed.emit(None)
        self.roster_changed.emit()

    # ------------------------------------------------------------------------ internals
    def _limit(self, state: State) -> float | None:
        """Seconds the screen may be left alone, or None for no limit."""
        t = self.timings
        if state is State.IDLE:
            # The faces wait for ever, but not in the previous citizen's language.
            if self._language == self.default_language:
                return None
            return t.seconds("language_timeout_s")
        if state in (State.WHY, State.PHONE):
            return t.seconds("why_timeout_s")
        if state in (State.PIN, State.STAFF):
            return t.seconds("idle_return_s")
        if state is State.THANKS:
            # The faces come back no sooner than the minimum interval.
            return max(t.seconds("thanks_s"), self.misuse.min_interval_s)
        return None

    def _arm(self, state: State) -> None:
        limit = self._limit(state)
        self._deadline = None if limit is None else self._clock() + timedelta(seconds=limit)
        self._warned = False

    def _enter(self, state: State) -> None:
        self._state = state
        self._arm(state)
        self.state_changed.emit(state)

    def _set_language_now(self, language: str) -> None:
        if language != self._language:
            self._language = language
            self.language_changed.emit(language)

    def _to_idle(self) -> None:
        self._level = None
        self._reasons = []
        self._phone = None
        self._phone_draft = None
        self._set_language_now(self.default_language)
        self._enter(State.OUT_OF_SERVICE if self._problem else State.IDLE)

    def _leave_staff(self) -> None:
        self._to_idle()

    def _store_last_time(self) -> datetime | None:
        if self._store is None:
            return None
        try:
            return self._store.last_device_time()
        except Exception as e:
            log.warning("last_device_time failed: %s", e)
            return None

    def _flags(self, now: datetime) -> tuple[str, ...]:
        flags: list[str] = []
        last = self._last_time
        if last is not None and timedelta(0) <= now - last < timedelta(
            seconds=self.misuse.min_interval_s
        ):
            flags.append("interval")
        if self._store is not None:
            try:
                recent = self._store.count_since(
                    now - timedelta(seconds=self.misuse.burst_window_s)
                )
            except Exception as e:  # record() will say whether the store is really gone
                log.warning("count_since failed: %s", e)
                recent = 0
            if recent + 1 > self.misuse.burst_count:
                flags.append("burst")
        if self._roster.hours:
            local = now.astimezone(self._roster.zone)
            if not self._roster.is_open(local.weekday(), local.time()):
                flags.append("after_hours")
        server = self._server_time()
        if (
            now < EARLIEST_PLAUSIBLE
            or (server is not None and not server - MAX_BEHIND_SERVER <= now)
            or (server is not None and not now <= server + MAX_AHEAD_OF_SERVER)
            or (last is not None and now < last - CLOCK_BACK_TOLERANCE)
        ):
            flags.append("clock")
        return tuple(flags)

    def _server_time(self) -> datetime | None:
        if self._store is None:
            return None
        try:
            return self._store.last_server_time()
        except Exception as e:  # record() will say whether the store is really gone
            log.warning("last_server_time failed: %s", e)
            return None

    def _record(self, *, reasons: Sequence[str], phone: str | None) -> None:
        assert self._level is not None
        now = self._clock()
        flags = self._flags(now)
        rating_id = str(uuid.uuid4())
        staff = self._signed_in
        if self._store is None:
            self.set_out_of_service(self._problem or "no store")
            return
        try:
            self._store.record(
                id=rating_id,
                window=self._window_code,
                unit=self.unit.code,
                staff=staff.code if staff else None,
                level=self._level,
                reasons=tuple(reasons),
                phone=phone,
                device_time=now,
                flags=flags,
                section=self._roster.section_for(self._window_code, staff.code if staff else None),
            )
        except Exception as e:
            # StoreUnavailable (disk full, read-only, …) or anything unforeseen: the tap is not
            # acknowledged, and the citizen is told calmly to fetch the staff.
            reason = getattr(e, "reason", None) or f"{type(e).__name__}: {e}"
            log.error("rating not recorded: %s", reason, exc_info=not hasattr(e, "reason"))
            self.set_out_of_service(str(reason))
            return
        self._last_time = now
        self._level = None
        self._reasons = []
        self._phone = None
        self._phone_draft = None
        self._enter(State.THANKS)
        self.rating_recorded.emit(Recorded(rating_id, flags))
