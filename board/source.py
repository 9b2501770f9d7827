"""Where the wall board's data comes from: the central store, polled off the GUI thread.

``AggregatesPoller`` (no Qt) makes one conditional request: it sends the last ``ETag`` in
``If-None-Match``, so an unchanged quarter costs the server a 304 and us nothing.
``BoardSource`` runs the poller every ``interval_s`` seconds on a background thread, computes the
standings there too, and hands results to the GUI thread by Qt signals (queued across threads):

* ``standings_changed(BoardData)`` when new aggregates arrived and were ranked;
* ``status_changed(SourceStatus)`` after every poll: when the server last confirmed the data
  ("数据更新于 …") and, while it cannot be reached, since when ("连接已中断").

The last standings stay with the GUI when the server is unreachable: the board never blanks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from PySide6.QtCore import QObject, Signal

from board.standings import QuarterOutcome, Standings, compute_standings
from sync.client import ApiError, BoardClient
from sync.schema import previous_quarter

__all__ = [
    "AggregatesPoller",
    "BoardData",
    "BoardSource",
    "PollResult",
    "SourceStatus",
    "StaticSource",
    "compute_board_data",
]

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 2.0
REQUEST_TIMEOUT_S = 5.0
# Streaks look this many quarters back (the hall's rules escalate at 2 and 3 in a row); past
# quarters change rarely (appeals), so their outcomes are fetched again only this often.
HISTORY_QUARTERS = 3
HISTORY_REFRESH_S = 600.0


@dataclass(frozen=True)
class BoardData:
    """What the board shows: the ranked standings and the aggregates they came from."""

    standings: Standings
    aggregates: dict[str, Any]


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
        """The earlier quarters' black lists and hardest top 3, oldest first, for streaks.

        Stops at the first quarter the store cannot give (or that has no ratings): a streak
        needs consecutive quarters, so nothing before a gap can count.
        """
        now = time.monotonic()
        if self._history is not None and now - self._history_at < HISTORY_REFRESH_S:
            return self._history
        out: list[QuarterOutcome] = []
        quarter = self.quarter
        for _ in range(HISTORY_QUARTERS):
            quarter = previous_quarter(quarter)
            try:
                r = self._client.aggregates(self.hall, quarter)
            except (ApiError, httpx.HTTPError, ValueError) as e:
                log.info("no history for %s: %s", quarter, e)
                break
            if not isinstance(r.data, dict) or not r.data.get("counts"):
                break
            out.append(compute_standings(r.data).outcome())
        self._history, self._history_at = out[::-1], now
        return self._history

    def close(self) -> None:
        self._client.close()


def compute_board_data(
    aggregates: dict[str, Any], history: Sequence[QuarterOutcome] = ()
) -> BoardData:
    """Rank the quarter (the pure engine; safe to call on any thread)."""
    return BoardData(
        standings=compute_standings(aggregates, history=history), aggregates=aggregates
    )


class BoardSource(QObject):
    """Polls the store on a background thread; emits results to the GUI thread."""

    standings_changed = Signal(object)  # BoardData
    status_changed = Signal(object)  # SourceStatus

    def __init__(
        self,
        poller: AggregatesPoller,
        *,
        interval_s: float = POLL_INTERVAL_S,
        compute: Callable[
            [dict[str, Any], Sequence[QuarterOutcome]], BoardData
        ] = compute_board_data,
        clock: Callable[[], datetime] = lambda: datetime.now().astimezone(),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._poller = poller
        self._interval_s = interval_s
        self._compute = compute
        self._clock = clock
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.status = SourceStatus(updated_at=None)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="board-source", daemon=True)
        self._thread.start()

    def poll_now(self) -> None:
        """Skip the rest of the current wait (e.g. after the operator pressed F5)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop polling and wait for the thread; safe to call twice."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=REQUEST_TIMEOUT_S + 5)
            self._thread = None
        self._poller.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._poll_once()
            self._wake.wait(self._interval_s)
            self._wake.clear()

    def _poll_once(self) -> None:
        result = self._poller.poll()
        now = self._clock()
        if self._stop.is_set():
            return
        if result.error is not None:
            if self.status.online:
                log.warning("board lost the server: %s", result.error)
            self.status = SourceStatus(
                updated_at=self.status.updated_at,
                lost_since=self.status.lost_since or now,
                error=result.error,
            )
        elif result.aggregates is not None:
            try:
                data = self._compute(result.aggregates, result.history)
            except Exception as e:  # a bad answer must not kill the poller; keep the last data
                log.exception("could not rank the aggregates")
                self.status = SourceStatus(
                    updated_at=self.status.updated_at,
                    lost_since=self.status.lost_since or now,
                    error=f"无法计算排名: {e}",
                )
            else:
                self.standings_changed.emit(data)
                self.status = SourceStatus(updated_at=now)
        else:
            if not self.status.online:
                log.info("board reached the server again")
            self.status = SourceStatus(updated_at=now)
        self.status_changed.emit(self.status)


class StaticSource(QObject):
    """A source with fixed data (``--demo-data``, screenshots, tests): emits once on start."""

    standings_changed = Signal(object)
    status_changed = Signal(object)

    def __init__(self, data: BoardData, *, updated_at: datetime | None = None) -> None:
        super().__init__()
        self._data = data
        self.status = SourceStatus(updated_at=updated_at or datetime.now().astimezone())

    def start(self) -> None:
        self.standings_changed.emit(self._data)
        self.status_changed.emit(self.status)

    def poll_now(self) -> None:
        pass

    def stop(self) -> None:
        pass
