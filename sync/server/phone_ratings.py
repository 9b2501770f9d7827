"""Ratings citizens send from their phones after scanning a window's QR code (扫码评价).

A phone rating is stored as a normal rating of a **virtual terminal** the server keeps per
window (``qr-<hall>-<window>``, channel ``qr``): seq assigned here inside the write transaction,
hash chain computed here, then handed to ``ingest_batch`` like a kiosk's record, so rollups,
quarters, server flags and the admin's views treat it exactly like a tap at the counter. The
phone cannot know who is on duty: ``unit`` is the window's default unit and ``staff`` is null;
``device_time`` is the server's time.

Misuse: a burst (more than the hall's ``burst_count`` phone ratings at one window within
``burst_window_s``) is kept and flagged ``burst``, as the kiosk would. Over-eager clients are
refused before that by ``PhoneLimits`` (429): state in memory only, keyed by the client's
address, which is never stored with a rating nor logged.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from sync.schema import BUILTIN_REASONS, GENESIS_HASH, Level, RatingRecord
from sync.server import models as m
from sync.server.core.config import Settings
from sync.server.ingest import ingest_batch

__all__ = [
    "PHONE_DIGITS",
    "AlreadyRated",
    "PhoneLimits",
    "PhoneRatingError",
    "QrDisabled",
    "ReasonOption",
    "Refusal",
    "UnknownWindow",
    "WindowSpot",
    "find_spot",
    "qr_terminal_id",
    "rating_id_for",
    "reason_options",
    "store_phone_rating",
]

log = logging.getLogger(__name__)

QR_CHANNEL = "qr"
# Mainland mobile, landline with area code, or a local number (as the kiosk's phone pad);
# explicit ranges, so the API schema can carry the same pattern (ECMA and Python agree on them).
PHONE_DIGITS = r"1[3-9][0-9]{9}|0[0-9]{9,11}|[2-9][0-9]{6,7}"
_TERMINAL_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Phone ratings with a client_id get a name-based UUID (version 5) in this namespace: never equal
# to a kiosk's random (version 4) id, and the same on a retry.
_ID_NAMESPACE = uuid.UUID("5b0c7a52-3f7e-4d55-9d0e-6a1f0c2b9e31")
_DEFAULT_BURST_COUNT = 8
_DEFAULT_BURST_WINDOW_S = 60.0


class PhoneRatingError(Exception):
    """A phone rating that cannot be stored; ``status`` is the HTTP status to answer."""

    status = 422

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownWindow(PhoneRatingError):
    status = 404


class QrDisabled(PhoneRatingError):
    """The admin revoked this window's virtual terminal: phone ratings are switched off."""

    status = 403


class AlreadyRated(PhoneRatingError):
    """The same client_id was already used for a different rating."""

    status = 409


@dataclass(frozen=True)
class WindowSpot:
    """A window and what a citizen sees of it: hall, window and default unit names."""

    hall: str
    hall_name: str
    tz: str
    window: str
    window_name: str
    unit: str
    unit_name: str
    settings: dict[str, str]


@dataclass(frozen=True)
class ReasonOption:
    """One reason a 差评 may cite: the short name, a plain-language line, its English."""

    code: str
    name: str
    line: str
    line_en: str


def qr_terminal_id(hall: str, window: str) -> str:
    """The virtual terminal of a window: ``qr-TL-A01``, or a digest for codes that do not fit."""
    readable = f"qr-{hall}-{window}"
    if _TERMINAL_ID.fullmatch(readable):
        return readable
    digest = hashlib.sha256(f"{hall}\n{window}".encode()).hexdigest()[:24]
    return f"qr-{digest}"


def rating_id_for(hall: str, window: str, client_id: str | None) -> str:
    """The stored rating's id: stable for a client_id (a retry finds it), else random."""
    if client_id is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(_ID_NAMESPACE, f"{hall}\n{window}\n{client_id}"))


def find_spot(session: Session, window: str, hall: str | None = None) -> WindowSpot:
    """The window a QR code names; without ``hall`` the window code must be unique in the store."""
    if hall is not None:
        found = session.get(m.Window, (hall, window))
        windows = [found] if found is not None else []
    else:
        windows = list(session.exec(select(m.Window).where(m.Window.code == window).limit(2)))
    if not windows:
        where = f"（大厅 {hall}）" if hall else ""
        raise UnknownWindow(f"没有找到窗口 {window}{where}，请核对窗口上的二维码。")
    if len(windows) > 1:
        raise PhoneRatingError(
            f"窗口 {window} 在多个大厅都有，请注明大厅（hall）。"
            f" window {window} exists in several halls: give hall"
        )
    w = windows[0]
    h = session.get(m.Hall, w.hall)
    assert h is not None  # a window's hall is a foreign key
    unit = session.get(m.Unit, (w.hall, w.unit))
    return WindowSpot(
        hall=h.code,
        hall_name=h.name,
        tz=h.tz,
        window=w.code,
        window_name=w.name,
        unit=w.unit,
        unit_name=unit.name if unit is not None else w.unit,
        settings=dict(h.settings),
    )


