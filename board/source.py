"""Where the wall board's data comes from: the central store's aggregates, ranked.

``AggregatesPoller`` makes one conditional request: it sends the last ``ETag`` in
``If-None-Match``, so an unchanged quarter costs the server a 304 and us nothing.
``board._qt.source.BoardSource`` runs it on a background thread and hands ``BoardData`` and
``SourceStatus`` to the wall screen.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from board.hardest import SectionRanking, compute_hardest_sections
from board.history import fetch_history
from board.published import standings_of
from board.standings import QuarterOutcome, Standings
from sync.client import ApiError, BoardClient

__all__ = [
    "AggregatesPoller",
    "BoardData",
    "PollResult",
    "SourceStatus",
    "compute_board_data",
]

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 2.0
REQUEST_TIMEOUT_S = 5.0
# Past quarters change rarely (appeals), so their outcomes are fetched again only this often.
HISTORY_REFRESH_S = 600.0


@dataclass(frozen=True)
class BoardData:
    """What the board shows: the ranked standings and the aggregates they came from."""

    standings: Standings
    aggregates: dict[str, Any]
    # The hardest sections (board.hardest); None for a hall without sections (unit view).
    sections: SectionRanking | None = None


@dataclass(frozen=True)
class SourceStatus:
    """The connection as the header shows it.

    ``updated_at``: when the server last confirmed our data (a 200 or a 304), or None before any.
    ``lost_since``: the first failed poll since the last success, or None while connected.
    """

    updated_at: datetime | None
    lost_since: datetime | None = None
    error: str | None = None

    @property
    def online(self) -> bool:
        return self.lost_since is None


@dataclass(frozen=True)
class PollResult:
    """One poll: new aggregates (``aggregates``), unchanged (304), or an error message."""

    aggregates: dict[str, Any] | None = None
    unchanged: bool = False
    error: str | None = None
    history: tuple[QuarterOutcome, ...] = ()  # earlier quarters, for streaks


class AggregatesPoller:
    """Conditional GETs of one hall's quarter aggregates through ``sync.client.BoardClient``.

    Keeps the ETag between calls; never raises: every failure becomes ``PollResult.error``.
    """

    def __init__(
        self,
        server: str,
        token: str,
        hall: str,
        quarter: str,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.hall = hall
        self.quarter = quarter
        self._etag: str | None = None
        self._history: list[QuarterOutcome] | None = None
        self._history_at = 0.0
        self._client = BoardClient(server, token, transport=transport, timeout=REQUEST_TIMEOUT_S)

    def poll(self) -> PollResult:
        try:
            r = self._client.aggregates(self.hall, self.quarter, etag=self._etag)
        except ApiError as e:
            return PollResult(error=f"HTTP {e.status}: {e.detail}" if e.status else e.detail)
        except (httpx.HTTPError, ValueError) as e:  # a broken body or transport oddity
            return PollResult(error=f"{type(e).__name__}: {e}")
        if r.not_modified:
            return PollResult(unchanged=True)
        if not isinstance(r.data, dict):
            return PollResult(error="the server's answer is not an aggregates object")
        self._etag = r.etag
        return PollResult(aggregates=r.data, history=tuple(self.history()))

    def history(self) -> list[QuarterOutcome]:
        """The earlier quarters' outcomes for streaks (``board.history``), refreshed rarely."""
        now = time.monotonic()
        if self._history is not None and now - self._history_at < HISTORY_REFRESH_S:
            return self._history
        self._history, self._history_at = fetch_history(self._client, self.hall, self.quarter), now
        return self._history

    def close(self) -> None:
        self._client.close()


def compute_board_data(
    aggregates: dict[str, Any], history: Sequence[QuarterOutcome] = ()
) -> BoardData:
    """Rank the quarter (the pure engine; safe to call on any thread), or take its published
    standings when the quarter is closed."""
    return BoardData(
        standings=standings_of(aggregates, history=history),
        aggregates=aggregates,
        sections=compute_hardest_sections(aggregates, history=history),
    )
