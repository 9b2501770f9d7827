"""The standings engine: a quarter's aggregates in; red list, black list and hardest list out.

Pure Python: no Qt, no I/O. ``compute_standings(aggregates)`` takes the dict the central store
answers for ``GET /halls/{hall}/aggregates`` (see ``docs/design.md``) and returns ``Standings``:
every unit's counts, scores, place and a plain-language explanation, plus the lists the wall
board shows. Every number below is a hall setting (``Settings``, roster ``setting`` rows);
defaults in brackets.

Rules
-----
1. **Counted ratings.** A unit's counts per level come from its scored ratings (the store's
   ``n``). Ratings flagged as misuse (too fast, bursts, after hours, bad clock) or appealed away
   are not scored; the flagged count is shown beside the scored ones.
2. **Points.** Levels 非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意 score
   ``level_points`` [100 / 80 / 60 / 40 / 20]. A 差评 is a rating of the bottom two levels.
3. **Citizen score** (quality) is a Bayesian average: ``(m·μ0 + Σ points) / (m + n)`` with
   ``m`` = ``prior_m`` [20] and ``μ0`` = the aggregates' ``prior_mean`` (the hall's mean of the
   previous quarter) or, when that is null, the setting ``prior_mean`` [90]. It depends on the
   unit's own ratings only: one more tap moves no other unit's score. With no ratings it is μ0.
4. **Image, behaviour, discipline** each start at 100 and add the inspections' points for that
   dimension (deductions negative, bonuses positive), clamped to ``[0, 100 + bonus_cap]``
   [cap 110]. No inspections: 100. Dimensions are ``image`` / ``behaviour`` / ``discipline``
   (also ``behavior`` and 服务形象 / 服务行为 / 工作纪律); any other dimension is ignored with a
   warning.
5. **Quarter score** = ``w_quality``·citizen + ``w_image``·image + ``w_behaviour``·behaviour +
   ``w_discipline``·discipline, with the weights [0.4 / 0.2 / 0.2 / 0.2] divided by their sum.
6. **Ranking.** Units with at least ``min_ratings`` [30] scored ratings are ranked by quarter
   score, highest first. Ties: higher citizen score, then more scored ratings, then fewer 差评,
   then unit code (alphabetical) — deterministic. Other units are "not enough ratings"
   (``needs_more`` = min_ratings − n) and are on no list, except for rule 9.
7. **Hall mean** = mean points of every scored rating in the hall this quarter (μ0 when none).
8. **Credibly worse.** The citizen score's interval is a Wilson score interval with ``z`` [1.96,
   95 %]: the citizen score is read as a share p of the points scale (20 → 0, 100 → 1) and the
   interval uses the unit's n real ratings only (the prior's m are not evidence). By the
   Bhatia–Davis inequality p(1 − p) is the largest variance ratings with that mean can have, so
   the bound is conservative: a unit is called worse only when even the kindest reading of its
   ratings is worse. A unit is *credibly worse than the hall* when the interval's upper bound is
   below the hall mean.
9. **Black list.** First every unit with a verified misconduct (``misconduct``, 一票否决), ranked or
   not, worst quarter score first; these do not use up the quota. Then, walking up from the
   bottom of the ranking, up to ``black_count`` [1] units whose quarter score is below
   ``black_threshold`` [85] *and* that are credibly worse (rule 8); a unit that fails either test
   is skipped, not a stopper. The list may be empty; ``black_list_empty_reason`` says why.
10. **Red list.** The top ``red_count`` [4] ranked units that are not on the black list (fewer
    when fewer are ranked). A unit is never on both lists.
11. **Naming.** ``naming`` [named]: in ``anonymous`` mode the black list *and* the hardest list
    show the unit's window category name only, with no unit name or code (``unit_code`` None),
    and their reason texts name no unit. The red list always names units. ``units`` keeps the
    names (the admin needs them); a board page listing them must respect the mode itself.
12. **Hardest sections** (最难办事科室群众评): first units with a verified misconduct (Nanchuan puts
    them at rank 1 directly), then units with at least ``min_ratings`` ratings and at least one
    差评 by 差评 share, highest first; ties: more 差评, then unit code. At most
    ``hardest_count`` [10] in all. Each shows its main problems: up to three most-cited reasons
    (built-in 冷 懒 推 乱 贪 and the hall's own, names from the aggregates' ``reasons``); ties by
    the order of the aggregates' reason list, then code.
13. **Streaks.** Given previous quarters' outcomes (``history``: ``Standings`` or
    ``QuarterOutcome``, any order), a unit's streak is the number of consecutive calendar
    quarters, ending with this one, in which it was on the black list or in the hardest top 3
    (a quarter missing from the history breaks the streak). ``black_streak`` and
    ``hardest_streak`` count each list alone. Escalation (Nanchuan): a streak of
    ``escalate_head_after`` [2] → 约谈/免去科室负责人; ``escalate_leader_after`` [3] or more →
    问责分管领导.
14. **Explanations.** Every unit gets short sentences (Chinese by default, ``lang="en"`` for
    English): counts per level, the score arithmetic, inspection points, the rule that placed
    it, and what it would take to move. ``rules`` gives these rules in words for the board.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Literal

from board.lenient import mapping, number, rows, whole
from board.standings_text import TEXTS, Lang
from sync.quarter import Quarter
from sync.roster import dimension_of
from sync.schema import BUILTIN_REASONS

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

DIMENSIONS = ("image", "behaviour", "discipline")
# Names of the built-in reasons when the aggregates do not carry them.
_BUILTIN_REASON_NAMES = {code: char for code, (char, _zh, _en) in BUILTIN_REASONS.items()}


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
    prior_m: float = 20.0  # the prior is worth this many ratings
    prior_mean: float = 90.0  # μ0 when the store sends no previous-quarter mean
    min_ratings: int = 30  # scored ratings needed to be ranked
    red_count: int = 4
    black_count: int = 1  # places on the black list, misconduct not counted
    black_threshold: float = 85.0  # a quarter score below this may be black-listed
    w_quality: float = 0.4  # weights, divided by their sum
    w_image: float = 0.2
    w_behaviour: float = 0.2
    w_discipline: float = 0.2
    bonus_cap: float = 10.0  # image/behaviour/discipline may reach 100 + this
    z: float = 1.96  # interval width for "credibly worse" (1.96: 95 %)
    hardest_count: int = 10
    naming: Naming = "named"  # "anonymous": lists show the window category only
    escalate_head_after: int = 2  # streak -> 约谈/免去科室负责人
    escalate_leader_after: int = 3  # streak -> 问责分管领导

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
        return cls(**kwargs)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        self.validate()

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
    appealed: int = 0  # 差评 taken out on appeal (among ``flagged``)
    misconduct_notes: list[str] = field(default_factory=list)  # what was verified, when, by whom

    def deductions(self, dimension: str) -> float:
        """The inspectors' deductions in ``dimension`` (image/behaviour/discipline), as a
        negative number (0 when none)."""
        return sum(p for d, p, _ in self.inspections if d == dimension and p < 0)

    def bonuses(self, dimension: str) -> float:
        """The inspectors' bonuses in ``dimension``, before the cap (0 when none)."""
        return sum(p for d, p, _ in self.inspections if d == dimension and p > 0)


