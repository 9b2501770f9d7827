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
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any, Literal

__all__ = [
    "BUILTIN_REASONS",
    "FLAGS",
    "GENESIS_HASH",
    "Level",
    "RatingRecord",
    "RecordError",
    "RecordStatus",
    "chain_hash",
]

GENESIS_HASH = "0" * 64
# The canonical encoding the hash covers: sorted keys, compact, UTF-8 as is.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode

RecordStatus = Literal["stored", "duplicate", "rejected"]
"""The central store's answer for one pushed record: ``stored`` and ``duplicate`` (already
stored with this content) both let the kiosk forget it; ``rejected`` comes with a reason."""


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
    ``section`` is the section (科室) the rating counts for when the kiosk knows it; a record
    without one hashes, encodes and syncs exactly as records did before sections existed, so
    ratings from kiosks that predate them keep their chain and still sync.
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
    section: str | None = None

    def canonical_content(self) -> bytes:
        """Every field but the hashes, as sorted compact JSON (the bytes the hash covers)."""
        # Spelled out, not dataclasses.asdict/fields(): same bytes, several times faster, and
        # the central store hashes every record it receives.
        body: dict[str, Any] = {
            "device_time": self.device_time,
            "flags": sorted(self.flags),
            "id": self.id,
            "level": self.level,
            "phone": self.phone,
            "reasons": sorted(self.reasons),
            "seq": self.seq,
            "staff": self.staff,
            "terminal": self.terminal,
            "tz": self.tz,
            "unit": self.unit,
            "window": self.window,
        }
        if self.section is not None:  # absent, not null: older records keep their hash
            body["section"] = self.section
        return _CANONICAL(body).encode()

    def with_chain(self, prev_hash: str) -> RatingRecord:
        """This record linked after ``prev_hash``."""
        return _replace(self, prev_hash=prev_hash, hash=chain_hash(prev_hash, self))

    def chain_ok(self) -> bool:
        return self.hash == chain_hash(self.prev_hash, self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, keys in field order (what ``dataclasses.asdict`` gave, lists for tuples);
        spelled out because ``asdict`` deep-copies and cost a third of the pusher's time."""
        out: dict[str, Any] = {
            "id": self.id,
            "seq": self.seq,
            "terminal": self.terminal,
            "window": self.window,
            "unit": self.unit,
            "staff": self.staff,
            "level": self.level,
            "reasons": list(self.reasons),
            "phone": self.phone,
            "device_time": self.device_time,
            "tz": self.tz,
            "flags": list(self.flags),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }
        if self.section is not None:
            out["section"] = self.section
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RatingRecord:
        """Build from JSON-like data; raises ``RecordError`` naming the bad field."""
        # Fast path for what JSON gives: exact types checked in one go. Anything else (a missing
        # or mistyped field, a str subclass) takes the field-by-field path and its messages.
        try:
            id_ = d["id"]
            seq = d["seq"]
            terminal = d["terminal"]
            window = d["window"]
            unit = d["unit"]
            staff = d.get("staff")
            level = d["level"]
            reasons = d.get("reasons", [])
            phone = d.get("phone")
            device_time = d["device_time"]
            tz = d["tz"]
            flags = d.get("flags", [])
            prev_hash = d["prev_hash"]
            hash_ = d["hash"]
            section = d.get("section")
        except KeyError:
            return cls._from_dict_checked(d)
        if (
            type(id_) is str
            and type(seq) is int
            and type(terminal) is str
            and type(window) is str
            and type(unit) is str
            and (staff is None or type(staff) is str)
            and type(level) is int
            and type(reasons) is list
            and all(type(x) is str for x in reasons)
            and (phone is None or type(phone) is str)
            and type(device_time) is str
            and type(tz) is str
            and type(flags) is list
            and all(type(x) is str for x in flags)
            and type(prev_hash) is str
            and type(hash_) is str
            and (section is None or type(section) is str)
        ):
            rec = cls(
                id_, seq, terminal, window, unit, staff, level, tuple(reasons), phone,
                device_time, tz, tuple(flags), prev_hash, hash_, section,
            )  # fmt: skip
            return rec._checked()
        return cls._from_dict_checked(d)

    @classmethod
    def _from_dict_checked(cls, d: dict[str, Any]) -> RatingRecord:
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
                section=_opt_str(d, "section"),
            )
        except KeyError as e:
            raise RecordError(f"missing field {e.args[0]!r}") from None
        return rec._checked()

    def _checked(self) -> RatingRecord:
        """This record, if its values are in range (the types are checked already)."""
        if not 1 <= self.level <= 5:
            raise RecordError(f"level must be 1..5, got {self.level}")
        if self.seq < 1:
            raise RecordError(f"seq must be >= 1, got {self.seq}")
        try:
            t = datetime.fromisoformat(self.device_time)
        except ValueError:
            raise RecordError(f"device_time is not ISO-8601: {self.device_time!r}") from None
        if t.tzinfo is None:
            raise RecordError("device_time must carry a UTC offset")
        return self


def chain_hash(prev_hash: str, record: RatingRecord) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + record.canonical_content()).hexdigest()


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
