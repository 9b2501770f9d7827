"""Deterministic synthetic aggregates for the 31-unit demo hall (no server needed).

The dict has the shape of ``GET /api/v1/halls/{hall}/aggregates`` (docs/design.md), so the board,
the poster and their tests run the real standings engine on it. The same seed gives the same data.

What the demo shows on purpose: one unit clearly worse than the rest (区城市管理局, many 差评
citing 推 and 冷), a few units with too few ratings to be ranked, some flagged (excluded) ratings,
and a few inspection deductions. Its 101 sections get the ratings their counters' staff took and
a quarter's public review: about 180 answered letters, with a few sections that people find hard
quarter after quarter (the land registry's 登记受理科 above all), so the hardest-sections page
shows places, problems and the escalation of streaks.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from assets import DEMO_ROSTER
from board.hardest import compute_hardest_sections
from board.standings import QuarterOutcome, Standings, compute_standings
from sync.quarter import Quarter
from sync.roster import Roster, parse_roster
from sync.schema import BUILTIN_REASONS

__all__ = [
    "DEMO_ROSTER",
    "FEW_RATINGS_UNITS",
    "WORST_UNIT",
    "previous_quarters",
    "quarter_weeks",
    "sample_aggregates",
    "sample_history",
    "sample_standings",
]


WORST_UNIT = "CGJ"  # 区城市管理局: clearly worse, with enough ratings to be credibly so
FEW_RATINGS_UNITS = ("CLH", "GZC", "LYJ")  # below min_ratings (30): never on a list
# Units a little better than the crowd so the red list is stable across seeds.
_STRONG = {"SWJ": 0.97, "BDC": 0.96, "GAJ": 0.95, "RSJ": 0.945, "GJJ": 0.93}
_WEAK = {"JTJ": 0.78, "ZJW": 0.82}
# Sections people find hard in the demo review: section -> (share of answers naming a problem,
# the indicators they name most).
HARD_SECTIONS: dict[str, tuple[float, tuple[str, ...]]] = {
    "BDC01": (0.62, ("tui", "lan")),
    "CGJ01": (0.55, ("leng", "tui")),
    "MZJ03": (0.5, ("luan", "tan")),
    "SJJ01": (0.38, ("lan", "luan")),
    "RSJ02": (0.33, ("tui", "leng")),
    "JW01": (0.3, ("leng",)),
    "GHZ02": (0.3, ("lan", "tui")),
    "ZJW01": (0.27, ("tui",)),
    "GAJ03": (0.25, ("lan",)),
    "WJW04": (0.24, ("luan",)),
    "SWJ02": (0.2, ("tui",)),
}


def quarter_weeks(quarter: str, until: date | None = None) -> list[date]:
    """The local Mondays of every week touching ``quarter`` (e.g. ``2026Q3``), up to ``until``."""
    first, last = Quarter.parse(quarter).first_day, Quarter.parse(quarter).last_day
    if until is not None:
        last = min(last, until)
    monday = first - timedelta(days=first.weekday())
    weeks: list[date] = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def sample_aggregates(
    quarter: str = "2026Q3",
    *,
    seed: int = 7,
    roster: Roster | None = None,
    anonymous: bool = False,
    misconduct: tuple[str, ...] = (),
    good_hall: bool = False,
    generated_at: datetime | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Aggregates for ``quarter`` of the demo hall.

    ``good_hall`` makes every unit do well (the black list should then be empty);
    ``anonymous`` sets the naming mode to name only the window category on the black list;
    ``today`` cuts the quarter short (a quarter still running has no future weeks).
    """
    roster = roster or parse_roster(DEMO_ROSTER)
    rng = random.Random(f"{seed}-{quarter}")
    tz = ZoneInfo(roster.hall.tz)
    weeks = quarter_weeks(quarter, until=today) or quarter_weeks(quarter)[:1]
    reason_codes = list(BUILTIN_REASONS) + list(roster.reasons)

    counts: list[dict[str, Any]] = []
    reason_counts: list[dict[str, Any]] = []
    for code in roster.units:  # one random stream, unit after unit: the same seed, the same hall
        unit_counts, unit_reasons = _unit_ratings(rng, code, weeks, reason_codes, good_hall)
        counts += unit_counts
        reason_counts += unit_reasons
    inspections = [] if good_hall else _sample_inspections()

    section_counts, section_reasons = _section_ratings(roster, counts, reason_counts)
    review = _sample_review(roster, quarter, rng, good_hall) if roster.sections else None

    settings: dict[str, Any] = dict(roster.settings)
    settings["naming"] = "anonymous" if anonymous else "named"
    reasons = [{"code": c, "name": BUILTIN_REASONS[c][0]} for c in BUILTIN_REASONS]
    reasons += [{"code": r.code, "name": r.name} for r in roster.reasons.values()]
    when = generated_at or datetime(
        weeks[-1].year, weeks[-1].month, weeks[-1].day, 17, 0, tzinfo=tz
    )
    return {
        "hall": {"code": roster.hall.code, "name": roster.hall.name, "tz": roster.hall.tz},
        "quarter": quarter,
        "settings": settings,
        "generated_at": when.isoformat(),
        "categories": [{"code": c.code, "name": c.name} for c in roster.categories.values()],
        "units": [
            {"code": u.code, "name": u.name, "category": u.category} for u in roster.units.values()
        ],
        "reasons": reasons,
        "counts": counts,
        "reason_counts": reason_counts,
        "inspections": inspections,
        "misconduct": list(misconduct),
        "prior_mean": float(roster.settings.get("prior_mean", 90)),
        "sections": [
            {"code": x.code, "name": x.name, "unit": x.unit} for x in roster.sections.values()
        ],
        "section_counts": section_counts,
        "section_reason_counts": section_reasons,
        "review": review,
        "section_misconduct": [],
    }


