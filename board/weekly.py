"""The weekly satisfaction series the wall's chart and the quarter's report both draw.

Pure functions of the engine's ``Standings`` (Qt-free), so the board and the PDF agree.
"""

from __future__ import annotations

from board.standings import Standings, UnitStanding

__all__ = ["hall_weekly", "weekly_series"]


def weekly_series(standings: Standings, each: int = 3) -> list[tuple[UnitStanding, bool]]:
    """The units the chart draws: the ``each`` best and ``each`` lowest ranked, (unit, is_best)."""
    ranked = [u for u in standings.units if u.rank is not None and u.weekly]
    ranked.sort(key=lambda u: u.rank or 0)
    best = ranked[:each]
    worst = [u for u in ranked[-each:] if u not in best]
    return [(u, True) for u in best] + [(u, False) for u in worst]


def hall_weekly(standings: Standings) -> dict[str, float]:
    """The whole hall's mean points per week (weighted by each unit's ratings)."""
    totals: dict[str, tuple[float, int]] = {}
    for u in standings.units:
        for week, mean, n in u.weekly:
            s, c = totals.get(week, (0.0, 0))
            totals[week] = (s + mean * n, c + n)
    return {w: s / c for w, (s, c) in sorted(totals.items()) if c}