@dataclass(frozen=True)
class BoardEntry:
    """A line on the red or black list; ``unit_code`` is None in anonymous mode."""

    label: str  # unit name, or the window category name in anonymous mode
    score: float  # quarter score
    n: int
    unit_code: str | None
    reason: str
    streak: int = 0  # quarters in a row on the black list or in the hardest top 3
    escalation: str | None = None


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
    streak: int  # quarters in a row on the black list or in the hardest top 3
    escalation: str | None
    reason: str


@dataclass(frozen=True)
class QuarterOutcome:
    """What a later quarter needs to know about this one to count streaks."""

    quarter: str  # "2026Q2"
    black: AbstractSet[str] = frozenset()  # unit codes on the black list
    hardest_top3: AbstractSet[str] = frozenset()  # unit codes in the hardest top 3
    section_top3: AbstractSet[str] = (
        frozenset()
    )  # section codes in the hardest top 3 (board.hardest)

    def __post_init__(self) -> None:
        # Accept any set (or list) of codes; keep an immutable copy.
        object.__setattr__(self, "black", frozenset(self.black))
        object.__setattr__(self, "hardest_top3", frozenset(self.hardest_top3))
        object.__setattr__(self, "section_top3", frozenset(self.section_top3))


@dataclass(frozen=True)
class Standings:
    """The quarter's standings as the wall board shows them."""

    hall: Mapping[str, str]  # {code, name, tz}
    quarter: str
    settings: Settings
    units: list[UnitStanding]  # ranked by rank, then the unranked (most ratings first)
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
    lang: Lang = "zh",
) -> Standings:
    """The quarter's standings from the store's aggregates (rules in the module docstring).

    ``settings`` defaults to the aggregates' own ``settings``; ``history`` holds earlier
    quarters for the streaks. Raises ``SettingsError`` for unusable settings; rows that make no
    sense (a level of 7, a negative count) are skipped and listed in ``Standings.warnings``.
    """
    warnings: list[str] = []
    s = settings if settings is not None else Settings.from_mapping(mapping(aggregates, "settings"))
    t = TEXTS[lang]
    hall_raw = mapping(aggregates, "hall")
    hall = {k: str(hall_raw.get(k, "")) for k in ("code", "name", "tz")}
    quarter = str(aggregates.get("quarter", ""))
    generated_at = str(aggregates.get("generated_at") or datetime.now(UTC).isoformat())
    mu0 = _prior_mean(aggregates, s, warnings)

    calcs = _read_units(aggregates, warnings)
    hall_counts = _score_units(calcs, s, mu0)
    hall_mean = _hall_mean(hall_counts, s, mu0)
    ranked = _rank(calcs, s)
    black = _black_list(calcs, ranked, s, hall_mean)
    red = _red_list(ranked, s)
    hardest = _hardest(calcs, ranked, s)
    _main_problems(calcs, aggregates)
    _streaks(calcs, _outcomes_by_quarter(history, quarter, warnings), quarter, s, t)

    weights = _weights(s)
    ctx = _Ctx(s, t, mu0, hall_mean, weights, sum(weights), ranked, red, black)
    unranked = sorted((c for c in calcs.values() if c.rank is None), key=lambda c: (-c.n, c.code))
    return Standings(
        hall=hall,
        quarter=quarter,
        settings=s,
        units=[_unit_standing(c, ctx) for c in ranked + unranked],
        red_list=[
            BoardEntry(c.name, c.quarter, c.n, c.code, t["red_reason"].format(rank=c.rank))
            for c in red
        ],
        black_list=[_black_entry(c, ctx) for c in black],
        black_list_empty_reason=None if black else _empty_black_reason(ctx),
        hardest=[_hardest_entry(i, c, ctx) for i, c in enumerate(hardest, start=1)],
        hall_mean=hall_mean,
        level_distribution=hall_counts,
        generated_at=generated_at,
        rules=_rules(ctx),
        warnings=warnings,
    )


