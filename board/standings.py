"""The standings engine: a quarter's aggregates in, the red list, black list and hardest list out.

Pure Python: no Qt, no I/O. ``compute_standings(aggregates)`` takes the dict the central store
answers for ``GET /halls/{hall}/aggregates`` (see ``docs/design.md``) and returns ``Standings``.

Rules (every number is a hall setting, see ``Settings``; defaults in brackets)
-----------------------------------------------------------------------------
(full rule text follows with the engine)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Literal

__all__ = [
    "BoardEntry",
    "HardestEntry",
    "QuarterOutcome",
    "Settings",
    "SettingsError",
    "Standings",
    "Status",
    "UnitStanding",
    "compute_standings",
]

log = logging.getLogger(__name__)

Status = Literal["red", "black", "ranked", "not_enough"]
Naming = Literal["named", "anonymous"]


class SettingsError(ValueError):
    """A scoring setting that cannot be used; the message names the key."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"setting {key}: {message}")


@dataclass(frozen=True)
class Settings:
    """The hall's scoring settings (roster ``setting`` rows); defaults follow product.md."""

    # Points for levels 1 (非常不满意) … 5 (非常满意).
    level_points: tuple[float, float, float, float, float] = (20.0, 40.0, 60.0, 80.0, 100.0)
    prior_m: float = 20.0
    prior_mean: float = 90.0
    min_ratings: int = 30
    red_count: int = 4
    black_count: int = 1
    black_threshold: float = 85.0
    w_quality: float = 0.4
    w_image: float = 0.2
    w_behaviour: float = 0.2
    w_discipline: float = 0.2
    bonus_cap: float = 10.0
    z: float = 1.96
    hardest_count: int = 10
    naming: Naming = "named"
    escalate_head_after: int = 2
    escalate_leader_after: int = 3

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> Settings:
        """Parse the roster's setting strings (unknown keys, e.g. the kiosk's, are ignored).

        Numbers may come as strings (roster) or numbers (JSON). ``level_points`` is written as
        the product describes it, best level first: ``100/80/60/40/20``. ``naming`` accepts
        ``named``/``实名`` and ``anonymous``/``匿名``. Raises ``SettingsError`` naming the key.
        """
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            if f.name not in values:
                continue
            raw = values[f.name]
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue  # an empty cell keeps the default
            kwargs[f.name] = _parse_setting(f.name, raw)
        settings = cls(**kwargs)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raise ``SettingsError`` for values that would make the rules meaningless."""
        pts = self.level_points
        if len(pts) != 5 or any(a >= b for a, b in zip(pts, pts[1:], strict=False)):
            raise SettingsError("level_points", "five points, strictly higher for a better level")
        if not pts[0] <= self.prior_mean <= pts[4]:
            raise SettingsError("prior_mean", f"must lie between {pts[0]:g} and {pts[4]:g}")
        for key in ("prior_m", "bonus_cap", "w_quality", "w_image", "w_behaviour", "w_discipline"):
            if getattr(self, key) < 0:
                raise SettingsError(key, "must not be negative")
        if self.w_quality <= 0:
            raise SettingsError("w_quality", "must be above 0: the citizens' score must count")
        for key in ("red_count", "black_count", "hardest_count"):
            if getattr(self, key) < 0:
                raise SettingsError(key, "must not be negative")
        if self.min_ratings < 1:
            raise SettingsError("min_ratings", "must be at least 1")
        if self.z <= 0:
            raise SettingsError("z", "must be above 0 (1.96 for a 95 % interval)")
        if self.naming not in ("named", "anonymous"):
            raise SettingsError("naming", "must be named or anonymous")
        if not 1 <= self.escalate_head_after <= self.escalate_leader_after:
            raise SettingsError(
                "escalate_leader_after", "must be at least escalate_head_after (>= 1)"
            )


@dataclass(frozen=True)
class UnitStanding:
    """One unit's quarter: its counts, scores, place and the reasons for that place."""

    code: str
    name: str
    category: str
    category_name: str
    counts: Mapping[int, int]  # level 1..5 -> scored ratings
    n: int  # scored ratings
    flagged: int  # ratings flagged as misuse, kept but not scored
    negative: int  # 差评: levels 1 and 2
    raw_mean: float | None  # mean points of the scored ratings, None without ratings
    citizen_score: float  # Bayesian average
    interval_low: float
    interval_high: float
    image: float
    behaviour: float
    discipline: float
    quarter_score: float
    rank: int | None  # None when not ranked
    status: Status
    misconduct: bool
    hardest_rank: int | None  # place on the hardest-sections list, None when not on it
    top_reasons: list[tuple[str, str, int]]  # (reason code, name, count), most cited first
    weekly: list[tuple[str, float, int]]  # (ISO Monday, mean points, scored ratings)
    inspections: list[tuple[str, float, str]]  # (dimension, points, note)
    explanation: list[str]
    needs_more: int  # ratings still missing to be ranked (0 when ranked)
    black_streak: int = 0  # quarters in a row on the black list, this one included
    hardest_streak: int = 0  # quarters in a row in the hardest top 3, this one included
    streak: int = 0  # quarters in a row on either, this one included
    escalation: str | None = None

    @property
    def negative_share(self) -> float:
        return self.negative / self.n if self.n else 0.0