def _unit_ratings(
    rng: random.Random, code: str, weeks: list[date], reason_codes: list[str], good_hall: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One unit's counts per week × level and its 差评 reasons, drawn from ``rng``."""
    counts: list[dict[str, Any]] = []
    reason_counts: list[dict[str, Any]] = []
    if code in FEW_RATINGS_UNITS:
        per_week = 0.15 + rng.random() * 0.3  # 2 to 6 ratings in the quarter
    else:
        per_week = 20 + rng.random() * 40
    # Share of 非常满意 for this unit; the rest spread over lower levels.
    top = _STRONG.get(code, 0.86 + rng.random() * 0.07)
    top = _WEAK.get(code, top)
    if code == WORST_UNIT and not good_hall:
        top = 0.35
    if good_hall:
        top = max(top, 0.9)
    for wi, week in enumerate(weeks):
        n_week = _poisson(rng, per_week)
        if n_week == 0:
            continue
        # A gentle trend so the weekly chart shows movement, not flat lines.
        drift = (wi - len(weeks) / 2) * 0.003 * (1 if code in _STRONG else -1)
        p5 = min(0.99, max(0.3, top + drift))
        rest = 1 - p5
        bad = rest * (0.6 if code == WORST_UNIT and not good_hall else 0.18)
        probs = [bad * 0.4, bad * 0.6, (rest - bad) * 0.35, (rest - bad) * 0.65, p5]
        by_level = [0] * 5
        for _ in range(n_week):
            by_level[_pick(rng, probs)] += 1
        for li, n in enumerate(by_level):
            level = li + 1
            flagged = 0
            if level == 5 and n and rng.random() < 0.12:
                flagged = rng.randint(3, 9)  # a burst of taps the kiosk flagged
            if n or flagged:
                counts.append(
                    {
                        "unit": code,
                        "week": week.isoformat(),
                        "level": level,
                        "n": n,
                        "flagged": flagged,
                    }
                )
        negatives = by_level[0] + by_level[1]
        cited: dict[str, int] = {}
        for _ in range(negatives):
            reason = _reason_for(rng, code, reason_codes)
            cited[reason] = cited.get(reason, 0) + 1
        for reason, n in sorted(cited.items()):
            reason_counts.append({"unit": code, "week": week.isoformat(), "reason": reason, "n": n})
    return counts, reason_counts


def _sample_inspections() -> list[dict[str, Any]]:
    """The inspectors' points of the demo quarter: the worst unit's deductions, one bonus."""
    return [
        {
            "unit": WORST_UNIT,
            "dimension": "discipline",
            "points": -10.0,
            "note": "迟到早退 3 次、无故离岗 2 次",
        },
        {"unit": WORST_UNIT, "dimension": "image", "points": -4.0, "note": "未按规定着装"},
        {"unit": "JTJ", "dimension": "behaviour", "points": -2.0, "note": "解释不耐心"},
        {
            "unit": "SWJ",
            "dimension": "behaviour",
            "points": 1.0,
            "note": "坚持服务至最后一位群众",
        },
    ]


def _section_ratings(
    roster: Roster, counts: list[dict[str, Any]], reason_counts: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ratings of each unit's counter section (its windows' and staff's section)."""
    counter = {w.unit: w.section for w in roster.windows.values() if w.section}
    levels: dict[tuple[str, int], list[int]] = {}
    for c in counts:
        section = counter.get(c["unit"])
        if section:
            cell = levels.setdefault((section, c["level"]), [0, 0])
            cell[0] += c["n"]
            cell[1] += c["flagged"]
    reasons: dict[tuple[str, str], int] = {}
    for r in reason_counts:
        section = counter.get(r["unit"])
        if section:
            reasons[(section, r["reason"])] = reasons.get((section, r["reason"]), 0) + r["n"]
    return (
        [
            {"section": sec, "level": lv, "n": n, "flagged": f}
            for (sec, lv), (n, f) in sorted(levels.items())
        ],
        [{"section": sec, "reason": r, "n": n} for (sec, r), n in sorted(reasons.items())],
    )


def _sample_review(
    roster: Roster, quarter: str, rng: random.Random, good_hall: bool
) -> dict[str, Any]:
    """A quarter's public review: 1,000 letters (as Nanchuan mails), about 45 % answered."""
    codes = list(roster.sections)
    hard_first = [c for c in HARD_SECTIONS if c in roster.sections]
    answers: dict[str, list[int]] = {}
    problems: dict[tuple[str, str], int] = {}
    responses = 0
    for _ in range(1000):
        if rng.random() > 0.45:
            continue
        responses += 1
        picked = {rng.choice(codes) for _ in range(rng.randint(1, 3))}
        if hard_first and rng.random() < 0.5:
            picked.add(rng.choice(hard_first))  # the busy, hard sections are met more often
        for code in sorted(picked):
            share, usual = HARD_SECTIONS.get(code, (0.06, ("tui", "lan", "leng")))
            if good_hall:
                share = min(share, 0.05)
            cell = answers.setdefault(code, [0, 0])
            cell[0] += 1
            if rng.random() < share:
                cell[1] += 1
                marks = {rng.choice(usual)}
                if rng.random() < 0.3:
                    marks.add(rng.choice(("leng", "lan", "tui", "luan", "tan")))
                for m in marks:
                    problems[(code, m)] = problems.get((code, m), 0) + 1
    return {
        "id": 1,
        "title": f"{Quarter.parse(quarter).label_zh}最难办事科室群众评",
        "closed": False,
        "sections": codes,
        "invitations": 1000,
        "responses": responses,
        "answers": [
            {"section": c, "n": n, "with_problems": p} for c, (n, p) in sorted(answers.items())
        ],
        "problem_counts": [
            {"section": c, "problem": m, "n": n} for (c, m), n in sorted(problems.items())
        ],
    }


def previous_quarters(quarter: str, count: int) -> list[str]:
    """The ``count`` quarters before ``quarter``, oldest first (``2026Q3``, 2 -> Q1, Q2)."""
    out: list[str] = []
    q = Quarter.parse(quarter)
    for _ in range(count):
        q = q.previous()
        out.append(str(q))
    return out[::-1]


def sample_history(
    quarter: str = "2026Q3", *, seed: int = 7, count: int = 2
) -> list[QuarterOutcome]:
    """What the demo hall's earlier quarters left behind (for streaks), oldest first."""
    out = []
    for q in previous_quarters(quarter, count):
        agg = sample_aggregates(q, seed=seed)
        outcome = compute_standings(agg).outcome()
        sections = compute_hardest_sections(agg)
        if sections is not None:
            outcome = replace(outcome, section_top3=sections.top3)
        out.append(outcome)
    return out


def sample_standings(quarter: str = "2026Q3", **kwargs: Any) -> Standings:
    """The demo quarter ranked by the real engine, with the demo history for streaks."""
    seed = kwargs.get("seed", 7)
    return compute_standings(
        sample_aggregates(quarter, **kwargs), history=sample_history(quarter, seed=seed)
    )


def _reason_for(rng: random.Random, unit: str, codes: list[str]) -> str:
    # The worst unit passes the buck and is cold; others spread their few 差评 widely.
    if unit == WORST_UNIT and rng.random() < 0.7:
        return rng.choice(["tui", "tui", "leng"])
    if unit == "JTJ" and rng.random() < 0.5:
        return "lan"
    return rng.choice(codes)


def _pick(rng: random.Random, probs: list[float]) -> int:
    x = rng.random() * sum(probs)
    for i, p in enumerate(probs):
        x -= p
        if x < 0:
            return i
    return len(probs) - 1


def _poisson(rng: random.Random, lam: float) -> int:
    # Normal approximation is fine for large means; exact inversion for small ones.
    if lam > 30:
        return max(0, round(rng.gauss(lam, lam**0.5)))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p < limit:
            return k
        k += 1