# ---------------------------------------------------------------------------------------------
# The rules, one phase each, in the order compute_standings applies them.


def _read_units(aggregates: Mapping[str, object], warnings: list[str]) -> dict[str, _Calc]:
    """Every unit of the roster with its counts, reasons, inspections and misconduct (rules 1,
    4, 9). Rows for a unit the roster lacks still count, with a warning."""
    categories = {
        str(c.get("code")): str(c.get("name", "")) for c in rows(aggregates, "categories")
    }
    calcs: dict[str, _Calc] = {}
    for u in rows(aggregates, "units"):
        code = str(u.get("code"))
        cat = str(u.get("category") or "")
        calcs[code] = _Calc(code, str(u.get("name") or code), cat, categories.get(cat, cat))

    def calc_for(code: str, what: str) -> _Calc:
        if code not in calcs:
            warnings.append(f"{what} for unit {code!r}, which is not in the roster")
            calcs[code] = _Calc(code, code, "", "")
        return calcs[code]

    for row in rows(aggregates, "counts"):
        level, n, flagged = whole(row, "level"), whole(row, "n"), whole(row, "flagged", 0)
        if level is None or not 1 <= level <= 5 or n is None or n < 0 or flagged is None:
            warnings.append(f"count row skipped (level 1-5 and counts >= 0 expected): {row!r}")
            continue
        c = calc_for(str(row.get("unit")), "ratings")
        c.counts[level] += n
        c.flagged += max(flagged, 0)
        week = c.weekly.setdefault(str(row.get("week", "")), [0, 0, 0, 0, 0, 0])
        week[level] += n
    for row in rows(aggregates, "reason_counts"):
        n = whole(row, "n")
        if n is None or n < 0:
            warnings.append(f"reason count row skipped: {row!r}")
            continue
        c = calc_for(str(row.get("unit")), "reasons")
        reason = str(row.get("reason"))
        c.reasons[reason] = c.reasons.get(reason, 0) + n
    for row in rows(aggregates, "inspections"):
        dim = dimension_of(str(row.get("dimension", "")))
        points = number(row, "points")
        if dim is None or points is None:
            warnings.append(f"inspection skipped (dimension image/behaviour/discipline): {row!r}")
            continue
        calc_for(str(row.get("unit")), "inspection").inspections.append(
            (dim, points, str(row.get("note") or ""))
        )
    misconduct_raw = aggregates.get("misconduct") or []
    if isinstance(misconduct_raw, Iterable) and not isinstance(misconduct_raw, str | bytes):
        for code in misconduct_raw:
            calc_for(str(code), "misconduct").misconduct = True
    for row in rows(aggregates, "misconduct_records"):
        c = calc_for(str(row.get("unit")), "misconduct")
        c.misconduct = True
        details = "；".join(str(row[k]) for k in ("reference", "verified_by") if row.get(k))
        c.misconduct_notes.append(
            f"{row.get('day', '')} {row.get('summary', '')}".strip()
            + (f"（{details}）" if details else "")
        )
    for row in rows(aggregates, "appealed"):
        n = whole(row, "n")
        if n is not None and n > 0:
            calc_for(str(row.get("unit")), "appeal").appealed += n
    return calcs