def reason_options(session: Session, hall: str) -> list[ReasonOption]:
    """冷 懒 推 乱 贪, then the hall's own reasons (a hall's row overrides a built-in's text)."""
    out: dict[str, ReasonOption] = {
        code: ReasonOption(code, char, zh, en) for code, (char, zh, en) in BUILTIN_REASONS.items()
    }
    rows = session.exec(
        select(m.Reason).where(m.Reason.hall == hall).order_by(col(m.Reason.pos), m.Reason.code)
    )
    for r in rows:
        builtin = BUILTIN_REASONS.get(r.code)
        out[r.code] = ReasonOption(
            r.code, r.name, r.description, builtin[2] if builtin else r.description
        )
    return list(out.values())


def qr_disabled(session: Session, spot: WindowSpot) -> bool:
    """Whether the admin switched this window's phone ratings off (revoked its terminal)."""
    t = session.get(m.Terminal, qr_terminal_id(spot.hall, spot.window))
    return t is not None and (t.revoked_at is not None or t.channel != QR_CHANNEL)


def same_rating(r: m.Rating, level: int, reasons: Sequence[str], phone: str | None) -> bool:
    """Whether a stored rating is this one again (a retry), not another use of its client_id."""
    return r.level == level and sorted(r.reasons) == sorted(reasons) and r.phone == phone


def store_phone_rating(
    session: Session,
    spot: WindowSpot,
    *,
    rating_id: str,
    level: int,
    reasons: Sequence[str],
    phone: str | None,
    now: datetime,
    settings: Settings,
) -> tuple[str, bool]:
    """Store one phone rating in the caller's write transaction: ``(id, already_stored)``."""
    if not 1 <= level <= 5:
        raise PhoneRatingError(f"评价等级应为 1 到 5，收到 {level}。")
    known = {r.code for r in reason_options(session, spot.hall)}
    unknown = sorted(set(reasons) - known)
    if unknown:
        raise PhoneRatingError(f"未知的原因：{'、'.join(unknown)}。")
    if reasons and not Level(level).is_negative:
        raise PhoneRatingError("只有“不满意”或“非常不满意”才需要选择原因。")
    if phone is not None and not re.fullmatch(PHONE_DIGITS, phone):
        raise PhoneRatingError("手机号格式不对。")  # never the number itself

    old = session.get(m.Rating, rating_id)
    if old is not None:
        if (
            old.window == spot.window
            and old.hall == spot.hall
            and same_rating(old, level, reasons, phone)
        ):
            return old.id, True
        raise AlreadyRated("这条评价已经提交过了。")

    terminal = _virtual_terminal(session, spot, now)
    seq = terminal.max_seq + 1
    prev_hash = GENESIS_HASH
    if terminal.max_seq:
        prev_hash = (
            session.exec(
                select(m.Rating.hash).where(
                    m.Rating.terminal == terminal.id, m.Rating.seq == terminal.max_seq
                )
            ).first()
            or GENESIS_HASH
        )
    flags = ("burst",) if _in_burst(session, terminal, spot.settings, now) else ()
    record = RatingRecord(
        id=rating_id,
        seq=seq,
        terminal=terminal.id,
        window=spot.window,
        unit=spot.unit,
        staff=None,
        level=level,
        reasons=tuple(sorted(set(reasons))),
        phone=phone,
        device_time=now.isoformat(),
        tz=spot.tz,
        flags=flags,
    ).with_chain(prev_hash)
    answer = ingest_batch(
        session, terminal.id, [record.to_dict()], now=now, settings=settings, careful=True
    )
    result = answer.results[0]
    if result.status != "stored":  # pragma: no cover - the checks above make this unreachable
        raise RuntimeError(f"phone rating not stored: {result.status} {result.reason}")
    log.info(
        "phone rating stored for window %s of hall %s (seq %d%s)",
        spot.window,
        spot.hall,
        seq,
        ", flagged burst" if flags else "",
    )
    return rating_id, False


def _virtual_terminal(session: Session, spot: WindowSpot, now: datetime) -> m.Terminal:
    """The window's virtual terminal, created on first use and locked for this transaction."""
    tid = qr_terminal_id(spot.hall, spot.window)
    values: dict[str, Any] = {
        "id": tid,
        "hall": spot.hall,
        "window": spot.window,
        "enrolled_at": now,
        "contiguous_seq": 0,
        "max_seq": 0,
        "channel": QR_CHANNEL,
    }
    table: Any = m.Terminal.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    # Two first phone ratings of a window at once must not both create it.
    if dialect == "postgresql":
        session.execute(postgresql.insert(table).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(table).values(values).on_conflict_do_nothing())
    else:  # pragma: no cover - the store supports SQLite and PostgreSQL
        raise RuntimeError(f"unsupported database {dialect}")
    terminal = session.exec(select(m.Terminal).where(m.Terminal.id == tid).with_for_update()).one()
    if terminal.revoked_at is not None:
        raise QrDisabled("本窗口暂停扫码评价，请使用窗口上的评价器。")
    if terminal.channel != QR_CHANNEL or (terminal.hall, terminal.window) != (
        spot.hall,
        spot.window,
    ):
        log.error("terminal id %s is taken by a kiosk: phone ratings refused", tid)
        raise QrDisabled("本窗口暂停扫码评价，请使用窗口上的评价器。")
    return terminal


