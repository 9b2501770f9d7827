"""Earlier quarters' outcomes for the streaks (Qt-free: the board's poller and the export use it)."""

from __future__ import annotations

import logging
from dataclasses import replace

import httpx

from board.hardest import compute_hardest_sections
from board.published import standings_of
from board.standings import QuarterOutcome
from sync.client import ApiError, BoardClient
from sync.quarter import Quarter

__all__ = ["HISTORY_QUARTERS", "fetch_history"]

log = logging.getLogger(__name__)

# The hall's rules escalate at 2 and 3 quarters in a row: three quarters back is enough.
HISTORY_QUARTERS = 3


def fetch_history(
    client: BoardClient, hall: str, quarter: str, quarters: int = HISTORY_QUARTERS
) -> list[QuarterOutcome]:
    """The black lists and hardest top 3 (units, and sections where the hall has them) of the
    quarters before ``quarter``, oldest first.

    Stops at the first quarter the store cannot give (or that has no ratings): a streak needs
    consecutive quarters, so nothing before a gap can count.
    """
    out: list[QuarterOutcome] = []
    for _ in range(quarters):
        quarter = str(Quarter.parse(quarter).previous())
        try:
            r = client.aggregates(hall, quarter)
        except (ApiError, httpx.HTTPError, ValueError) as e:
            log.info("no history for %s: %s", quarter, e)
            break
        if not isinstance(r.data, dict) or not r.data.get("counts"):
            break
        # A closed quarter counts as it was published, not as ranked again today.
        outcome = standings_of(r.data).outcome()
        sections = compute_hardest_sections(r.data)
        if sections is not None:
            outcome = replace(outcome, section_top3=sections.top3)
        out.append(outcome)
    return out[::-1]