def _weights(s: Settings) -> tuple[float, float, float, float]:
    return (s.w_quality, s.w_image, s.w_behaviour, s.w_discipline)


def _score_units(calcs: Mapping[str, _Calc], s: Settings, mu0: float) -> dict[int, int]:
    """Rules 1-5, per unit: each depends on that unit's rows only. Returns the hall's counts
    per level. Inspections are sorted so that the input's row order changes neither the text
    nor a float sum."""
    pts = s.level_points
    weights = _weights(s)
    wsum = sum(weights)
    hall_counts = {lvl: 0 for lvl in range(1, 6)}
    for c in calcs.values():
        c.inspections.sort()
        c.n = sum(c.counts[lvl] for lvl in range(1, 6))
        c.total = sum(c.counts[lvl] * pts[lvl - 1] for lvl in range(1, 6))
        c.negative = c.counts[1] + c.counts[2]
        c.citizen = (s.prior_m * mu0 + c.total) / (s.prior_m + c.n) if s.prior_m + c.n else mu0
        c.low, c.high = _wilson(c.citizen, c.n, pts[0], pts[4], s.z)
        for dim in DIMENSIONS:
            raw = 100.0 + sum(p for d, p, _ in c.inspections if d == dim)
            c.dims[dim] = min(max(raw, 0.0), 100.0 + s.bonus_cap)
        c.quarter = (
            weights[0] * c.citizen
            + weights[1] * c.dims["image"]
            + weights[2] * c.dims["behaviour"]
            + weights[3] * c.dims["discipline"]
        ) / wsum
        for lvl in range(1, 6):
            hall_counts[lvl] += c.counts[lvl]
    return hall_counts


def _hall_mean(hall_counts: Mapping[int, int], s: Settings, mu0: float) -> float:
    """Rule 7: mean points of every scored rating in the hall (μ0 when none)."""
    hall_n = sum(hall_counts.values())
    hall_total = sum(hall_counts[lvl] * s.level_points[lvl - 1] for lvl in range(1, 6))
    return hall_total / hall_n if hall_n else mu0


def _rank(calcs: Mapping[str, _Calc], s: Settings) -> list[_Calc]:
    """Rule 6: the units with enough ratings, best first, numbered."""
    ranked = sorted(
        (c for c in calcs.values() if c.n >= s.min_ratings),
        key=lambda c: (-c.quarter, -c.citizen, -c.n, c.negative, c.code),
    )
    for i, c in enumerate(ranked, start=1):
        c.rank = i
    return ranked


def _black_list(
    calcs: Mapping[str, _Calc], ranked: Sequence[_Calc], s: Settings, hall_mean: float
) -> list[_Calc]:
    """Rules 8-9: misconduct first, then credibly worse units from the bottom, within quota."""
    black: list[_Calc] = sorted(
        (c for c in calcs.values() if c.misconduct), key=lambda c: (c.quarter, c.code)
    )
    for c in ranked:
        c.below = c.quarter < s.black_threshold
        c.credible = c.high < hall_mean
    walk = [c for c in reversed(ranked) if c.below and c.credible and not c.misconduct]
    black += walk[: s.black_count]
    for c in black:
        c.status = "black"
    return black


