"""The shared rating record: what a kiosk stores, what the pusher sends, what the store keeps.

Standard library only, so the kiosk imports it without pulling pydantic or FastAPI into a
counter PC's start-up. The server validates the same fields with its own pydantic models.

The hash link: every record carries ``prev_hash`` (the previous record's ``hash`` from the same
terminal, or ``GENESIS_HASH`` for seq 1) and ``hash`` = SHA-256 over ``prev_hash`` and the
record's canonical content, so a deleted or edited row is detectable by anyone holding the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from enum import IntEnum
from typing import Any

__all__ = [
    "BUILTIN_REASONS",
    "FLAGS",
    "GENESIS_HASH",
    "Level",
    "RatingRecord",
    "RecordError",
    "chain_hash",
    "previous_quarter",
    "quarter_of",
]

GENESIS_HASH = "0" * 64
_HASH_FIELDS = ("prev_hash", "hash")


class Level(IntEnum):
    """The five 好差评 levels; ``points`` is the default 100/80/60/40/20 mapping."""

    VERY_DISSATISFIED = 1  # 非常不满意
    DISSATISFIED = 2  # 不满意
    BASIC = 3  # 基本满意
    SATISFIED = 4  # 满意
    VERY_SATISFIED = 5  # 非常满意

    @property
    def points(self) -> int:
        return int(self) * 20

    @property
    def is_negative(self) -> bool:
        """A 差评: the bottom two levels, which ask for a reason and are followed up."""
        return self <= Level.DISSATISFIED

    @property
    def zh(self) -> str:
        return LEVEL_WORDS_ZH[self]

    @property
    def en(self) -> str:
        return LEVEL_WORDS_EN[self]


LEVEL_WORDS_ZH = {
    Level.VERY_SATISFIED: "非常满意",
    Level.SATISFIED: "满意",
    Level.BASIC: "基本满意",
    Level.DISSATISFIED: "不满意",
    Level.VERY_DISSATISFIED: "非常不满意",
}
LEVEL_WORDS_EN = {
    Level.VERY_SATISFIED: "Very satisfied",
    Level.SATISFIED: "Satisfied",
    Level.BASIC: "Acceptable",
    Level.DISSATISFIED: "Dissatisfied",
    Level.VERY_DISSATISFIED: "Very dissatisfied",
}

# The five indicators of Nanchuan's 最难办事科室群众评, always offered after a 差评.
# code -> (character, plain-language line zh, plain-language line en)
BUILTIN_REASONS: dict[str, tuple[str, str, str]] = {
    "leng": ("冷", "态度冷淡，不耐烦", "Cold: indifferent, impatient"),
    "lan": ("懒", "拖着不办，效率低", "Lazy: kept me waiting, slow"),
    "tui": ("推", "让我找别的窗口/部门", "Passed the buck to another window"),
    "luan": ("乱", "要求不一，办事无章", "Arbitrary: rules changed, chaotic"),
    "tan": ("贪", "吃拿卡要，索要好处", "Greedy: asked for favours"),
}

# Misuse flags a kiosk may attach; the server adds its own ("clock_future", ...). A flagged
# rating is kept and shown to the admin, and left out of scores unless released.
FLAGS = {
    "interval": "faster than the minimum interval",
    "burst": "part of a burst of ratings",
    "after_hours": "outside opening hours",
    "clock": "device clock implausible",
}


class RecordError(ValueError):
    """A record that cannot be what it claims to be (bad field, bad type)."""


@dataclass(frozen=True)
class RatingRecord:
    """One rating, as stored on the kiosk and sent to the central store.

    ``device_time`` is an ISO-8601 UTC timestamp with offset (``2026-07-01T01:20:00+00:00``);
    ``tz`` is the hall's IANA zone, in which quarters and opening hours are reckoned.
    """

    id: str
    seq: int
    terminal: str
    window: str
    unit: str
    staff: str | None
    level: int
    reasons: tuple[str, ...]
    phone: str | None
    device_time: str
    tz: str
    flags: tuple[str, ...] = field(default=())
    prev_hash: str = GENESIS_HASH
    hash: str = ""

    def canonical_content(self) -> bytes:
        """Every field but the hashes, as sorted compact JSON (the bytes the hash covers)."""
        # Field by field, not dataclasses.asdict: same bytes, ~10x faster (deep copies), and the
        # central store hashes every record it receives.
        body: dict[str, Any] = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in _HASH_FIELDS
        }
        body["reasons"] = sorted(self.reasons)
        body["flags"] = sorted(self.flags)
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def with_chain(self, prev_hash: str) -> RatingRecord:
        """This record linked after ``prev_hash``."""
        return _replace(self, prev_hash=prev_hash, hash=chain_hash(prev_hash, self))

    def chain_ok(self) -> bool:
        return self.hash == chain_hash(self.prev_hash, self)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["reasons"] = list(self.reasons)
        d["flags"] = list(self.flags)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RatingRecord:
        """Build from JSON-like data; raises ``RecordError`` naming the bad field."""
        try:
            rec = cls(
                id=_str(d, "id"),
                seq=_int(d, "seq"),
                terminal=_str(d, "terminal"),
                window=_str(d, "window"),
                unit=_str(d, "unit"),
                staff=_opt_str(d, "staff"),
                level=_int(d, "level"),
                reasons=tuple(_str_list(d, "reasons")),
                phone=_opt_str(d, "phone"),
                device_time=_str(d, "device_time"),
                tz=_str(d, "tz"),
                flags=tuple(_str_list(d, "flags")),
                prev_hash=_str(d, "prev_hash"),
                hash=_str(d, "hash"),
            )
        except KeyError as e:
            raise RecordError(f"missing field {e.args[0]!r}") from None
        if not 1 <= rec.level <= 5:
            raise RecordError(f"level must be 1..5, got {rec.level}")
        if rec.seq < 1:
            raise RecordError(f"seq must be >= 1, got {rec.seq}")
        try:
            t = datetime.fromisoformat(rec.device_time)
        except ValueError:
            raise RecordError(f"device_time is not ISO-8601: {rec.device_time!r}") from None
        if t.tzinfo is None:
            raise RecordError("device_time must carry a UTC offset")
        return rec


def chain_hash(prev_hash: str, record: RatingRecord) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + record.canonical_content()).hexdigest()


def quarter_of(local: datetime) -> str:
    """``2026Q3`` for a datetime already in the hall's local time zone."""
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def previous_quarter(quarter: str) -> str:
    """The quarter before ``2026Q1`` is ``2025Q4``."""
    year, q = int(quarter[:4]), int(quarter[-1])
    return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"


def _replace(rec: RatingRecord, **changes: Any) -> RatingRecord:
    from dataclasses import replace

    return replace(rec, **changes)


def _str(d: dict[str, Any], key: str) -> str:
    v = d[key]
    if not isinstance(v, str):
        raise RecordError(f"{key} must be a string")
    return v


def _opt_str(d: dict[str, Any], key: str) -> str | None:
    v = d.get(key)
    if v is not None and not isinstance(v, str):
        raise RecordError(f"{key} must be a string or null")
    return v


def _int(d: dict[str, Any], key: str) -> int:
    v = d[key]
    if not isinstance(v, int) or isinstance(v, bool):
        raise RecordError(f"{key} must be an integer")
    return v


def _str_list(d: dict[str, Any], key: str) -> list[str]:
    v = d.get(key, [])
    if not isinstance(v, list | tuple) or not all(isinstance(x, str) for x in v):
        raise RecordError(f"{key} must be a list of strings")
    return list(v)