@dataclass(frozen=True)
class BoardEntry:
    """A line on the red or black list; ``unit_code`` is None in anonymous mode."""

    label: str  # unit name, or the window category name in anonymous mode
    score: float  # quarter score
    n: int
    unit_code: str | None
    reason: str


@dataclass(frozen=True)
class HardestEntry:
    """A line of the hardest-sections list (最难办事科室群众评)."""

    rank: int
    label: str  # unit name, or the window category name in anonymous mode
    unit_code: str | None
    n: int
    negative: int
    share: float  # negative / n
    problems: list[tuple[str, str, int]]  # main problems: (reason code, name, count)
    streak: int
    escalation: str | None
    reason: str


@dataclass(frozen=True)
class QuarterOutcome:
    """What a later quarter needs to know about this one to count streaks."""

    quarter: str  # "2026Q2"
    black: frozenset[str] = field(default_factory=frozenset)
    hardest_top3: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Standings:
    """The quarter's standings as the wall board shows them."""

    hall: Mapping[str, str]  # {code, name, tz}
    quarter: str
    settings: Settings
    units: list[UnitStanding]  # ranked units by rank, then the unranked by code
    red_list: list[BoardEntry]
    black_list: list[BoardEntry]
    black_list_empty_reason: str | None
    hardest: list[HardestEntry]
    hall_mean: float  # mean points of every scored rating in the hall this quarter
    level_distribution: Mapping[int, int]  # level 1..5 -> scored ratings, whole hall
    generated_at: str
    rules: list[str]
    warnings: list[str] = field(default_factory=list)

    def unit(self, code: str) -> UnitStanding:
        for u in self.units:
            if u.code == code:
                return u
        raise KeyError(code)

    def outcome(self) -> QuarterOutcome:
        return QuarterOutcome(
            quarter=self.quarter,
            black=frozenset(u.code for u in self.units if u.status == "black"),
            hardest_top3=frozenset(
                u.code for u in self.units if u.hardest_rank is not None and u.hardest_rank <= 3
            ),
        )


def compute_standings(
    aggregates: Mapping[str, object],
    *,
    settings: Settings | None = None,
    history: Sequence[Standings | QuarterOutcome] = (),
) -> Standings:
    """The quarter's standings from the store's aggregates (see the module docstring)."""
    raise NotImplementedError  # filled in by the next commit


_INT_KEYS = frozenset(
    {
        "min_ratings",
        "red_count",
        "black_count",
        "hardest_count",
        "escalate_head_after",
        "escalate_leader_after",
    }
)
_NAMING = {"named": "named", "实名": "named", "anonymous": "anonymous", "匿名": "anonymous"}


def _parse_setting(key: str, raw: object) -> object:
    text = str(raw).strip()
    if key == "naming":
        if text.lower() not in _NAMING:
            raise SettingsError(key, f"expected named (实名) or anonymous (匿名), got {text!r}")
        return _NAMING[text.lower()]
    if key == "level_points":
        parts = [p for p in text.replace("，", ",").replace(",", "/").split("/") if p.strip()]
        if len(parts) != 5:
            raise SettingsError(key, f"expected five numbers like 100/80/60/40/20, got {text!r}")
        try:
            best_first = [float(p) for p in parts]
        except ValueError:
            raise SettingsError(
                key, f"expected numbers like 100/80/60/40/20, got {text!r}"
            ) from None
        return tuple(reversed(best_first))
    if key in _INT_KEYS:
        try:
            number = float(text)
        except ValueError:
            raise SettingsError(key, f"expected a whole number, got {text!r}") from None
        if not number.is_integer():
            raise SettingsError(key, f"expected a whole number, got {text!r}")
        return int(number)
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(key, f"expected a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise SettingsError(key, f"expected a finite number, got {text!r}")
    return value