def _red_list(ranked: Sequence[_Calc], s: Settings) -> list[_Calc]:
    """Rule 10: the top ranked units not on the black list; the rest of the ranked are
    "ranked"."""
    red = [c for c in ranked if c.status != "black"][: s.red_count]
    for c in red:
        c.status = "red"
    for c in ranked:
        if c.status == "not_enough":
            c.status = "ranked"
    return red


def _hardest(calcs: Mapping[str, _Calc], ranked: Sequence[_Calc], s: Settings) -> list[_Calc]:
    """Rule 12: misconduct first, then the highest share of 差评, numbered."""
    pool = sorted(
        (c for c in ranked if c.negative > 0 and not c.misconduct),
        key=lambda c: (-c.negative / c.n, -c.negative, c.code),
    )
    hardest = (sorted((c for c in calcs.values() if c.misconduct), key=lambda c: c.code) + pool)[
        : s.hardest_count
    ]
    for i, c in enumerate(hardest, start=1):
        c.hardest_rank = i
    return hardest


def _main_problems(calcs: Mapping[str, _Calc], aggregates: Mapping[str, object]) -> None:
    """Rule 12's main problems: each unit's three most-cited reasons; ties by the order of the
    aggregates' reason list, then code."""
    names: dict[str, str] = dict(_BUILTIN_REASON_NAMES)
    order: dict[str, int] = {}
    for i, r in enumerate(rows(aggregates, "reasons")):
        code = str(r.get("code"))
        names[code] = str(r.get("name") or code)
        order.setdefault(code, i)
    for c in calcs.values():
        c.top_reasons = sorted(
            ((code, names.get(code, code), n) for code, n in c.reasons.items() if n > 0),
            key=lambda r: (-r[2], order.get(r[0], len(order)), r[0]),
        )[:3]


def _streaks(
    calcs: Mapping[str, _Calc],
    past: Mapping[Quarter, QuarterOutcome],
    quarter: str,
    s: Settings,
    t: Mapping[str, str],
) -> None:
    """Rule 13: quarters in a row on the black list or in the hardest top 3, and what follows."""
    for c in calcs.values():
        in_black = c.status == "black"
        in_top3 = c.hardest_rank is not None and c.hardest_rank <= 3
        c.black_streak = _streak(c.code, quarter, in_black, past, lambda o: o.black)
        c.hardest_streak = _streak(c.code, quarter, in_top3, past, lambda o: o.hardest_top3)
        c.streak = _streak(
            c.code, quarter, in_black or in_top3, past, lambda o: o.black | o.hardest_top3
        )
        if c.streak >= s.escalate_leader_after:
            c.escalation = t["esc_leader"]
        elif c.streak >= s.escalate_head_after:
            c.escalation = t["esc_head"]


def _black_entry(c: _Calc, ctx: _Ctx) -> BoardEntry:
    """A black-list line; rule 11: anonymous mode shows the window category, no unit."""
    anonymous = ctx.s.naming == "anonymous"
    return BoardEntry(
        label=(c.category_name or ctx.t["no_category"]) if anonymous else c.name,
        score=c.quarter,
        n=c.n,
        unit_code=None if anonymous else c.code,
        reason=_black_reason(c, ctx),
        streak=c.streak,
        escalation=c.escalation,
    )


def _hardest_entry(rank: int, c: _Calc, ctx: _Ctx) -> HardestEntry:
    """A hardest-sections line; rule 11 as for the black list."""
    t = ctx.t
    anonymous = ctx.s.naming == "anonymous"
    return HardestEntry(
        rank=rank,
        label=(c.category_name or t["no_category"]) if anonymous else c.name,
        unit_code=None if anonymous else c.code,
        n=c.n,
        negative=c.negative,
        share=c.negative / c.n if c.n else 0.0,
        problems=list(c.top_reasons),
        streak=c.streak,
        escalation=c.escalation,
        reason=(
            t["hardest_misconduct"]
            if c.misconduct
            else t["hardest_reason"].format(neg=c.negative, share=_pct(c.negative / c.n), n=c.n)
        ),
    )