def _in_burst(
    session: Session, terminal: m.Terminal, settings: dict[str, str], now: datetime
) -> bool:
    """More than ``burst_count`` phone ratings of this window within ``burst_window_s``?"""
    count = int(_number(settings.get("burst_count"), _DEFAULT_BURST_COUNT))
    window_s = _number(settings.get("burst_window_s"), _DEFAULT_BURST_WINDOW_S)
    if count < 1 or terminal.max_seq < count:
        return False
    # The count-th latest rating: if it arrived within the window, this one makes count + 1.
    received = session.exec(
        select(m.Rating.received_at).where(
            m.Rating.terminal == terminal.id, m.Rating.seq == terminal.max_seq - count + 1
        )
    ).first()
    return received is not None and received >= now - timedelta(seconds=window_s)


def _number(text: str | None, default: float) -> float:
    try:
        return float(text) if text not in (None, "") else default
    except ValueError:
        return default


# ---------------------------------------------------------------- rate limits (memory only)


@dataclass(frozen=True)
class Refusal:
    """Why a phone rating is refused for now, in Chinese, and when to try again."""

    message: str
    retry_after_s: float


def client_key(host: str | None) -> str:
    """The address a limit is kept for: an IPv6 client by its /64 (one phone's whole range)."""
    if not host:
        return "unknown"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class PhoneLimits:
    """One phone rating per client address per window per ``min_interval_s``; at most
    ``ip_per_hour`` per address and ``window_per_hour`` per window.

    ``take`` checks all three and, only if all allow it, counts the rating; ``give_back``
    undoes that when the rating was not stored after all. Addresses live here only, in memory,
    and are forgotten once they no longer matter for a limit.
    """

    HOUR = 3600.0

    def __init__(
        self,
        min_interval_s: float,
        ip_per_hour: int,
        window_per_hour: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.min_interval_s = min_interval_s
        self.ip_per_hour = ip_per_hour
        self.window_per_hour = window_per_hour
        self._clock = clock
        self._lock = threading.Lock()
        # Both ordered oldest use first, so forgetting is a walk from the front.
        self._last: OrderedDict[tuple[str, str, str], float] = OrderedDict()
        self._per_ip: OrderedDict[str, deque[float]] = OrderedDict()
        self._per_window: dict[tuple[str, str], deque[float]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> PhoneLimits:
        return cls(settings.qr_min_interval_s, settings.qr_ip_per_hour, settings.qr_window_per_hour)

    def take(self, client: str, hall: str, window: str) -> Refusal | None:
        now = self._clock()
        with self._lock:
            self._forget(now)
            key = (client, hall, window)
            last = self._last.get(key)
            if last is not None and now - last < self.min_interval_s:
                wait = self.min_interval_s - (now - last)
                return Refusal(
                    f"您刚刚已评价过本窗口，感谢您的参与！如需再次评价，请{_minutes(wait)}后再试。",
                    wait,
                )
            ip_times = self._per_ip.get(client, deque())
            _drop_older(ip_times, now - self.HOUR)
            if len(ip_times) >= self.ip_per_hour:
                wait = ip_times[0] + self.HOUR - now
                return Refusal(f"评价次数过多，请{_minutes(wait)}后再试。", wait)
            w_times = self._per_window.get((hall, window), deque())
            _drop_older(w_times, now - self.HOUR)
            if len(w_times) >= self.window_per_hour:
                wait = w_times[0] + self.HOUR - now
                return Refusal(f"本窗口此刻收到的评价过多，请{_minutes(wait)}后再试。", wait)
            self._last[key] = now
            self._last.move_to_end(key)
            ip_times.append(now)
            self._per_ip[client] = ip_times
            self._per_ip.move_to_end(client)
            w_times.append(now)
            self._per_window[(hall, window)] = w_times
            return None

    def give_back(self, client: str, hall: str, window: str) -> None:
        """Undo the last ``take`` of this client at this window (the rating was not stored)."""
        with self._lock:
            self._last.pop((client, hall, window), None)
            for times in (self._per_ip.get(client), self._per_window.get((hall, window))):
                if times:
                    times.pop()

    def _forget(self, now: float) -> None:
        while self._last:
            key, t = next(iter(self._last.items()))
            if now - t < self.min_interval_s:
                break
            self._last.popitem(last=False)
        while self._per_ip:
            ip, times = next(iter(self._per_ip.items()))
            _drop_older(times, now - self.HOUR)
            if times:
                break
            self._per_ip.popitem(last=False)

    def tracked_clients(self) -> int:
        """How many addresses are remembered right now (they are forgotten as limits expire)."""
        with self._lock:
            return len({k[0] for k in self._last} | set(self._per_ip))


def _drop_older(times: deque[float], limit: float) -> None:
    while times and times[0] <= limit:
        times.popleft()


def _minutes(seconds: float) -> str:
    return f"{max(1, round(seconds / 60))}分钟"