@dataclass
class _Calc:
    """A unit's working figures while the standings are computed."""

    code: str
    name: str
    category: str
    category_name: str
    counts: dict[int, int] = field(default_factory=lambda: {lvl: 0 for lvl in range(1, 6)})
    flagged: int = 0
    weekly: dict[str, list[int]] = field(default_factory=dict)  # week -> counts by level
    reasons: dict[str, int] = field(default_factory=dict)
    inspections: list[tuple[str, float, str]] = field(default_factory=list)
    misconduct: bool = False
    misconduct_notes: list[str] = field(default_factory=list)
    appealed: int = 0
    n: int = 0
    total: float = 0.0
    negative: int = 0
    citizen: float = 0.0
    low: float = 0.0
    high: float = 0.0
    dims: dict[str, float] = field(default_factory=dict)
    quarter: float = 0.0
    rank: int | None = None
    status: Status = "not_enough"
    below: bool = False
    credible: bool = False
    hardest_rank: int | None = None
    top_reasons: list[tuple[str, str, int]] = field(default_factory=list)
    black_streak: int = 0
    hardest_streak: int = 0
    streak: int = 0
    escalation: str | None = None


@dataclass(frozen=True)
class _Ctx:
    s: Settings
    t: Mapping[str, str]
    mu0: float
    hall_mean: float
    weights: tuple[float, float, float, float]
    wsum: float
    ranked: list[_Calc]
    red: list[_Calc]
    black: list[_Calc]


def _wilson(score: float, n: int, lo: float, hi: float, z: float) -> tuple[float, float]:
    """Wilson score interval of ``score`` read as a share of [lo, hi], from n ratings."""
    if n <= 0:
        return lo, hi
    p = min(max((score - lo) / (hi - lo), 0.0), 1.0)
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom
    # Wilson's interval always contains p; min/max guard against rounding at the edges.
    low, high = min(max(centre - half, 0.0), p), max(min(centre + half, 1.0), p)
    return lo + (hi - lo) * low, lo + (hi - lo) * high


def _prior_mean(aggregates: Mapping[str, object], s: Settings, warnings: list[str]) -> float:
    raw = aggregates.get("prior_mean")
    if raw is None:
        return s.prior_mean
    try:
        value = float(str(raw))
    except ValueError:
        value = math.nan
    if not s.level_points[0] <= value <= s.level_points[4]:  # also false for NaN
        warnings.append(f"prior_mean {raw!r} from the store is unusable; using {s.prior_mean:g}")
        return s.prior_mean
    return value


def _quarter_key(q: str) -> Quarter | None:
    q = q.strip().upper()
    return Quarter.parse(q) if Quarter.is_label(q) else None


def _outcomes_by_quarter(
    history: Sequence[Standings | QuarterOutcome], quarter: str, warnings: list[str]
) -> dict[Quarter, QuarterOutcome]:
    out: dict[Quarter, QuarterOutcome] = {}
    for h in history:
        o = h.outcome() if isinstance(h, Standings) else h
        key = _quarter_key(o.quarter)
        if key is None:
            warnings.append(f"history quarter {o.quarter!r} is not like 2026Q3; ignored")
        elif o.quarter.strip().upper() != quarter.strip().upper():
            out[key] = o
    if history and _quarter_key(quarter) is None:
        warnings.append(f"quarter {quarter!r} is not like 2026Q3; streaks count this quarter only")
    return out


def _streak(
    code: str,
    quarter: str,
    now: bool,
    past: Mapping[Quarter, QuarterOutcome],
    members: Callable[[QuarterOutcome], AbstractSet[str]],
) -> int:
    if not now:
        return 0
    count = 1
    key = _quarter_key(quarter)
    while key is not None:
        key = key.previous()
        o = past.get(key)
        if o is None or code not in members(o):
            break
        count += 1
    return count


# ---------------------------------------------------------------------------------------------
# Words. Numbers are shown with one decimal; thresholds and counts as written in the settings.


def _f(x: float) -> str:
    return f"{x:.1f}"


def _g(x: float) -> str:
    return f"{x:g}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _up(x: float) -> str:
    """A positive gap rounded up to the next 0.1, so that moving by it is enough."""
    return f"{max(math.ceil(round(x * 10, 6)) / 10, 0.1):.1f}"


def _level_words(t: Mapping[str, str]) -> list[str]:
    return [t[f"level{lvl}"] for lvl in range(5, 0, -1)]


def _unit_standing(c: _Calc, ctx: _Ctx) -> UnitStanding:
    s = ctx.s
    weekly = []
    for week in sorted(c.weekly):
        counts = c.weekly[week]
        n = sum(counts[1:])
        if n:
            total = sum(counts[lvl] * s.level_points[lvl - 1] for lvl in range(1, 6))
            weekly.append((week, total / n, n))
    return UnitStanding(
        code=c.code,
        name=c.name,
        category=c.category,
        category_name=c.category_name,
        counts=dict(c.counts),
        n=c.n,
        flagged=c.flagged,
        negative=c.negative,
        raw_mean=c.total / c.n if c.n else None,
        citizen_score=c.citizen,
        interval_low=c.low,
        interval_high=c.high,
        image=c.dims["image"],
        behaviour=c.dims["behaviour"],
        discipline=c.dims["discipline"],
        quarter_score=c.quarter,
        rank=c.rank,
        status=c.status,
        misconduct=c.misconduct,
        hardest_rank=c.hardest_rank,
        top_reasons=list(c.top_reasons),
        weekly=weekly,
        inspections=list(c.inspections),
        explanation=_explain(c, ctx),
        needs_more=max(s.min_ratings - c.n, 0),
        black_streak=c.black_streak,
        hardest_streak=c.hardest_streak,
        streak=c.streak,
        escalation=c.escalation,
        appealed=c.appealed,
        misconduct_notes=list(c.misconduct_notes),
    )


def _explain(c: _Calc, ctx: _Ctx) -> list[str]:
    s, t = ctx.s, ctx.t
    out: list[str] = []
    levels = "、".join(
        f"{word} {c.counts[lvl]}"
        for word, lvl in zip(_level_words(t), range(5, 0, -1), strict=True)
    )
    out.append(t["counts"].format(n=c.n, levels=levels, neg=c.negative))
    misuse = c.flagged - min(c.appealed, c.flagged)
    if misuse:
        out.append(t["flagged"].format(flagged=misuse))
    if c.appealed:
        out.append(t["appealed"].format(k=c.appealed))
    if c.n:
        out.append(
            t["citizen"].format(
                m=_g(s.prior_m),
                mu0=_f(ctx.mu0),
                total=_g(c.total),
                n=c.n,
                score=_f(c.citizen),
                raw=_f(c.total / c.n),
            )
        )
    else:
        out.append(t["citizen_none"].format(mu0=_f(ctx.mu0)))
    if c.inspections:
        for dim in DIMENSIONS:
            items = [(p, note) for d, p, note in c.inspections if d == dim]
            if not items:
                continue
            terms = "".join(f" {'+' if p >= 0 else '−'} {_g(abs(p))}" for p, _ in items)
            notes = "；".join(
                f"{note or t['no_note']} {'+' if p >= 0 else '−'}{_g(abs(p))}" for p, note in items
            )
            clamp = ""
            raw = 100.0 + sum(p for p, _ in items)
            if raw != c.dims[dim]:
                clamp = t["clamped"].format(value=_g(c.dims[dim]))
            out.append(
                t["dimension"].format(
                    dim=t[f"dim_{dim}"],
                    terms=terms,
                    value=_g(c.dims[dim]),
                    notes=notes,
                    clamp=clamp,
                )
            )
    else:
        out.append(t["no_inspections"])
    w = [x / ctx.wsum for x in ctx.weights]
    out.append(
        t["quarter"].format(
            wq=_g(round(w[0], 3)),
            wi=_g(round(w[1], 3)),
            wb=_g(round(w[2], 3)),
            wd=_g(round(w[3], 3)),
            q=_f(c.citizen),
            i=_g(c.dims["image"]),
            b=_g(c.dims["behaviour"]),
            d=_g(c.dims["discipline"]),
            score=_f(c.quarter),
        )
    )
    out.extend(_placement(c, ctx))
    if c.hardest_rank is not None:
        problems = "、".join(f"{name} {n}" for _, name, n in c.top_reasons) or t["no_reasons"]
        if c.misconduct:
            out.append(t["hardest_line_misconduct"].format(rank=c.hardest_rank))
        else:
            out.append(
                t["hardest_line"].format(
                    rank=c.hardest_rank, share=_pct(c.negative / c.n), problems=problems
                )
            )
    if c.streak >= 2 or c.escalation:
        out.append(t["streak"].format(k=c.streak, esc=c.escalation or t["esc_none"]))
    return out


def _placement(c: _Calc, ctx: _Ctx) -> list[str]:
    """The rule that placed the unit, and what it would take to move."""
    s, t = ctx.s, ctx.t
    out: list[str] = []
    need = s.min_ratings - c.n
    if c.misconduct:
        out.append(t["misconduct"])
        out.extend(t["misconduct_record"].format(note=note) for note in c.misconduct_notes)
        if need > 0:
            out.append(t["needs_more"].format(k=need, n=c.n, min=s.min_ratings))
        return out
    if c.rank is None:
        out.append(t["not_ranked"].format(min=s.min_ratings))
        out.append(t["needs_more"].format(k=need, n=c.n, min=s.min_ratings))
        return out
    out.append(t["rank"].format(rank=c.rank, of=len(ctx.ranked)))
    if c.status == "black":
        out.append(_black_reason(c, ctx))
        out.append(
            t["leave_black"].format(
                th=_g(s.black_threshold),
                up=_up(s.black_threshold - c.quarter),
                mean=_f(ctx.hall_mean),
            )
        )
        return out
    if c.status == "red":
        out.append(t["red_reason"].format(rank=c.rank))
        nxt = next((u for u in ctx.ranked if u.status != "red" and u.status != "black"), None)
        if c is ctx.red[-1] and nxt is not None:
            out.append(t["red_lead"].format(rank=nxt.rank, gap=_f(c.quarter - nxt.quarter)))
    elif ctx.red:
        last = ctx.red[-1]
        gap = last.quarter - c.quarter
        if gap <= 0:
            out.append(t["red_tie"].format(rank=last.rank))
        else:
            out.append(t["red_gap"].format(up=_up(gap)))
    if c.below and c.credible:
        out.append(
            t["black_quota"].format(
                score=_f(c.quarter), th=_g(s.black_threshold), quota=s.black_count
            )
        )
    elif c.below:
        out.append(
            t["black_noise"].format(
                score=_f(c.quarter),
                th=_g(s.black_threshold),
                high=_f(c.high),
                mean=_f(ctx.hall_mean),
            )
        )
    return out


def _black_reason(c: _Calc, ctx: _Ctx) -> str:
    """Why a unit is on the black list; names no unit (safe in anonymous mode)."""
    if c.misconduct:
        return ctx.t["misconduct"]
    return ctx.t["black_reason"].format(
        score=_f(c.quarter),
        th=_g(ctx.s.black_threshold),
        high=_f(c.high),
        mean=_f(ctx.hall_mean),
    )


def _empty_black_reason(ctx: _Ctx) -> str:
    s, t = ctx.s, ctx.t
    if s.black_count == 0:
        why = t["empty_quota"]
    elif not ctx.ranked:
        why = t["empty_unranked"].format(min=s.min_ratings)
    else:
        below = [c for c in ctx.ranked if c.below]
        if not below:
            why = t["empty_all_above"].format(th=_g(s.black_threshold))
        else:
            why = t["empty_noise"].format(
                k=len(below), th=_g(s.black_threshold), mean=_f(ctx.hall_mean)
            )
    return t["empty"].format(why=why)


def _rules(ctx: _Ctx) -> list[str]:
    s, t = ctx.s, ctx.t
    pts = "、".join(
        f"{word} {_g(s.level_points[lvl - 1])}"
        for word, lvl in zip(_level_words(t), range(5, 0, -1), strict=True)
    )
    w = [x / ctx.wsum for x in ctx.weights]
    conf = math.erf(s.z / math.sqrt(2.0))
    rules = [
        t["rule_points"].format(pts=pts),
        t["rule_citizen"].format(m=_g(s.prior_m), mu0=_f(ctx.mu0)),
        t["rule_quarter"].format(
            wq=_pct(w[0]),
            wi=_pct(w[1]),
            wb=_pct(w[2]),
            wd=_pct(w[3]),
            cap=_g(100 + s.bonus_cap),
        ),
        t["rule_rank"].format(min=s.min_ratings),
        t["rule_red"].format(k=s.red_count),
        t["rule_black"].format(
            k=s.black_count, th=_g(s.black_threshold), conf=f"{100 * conf:.0f}%"
        ),
        t["rule_hardest"].format(k=s.hardest_count, min=s.min_ratings),
        t["rule_flagged"],
        t["rule_escalation"].format(
            head=s.escalate_head_after,
            leader=s.escalate_leader_after,
            esc_head=t["esc_head"],
            esc_leader=t["esc_leader"],
        ),
    ]
    if s.naming == "anonymous":
        rules.append(t["rule_anonymous"])
    return rules


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
